package market

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ClobMarketInfo is the CLOB's compact market description from
// `GET /clob-markets/{condition_id}` (protocol.md §4; clob-client-v2
// `MarketDetails`). It is the preferred source of tick, minimum size,
// neg-risk flag and fee model; Gamma fields are the fallback.
type ClobMarketInfo struct {
	ConditionID     Text        `json:"c"`
	Tokens          []ClobToken `json:"t"`
	MinTick         Decimal     `json:"mts"`
	NegRisk         Flag        `json:"nr"`
	Fee             *ClobFee    `json:"fd"`
	MakerBaseFee    Decimal     `json:"mbf"`
	TakerBaseFee    Decimal     `json:"tbf"`
	MinOrderSize    Decimal     `json:"mos"`
	AcceptingOrders Flag        `json:"ao"`
	SecondsDelay    Decimal     `json:"sd"`
}

// ClobToken is one outcome token of a CLOB market.
type ClobToken struct {
	TokenID Text `json:"t"`
	Outcome Text `json:"o"`
}

// ClobFee is the CLOB fee model: fee = shares × Rate × (p(1−p))^Exponent.
// clob-client-v2 reads an absent rate or exponent as 0.
type ClobFee struct {
	Rate      Decimal `json:"r"`
	Exponent  Decimal `json:"e"`
	TakerOnly Flag    `json:"to"`
}

// ErrNoTokens is returned for a clob-markets response without a token list
// (the official client treats it as "failed to fetch market info").
var ErrNoTokens = errors.New("market: clob market info has no tokens")

// ErrNotObject is returned when a response that must be a JSON object is not.
var ErrNotObject = errors.New("market: response is not a JSON object")

// DecodeClobMarketInfo decodes a `/clob-markets/{condition_id}` response.
// Field shapes are tolerated as in Gamma (numbers or strings); a response
// that is not a JSON object or has no "t" list is an error.
func DecodeClobMarketInfo(data []byte) (ClobMarketInfo, error) {
	var info ClobMarketInfo
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return info, fmt.Errorf("decode clob market info: %w", ErrNotObject)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return ClobMarketInfo{}, fmt.Errorf("decode clob market info: %w", err)
	}
	if len(info.Tokens) == 0 {
		return ClobMarketInfo{}, ErrNoTokens
	}
	return info, nil
}
