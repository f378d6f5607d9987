package exec

import (
	"math/rand/v2"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sim"
)

// Fee rounding for accounting, checked by hand.
func TestFeeRoundingTable(t *testing.T) {
	m7 := scan.FeeModel{Rate: 70_000, Exponent: 1}
	m1 := scan.FeeModel{Rate: 10_000, Exponent: 1}
	halfUp5, up5, down5 := FeeRounding{}, FeeRounding{Mode: RoundUp}, FeeRounding{Decimals: 5, Mode: RoundDown}
	halfUp4, down4 := FeeRounding{Decimals: 4}, FeeRounding{Decimals: 4, Mode: RoundDown}
	cases := []struct {
		name string
		r    FeeRounding
		m    scan.FeeModel
		p    book.Price
		s    book.Size
		want int64
	}{
		// 40 × 0.07 × 0.33 × 0.67 = 0.61908 exactly.
		{"exact, half-up", halfUp5, m7, 330_000, 40_000_000, 619_080},
		{"exact, up", up5, m7, 330_000, 40_000_000, 619_080},
		{"exact, down", down5, m7, 330_000, 40_000_000, 619_080},
		{"4 decimals half-up: 0.6191", halfUp4, m7, 330_000, 40_000_000, 619_100},
		{"4 decimals down: 0.6190", down4, m7, 330_000, 40_000_000, 619_000},
		// 0.002 × 0.01 × 0.25 = 0.000005: a tie rounds up.
		{"tie, half-up", halfUp5, m1, 500_000, 2_000, 10},
		{"tie, down", down5, m1, 500_000, 2_000, 0},
		// 0.001999 × 0.0025 = 0.0000049975: below the half.
		{"below half, half-up", halfUp5, m1, 500_000, 1_999, 0},
		{"below half, up", up5, m1, 500_000, 1_999, 10},
		// 0.002001 × 0.0025 = 0.0000050025: above the half.
		{"above half, half-up", halfUp5, m1, 500_000, 2_001, 10},
		{"above half, down", down5, m1, 500_000, 2_001, 0},
		// 10.37 × 0.07 × 0.57 × 0.43 = 0.17791809 → 0.17792 (half-up, up), 0.17791 (down).
		{"typical, half-up", halfUp5, m7, 570_000, 10_370_000, 177_920},
		{"typical, up", up5, m7, 570_000, 10_370_000, 177_920},
		{"typical, down", down5, m7, 570_000, 10_370_000, 177_910},
		// 10.37 × 0.07 × 0.51 × 0.49 = 0.18140241 → 0.18140 (half-up, down), 0.18141 (up).
		{"half-up rounds down", halfUp5, m7, 510_000, 10_370_000, 181_400},
		{"up rounds up", up5, m7, 510_000, 10_370_000, 181_410},
		{"fee-free", halfUp5, scan.FeeModel{}, 500_000, 10_000_000, 0},
		{"no shares", halfUp5, m7, 500_000, 0, 0},
	}
	for _, c := range cases {
		if got := c.r.FeeMicro(c.m, c.p, c.s); got != c.want {
			t.Errorf("%s: %d µ$, want %d", c.name, got, c.want)
		}
	}
}

// The default rounding books exactly what the simulated venue charges
// (sim.Fee: exact big-integer arithmetic, half-up at 5 decimals), on
// random trades, exponents 1 and 2 — including fees just around a half.
func TestFeeRoundingMatchesVenue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20_000
	if testing.Short() {
		n = 3_000
	}
	var r FeeRounding
	for k := 0; k < n; k++ {
		rate := int64(rng.IntN(250_001))
		e := 1 + rng.IntN(2)
		p := book.Price(1 + rng.IntN(999_999))
		s := book.Size(1 + rng.Int64N(5_000_000_000))
		want := sim.Fee(sim.FeeParams{Rate: rate, Exponent: e}, p, s)
		if got := r.FeeMicro(scan.FeeModel{Rate: uint32(rate), Exponent: uint8(e)}, p, s); got != want {
			t.Fatalf("rate %d e %d p %d s %d: booked %d µ$, venue charges %d", rate, e, p, s, got, want)
		}
	}
}

func TestFeeRoundingConfig(t *testing.T) {
	for _, r := range []FeeRounding{{Decimals: 7}, {Mode: RoundDown + 1}} {
		cfg := Config{Registry: book.NewRegistry(), FeeRounding: r}
		if err := cfg.setDefaults(); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// A trade first reported without a fee is booked at the venue's rounding;
// a later report carrying the venue's fee replaces it (once), and the
// books follow.
func TestTradeFeeFromVenue(t *testing.T) {
	fees := []scan.FeeModel{{Rate: 70_000, Exponent: 1}, {}, {}}
	f := newAboveFixture(t, fees, false, 1, nil)
	out, _ := f.submit(t)
	if out.Kind != OutFilled {
		t.Fatal(out)
	}
	x := f.x
	b := &x.slots[x.open[len(x.open)-1]]
	l := &b.legs[0] // 10 shares at 0.31: 10 × 0.07 × 0.31 × 0.69 = 0.14973
	x.applyTrade(b.id, l, []byte("t1"), tradeMatched, 310_000, 10_000_000, 0, false)
	if got := l.trades[0].fee; got != 149_730 || l.trades[0].feeVenue {
		t.Fatalf("computed fee %d (venue %v), want 149730", got, l.trades[0].feeVenue)
	}
	feesAfterCalc := x.fees
	// The venue says 0.1497 (it rounded to 4 decimals, say): its amount wins.
	x.applyTrade(b.id, l, []byte("t1"), tradeMatched, 310_000, 10_000_000, 149_700, true)
	if got := l.trades[0].fee; got != 149_700 || !l.trades[0].feeVenue {
		t.Fatalf("venue fee not taken: %d", got)
	}
	if x.fees != feesAfterCalc-30 {
		t.Fatalf("books: fees %d, want %d", x.fees, feesAfterCalc-30)
	}
	// A later status without a fee keeps the venue's; a second venue
	// amount changes nothing (the first one is the venue's word).
	x.applyTrade(b.id, l, []byte("t1"), tradeConfirmed, 310_000, 10_000_000, 0, false)
	x.applyTrade(b.id, l, []byte("t1"), tradeConfirmed, 310_000, 10_000_000, 1, true)
	if tr := l.trades[0]; tr.fee != 149_700 || tr.status != tradeConfirmed {
		t.Fatalf("trade %+v", tr)
	}
}
