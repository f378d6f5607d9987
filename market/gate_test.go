package market

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/hotpath/hotpath/book"
)

func TestGateTradeableEvent(t *testing.T) {
	u := Build(decodeMaps(t, goodEvent(1, 3)), Options{})
	if len(u.Exclusions) != 0 {
		t.Fatalf("exclusions = %+v", u.Exclusions)
	}
	if len(u.Groups) != 2 || u.Registry.Len() != 6 {
		t.Fatalf("groups = %d, assets = %d", len(u.Groups), u.Registry.Len())
	}
	yes, no := u.Groups[0], u.Groups[1]
	if yes.Kind != KindYesBasket || no.Kind != KindNoBasket {
		t.Fatalf("kinds = %v, %v", yes.Kind, no.Kind)
	}
	if yes.Payout != 1_000_000 || no.Payout != 2_000_000 {
		t.Errorf("payouts = %d, %d", yes.Payout, no.Payout)
	}
	if yes.EventID != "1" || yes.Title != "Event 1" || yes.NegRiskMarketID != nrMarketID {
		t.Errorf("yes group = %+v", yes)
	}
	for i := 0; i < 3; i++ {
		y, n := yes.Legs[i], no.Legs[i]
		if y.TokenID != tokenID(1, i, false) || n.TokenID != tokenID(1, i, true) {
			t.Errorf("leg %d tokens = %s, %s", i, y.TokenID, n.TokenID)
		}
		if y.Market != conditionID(1, i) || y.Tick != book.Tick0_01 || y.MinSize != 5*book.OneShare ||
			y.FeeRateMicros != 40_000 || y.FeeExponent != 1 || !y.TakerOnly || !y.NegRisk || y.Outcome != "Yes" || n.Outcome != "No" {
			t.Errorf("leg %d = %+v", i, y)
		}
		yi, ni := u.Registry.Info(y.Asset), u.Registry.Info(n.Asset)
		if yi.TokenID != y.TokenID || ni.TokenID != n.TokenID || yi.Partner != n.Asset || ni.Partner != y.Asset || !yi.HasPartner {
			t.Errorf("leg %d registry = %+v / %+v", i, yi, ni)
		}
		if got, ok := u.Registry.Lookup([]byte(y.TokenID)); !ok || got != y.Asset {
			t.Errorf("lookup %s = %d, %v", y.TokenID, got, ok)
		}
		if y.Sources != (Sources{Tick: SourceGamma, MinSize: SourceGamma, FeeRate: SourceGamma, FeeExponent: SourceGamma}) {
			t.Errorf("sources = %+v", y.Sources)
		}
	}
	if len(u.Events) != 1 || !u.Events[0].Tradeable || !u.Events[0].NegRisk {
		t.Errorf("events = %+v", u.Events)
	}
}

// TestGateReasons drives each reason with one mutation of a good event.
func TestGateReasons(t *testing.T) {
	tests := []struct {
		name       string
		mutate     func(e map[string]any)
		event      Reason // expected first event-level reason
		market     Reason // expected market-level reason on market 1 (none: 0)
		alsoBinary bool   // market 1 still forms a binary pair
	}{
		{"not neg-risk", func(e map[string]any) { e["negRisk"], e["enableNegRisk"] = false, false }, ReasonNotNegRisk, 0, true},
		{"enableNegRisk alone suffices", func(e map[string]any) { e["negRisk"] = nil }, 0, 0, true},
		{"augmented", func(e map[string]any) { e["negRiskAugmented"] = true }, ReasonAugmented, 0, true},
		{"augmented missing", func(e map[string]any) { delete(e, "negRiskAugmented") }, ReasonAugmentedUnknown, 0, true},
		{"augmented as string", func(e map[string]any) { e["negRiskAugmented"] = "true" }, ReasonAugmented, 0, true},
		{"event inactive", func(e map[string]any) { e["active"] = false }, ReasonEventInactive, 0, true},
		{"event closed", func(e map[string]any) { e["closed"] = true }, ReasonEventClosed, 0, true},
		{"event archived", func(e map[string]any) { e["archived"] = true }, ReasonEventArchived, 0, true},
		{"event order book off", func(e map[string]any) { e["enableOrderBook"] = false }, ReasonEventNoOrderBook, 0, true},
		{"one market", func(e map[string]any) { e["markets"] = e["markets"].([]any)[:1] }, ReasonTooFewMarkets, 0, false},
		{"market inactive", func(e map[string]any) { market(e, 1)["active"] = false }, ReasonMarketExcluded, ReasonInactive, false},
		{"market closed", func(e map[string]any) { market(e, 1)["closed"] = true }, ReasonMarketExcluded, ReasonClosed, false},
		{"market closed missing", func(e map[string]any) { delete(market(e, 1), "closed") }, ReasonMarketExcluded, ReasonClosed, false},
		{"market archived", func(e map[string]any) { market(e, 1)["archived"] = true }, ReasonMarketExcluded, ReasonArchived, false},
		{"not accepting", func(e map[string]any) { market(e, 1)["acceptingOrders"] = false }, ReasonMarketExcluded, ReasonNotAccepting, false},
		{"order book off", func(e map[string]any) { market(e, 1)["enableOrderBook"] = false }, ReasonMarketExcluded, ReasonNoOrderBook, false},
		{"no condition id", func(e map[string]any) { delete(market(e, 1), "conditionId") }, ReasonMarketExcluded, 0, false},
		{"one token", func(e map[string]any) { market(e, 1)["clobTokenIds"] = `["123"]` }, ReasonMarketExcluded, ReasonBadTokenIDs, false},
		{"three tokens", func(e map[string]any) { market(e, 1)["clobTokenIds"] = `["1","2","3"]` }, ReasonMarketExcluded, ReasonBadTokenIDs, false},
		{"token list malformed", func(e map[string]any) { market(e, 1)["clobTokenIds"] = `["1",` }, ReasonMarketExcluded, ReasonBadTokenIDs, false},
		{"same token twice", func(e map[string]any) { market(e, 1)["clobTokenIds"] = `["5","5"]` }, ReasonMarketExcluded, ReasonBadTokenIDs, false},
		{"hex token", func(e map[string]any) { market(e, 1)["clobTokenIds"] = `["0xab","12"]` }, ReasonMarketExcluded, ReasonBadTokenIDs, false},
		{"token shared with another market", func(e map[string]any) {
			market(e, 1)["clobTokenIds"] = `["` + tokenID(1, 0, false) + `","99"]`
		}, ReasonMarketExcluded, ReasonDuplicateToken, false},
		{"outcomes reversed", func(e map[string]any) { market(e, 1)["outcomes"] = `["No","Yes"]` }, ReasonMarketExcluded, ReasonBadOutcomes, true},
		{"outcomes missing", func(e map[string]any) { delete(market(e, 1), "outcomes") }, ReasonMarketExcluded, ReasonBadOutcomes, true},
		{"bad tick", func(e map[string]any) { market(e, 1)["orderPriceMinTickSize"] = json.Number("0.03") }, ReasonMarketExcluded, ReasonBadTick, false},
		{"missing tick", func(e map[string]any) { delete(market(e, 1), "orderPriceMinTickSize") }, ReasonMarketExcluded, ReasonBadTick, false},
		{"missing min size", func(e map[string]any) { delete(market(e, 1), "orderMinSize") }, ReasonMarketExcluded, ReasonBadMinSize, false},
		{"garbage min size", func(e map[string]any) { market(e, 1)["orderMinSize"] = "five" }, ReasonMarketExcluded, ReasonBadMinSize, false},
		{"fee unknown", func(e map[string]any) { delete(market(e, 1), "feeSchedule") }, ReasonMarketExcluded, ReasonFeeUnknown, false},
		{"fee rate above 1", func(e map[string]any) {
			market(e, 1)["feeSchedule"] = map[string]any{"rate": json.Number("1000"), "exponent": json.Number("1")}
		}, ReasonMarketExcluded, ReasonBadFee, false},
		{"fee rate too precise", func(e map[string]any) {
			market(e, 1)["feeSchedule"] = map[string]any{"rate": "0.00000001", "exponent": json.Number("1")}
		}, ReasonMarketExcluded, ReasonBadFee, false},
		{"fee exponent fractional", func(e map[string]any) {
			market(e, 1)["feeSchedule"] = map[string]any{"rate": "0.05", "exponent": json.Number("1.5")}
		}, ReasonMarketExcluded, ReasonBadFee, false},
		{"fee exponent above 4", func(e map[string]any) {
			market(e, 1)["feeSchedule"] = map[string]any{"rate": "0.05", "exponent": json.Number("5")}
		}, ReasonMarketExcluded, ReasonBadFee, false},
		{"sports delay", func(e map[string]any) { market(e, 1)["secondsDelay"] = json.Number("3") }, ReasonMarketExcluded, ReasonDelayed, false},
		{"market not neg-risk", func(e map[string]any) { market(e, 1)["negRisk"] = false }, ReasonMarketExcluded, ReasonMarketNotNegRisk, true},
		{"other outcome", func(e map[string]any) { market(e, 1)["negRiskOther"] = true }, ReasonOtherOutcome, ReasonNegRiskOther, true},
		{"other flag missing", func(e map[string]any) { delete(market(e, 1), "negRiskOther") }, ReasonOtherOutcome, ReasonNegRiskOther, true},
		{"neg-risk id mismatch", func(e map[string]any) {
			market(e, 1)["negRiskMarketID"] = "0x" + "11"[:2] + nrMarketID[4:]
		}, ReasonNegRiskIDMismatch, 0, true},
		{"question of another market", func(e map[string]any) {
			market(e, 1)["questionID"] = "0x99" + questionID(1)[4:]
		}, ReasonNegRiskIDMismatch, 0, true},
		{"no neg-risk id anywhere", func(e map[string]any) {
			delete(e, "negRiskMarketID")
			for i := range e["markets"].([]any) {
				delete(market(e, i), "negRiskMarketID")
			}
		}, ReasonNegRiskIDMismatch, 0, true},
		{"question missing from listing", func(e map[string]any) { market(e, 2)["questionID"] = questionID(7) }, ReasonQuestionGap, 0, true},
		{"question listed twice", func(e map[string]any) { market(e, 2)["questionID"] = questionID(1) }, ReasonNegRiskIDMismatch, 0, true},
		{"market listed twice", func(e map[string]any) {
			e["markets"] = append(e["markets"].([]any), goodMarket(1, 1))
		}, ReasonDuplicateMarket, 0, true},
		{"condition id reused with other tokens", func(e map[string]any) {
			market(e, 2)["conditionId"] = conditionID(1, 1)
		}, ReasonDuplicateMarket, ReasonDuplicateToken, false},
		{"bad conversion fee", func(e map[string]any) { e["negRiskFeeBips"] = json.Number("20000") }, ReasonBadConversionFee, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := goodEvent(1, 3)
			tc.mutate(e)
			u := Build(decodeMaps(t, e), Options{IncludeBinary: true})
			baskets := len(groupsOf(u, KindYesBasket)) + len(groupsOf(u, KindNoBasket))
			evr := eventReasons(u, "1")
			if tc.event == 0 {
				if baskets != 2 || len(evr) != 0 {
					t.Fatalf("want tradeable; baskets %d, reasons %v", baskets, evr)
				}
			} else {
				if baskets != 0 {
					t.Fatalf("event should be excluded; groups %+v", u.Groups)
				}
				if len(evr) == 0 || evr[0] != tc.event {
					t.Fatalf("event reasons = %v, want %v first", evr, tc.event)
				}
				if u.Events[0].Tradeable || u.Events[0].Reasons[0] != tc.event {
					t.Errorf("event report = %+v", u.Events[0])
				}
			}
			mr := marketReasons(u, conditionID(1, 1))
			if tc.market != 0 && !hasReason(mr, tc.market) {
				t.Errorf("market reasons = %v, want %v", mr, tc.market)
			}
			pair := slices.ContainsFunc(u.Groups, func(g Group) bool {
				return g.Kind == KindBinaryPair && g.Legs[0].Market == conditionID(1, 1)
			})
			if pair != tc.alsoBinary {
				t.Errorf("binary pair for market 1 = %v, want %v (market reasons %v)", pair, tc.alsoBinary, mr)
			}
			// Every asset in the registry belongs to a group, and back.
			n := 0
			for _, g := range u.Groups {
				for _, l := range g.Legs {
					if got, ok := u.Registry.Lookup([]byte(l.TokenID)); !ok || got != l.Asset {
						t.Fatalf("leg %s not in registry", l.TokenID)
					}
					n++
				}
			}
			if n == 0 && u.Registry.Len() != 0 {
				t.Errorf("registry has %d assets but no groups", u.Registry.Len())
			}
		})
	}
}

func TestGateConversionFeePayout(t *testing.T) {
	e := goodEvent(1, 4)
	e["negRiskFeeBips"] = json.Number("50") // 0.5%
	u := Build(decodeMaps(t, e), Options{})
	no := groupsOf(u, KindNoBasket)
	if len(no) != 1 {
		t.Fatalf("groups = %+v; exclusions %+v", u.Groups, u.Exclusions)
	}
	// 3 × (1 − 0.005) = 2.985
	if no[0].Payout != 2_985_000 || no[0].ConversionFeeBips != 50 {
		t.Errorf("payout = %d, bips = %d", no[0].Payout, no[0].ConversionFeeBips)
	}
	if yes := groupsOf(u, KindYesBasket); yes[0].Payout != 1_000_000 {
		t.Errorf("yes payout = %d", yes[0].Payout)
	}
}

func TestGateFeeZeroOnlyWhenPublished(t *testing.T) {
	e := goodEvent(1, 2)
	for i := 0; i < 2; i++ {
		delete(market(e, i), "feeSchedule")
		market(e, i)["feesEnabled"] = false
	}
	u := Build(decodeMaps(t, e), Options{})
	if len(u.Groups) != 2 || u.Groups[0].Legs[0].FeeRateMicros != 0 {
		t.Fatalf("groups = %+v, exclusions = %+v", u.Groups, u.Exclusions)
	}
	// feesEnabled missing and no schedule: unknown, excluded.
	delete(market(e, 0), "feesEnabled")
	u = Build(decodeMaps(t, e), Options{})
	if len(u.Groups) != 0 || !hasReason(marketReasons(u, conditionID(1, 0)), ReasonFeeUnknown) {
		t.Fatalf("groups = %+v, exclusions = %+v", u.Groups, u.Exclusions)
	}
}

func TestGateExponentDefaultsConservatively(t *testing.T) {
	e := goodEvent(1, 2)
	market(e, 0)["feeSchedule"] = map[string]any{"rate": "0.07"}
	u := Build(decodeMaps(t, e), Options{})
	if len(u.Groups) != 2 {
		t.Fatalf("exclusions = %+v", u.Exclusions)
	}
	l := u.Groups[0].Legs[0]
	if l.FeeRateMicros != 70_000 || l.FeeExponent != 0 || l.Sources.FeeExponent != SourceDefault {
		t.Errorf("leg = %+v", l)
	}
}

func TestGateDuplicateEventIDsTakenOnce(t *testing.T) {
	u := Build(decodeMaps(t, goodEvent(1, 2), goodEvent(1, 2)), Options{})
	if len(u.Groups) != 2 || len(u.Events) != 1 {
		t.Fatalf("groups = %d, events = %d", len(u.Groups), len(u.Events))
	}
}

func TestGateTwoEvents(t *testing.T) {
	bad := goodEvent(2, 3)
	bad["negRiskAugmented"] = true
	u := Build(decodeMaps(t, goodEvent(1, 3), bad, goodEvent(3, 5)), Options{})
	if len(u.Groups) != 4 || u.Registry.Len() != 16 {
		t.Fatalf("groups = %d, assets = %d", len(u.Groups), u.Registry.Len())
	}
	if u.Groups[2].EventID != "3" || u.Groups[3].Payout != 4_000_000 {
		t.Errorf("groups = %+v", u.Groups[2:])
	}
	if rs := eventReasons(u, "2"); len(rs) != 1 || rs[0] != ReasonAugmented {
		t.Errorf("reasons = %v", rs)
	}
}

func TestReasonCodesAndTexts(t *testing.T) {
	codes := map[string]bool{}
	for r := ReasonNone; r < reasonCount; r++ {
		c := r.String()
		if c == "" || r.Text() == "" || codes[c] {
			t.Errorf("reason %d: code %q text %q", r, c, r.Text())
		}
		codes[c] = true
		var back Reason
		if err := back.UnmarshalText([]byte(c)); err != nil || back != r {
			t.Errorf("round trip %q = %v, %v", c, back, err)
		}
	}
	if ReasonAugmented.String() != "augmented" || !ReasonAugmented.EventLevel() || ReasonClosed.EventLevel() {
		t.Error("augmented code or levels wrong")
	}
}
