package market

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// clobInfoJSON is a /clob-markets response in clob-client-v2's
// MarketDetails shape for market i of event ev.
func clobInfoJSON(ev, i int, extra string) string {
	return fmt.Sprintf(`{"c":%q,"t":[{"t":%q,"o":"Yes"},{"t":%q,"o":"No"}],"mts":0.001,"nr":true,`+
		`"fd":{"r":0.03,"e":1,"to":true},"mbf":0,"tbf":0,"mos":15,"ao":true,"sd":0,"r":null%s}`,
		conditionID(ev, i), tokenID(ev, i, false), tokenID(ev, i, true), extra)
}

func TestDecodeClobMarketInfo(t *testing.T) {
	info, err := DecodeClobMarketInfo([]byte(clobInfoJSON(1, 0, `,"gst":"2026-01-01T00:00:00Z","cbos":false,"rfqe":false,"itode":false,"ibce":false`)))
	if err != nil {
		t.Fatal(err)
	}
	if string(info.ConditionID) != conditionID(1, 0) || len(info.Tokens) != 2 || string(info.Tokens[1].TokenID) != tokenID(1, 0, true) || info.Tokens[1].Outcome != "No" {
		t.Errorf("info = %+v", info)
	}
	if tick, err := info.MinTick.Tick(); err != nil || tick != book.Tick0_001 {
		t.Errorf("tick = %v, %v", tick, err)
	}
	if s, err := info.MinOrderSize.Size(); err != nil || s != 15*book.OneShare {
		t.Errorf("mos = %v, %v", s, err)
	}
	if !info.NegRisk.True() || !info.AcceptingOrders.True() || info.Fee == nil || !info.Fee.TakerOnly.True() {
		t.Errorf("flags = %+v", info)
	}
	if r, err := info.Fee.Rate.Rate(); err != nil || r != 30_000 {
		t.Errorf("fee rate = %v, %v", r, err)
	}

	// Strings where numbers were expected, exponent notation.
	info, err = DecodeClobMarketInfo([]byte(`{"c":"0x1","t":[{"t":"1","o":"Yes"},{"t":"2","o":"No"}],"mts":"1e-4","mos":"5","nr":"false"}`))
	if err != nil {
		t.Fatal(err)
	}
	if tick, err := info.MinTick.Tick(); err != nil || tick != book.Tick0_0001 {
		t.Errorf("tick = %v, %v", tick, err)
	}
	if !info.NegRisk.False() || info.Fee != nil {
		t.Errorf("info = %+v", info)
	}

	for _, bad := range []string{``, `[]`, `{"c":"0x1"}`, `{"t":[]}`, `{"t":"x"}`, `nope`} {
		if _, err := DecodeClobMarketInfo([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := DecodeClobMarketInfo([]byte(`{"c":"0x1","t":null}`)); !errors.Is(err, ErrNoTokens) {
		t.Errorf("err = %v, want ErrNoTokens", err)
	}
}

func clobInfos(t *testing.T, ev, n int, extra map[int]string) map[string]ClobMarketInfo {
	t.Helper()
	m := map[string]ClobMarketInfo{}
	for i := 0; i < n; i++ {
		info, err := DecodeClobMarketInfo([]byte(clobInfoJSON(ev, i, extra[i])))
		if err != nil {
			t.Fatal(err)
		}
		m[conditionID(ev, i)] = info
	}
	return m
}

func TestClobInfoPreferredOverGamma(t *testing.T) {
	u := Build(decodeMaps(t, goodEvent(1, 3)), Options{ClobInfo: clobInfos(t, 1, 3, nil)})
	if len(u.Groups) != 2 {
		t.Fatalf("exclusions = %+v", u.Exclusions)
	}
	l := u.Groups[0].Legs[0]
	// CLOB: tick 0.001, mos 15, fee 0.03. Gamma: tick 0.01, size 5, fee 0.04.
	// Tick and size follow the CLOB; the fee takes the higher rate.
	if l.Tick != book.Tick0_001 || l.MinSize != 15*book.OneShare || l.FeeRateMicros != 40_000 || l.FeeExponent != 1 {
		t.Errorf("leg = %+v", l)
	}
	if l.Sources.Tick != SourceCLOB || l.Sources.MinSize != SourceCLOB || l.Sources.FeeRate != SourceGamma {
		t.Errorf("sources = %+v", l.Sources)
	}
	if info := u.Registry.Info(l.Asset); info.Tick != book.Tick0_001 || info.MinSize != 15*book.OneShare || !info.NegRisk {
		t.Errorf("registry info = %+v", info)
	}

	// Without a Gamma schedule the CLOB fee is used as is.
	e := goodEvent(1, 3)
	for i := 0; i < 3; i++ {
		delete(market(e, i), "feeSchedule")
	}
	u = Build(decodeMaps(t, e), Options{ClobInfo: clobInfos(t, 1, 3, nil)})
	if l := u.Groups[0].Legs[0]; l.FeeRateMicros != 30_000 || l.Sources.FeeRate != SourceCLOB || !l.TakerOnly {
		t.Errorf("leg = %+v", l)
	}
}

func TestClobInfoGate(t *testing.T) {
	tests := []struct {
		name  string
		json  string // replaces market 1's CLOB info
		extra string // appended to market 1's CLOB info
		want  Reason
	}{
		{name: "not accepting", extra: `,"ao":false`, want: ReasonNotAccepting},
		{name: "delayed", extra: `,"sd":5`, want: ReasonDelayed},
		{name: "nr false", extra: `,"nr":false`, want: ReasonClobMismatch},
		{name: "bad fee", extra: `,"fd":{"r":"x"}`, want: ReasonBadFee},
		{name: "other tokens", json: `{"c":"x","t":[{"t":"1","o":"Yes"},{"t":"2","o":"No"}],"mts":0.01,"mos":5,"ao":true,"nr":true}`, want: ReasonClobMismatch},
		{name: "one token", json: `{"c":"x","t":[{"t":"1","o":"Yes"}],"mts":0.01,"mos":5,"ao":true,"nr":true}`, want: ReasonClobMismatch},
		{name: "outcomes swapped", json: fmt.Sprintf(`{"t":[{"t":%q,"o":"No"},{"t":%q,"o":"Yes"}],"mts":0.01,"mos":5,"ao":true,"nr":true}`,
			tokenID(1, 1, false), tokenID(1, 1, true)), want: ReasonClobMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			infos := clobInfos(t, 1, 3, map[int]string{1: tc.extra})
			if tc.json != "" {
				info, err := DecodeClobMarketInfo([]byte(tc.json))
				if err != nil {
					t.Fatal(err)
				}
				infos[conditionID(1, 1)] = info
			}
			u := Build(decodeMaps(t, goodEvent(1, 3)), Options{ClobInfo: infos})
			if len(u.Groups) != 0 {
				t.Fatalf("groups = %+v", u.Groups)
			}
			if rs := marketReasons(u, conditionID(1, 1)); !hasReason(rs, tc.want) {
				t.Errorf("market reasons = %v, want %v", rs, tc.want)
			}
		})
	}
}

func TestClobInfoBadTickFallsBackToGamma(t *testing.T) {
	infos := clobInfos(t, 1, 2, map[int]string{0: `,"mts":0.03`})
	u := Build(decodeMaps(t, goodEvent(1, 2)), Options{ClobInfo: infos, ClobErrors: map[string]error{"0xdead": errors.New("HTTP 404")}})
	if len(u.Groups) != 2 {
		t.Fatalf("exclusions = %+v", u.Exclusions)
	}
	if l := u.Groups[0].Legs[0]; l.Tick != book.Tick0_01 || l.Sources.Tick != SourceGamma {
		t.Errorf("leg = %+v", l)
	}
	if len(u.Warnings) != 1 {
		t.Errorf("warnings = %v", u.Warnings)
	}
}
