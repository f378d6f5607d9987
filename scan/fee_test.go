package scan

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/hotpath/hotpath/book"
)

const share = book.OneShare

// TestFeeVectors: test-vectors.md §8 (Polymarket clob-client-v2
// feeCalculations.test.ts): rate 0.25, exponent 2, 100 shares.
func TestFeeVectors(t *testing.T) {
	m := FeeModel{Rate: 250_000, Exponent: 2}
	cases := []struct {
		p book.Price
		// exact fee in 1e-8 USDC (every vector is exact at 8 decimals)
		exact8 int64
		// rounded up to 5 decimals (1e-5 units) and to 4 decimals
		up5, up4 int64
		// FeeMicroUp at 5 decimals (micro-dollars)
		micro5 int64
	}{
		// 100 × 0.25 × (0.5·0.5)² = 25 × 0.0625 = 1.5625
		{500_000, 156_250_000, 156_250, 15_625, 1_562_500},
		// 25 × (0.3·0.7)² = 25 × 0.0441 = 1.1025
		{300_000, 110_250_000, 110_250, 11_025, 1_102_500},
		{700_000, 110_250_000, 110_250, 11_025, 1_102_500},
		// 25 × (0.1·0.9)² = 25 × 0.0081 = 0.2025
		{100_000, 20_250_000, 20_250, 2_025, 202_500},
		// 25 × (0.05·0.95)² = 25 × 0.00225625 = 0.05640625 → 0.05641 (5 dp) → 0.0565 (4 dp)
		{50_000, 5_640_625, 5_641, 565, 56_410},
		// 25 × (0.01·0.99)² = 25 × 0.00009801 = 0.00245025 → 0.00246 → 0.0025
		{10_000, 245_025, 246, 25, 2_460},
	}
	for _, c := range cases {
		f, exact := m.FeeUp(c.p, 100*share, 8)
		if f != c.exact8 || !exact {
			t.Errorf("p=%v: FeeUp(8dp) = %d exact=%v, want %d exact", c.p, f, exact, c.exact8)
		}
		f, exact = m.FeeUp(c.p, 100*share, 5)
		wantExact := c.exact8%1000 == 0
		if f != c.up5 || exact != wantExact {
			t.Errorf("p=%v: FeeUp(5dp) = %d exact=%v, want %d exact=%v", c.p, f, exact, c.up5, wantExact)
		}
		if f, _ = m.FeeUp(c.p, 100*share, 4); f != c.up4 {
			t.Errorf("p=%v: FeeUp(4dp) = %d, want %d", c.p, f, c.up4)
		}
		if got := m.FeeMicroUp(c.p, 100*share, 5); got != c.micro5 {
			t.Errorf("p=%v: FeeMicroUp(5) = %d, want %d", c.p, got, c.micro5)
		}
	}
}

// TestFeeTable: other rates, exponents and sizes, each checked by hand.
func TestFeeTable(t *testing.T) {
	cases := []struct {
		name  string
		m     FeeModel
		p     book.Price
		s     book.Size
		dec   uint8
		want  int64
		exact bool
	}{
		// current docs: 100 × 0.03 × 0.5·0.5 = 0.75 (test-vectors §8 derived)
		{"sports 0.03 e1", FeeModel{Rate: 30_000, Exponent: 1}, 500_000, 100 * share, 5, 75_000, true},
		// 100 × 0.07 × 0.25 = 1.75
		{"crypto 0.07 e1", FeeModel{Rate: 70_000, Exponent: 1}, 500_000, 100 * share, 5, 175_000, true},
		// 7 × 0.0175 × 0.33·0.67 = 0.1225 × 0.2211 = 0.02708475 → 0.02709 (5 dp)
		{"ncaab 0.0175", FeeModel{Rate: 17_500, Exponent: 1}, 330_000, 7 * share, 5, 2_709, false},
		// same at 8 dp: exact 2_708_475
		{"ncaab 8dp", FeeModel{Rate: 17_500, Exponent: 1}, 330_000, 7 * share, 8, 2_708_475, true},
		// exponent 0: 10 × 0.02 = 0.2 whatever the price
		{"e0", FeeModel{Rate: 20_000}, 123_000, 10 * share, 5, 20_000, true},
		// exponent 3: 1 × 1.0 × 0.25³ = 0.015625
		{"e3", FeeModel{Rate: 1_000_000, Exponent: 3}, 500_000, share, 6, 15_625, true},
		// exponent 4: 2 × 0.5 × 0.25⁴ = 0.00390625 → 0.0039063 (7 dp, up)
		{"e4", FeeModel{Rate: 500_000, Exponent: 4}, 500_000, 2 * share, 7, 39_063, false},
		{"e4 exact", FeeModel{Rate: 500_000, Exponent: 4}, 500_000, 2 * share, 8, 390_625, true},
		// one micro-share: 1e-6 × 0.07 × 0.25 = 1.75e-8 → 0.00001 (5 dp, up)
		{"tiny", FeeModel{Rate: 70_000, Exponent: 1}, 500_000, 1, 5, 1, false},
		// zero-fee market
		{"zero", FeeModel{}, 500_000, 100 * share, 5, 0, true},
		// p = 0 and p = 1 with e ≥ 1: p(1−p) = 0
		{"p0", FeeModel{Rate: 70_000, Exponent: 1}, 0, 100 * share, 5, 0, true},
		{"p1", FeeModel{Rate: 70_000, Exponent: 2}, book.One, 100 * share, 5, 0, true},
		// 0.04 × 0.09 × 0.91 = 0.003276 per share; × 100 = 0.3276
		{"politics", FeeModel{Rate: 40_000, Exponent: 1}, 90_000, 100 * share, 5, 32_760, true},
		// 12 dp per share at 0.47, e2 rate 0.25: 0.25 × (0.47·0.53)² = 0.25 × 0.0620517... = 0.015512...
		// 0.2491² = 0.06205081 → × 0.25 = 0.0155127025 (exact at 10 dp)
		{"pico", FeeModel{Rate: 250_000, Exponent: 2}, 470_000, share, 12, 15_512_702_500, true},
	}
	for _, c := range cases {
		f, exact := c.m.FeeUp(c.p, c.s, c.dec)
		if f != c.want || exact != c.exact {
			t.Errorf("%s: FeeUp = %d exact=%v, want %d exact=%v", c.name, f, exact, c.want, c.exact)
		}
	}
}

func TestFeeSaturatesAndRejects(t *testing.T) {
	// 9e12 shares × rate 1 at e0 = $9e12 = 9e18 µ$: fits at 6 dp, not at 12.
	m := FeeModel{Rate: RateMax}
	if f := m.FeeMicroUp(500_000, 9e18, 6); f != 9e18 {
		t.Errorf("big fee = %d", f)
	}
	if f, ok := m.FeeUp(500_000, 9e18, 12); f != math.MaxInt64 || ok {
		t.Errorf("overflowing fee = %d, %v; want saturation", f, ok)
	}
	bad := FeeModel{Rate: RateMax + 1}
	if bad.Validate() == nil {
		t.Error("rate above 1 validated")
	}
	if f, _ := bad.FeeUp(500_000, share, 5); f != math.MaxInt64 {
		t.Errorf("invalid model fee = %d; want MaxInt64", f)
	}
	if (FeeModel{Rate: 1, Exponent: 5}).Validate() == nil {
		t.Error("exponent 5 validated")
	}
	if f, ok := (FeeModel{Rate: 70_000, Exponent: 1}).FeeUp(500_000, -5, 5); f != 0 || !ok {
		t.Errorf("negative size fee = %d", f)
	}
}

// bigFee is the reference: shares·rate·(p(1−p))^e in 10^-dec USDC, rounded
// up, with math/big rationals.
func bigFee(m FeeModel, p book.Price, s book.Size, dec uint8) (int64, bool) {
	mic := big.NewRat(1, 1_000_000)
	pr := new(big.Rat).Mul(big.NewRat(int64(p), 1), mic)
	q := new(big.Rat).Sub(big.NewRat(1, 1), pr)
	pq := new(big.Rat).Mul(pr, q)
	x := new(big.Rat).Mul(big.NewRat(int64(s), 1), mic)
	x.Mul(x, new(big.Rat).Mul(big.NewRat(int64(m.Rate), 1), mic))
	for i := uint8(0); i < m.Exponent; i++ {
		x.Mul(x, pq)
	}
	x.Mul(x, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dec)), nil)))
	quo, rem := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	exact := rem.Sign() == 0
	if !exact {
		quo.Add(quo, big.NewInt(1))
	}
	return quo.Int64(), exact
}

func TestFeeMatchesBigRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 3000
	}
	for i := 0; i < n; i++ {
		m := FeeModel{Rate: uint32(rng.IntN(RateMax + 1)), Exponent: uint8(rng.IntN(MaxFeeExponent + 1))}
		p := book.Price(rng.IntN(book.Scale + 1))
		s := book.Size(rng.Int64N(int64(1_000_000 * share))) // up to 1e6 shares
		dec := uint8(rng.IntN(9))                            // 0..8: fits int64 for these sizes
		got, gotExact := m.FeeUp(p, s, dec)
		want, wantExact := bigFee(m, p, s, dec)
		if got != want || gotExact != wantExact {
			t.Fatalf("%+v p=%d s=%d dec=%d: got %d/%v, want %d/%v", m, p, s, dec, got, gotExact, want, wantExact)
		}
		// FeeMicroUp is FeeUp at FeeDecimals scaled back to micro-dollars.
		fd := uint8(rng.IntN(7))
		w, _ := bigFee(m, p, s, fd)
		if got := m.FeeMicroUp(p, s, fd); got != w*int64(pow10[6-fd]) {
			t.Fatalf("%+v p=%d s=%d fd=%d: FeeMicroUp %d, want %d", m, p, s, fd, got, w*int64(pow10[6-fd]))
		}
	}
}

// FuzzFeeUp: never panics, agrees with math/big, and rounding up to fewer
// decimals never gives less.
func FuzzFeeUp(f *testing.F) {
	f.Add(uint32(250_000), uint8(2), uint32(500_000), int64(100_000_000), uint8(5))
	f.Add(uint32(70_000), uint8(1), uint32(10_000), int64(1), uint8(0))
	f.Add(uint32(RateMax), uint8(4), uint32(999_999), int64(math.MaxInt64), uint8(12))
	f.Fuzz(func(t *testing.T, rate uint32, e uint8, p uint32, s int64, dec uint8) {
		m := FeeModel{Rate: rate, Exponent: e}
		got, _ := m.FeeUp(book.Price(p), book.Size(s), dec)
		if m.Validate() != nil || p > book.Scale {
			if got != math.MaxInt64 {
				t.Fatalf("invalid input gave %d", got)
			}
			return
		}
		if dec > MaxFeeDecimals {
			dec = MaxFeeDecimals
		}
		if s < 0 {
			s = 0
		}
		want, _ := bigFee(m, book.Price(p), book.Size(s), dec)
		if got != math.MaxInt64 && got != want {
			t.Fatalf("FeeUp = %d, big = %d", got, want)
		}
	})
}

// TestPerSharePico: the walk's per-share fee bound equals FeeUp of one
// share at 12 decimals (the e=2 shortcut included).
func TestPerSharePico(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		m := FeeModel{Rate: uint32(rng.IntN(RateMax + 1)), Exponent: uint8(rng.IntN(MaxFeeExponent + 1))}
		p := book.Price(rng.IntN(book.Scale + 1))
		want, _ := bigFee(m, p, share, 12)
		if got := m.perSharePico(p); got != want {
			t.Fatalf("%+v p=%d: %d, want %d", m, p, got, want)
		}
	}
}
