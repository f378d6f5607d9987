package market

import "testing"

func TestDecodeBookTops(t *testing.T) {
	// Asks are sent best-last in current REST; the decoder takes the minimum
	// price with size, whatever the order.
	in := `[
	 {"market":"0x1","asset_id":"11","bids":[{"price":"0.3","size":"10"}],
	  "asks":[{"price":"0.6","size":"1"},{"price":"0.45","size":"0"},{"price":"0.5","size":"12.5"}],"tick_size":"0.01"},
	 {"asset_id":"12","asks":[{"price":".48","size":"3"}]},
	 {"asset_id":"13","asks":[]}
	]`
	tops, err := DecodeBookTops([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := tops["11"]; !got.HasAsk || got.BestAsk != 500_000 {
		t.Errorf("11 = %+v", got)
	}
	if got := tops["12"]; !got.HasAsk || got.BestAsk != 480_000 {
		t.Errorf("12 = %+v", got)
	}
	if got, ok := tops["13"]; !ok || got.HasAsk {
		t.Errorf("13 = %+v", got)
	}
	g := &Group{Legs: []Leg{{TokenID: "11"}, {TokenID: "12"}}}
	if sum, ok := BestAskSum(g, tops); !ok || sum != 980_000 || FormatMicros(sum) != "0.98" {
		t.Errorf("sum = %d, %v", sum, ok)
	}
	g.Legs = append(g.Legs, Leg{TokenID: "13"})
	if _, ok := BestAskSum(g, tops); ok {
		t.Error("sum with an empty book should be unknown")
	}

	one, err := DecodeBookTops([]byte(`{"asset_id":"7","asks":[{"price":"0.2","size":"1"}]}`))
	if err != nil || one["7"].BestAsk != 200_000 {
		t.Errorf("single object = %+v, %v", one, err)
	}
	for _, bad := range []string{`nope`, `[{"asks":[]}]`, `[{"asset_id":"1","asks":[{"price":"1.2","size":"1"}]}]`,
		`[{"asset_id":"1","asks":[{"price":"0.5","size":"x"}]}]`, `{"x":1}`} {
		if _, err := DecodeBookTops([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestFormatMicros(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 1_000_000: "1", 2_985_000: "2.985", 10: "0.00001", -10_000: "-0.01"} {
		if got := FormatMicros(v); got != want {
			t.Errorf("FormatMicros(%d) = %q, want %q", v, got, want)
		}
	}
}
