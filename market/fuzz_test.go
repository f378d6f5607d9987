package market

import (
	"math/big"
	"strings"
	"testing"
)

func FuzzDecodeEvents(f *testing.F) {
	// Seeds are small on purpose: the fuzzer minimises every new input it
	// finds, and minimising a 16 KB fixture takes the whole smoke-run budget.
	// The real fixtures are decoded by the unit tests.
	f.Add([]byte(compactEventJSON))
	f.Add([]byte(`{"data":[{"id":"1","negRisk":true,"negRiskAugmented":false,"markets":[{"conditionId":"0x1","clobTokenIds":"[\"1\",\"2\"]"}]}]}`))
	f.Add([]byte(`[{"id":1,"markets":"x"},null,{"id":"2","markets":[{"clobTokenIds":"[1,"}]}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := DecodeEvents(data)
		if err != nil {
			return
		}
		u := Build(evs, Options{IncludeBinary: true})
		checkUniverse(t, u)
	})
}

// compactEventJSON is a tradeable two-outcome event with only the fields
// the gate reads.
const compactEventJSON = `[{"id":"7","title":"T","active":true,"closed":false,"negRisk":true,"negRiskAugmented":false,
"negRiskMarketID":"0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700","negRiskFeeBips":0,"markets":[
{"conditionId":"0xa","questionID":"0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700",
"clobTokenIds":"[\"11\",\"12\"]","outcomes":"[\"Yes\",\"No\"]","active":true,"closed":false,"acceptingOrders":true,
"enableOrderBook":true,"orderPriceMinTickSize":0.01,"orderMinSize":5,"negRisk":true,"negRiskOther":false,"feesEnabled":false},
{"conditionId":"0xb","questionID":"0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814701",
"clobTokenIds":["21","22"],"outcomes":["Yes","No"],"active":true,"closed":false,"acceptingOrders":true,
"enableOrderBook":true,"orderPriceMinTickSize":"0.001","orderMinSize":"5","negRisk":true,"negRiskOther":false,
"feeSchedule":{"rate":0.04,"exponent":1}}]}]`

// checkUniverse asserts the invariants of Build's output.
func checkUniverse(t *testing.T, u *Universe) {
	t.Helper()
	assets := 0
	seen := map[string]bool{}
	for _, g := range u.Groups {
		if len(g.Legs) < 2 {
			t.Fatalf("group %v with %d legs", g.Kind, len(g.Legs))
		}
		if g.Payout <= 0 || g.Kind == KindNoBasket && g.Payout > int64(len(g.Legs)-1)*1_000_000 {
			t.Fatalf("group %v payout %d", g.Kind, g.Payout)
		}
		for _, l := range g.Legs {
			if !l.Tick.Valid() || l.MinSize < 0 || l.FeeRateMicros < 0 || l.FeeRateMicros > 1_000_000 {
				t.Fatalf("leg %+v", l)
			}
			i, ok := u.Registry.Lookup([]byte(l.TokenID))
			if !ok || i != l.Asset || u.Registry.Info(i).TokenID != l.TokenID {
				t.Fatalf("leg %s not registered at %d", l.TokenID, l.Asset)
			}
			if !seen[l.TokenID] {
				seen[l.TokenID] = true
				assets++
			}
		}
	}
	if assets != u.Registry.Len() {
		t.Fatalf("registry has %d assets, groups use %d", u.Registry.Len(), assets)
	}
	for _, x := range u.Exclusions {
		if x.Reason == ReasonNone || x.Reason >= reasonCount || x.Level == 0 {
			t.Fatalf("exclusion %+v", x)
		}
	}
	for _, e := range u.Events {
		if e.Tradeable == (len(e.Reasons) > 0) {
			t.Fatalf("event report %+v", e)
		}
	}
}

func FuzzDecodeClobMarketInfo(f *testing.F) {
	f.Add([]byte(clobInfoJSON(1, 0, "")))
	f.Add([]byte(`{"c":"0x1","t":[{"t":"1","o":"Yes"},{"t":"2","o":"No"}],"mts":"1e-4","mos":"5","nr":"false","fd":{"r":"x"}}`))
	f.Add([]byte(`{"t":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := DecodeClobMarketInfo(data)
		if err != nil {
			return
		}
		if len(info.Tokens) == 0 {
			t.Fatal("decoded info without tokens")
		}
		_, _ = info.MinTick.Tick()
		_, _ = info.MinOrderSize.Size()
		if info.Fee != nil {
			if r, err := info.Fee.Rate.Rate(); err == nil && (r < 0 || r > 1_000_000) {
				t.Fatalf("rate %d", r)
			}
		}
		// It must be usable by the gate without panicking.
		e := goodEvent(1, 2)
		evs := decodeMaps(t, e)
		checkUniverse(t, Build(evs, Options{IncludeBinary: true, ClobInfo: map[string]ClobMarketInfo{conditionID(1, 0): info}}))
	})
}

func FuzzDecodeBookTops(f *testing.F) {
	f.Add([]byte(`[{"asset_id":"11","asks":[{"price":"0.6","size":"1"},{"price":"0.5","size":"12.5"}]}]`))
	f.Add([]byte(`{"asset_id":"7","asks":[{"price":".2","size":"1e1"}]}`))
	f.Add([]byte(`[{"asset_id":"1","asks":[{"price":"1.2","size":"1"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tops, err := DecodeBookTops(data)
		if err != nil {
			return
		}
		for id, top := range tops {
			if id == "" || top.AssetID != id || top.BestAsk > 1_000_000 || !top.HasAsk && top.BestAsk != 0 {
				t.Fatalf("top %q = %+v", id, top)
			}
		}
	})
}

// FuzzPlainDecimal checks exponent rewriting against math/big's exact
// decimal reader.
func FuzzPlainDecimal(f *testing.F) {
	for _, s := range []string{"1e-3", "2.5E+2", "-0.5e1", "7", "0.001", "12e0", "1.e2", ".5e1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := plainDecimal(s)
		if !ok {
			return
		}
		if strings.ContainsAny(out, "eE") {
			t.Fatalf("plainDecimal(%q) = %q still has an exponent", s, out)
		}
		want, okWant := new(big.Rat).SetString(s)
		got, okGot := new(big.Rat).SetString(out)
		if !okWant || !okGot {
			if okGot != okWant && strings.ContainsAny(s, "eE") {
				t.Fatalf("plainDecimal(%q) = %q; big.Rat ok %v/%v", s, out, okWant, okGot)
			}
			return
		}
		if want.Cmp(got) != 0 {
			t.Fatalf("plainDecimal(%q) = %q: %v != %v", s, out, got, want)
		}
	})
}
