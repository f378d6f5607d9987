package market

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
)

// nrMarketID is a neg-risk market id (low byte 0) taken from the real
// fixture; question i of it is nrMarketID with low byte i.
const nrMarketID = "0x2c3d7e0eee6f058be3006baabf0d54a07da254ba47fe6e3e095e7990c7814700"

func questionID(i int) string { return nrMarketID[:64] + fmt.Sprintf("%02x", i) }

func conditionID(event, i int) string { return fmt.Sprintf("0x%064x", event*1000+i) }

func tokenID(event, i int, no bool) string {
	side := 1
	if no {
		side = 2
	}
	return fmt.Sprintf("%d%03d%d", 70000+event, i, side)
}

// goodMarket is a market that passes every check, in Gamma's real shapes
// (JSON-encoded string lists, numbers for tick and size).
func goodMarket(event, i int) map[string]any {
	return map[string]any{
		"id":                    fmt.Sprint(event*1000 + i),
		"question":              fmt.Sprintf("Will candidate %d win?", i),
		"groupItemTitle":        fmt.Sprintf("Candidate %d", i),
		"conditionId":           conditionID(event, i),
		"questionID":            questionID(i),
		"clobTokenIds":          fmt.Sprintf(`["%s", "%s"]`, tokenID(event, i, false), tokenID(event, i, true)),
		"outcomes":              `["Yes", "No"]`,
		"outcomePrices":         `["0.3", "0.7"]`,
		"active":                true,
		"closed":                false,
		"archived":              false,
		"acceptingOrders":       true,
		"enableOrderBook":       true,
		"orderPriceMinTickSize": json.Number("0.01"),
		"orderMinSize":          json.Number("5"),
		"negRisk":               true,
		"negRiskMarketID":       nrMarketID,
		"negRiskOther":          false,
		"feesEnabled":           true,
		"feeSchedule": map[string]any{
			"exponent": json.Number("1"), "rate": json.Number("0.04"), "takerOnly": true, "rebateRate": json.Number("0.25"),
		},
	}
}

// goodEvent is a tradeable neg-risk event with n markets.
func goodEvent(event, n int) map[string]any {
	ms := make([]any, n)
	for i := range ms {
		ms[i] = goodMarket(event, i)
	}
	return map[string]any{
		"id":               fmt.Sprint(event),
		"slug":             fmt.Sprintf("event-%d", event),
		"title":            fmt.Sprintf("Event %d", event),
		"active":           true,
		"closed":           false,
		"archived":         false,
		"enableOrderBook":  true,
		"negRisk":          true,
		"enableNegRisk":    true,
		"negRiskAugmented": false,
		"negRiskMarketID":  nrMarketID,
		"markets":          ms,
	}
}

func market(e map[string]any, i int) map[string]any { return e["markets"].([]any)[i].(map[string]any) }

// decodeMaps runs synthetic events through the real decoder.
func decodeMaps(t testing.TB, events ...map[string]any) []Event {
	t.Helper()
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := DecodeEvents(b)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventReasons returns the event-level reasons recorded for an event id.
func eventReasons(u *Universe, id string) []Reason {
	var rs []Reason
	for _, x := range u.Exclusions {
		if x.EventID == id && x.Level == LevelEvent {
			rs = append(rs, x.Reason)
		}
	}
	return rs
}

// marketReasons returns the market-level reasons recorded for a condition id.
func marketReasons(u *Universe, cid string) []Reason {
	var rs []Reason
	for _, x := range u.Exclusions {
		if x.Level == LevelMarket && x.ConditionID == cid {
			rs = append(rs, x.Reason)
		}
	}
	return rs
}

func groupsOf(u *Universe, kind Kind) []Group {
	var gs []Group
	for _, g := range u.Groups {
		if g.Kind == kind {
			gs = append(gs, g)
		}
	}
	return gs
}

func hasReason(rs []Reason, r Reason) bool { return slices.Contains(rs, r) }
