package market

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/hotpath/hotpath/book"
)

func TestDecimalShapes(t *testing.T) {
	tests := []struct {
		json    string
		tick    book.Tick
		tickErr error
		size    book.Size
		sizeErr error
	}{
		{`0.01`, book.Tick0_01, nil, 10_000, nil},
		{`"0.01"`, book.Tick0_01, nil, 10_000, nil},
		{`" 0.001 "`, book.Tick0_001, nil, 1_000, nil},
		{`1e-3`, book.Tick0_001, nil, 1_000, nil},
		{`1E-4`, book.Tick0_0001, nil, 100, nil},
		{`2.5e-3`, book.Tick0_0025, nil, 2_500, nil},
		{`5`, 0, book.ErrRange, 5_000_000, nil},
		{`5e0`, 0, book.ErrRange, 5_000_000, nil},
		{`1.5e1`, 0, book.ErrRange, 15_000_000, nil},
		{`0.03`, 0, book.ErrTick, 30_000, nil},
		{`null`, 0, book.ErrEmpty, 0, book.ErrEmpty},
		{`""`, 0, book.ErrEmpty, 0, book.ErrEmpty},
		{`true`, 0, book.ErrSyntax, 0, book.ErrSyntax},
		{`{"a":1}`, 0, book.ErrSyntax, 0, book.ErrSyntax},
		{`-1`, 0, book.ErrNegative, 0, book.ErrNegative},
		{`1e-7`, 0, book.ErrPrecision, 0, book.ErrPrecision},
		{`1e99`, 0, book.ErrSyntax, 0, book.ErrSyntax},
	}
	for _, tc := range tests {
		var d Decimal
		if err := json.Unmarshal([]byte(tc.json), &d); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		tick, err := d.Tick()
		if tick != tc.tick || !errors.Is(err, tc.tickErr) {
			t.Errorf("%s: Tick = %v, %v; want %v, %v", tc.json, tick, err, tc.tick, tc.tickErr)
		}
		size, err := d.Size()
		if size != tc.size || !errors.Is(err, tc.sizeErr) {
			t.Errorf("%s: Size = %v, %v; want %v, %v", tc.json, size, err, tc.size, tc.sizeErr)
		}
	}
}

func TestDecimalRateAndInt(t *testing.T) {
	rates := map[string]int64{`0.05`: 50_000, `"0.072"`: 72_000, `0`: 0, `1`: 1_000_000, `0.0625`: 62_500}
	for in, want := range rates {
		var d Decimal
		_ = json.Unmarshal([]byte(in), &d)
		if got, err := d.Rate(); err != nil || got != want {
			t.Errorf("Rate(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{`1.5`, `1000`, `-0.1`, `"x"`} {
		var d Decimal
		_ = json.Unmarshal([]byte(in), &d)
		if _, err := d.Rate(); err == nil {
			t.Errorf("Rate(%s): no error", in)
		}
	}
	ints := []struct {
		in   string
		want int64
		ok   bool
	}{{`1`, 1, true}, {`"2"`, 2, true}, {`1.0`, 1, true}, {`1.5`, 0, false}, {`9`, 0, false}, {`-1`, 0, false}, {`0`, 0, true}}
	for _, tc := range ints {
		var d Decimal
		_ = json.Unmarshal([]byte(tc.in), &d)
		got, err := d.Int(8)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Int(%s) = %d, %v", tc.in, got, err)
		}
	}
}

func TestPlainDecimal(t *testing.T) {
	tests := map[string]string{
		"1e-3": "0.001", "1.25e2": "125", "1.25e1": "12.5", "12.5e-1": "1.25", "-2e-2": "-0.02",
		"0.5": "0.5", "7E+2": "700", "0e0": "0",
	}
	for in, want := range tests {
		if got, ok := plainDecimal(in); !ok || got != want {
			t.Errorf("plainDecimal(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"e5", "1ex", "1e", "1.2.3e1", "ae1", "1e100"} {
		if got, ok := plainDecimal(in); ok {
			t.Errorf("plainDecimal(%q) = %q, want failure", in, got)
		}
	}
}

func TestFlagAndText(t *testing.T) {
	var v struct {
		A, B, C, D, E Flag
		T, U, W, X    Text
	}
	in := `{"A":true,"B":"false","C":null,"D":1,"T":"s","U":42,"W":{"x":1},"X":null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.True() || !v.B.False() || v.C.Set || v.D.Set || v.E.Set {
		t.Errorf("flags = %+v %+v %+v %+v %+v", v.A, v.B, v.C, v.D, v.E)
	}
	if v.T != "s" || v.U != "42" || v.W != "" || v.X != "" {
		t.Errorf("texts = %q %q %q %q", v.T, v.U, v.W, v.X)
	}
	out, _ := json.Marshal(struct{ A, B, C Flag }{v.A, v.B, v.C})
	if string(out) != `{"A":true,"B":false,"C":null}` {
		t.Errorf("marshal = %s", out)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		in        string
		vals      []string
		set, bad  bool
		marshaled string
	}{
		{`"[\"Yes\", \"No\"]"`, []string{"Yes", "No"}, true, false, `["Yes","No"]`},
		{`["1", "2"]`, []string{"1", "2"}, true, false, `["1","2"]`},
		{`"[1, 2]"`, []string{"1", "2"}, true, false, `["1","2"]`},
		{`""`, nil, true, false, `[]`},
		{`null`, nil, false, false, `null`},
		{`"[\"a\","`, nil, true, true, `[]`},
		{`42`, nil, true, true, `[]`},
	}
	for _, tc := range tests {
		var l Strings
		if err := json.Unmarshal([]byte(tc.in), &l); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if l.Set != tc.set || l.Malformed != tc.bad || len(l.Vals) != len(tc.vals) {
			t.Errorf("%s: %+v", tc.in, l)
			continue
		}
		for i := range tc.vals {
			if l.Vals[i] != tc.vals[i] {
				t.Errorf("%s: %v", tc.in, l.Vals)
			}
		}
		if out, _ := json.Marshal(l); string(out) != tc.marshaled {
			t.Errorf("%s: marshal %s", tc.in, out)
		}
	}
}
