package market

import "fmt"

// Reason says why an event or a market was left out of the universe. Each
// has a stable machine code (String, used in JSON) and a human text (Text).
type Reason uint8

// Event-level reasons: the event's baskets are not provably complete.
const (
	ReasonNone              Reason = iota
	ReasonMalformed                // the item could not be decoded
	ReasonNotNegRisk               // negRisk and enableNegRisk both not true
	ReasonAugmented                // negRiskAugmented: true
	ReasonAugmentedUnknown         // negRiskAugmented absent
	ReasonEventInactive            // event active is not true
	ReasonEventClosed              // event closed is true
	ReasonEventArchived            // event archived is true
	ReasonEventNoOrderBook         // event enableOrderBook is false
	ReasonTooFewMarkets            // fewer than 2 markets
	ReasonOtherOutcome             // a market is flagged negRiskOther
	ReasonMarketExcluded           // a listed market failed the market gate
	ReasonNegRiskIDMismatch        // markets and event disagree on the neg-risk market id
	ReasonQuestionGap              // question indexes are not exactly 0..N-1
	ReasonDuplicateMarket          // a condition id is listed twice in the event
	ReasonBadConversionFee         // negRiskFeeBips unreadable or out of range

	// Market-level reasons: the market cannot be traded, or cannot be a leg
	// of a basket.
	ReasonInactive         // active is not true
	ReasonClosed           // closed is not false
	ReasonArchived         // archived is true
	ReasonNotAccepting     // acceptingOrders (Gamma) or ao (CLOB) is not true
	ReasonNoOrderBook      // enableOrderBook is not true
	ReasonNoConditionID    // conditionId missing
	ReasonBadTokenIDs      // clobTokenIds not exactly two distinct non-empty ids
	ReasonDuplicateToken   // a token id or condition id also belongs to another market
	ReasonBadOutcomes      // outcomes not exactly ["Yes","No"] (baskets need to know which token is YES)
	ReasonBadTick          // no valid tick size from CLOB or Gamma
	ReasonBadMinSize       // no valid minimum order size from CLOB or Gamma
	ReasonFeeUnknown       // fees may be charged but no fee model is published
	ReasonBadFee           // fee rate or exponent unreadable or out of range
	ReasonDelayed          // taker orders are delayed (secondsDelay > 0)
	ReasonClobMismatch     // CLOB market info contradicts Gamma (tokens, neg-risk)
	ReasonMarketNotNegRisk // a market of a neg-risk event is not flagged neg-risk
	ReasonNegRiskOther     // the market is the placeholder/Other outcome (negRiskOther)

	reasonCount
)

var reasonCodes = [reasonCount]string{
	ReasonNone:              "none",
	ReasonMalformed:         "malformed",
	ReasonNotNegRisk:        "not_neg_risk",
	ReasonAugmented:         "augmented",
	ReasonAugmentedUnknown:  "augmented_unknown",
	ReasonEventInactive:     "event_inactive",
	ReasonEventClosed:       "event_closed",
	ReasonEventArchived:     "event_archived",
	ReasonEventNoOrderBook:  "event_order_book_disabled",
	ReasonTooFewMarkets:     "too_few_markets",
	ReasonOtherOutcome:      "other_outcome",
	ReasonMarketExcluded:    "market_excluded",
	ReasonNegRiskIDMismatch: "neg_risk_id_mismatch",
	ReasonQuestionGap:       "question_gap",
	ReasonDuplicateMarket:   "duplicate_market",
	ReasonBadConversionFee:  "bad_conversion_fee",
	ReasonInactive:          "inactive",
	ReasonClosed:            "closed",
	ReasonArchived:          "archived",
	ReasonNotAccepting:      "not_accepting_orders",
	ReasonNoOrderBook:       "order_book_disabled",
	ReasonNoConditionID:     "no_condition_id",
	ReasonBadTokenIDs:       "bad_token_ids",
	ReasonDuplicateToken:    "duplicate_token",
	ReasonBadOutcomes:       "bad_outcomes",
	ReasonBadTick:           "bad_tick",
	ReasonBadMinSize:        "bad_min_size",
	ReasonFeeUnknown:        "fee_unknown",
	ReasonBadFee:            "bad_fee",
	ReasonDelayed:           "delayed",
	ReasonClobMismatch:      "clob_mismatch",
	ReasonMarketNotNegRisk:  "market_not_neg_risk",
	ReasonNegRiskOther:      "neg_risk_other",
}

var reasonTexts = [reasonCount]string{
	ReasonNone:              "no reason",
	ReasonMalformed:         "the item could not be decoded",
	ReasonNotNegRisk:        "not a neg-risk event: its markets are not guaranteed mutually exclusive, so no basket is complete",
	ReasonAugmented:         "augmented neg-risk (negRiskAugmented): a placeholder or the implicit Other outcome can win, so the basket is not provably complete",
	ReasonAugmentedUnknown:  "negRiskAugmented is missing: cannot prove the event is not augmented",
	ReasonEventInactive:     "the event is not active",
	ReasonEventClosed:       "the event is closed",
	ReasonEventArchived:     "the event is archived",
	ReasonEventNoOrderBook:  "the event's order book is disabled",
	ReasonTooFewMarkets:     "fewer than 2 markets: not a multi-outcome basket",
	ReasonOtherOutcome:      "a market is the placeholder/Other outcome (negRiskOther)",
	ReasonMarketExcluded:    "a listed market failed the market gate, so the basket would be incomplete",
	ReasonNegRiskIDMismatch: "markets disagree with the event on the neg-risk market id",
	ReasonQuestionGap:       "question indexes are not exactly 0..N-1: a question of this neg-risk market is not listed",
	ReasonDuplicateMarket:   "a market is listed twice, so the basket would buy it twice",
	ReasonBadConversionFee:  "negRiskFeeBips is unreadable or out of range",
	ReasonInactive:          "the market is not active",
	ReasonClosed:            "the market is closed (or closed is missing)",
	ReasonArchived:          "the market is archived",
	ReasonNotAccepting:      "the market is not accepting orders",
	ReasonNoOrderBook:       "the market's order book is not enabled",
	ReasonNoConditionID:     "the market has no condition id",
	ReasonBadTokenIDs:       "clobTokenIds is not exactly two distinct token ids",
	ReasonDuplicateToken:    "a token id or condition id also belongs to another market",
	ReasonBadOutcomes:       "outcomes are not [Yes, No], so the YES token is not known",
	ReasonBadTick:           "no valid tick size (CLOB mts or Gamma orderPriceMinTickSize)",
	ReasonBadMinSize:        "no valid minimum order size (CLOB mos or Gamma orderMinSize)",
	ReasonFeeUnknown:        "fees may be charged but no fee model is published",
	ReasonBadFee:            "the fee rate or exponent is unreadable or out of range",
	ReasonDelayed:           "taker orders are delayed (secondsDelay > 0): the legs cannot fill together",
	ReasonClobMismatch:      "CLOB market info contradicts Gamma",
	ReasonMarketNotNegRisk:  "the market is not flagged neg-risk although its event is",
	ReasonNegRiskOther:      "the market is the placeholder/Other outcome (negRiskOther)",
}

// String returns the reason's stable machine code ("augmented").
func (r Reason) String() string {
	if r < reasonCount {
		return reasonCodes[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Text returns the reason in words for people.
func (r Reason) Text() string {
	if r < reasonCount {
		return reasonTexts[r]
	}
	return r.String()
}

// EventLevel reports whether r is decided for a whole event.
func (r Reason) EventLevel() bool { return r >= ReasonMalformed && r <= ReasonBadConversionFee }

// MarshalText writes the machine code (so JSON carries "augmented").
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a machine code back.
func (r *Reason) UnmarshalText(b []byte) error {
	for i, c := range reasonCodes {
		if c == string(b) {
			*r = Reason(i)
			return nil
		}
	}
	return fmt.Errorf("market: unknown reason %q", b)
}
