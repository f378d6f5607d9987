package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Event is one Gamma `/events` item, reduced to what discovery needs
// (protocol.md §8.2). Unknown fields are ignored; every field tolerates the
// shapes Gamma has been seen to send.
type Event struct {
	ID               Text     `json:"id"`
	Slug             Text     `json:"slug"`
	Title            Text     `json:"title"`
	EndDate          Text     `json:"endDate"`
	Active           Flag     `json:"active"`
	Closed           Flag     `json:"closed"`
	Archived         Flag     `json:"archived"`
	Restricted       Flag     `json:"restricted"`
	EnableOrderBook  Flag     `json:"enableOrderBook"`
	NegRisk          Flag     `json:"negRisk"`
	EnableNegRisk    Flag     `json:"enableNegRisk"`
	NegRiskAugmented Flag     `json:"negRiskAugmented"`
	NegRiskMarketID  Text     `json:"negRiskMarketID"`
	NegRiskFeeBips   Decimal  `json:"negRiskFeeBips"`
	Markets          []Market `json:"markets"`

	// DecodeErr is set when the item could not be decoded; the gate
	// excludes it with ReasonMalformed (nothing is silently dropped).
	DecodeErr string `json:"-"`
}

// Market is one Gamma market, as embedded in an event or returned by
// `/markets`.
type Market struct {
	ID                    Text         `json:"id"`
	ConditionID           Text         `json:"conditionId"`
	QuestionID            Text         `json:"questionID"`
	Slug                  Text         `json:"slug"`
	Question              Text         `json:"question"`
	GroupItemTitle        Text         `json:"groupItemTitle"`
	ClobTokenIDs          Strings      `json:"clobTokenIds"`
	Outcomes              Strings      `json:"outcomes"`
	OutcomePrices         Strings      `json:"outcomePrices"` // display only, never executable
	Active                Flag         `json:"active"`
	Closed                Flag         `json:"closed"`
	Archived              Flag         `json:"archived"`
	AcceptingOrders       Flag         `json:"acceptingOrders"`
	EnableOrderBook       Flag         `json:"enableOrderBook"`
	OrderPriceMinTickSize Decimal      `json:"orderPriceMinTickSize"`
	OrderMinSize          Decimal      `json:"orderMinSize"`
	NegRisk               Flag         `json:"negRisk"`
	NegRiskMarketID       Text         `json:"negRiskMarketID"`
	NegRiskOther          Flag         `json:"negRiskOther"`
	FeesEnabled           Flag         `json:"feesEnabled"`
	FeeSchedule           *FeeSchedule `json:"feeSchedule"`
	FeeType               Text         `json:"feeType"`
	SecondsDelay          Decimal      `json:"secondsDelay"`
	// Events is filled by `/markets` (the parent events); empty inside an
	// event.
	Events []Event `json:"events"`
}

// FeeSchedule is Gamma's per-market fee model (2026-06 schema):
// fee = shares × rate × (p(1−p))^exponent, takers only when TakerOnly.
type FeeSchedule struct {
	Exponent   Decimal `json:"exponent"`
	Rate       Decimal `json:"rate"`
	RebateRate Decimal `json:"rebateRate"`
	TakerOnly  Flag    `json:"takerOnly"`
}

// ErrNotList is returned when a response is neither a JSON array of items,
// an object with a "data" array, nor a single item object.
var ErrNotList = errors.New("market: response is not a list of items")

// DecodeEvents decodes a Gamma `/events` response: a JSON array of events
// (the documented shape; null reads as empty), an object whose "data"
// field is that array (the keyset endpoint), or one event object. A malformed item does not fail the
// page: it comes back with DecodeErr set (and its id when readable) so the
// gate reports it. Only a document that is not JSON or not one of these
// shapes is an error.
func DecodeEvents(data []byte) ([]Event, error) {
	items, err := splitItems(data)
	if err != nil {
		return nil, fmt.Errorf("decode events: %w", err)
	}
	events := make([]Event, len(items))
	for i, raw := range items {
		if err := json.Unmarshal(raw, &events[i]); err != nil {
			events[i] = Event{ID: idOf(raw), DecodeErr: err.Error()}
		}
	}
	return events, nil
}

// DecodeMarkets decodes a Gamma `/markets` response (same shapes as
// DecodeEvents). A malformed item comes back with only its id (when
// readable) and no token ids, which the gate rejects.
func DecodeMarkets(data []byte) ([]Market, error) {
	items, err := splitItems(data)
	if err != nil {
		return nil, fmt.Errorf("decode markets: %w", err)
	}
	markets := make([]Market, len(items))
	for i, raw := range items {
		if json.Unmarshal(raw, &markets[i]) != nil {
			markets[i] = Market{ID: idOf(raw)}
		}
	}
	return markets, nil
}

// splitItems returns the raw items of a list response.
func splitItems(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, ErrNotList
	}
	if string(data) == "null" {
		return nil, nil // an empty page, as some APIs write it
	}
	switch data[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, err
		}
		return items, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(data, &obj); err != nil {
			return nil, err
		}
		if inner, ok := obj["data"]; ok {
			inner = bytes.TrimSpace(inner)
			if len(inner) > 0 && inner[0] == '[' {
				return splitItems(inner)
			}
			return nil, ErrNotList
		}
		if _, ok := obj["id"]; ok {
			return []json.RawMessage{json.RawMessage(data)}, nil
		}
	}
	return nil, ErrNotList
}

// idOf reads the "id" of an item that failed to decode, if it can.
func idOf(raw []byte) Text {
	var v struct {
		ID Text `json:"id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.ID
}
