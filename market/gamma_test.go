package market

import (
	"errors"
	"testing"

	"github.com/hotpath/hotpath/book"
)

func TestDecodeEventsFixtureAugmented(t *testing.T) {
	evs, err := DecodeEvents(readFile(t, "testdata/gamma_event_augmented.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	e := evs[0]
	if e.DecodeErr != "" {
		t.Fatalf("decode error: %s", e.DecodeErr)
	}
	if e.ID != "30829" || e.Title != "Democratic Presidential Nominee 2028" {
		t.Errorf("id/title = %q/%q", e.ID, e.Title)
	}
	if !e.NegRisk.True() || !e.EnableNegRisk.True() || !e.NegRiskAugmented.True() {
		t.Errorf("negRisk=%v enableNegRisk=%v negRiskAugmented=%v", e.NegRisk, e.EnableNegRisk, e.NegRiskAugmented)
	}
	if len(e.Markets) != 2 {
		t.Fatalf("got %d markets, want 2", len(e.Markets))
	}
	m := e.Markets[0]
	wantTokens := []string{
		"60590045489347122735554346200880179420435533609307820342798544098823516727807",
		"76005700027045000587004110133818166617024719626220722682005164003117993034812",
	}
	if len(m.ClobTokenIDs.Vals) != 2 || m.ClobTokenIDs.Vals[0] != wantTokens[0] || m.ClobTokenIDs.Vals[1] != wantTokens[1] {
		t.Errorf("clobTokenIds = %v", m.ClobTokenIDs)
	}
	if got := m.Outcomes.Vals; len(got) != 2 || got[0] != "Yes" || got[1] != "No" {
		t.Errorf("outcomes = %v", got)
	}
	if got := m.OutcomePrices.Vals; len(got) != 2 || got[0] != "0.0105" {
		t.Errorf("outcomePrices = %v", got)
	}
	if tick, err := m.OrderPriceMinTickSize.Tick(); err != nil || tick != book.Tick0_001 {
		t.Errorf("tick = %v, %v", tick, err)
	}
	if s, err := m.OrderMinSize.Size(); err != nil || s != 5*book.OneShare {
		t.Errorf("min size = %v, %v", s, err)
	}
	if !m.NegRiskOther.False() || !m.FeesEnabled.False() || m.FeeSchedule != nil {
		t.Errorf("negRiskOther=%v feesEnabled=%v feeSchedule=%v", m.NegRiskOther, m.FeesEnabled, m.FeeSchedule)
	}

	u := Build(evs, Options{})
	if len(u.Groups) != 0 || u.Registry.Len() != 0 {
		t.Fatalf("augmented event produced %d groups, %d assets", len(u.Groups), u.Registry.Len())
	}
	rs := eventReasons(u, "30829")
	if len(rs) == 0 || rs[0] != ReasonAugmented {
		t.Fatalf("event reasons = %v, want augmented first", rs)
	}
	// The fixture is trimmed to questions 5 and 7 of the market: the gate
	// also sees that questions are missing.
	if !hasReason(rs, ReasonQuestionGap) {
		t.Errorf("event reasons = %v, want question_gap too", rs)
	}
	if len(u.Events) != 1 || u.Events[0].Tradeable || u.Events[0].Reasons[0] != ReasonAugmented {
		t.Errorf("event report = %+v", u.Events)
	}

	// The markets themselves are fine: with binary pairs on, both become
	// pairs (a YES+NO pair is complete whatever the event).
	u = Build(evs, Options{IncludeBinary: true})
	pairs := groupsOf(u, KindBinaryPair)
	if len(pairs) != 2 || u.Registry.Len() != 4 {
		t.Fatalf("binary pairs = %d, assets = %d; exclusions %+v", len(pairs), u.Registry.Len(), u.Exclusions)
	}
	l := pairs[0].Legs
	if l[0].TokenID != wantTokens[0] || l[1].TokenID != wantTokens[1] || l[0].Tick != book.Tick0_001 ||
		l[0].FeeRateMicros != 0 || l[0].Sources.FeeRate != SourceGamma || !l[0].NegRisk {
		t.Errorf("pair legs = %+v", l)
	}
	info := u.Registry.Info(l[0].Asset)
	if info.TokenID != wantTokens[0] || !info.HasPartner || info.Partner != l[1].Asset || info.Outcome != "Yes" {
		t.Errorf("registry info = %+v", info)
	}
}

func TestDecodeMarketsFixture2026(t *testing.T) {
	ms, err := DecodeMarkets(readFile(t, "testdata/gamma_markets_2026_06.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 {
		t.Fatalf("got %d markets", len(ms))
	}
	for _, m := range ms {
		if m.FeeSchedule == nil {
			t.Fatalf("market %s: no feeSchedule", m.ID)
		}
		rate, err := m.FeeSchedule.Rate.Rate()
		if err != nil || rate != 50_000 {
			t.Errorf("market %s: rate %v, %v; want 50000", m.ID, rate, err)
		}
		if e, err := m.FeeSchedule.Exponent.Int(8); err != nil || e != 1 {
			t.Errorf("market %s: exponent %v, %v", m.ID, e, err)
		}
		if !m.FeeSchedule.TakerOnly.True() || !m.FeesEnabled.True() || m.FeeType != "general_fees" {
			t.Errorf("market %s: takerOnly %v feesEnabled %v feeType %q", m.ID, m.FeeSchedule.TakerOnly, m.FeesEnabled, m.FeeType)
		}
		if len(m.Events) != 1 || m.Events[0].ID != "23784" || !m.Events[0].NegRiskAugmented.False() {
			t.Errorf("market %s: events %+v", m.ID, m.Events)
		}
		if len(m.ClobTokenIDs.Vals) != 2 || m.NegRisk.True() {
			t.Errorf("market %s: tokens %v negRisk %v", m.ID, m.ClobTokenIDs, m.NegRisk)
		}
	}
	// The parent event is not neg-risk: its markets are separate bets and
	// never a basket. Gamma-only params for a pair come from feeSchedule.
	ev := ms[0].Events[0]
	ev.Markets = ms
	u := Build([]Event{ev}, Options{IncludeBinary: true})
	if rs := eventReasons(u, "23784"); len(rs) != 1 || rs[0] != ReasonNotNegRisk {
		t.Errorf("event reasons = %v", rs)
	}
	if len(groupsOf(u, KindYesBasket)) != 0 || len(groupsOf(u, KindBinaryPair)) != 5 {
		t.Fatalf("groups = %+v", u.Groups)
	}
	leg := u.Groups[0].Legs[0]
	if leg.FeeRateMicros != 50_000 || leg.FeeExponent != 1 || !leg.TakerOnly || leg.Sources.FeeRate != SourceGamma || leg.Tick != book.Tick0_01 {
		t.Errorf("leg = %+v", leg)
	}
}

func TestDecodeMarketFixtureSingle(t *testing.T) {
	ms, err := DecodeMarkets(readFile(t, "testdata/gamma_market_single.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ID != "1557558" {
		t.Fatalf("markets = %+v", ms)
	}
	m := ms[0]
	if got := m.Outcomes.Vals; len(got) != 2 || got[0] != "Up" || got[1] != "Down" {
		t.Errorf("outcomes = %v", got)
	}
	// feesEnabled with no published schedule: the fee is unknown and the
	// market is never traded on a guess.
	ev := m.Events[0]
	ev.Markets = ms
	u := Build([]Event{ev}, Options{IncludeBinary: true})
	if len(u.Groups) != 0 {
		t.Fatalf("groups = %+v", u.Groups)
	}
	if rs := marketReasons(u, string(m.ConditionID)); !hasReason(rs, ReasonFeeUnknown) {
		t.Errorf("market reasons = %v, want fee_unknown", rs)
	}
}

func TestDecodeEventsShapes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		n       int
		wantErr bool
	}{
		{"array", `[{"id":"1"},{"id":2}]`, 2, false},
		{"empty array", `[]`, 0, false},
		{"keyset data", `{"data":[{"id":"1"}],"next_cursor":"x"}`, 1, false},
		{"single object", `{"id":"9","markets":[]}`, 1, false},
		{"not json", `<html>`, 0, true},
		{"empty", ``, 0, true},
		{"object without id", `{"error":"rate limited"}`, 0, true},
		{"data not array", `{"data":"x"}`, 0, true},
		{"number", `42`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := DecodeEvents([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrNotList) && tc.name != "not json" {
				t.Errorf("err = %v, want ErrNotList", err)
			}
			if len(evs) != tc.n {
				t.Errorf("got %d events, want %d", len(evs), tc.n)
			}
		})
	}
}

func TestDecodeEventsMalformedItemIsReported(t *testing.T) {
	evs, err := DecodeEvents([]byte(`[{"id":"1","markets":"oops"},{"id":"2","title":"ok","markets":[]}]`))
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].ID != "1" || evs[0].DecodeErr == "" || evs[1].DecodeErr != "" {
		t.Fatalf("events = %+v", evs)
	}
	u := Build(evs, Options{})
	if rs := eventReasons(u, "1"); len(rs) != 1 || rs[0] != ReasonMalformed {
		t.Errorf("reasons = %v", rs)
	}
	if rs := eventReasons(u, "2"); len(rs) != 1 || rs[0] != ReasonNotNegRisk {
		t.Errorf("reasons = %v", rs)
	}
}

func TestCompactSeedIsTradeable(t *testing.T) {
	evs, err := DecodeEvents([]byte(compactEventJSON))
	if err != nil {
		t.Fatal(err)
	}
	u := Build(evs, Options{})
	if len(u.Groups) != 2 || len(u.Exclusions) != 0 {
		t.Fatalf("groups %d, exclusions %+v", len(u.Groups), u.Exclusions)
	}
	// Per-leg ticks and fee models differ inside one event.
	l := u.Groups[0].Legs
	if l[0].Tick != book.Tick0_01 || l[1].Tick != book.Tick0_001 || l[0].FeeRateMicros != 0 || l[1].FeeRateMicros != 40_000 {
		t.Errorf("legs = %+v", l)
	}
}
