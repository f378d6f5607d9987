package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hotpath/hotpath/book"
)

// gammaMarketJSON is the subset of a Gamma market the venue needs.
type gammaMarketJSON struct {
	ID                    json.RawMessage `json:"id"`
	ConditionID           string          `json:"conditionId"`
	QuestionID            string          `json:"questionID"`
	Question              string          `json:"question"`
	Slug                  string          `json:"slug"`
	GroupItemTitle        string          `json:"groupItemTitle"`
	ClobTokenIDs          string          `json:"clobTokenIds"`
	OutcomePrices         string          `json:"outcomePrices"`
	OrderPriceMinTickSize json.Number     `json:"orderPriceMinTickSize"`
	OrderMinSize          json.Number     `json:"orderMinSize"`
	NegRisk               bool            `json:"negRisk"`
	NegRiskMarketID       string          `json:"negRiskMarketID"`
	NegRiskOther          bool            `json:"negRiskOther"`
	Active                *bool           `json:"active"`
	Closed                bool            `json:"closed"`
	AcceptingOrders       *bool           `json:"acceptingOrders"`
	FeesEnabled           bool            `json:"feesEnabled"`
	FeeSchedule           *struct {
		Rate      json.Number `json:"rate"`
		Exponent  json.Number `json:"exponent"`
		TakerOnly *bool       `json:"takerOnly"`
	} `json:"feeSchedule"`
}

type gammaEventJSON struct {
	ID               json.RawMessage   `json:"id"`
	Slug             string            `json:"slug"`
	Title            string            `json:"title"`
	NegRisk          bool              `json:"negRisk"`
	EnableNegRisk    bool              `json:"enableNegRisk"`
	NegRiskAugmented bool              `json:"negRiskAugmented"`
	NegRiskMarketID  string            `json:"negRiskMarketID"`
	Category         string            `json:"category"`
	Markets          []gammaMarketJSON `json:"markets"`
}

// gammaImport holds events and markets read from Gamma-shaped JSON, with
// YES fair values taken from outcomePrices.
type gammaImport struct {
	events  []*Event
	markets []*Market
	fair    map[*Market]book.Price
}

// ParseGamma reads Gamma /events or /markets JSON (an array or a single
// object, as the fixtures hold) into venue events and standalone markets.
func ParseGamma(data []byte) (events []*Event, markets []*Market, err error) {
	g, err := parseGamma(data, 0)
	if err != nil {
		return nil, nil, err
	}
	return g.events, g.markets, nil
}

func parseGamma(data []byte, gammaID int) (*gammaImport, error) {
	data = bytes.TrimSpace(data)
	var raws []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("sim: gamma: %w", err)
		}
	} else {
		raws = []json.RawMessage{data}
	}
	g := &gammaImport{fair: map[*Market]book.Price{}}
	for i, r := range raws {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(r, &probe); err != nil {
			return nil, fmt.Errorf("sim: gamma item %d: %w", i, err)
		}
		if _, isEvent := probe["markets"]; isEvent {
			var ej gammaEventJSON
			if err := json.Unmarshal(r, &ej); err != nil {
				return nil, fmt.Errorf("sim: gamma event %d: %w", i, err)
			}
			e := &Event{ID: unquote(ej.ID), Slug: ej.Slug, Title: ej.Title, NegRisk: ej.NegRisk || ej.EnableNegRisk,
				Augmented: ej.NegRiskAugmented, NegRiskMarketID: ej.NegRiskMarketID, Category: ej.Category}
			for j := range ej.Markets {
				gammaID++
				m, fair, err := gammaMarket(&ej.Markets[j], gammaID)
				if err != nil {
					return nil, fmt.Errorf("sim: gamma event %s market %d: %w", e.ID, j, err)
				}
				m.EventID, m.Augmented = e.ID, e.Augmented
				m.NegRisk = m.NegRisk || e.NegRisk
				if m.NegRiskMarketID == "" {
					m.NegRiskMarketID = e.NegRiskMarketID
				}
				e.Markets = append(e.Markets, m)
				g.fair[m] = fair
			}
			g.events = append(g.events, e)
			continue
		}
		var mj gammaMarketJSON
		if err := json.Unmarshal(r, &mj); err != nil {
			return nil, fmt.Errorf("sim: gamma market %d: %w", i, err)
		}
		gammaID++
		m, fair, err := gammaMarket(&mj, gammaID)
		if err != nil {
			return nil, fmt.Errorf("sim: gamma market %d: %w", i, err)
		}
		g.markets = append(g.markets, m)
		g.fair[m] = fair
	}
	return g, nil
}

func unquote(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(r))
}

func gammaMarket(j *gammaMarketJSON, gammaID int) (*Market, book.Price, error) {
	var toks, prices []string
	if err := json.Unmarshal([]byte(j.ClobTokenIDs), &toks); err != nil || len(toks) != 2 ||
		!decimalID(toks[0]) || !decimalID(toks[1]) || toks[0] == toks[1] {
		return nil, 0, fmt.Errorf("clobTokenIds %q: want a JSON-encoded list of two distinct decimal ids", j.ClobTokenIDs)
	}
	tick := book.Tick0_01
	if j.OrderPriceMinTickSize != "" {
		t, err := book.ParseTick([]byte(j.OrderPriceMinTickSize))
		if err != nil {
			return nil, 0, fmt.Errorf("orderPriceMinTickSize %q: %w", j.OrderPriceMinTickSize, err)
		}
		tick = t
	}
	minSize := 5 * book.OneShare
	if j.OrderMinSize != "" {
		s, err := book.ParseSize([]byte(j.OrderMinSize))
		if err != nil {
			return nil, 0, fmt.Errorf("orderMinSize %q: %w", j.OrderMinSize, err)
		}
		minSize = s
	}
	m := &Market{
		ConditionID: j.ConditionID, QuestionID: j.QuestionID, Question: j.Question, Slug: j.Slug, Outcome: j.GroupItemTitle,
		YesToken: toks[0], NoToken: toks[1], Tick: tick, MinSize: minSize, NegRisk: j.NegRisk, NegRiskMarketID: j.NegRiskMarketID,
		Active: j.Active == nil || *j.Active, Closed: j.Closed, AcceptingOrders: j.AcceptingOrders == nil || *j.AcceptingOrders,
		GammaID: gammaID, Fee: FeeParams{Exponent: 1, TakerOnly: true},
	}
	if id, err := strconv.Atoi(unquote(j.ID)); err == nil {
		m.GammaID = id
	}
	if fs := j.FeeSchedule; fs != nil && j.FeesEnabled {
		r, err := book.ParseSize([]byte(fs.Rate))
		if err != nil {
			return nil, 0, fmt.Errorf("feeSchedule.rate %q: %w", fs.Rate, err)
		}
		m.Fee.Rate = int64(r)
		if e, err := strconv.Atoi(fs.Exponent.String()); err == nil && e >= 0 && e <= 4 {
			m.Fee.Exponent = e
		}
		if fs.TakerOnly != nil {
			m.Fee.TakerOnly = *fs.TakerOnly
		}
	}
	if len(m.ConditionID) != 66 || m.ConditionID[:2] != "0x" || validHex(m.ConditionID[2:]) != nil {
		return nil, 0, fmt.Errorf("conditionId %q: want 0x and 64 hex digits", m.ConditionID)
	}
	fair := book.Price(book.Scale / 2)
	if json.Unmarshal([]byte(j.OutcomePrices), &prices) == nil && len(prices) == 2 {
		if p, err := book.ParsePrice([]byte(prices[0])); err == nil {
			fair = p
		}
	}
	// keep fair values tradeable: on the grid, two ticks from either end
	t := book.Price(tick)
	fair -= fair % t
	fair = min(max(fair, 2*t), book.One-2*t)
	return m, fair, nil
}

// decimalID reports whether s is a token id: 1 to 78 decimal digits.
func decimalID(s string) bool {
	if len(s) == 0 || len(s) > 78 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
