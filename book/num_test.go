package book

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

func TestParsePriceTable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Price
		err  error
	}{
		{"0.48", 480_000, nil},
		{".48", 480_000, nil},
		{"1", One, nil},
		{"0", 0, nil},
		{"0.5", 500_000, nil},
		{"0.999", 999_000, nil},
		{"0.0001", 100, nil},
		{"0.000001", 1, nil},
		{"1.000", One, nil},
		{"1.000000000000", One, nil},
		{"00.5", 500_000, nil},
		{"0.50", 500_000, nil},
		{"5.", 0, ErrAboveOne},
		{"1.", One, nil},
		{"+0.5", 500_000, nil},
		{"", 0, ErrEmpty},
		{"219.217767", 0, ErrAboveOne},
		{"0.1234567", 0, ErrPrecision},
		{"0.1234560", 123_456, nil},
		{"1.01", 0, ErrAboveOne},
		{"1.0000001", 0, ErrPrecision},
		{"-0.1", 0, ErrNegative},
		{"-0", 0, ErrNegative},
		{"abc", 0, ErrSyntax},
		{".", 0, ErrSyntax},
		{"+", 0, ErrSyntax},
		{"+.", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"0x1", 0, ErrSyntax},
		{" 0.5", 0, ErrSyntax},
		{"0.5 ", 0, ErrSyntax},
		{"0.5.1", 0, ErrSyntax},
		{"0,5", 0, ErrSyntax},
		{"NaN", 0, ErrSyntax},
		{"4294", 0, ErrAboveOne},
		{"4295", 0, ErrRange},
		{strings.Repeat("9", 40), 0, ErrRange},
		{"0." + strings.Repeat("0", 200) + "1", 0, ErrPrecision},
		{"0.5" + strings.Repeat("0", 200), 500_000, nil},
		{strings.Repeat("0", 300) + ".25", 250_000, nil},
	} {
		got, err := ParsePrice([]byte(tc.in))
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("ParsePrice(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseSizeTable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		err  error
	}{
		{"0", 0, nil},
		{"110000", 110_000 * OneShare, nil},
		{"7.52", 7_520_000, nil},
		{"219.217767", 219_217_767, nil},
		{".48", 480_000, nil},
		{"1.000", OneShare, nil},
		{"00.5", 500_000, nil},
		{"0.1234567", 0, ErrPrecision},
		{"0.0000001", 0, ErrPrecision},
		{"-0.1", 0, ErrNegative},
		{"", 0, ErrEmpty},
		{"abc", 0, ErrSyntax},
		{".", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"9223372036854.775807", math.MaxInt64, nil},
		{"9223372036854.775808", 0, ErrRange},
		{"9223372036855", 0, ErrRange},
		{strings.Repeat("1", 30), 0, ErrRange},
		{strings.Repeat("9", 400), 0, ErrRange},
	} {
		got, err := ParseSize([]byte(tc.in))
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseTick(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Tick
		err  error
	}{
		{"0.1", Tick0_1, nil}, {"0.01", Tick0_01, nil}, {"0.005", Tick0_005, nil},
		{"0.0025", Tick0_0025, nil}, {"0.001", Tick0_001, nil}, {"0.0001", Tick0_0001, nil},
		{".01", Tick0_01, nil}, {"0.010", Tick0_01, nil},
		{"0.02", 0, ErrTick}, {"1", 0, ErrTick}, {"0", 0, ErrTick}, {"2", 0, ErrRange},
		{"", 0, ErrEmpty}, {"x", 0, ErrSyntax}, {"0.00001", 0, ErrTick},
	} {
		got, err := ParseTick([]byte(tc.in))
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("ParseTick(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, tk := range []Tick{Tick0_1, Tick0_01, Tick0_005, Tick0_0025, Tick0_001, Tick0_0001} {
		if got, err := ParseTick([]byte(tk.String())); err != nil || got != tk {
			t.Errorf("ParseTick(%q) = %v, %v", tk.String(), got, err)
		}
	}
	if Tick0_01.Levels() != 101 || Tick0_0001.Levels() != 10001 || Tick0_0025.Levels() != 401 {
		t.Error("Levels wrong")
	}
}

func TestParsePriceOnGrid(t *testing.T) {
	if p, err := ParsePriceOnGrid([]byte("0.48"), Tick0_01); err != nil || p != 480_000 {
		t.Errorf("0.48 on 0.01: %v %v", p, err)
	}
	if _, err := ParsePriceOnGrid([]byte("0.485"), Tick0_01); !errors.Is(err, ErrOffGrid) {
		t.Errorf("0.485 on 0.01: %v", err)
	}
	if _, err := ParsePriceOnGrid([]byte("0.485"), 0); !errors.Is(err, ErrOffGrid) {
		t.Errorf("zero tick: %v", err)
	}
	if _, err := ParsePriceOnGrid([]byte("x"), Tick0_01); !errors.Is(err, ErrSyntax) {
		t.Errorf("syntax: %v", err)
	}
	if !Price(10_000).Tradeable(Tick0_01) || Price(0).Tradeable(Tick0_01) || One.Tradeable(Tick0_01) ||
		!Price(990_000).Tradeable(Tick0_01) || Price(995_000).Tradeable(Tick0_01) {
		t.Error("Tradeable wrong")
	}
	if Price(300_000).Complement() != 700_000 {
		t.Error("Complement wrong")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want string
	}{
		{0, "0"}, {1, "0.000001"}, {500_000, "0.5"}, {480_000, "0.48"}, {1_000_000, "1"},
		{7_520_000, "7.52"}, {219_217_767, "219.217767"}, {110_000_000_000, "110000"}, {100, "0.0001"},
	} {
		if got := string(AppendSize(nil, Size(tc.v))); got != tc.want {
			t.Errorf("AppendSize(%d) = %q want %q", tc.v, got, tc.want)
		}
		if tc.v <= Scale {
			if got := string(AppendPrice(nil, Price(tc.v))); got != tc.want {
				t.Errorf("AppendPrice(%d) = %q want %q", tc.v, got, tc.want)
			}
		}
	}
	if got := AppendSize(nil, -7_520_000); string(got) != "-7.52" {
		t.Errorf("negative size: %s", got)
	}
	if got := AppendSize(nil, math.MinInt64); string(got) != "-9223372036854.775808" {
		t.Errorf("MinInt64: %s", got)
	}
	if Price(480_000).String() != "0.48" || Size(5).String() != "0.000005" || Tick0_0025.String() != "0.0025" {
		t.Error("String methods")
	}
}

// TestRoundTrip: parse(format(x)) == x over every price on the finest grid
// and a spread of sizes.
func TestRoundTrip(t *testing.T) {
	var buf []byte
	for p := Price(0); p <= One; p += 7 {
		buf = AppendPrice(buf[:0], p)
		if got, err := ParsePrice(buf); err != nil || got != p {
			t.Fatalf("price %d -> %q -> %d, %v", p, buf, got, err)
		}
	}
	for _, s := range []Size{0, 1, 9, 10, 999_999, 1_000_000, 1_000_001, 123_456_789_012, math.MaxInt64} {
		buf = AppendSize(buf[:0], s)
		if got, err := ParseSize(buf); err != nil || got != s {
			t.Fatalf("size %d -> %q -> %d, %v", s, buf, got, err)
		}
	}
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		p        Price
		s        Size
		up, down int64
	}{
		{500_000, 3, 2, 1}, // 1.5 micro-dollars
		{480_000, 10 * OneShare, 4_800_000, 4_800_000},
		{1, 1, 1, 0},
		{0, 100, 0, 0},
		{One, math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{999_999, math.MaxInt64, 9223362813482738953, 9223362813482738952},
	} {
		if got := CostUp(tc.p, tc.s); got != tc.up {
			t.Errorf("CostUp(%d,%d) = %d want %d", tc.p, tc.s, got, tc.up)
		}
		if got := CostDown(tc.p, tc.s); got != tc.down {
			t.Errorf("CostDown(%d,%d) = %d want %d", tc.p, tc.s, got, tc.down)
		}
		checkCostRef(t, tc.p, tc.s)
	}
}

func checkCostRef(t testing.TB, p Price, s Size) {
	prod := new(big.Int).Mul(big.NewInt(int64(p)), big.NewInt(int64(s)))
	q, r := new(big.Int).QuoRem(prod, big.NewInt(Scale), new(big.Int))
	down := q.Int64()
	up := down
	if r.Sign() != 0 {
		up++
	}
	if CostDown(p, s) != down || CostUp(p, s) != up {
		t.Errorf("Cost(%d,%d) = %d/%d, reference %d/%d", p, s, CostUp(p, s), CostDown(p, s), up, down)
	}
}

// decimalRE is the grammar parseMicro accepts: optional '+', digits, an
// optional fraction, at least one digit in all.
var decimalRE = regexp.MustCompile(`^\+?([0-9]*)(\.([0-9]*))?$`)

// refMicro is an independent reference for parseMicro built on big.Rat:
// ok reports whether s is a decimal with at most 6 significant decimals
// whose value in millionths is <= limit.
func refMicro(s string, limit uint64) (uint64, bool) {
	m := decimalRE.FindStringSubmatch(s)
	if m == nil || len(m[1])+len(m[3]) == 0 {
		return 0, false
	}
	r, ok := new(big.Rat).SetString("0" + m[1] + "." + m[3] + "0")
	if !ok {
		return 0, false
	}
	r.Mul(r, big.NewRat(Scale, 1))
	if !r.IsInt() {
		return 0, false
	}
	n := r.Num()
	if !n.IsUint64() || n.Uint64() > limit {
		return 0, false
	}
	return n.Uint64(), true
}

// refFormat formats millionths with big.Rat and trims trailing zeros.
func refFormat(v uint64) string {
	s := new(big.Rat).SetFrac(new(big.Int).SetUint64(v), big.NewInt(Scale)).FloatString(6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func addNumSeeds(f *testing.F) {
	for _, s := range []string{"0.48", ".48", "1", "0", "", "219.217767", "1.000", "00.5", "0.1234567",
		"1.01", "-0.1", "abc", ".", "1e3", strings.Repeat("9", 30), "0.000001", "4294.967295",
		"9223372036854.775807", "+1", "1.", "0.10000000"} {
		f.Add([]byte(s), uint64(len(s))*104_729)
	}
}

func FuzzParsePrice(f *testing.F) {
	addNumSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, x uint64) {
		got, err := ParsePrice(in)
		want, ok := refMicro(string(in), Scale)
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Fatalf("ParsePrice(%q) = %d, %v; reference %d, %v", in, got, err, want, ok)
		}
		if err == nil {
			// Canonical form re-parses to the same value.
			if again, err := ParsePrice(AppendPrice(nil, got)); err != nil || again != got {
				t.Fatalf("%q: reformat round trip %d -> %d, %v", in, got, again, err)
			}
		}
		p := Price(x % (Scale + 1))
		s := AppendPrice(nil, p)
		if string(s) != refFormat(uint64(p)) {
			t.Fatalf("AppendPrice(%d) = %q, reference %q", p, s, refFormat(uint64(p)))
		}
		if back, err := ParsePrice(s); err != nil || back != p {
			t.Fatalf("parse(format(%d)) = %d, %v", p, back, err)
		}
	})
}

func FuzzParseSize(f *testing.F) {
	addNumSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, x uint64) {
		got, err := ParseSize(in)
		want, ok := refMicro(string(in), math.MaxInt64)
		if ok != (err == nil) || (ok && uint64(got) != want) {
			t.Fatalf("ParseSize(%q) = %d, %v; reference %d, %v", in, got, err, want, ok)
		}
		if err == nil && got < 0 {
			t.Fatalf("ParseSize(%q) negative", in)
		}
		sz := Size(x & math.MaxInt64)
		s := AppendSize(nil, sz)
		if string(s) != refFormat(uint64(sz)) {
			t.Fatalf("AppendSize(%d) = %q, reference %q", sz, s, refFormat(uint64(sz)))
		}
		if back, err := ParseSize(s); err != nil || back != sz {
			t.Fatalf("parse(format(%d)) = %d, %v", sz, back, err)
		}
		if p := Price(x % (Scale + 1)); true {
			checkCostRef(t, p, sz)
		}
	})
}
