package scan

// Reason is the outcome of evaluating a group: OK (an opportunity to
// trade) or why the group was not taken. Every evaluation records exactly
// one Reason in Stats.Reasons.
type Reason uint8

// Reasons, in the order Evaluate checks them.
const (
	// OK: the opportunity passed every check and is sized; trade it.
	OK Reason = iota
	// NoAsk: some leg has no ask (the basket cannot be bought).
	NoAsk
	// BookInvalid: some leg's book is missing or not Valid (no completed
	// snapshot since the last reconnect, tick change or invalidation).
	BookInvalid
	// BookCrossed: some leg's own book has best bid ≥ best ask.
	BookCrossed
	// StaleAsk: the best ask the scanner was told differs from the book's:
	// the caller missed an OnBestAsk. An integrity alarm.
	StaleAsk
	// AboveThreshold: best asks plus fees at the best level are above
	// payout − margin.
	AboveThreshold
	// PairCrossed: a binary pair's YES ask + NO ask (+ fees) is below 1.
	// The venue mirrors the two books, so this is a stale or broken feed:
	// an integrity alarm, not traded unless Config.TradePairs.
	PairCrossed
	// CapZero: the risk limits (MaxShares, MaxNotional) leave nothing to buy.
	CapZero
	// LimitNotTradeable: a leg's limit price is off its tick grid or
	// outside [tick, 1−tick].
	LimitNotTradeable
	// BelowMinSize: after rounding to what the venue accepts, Q is zero or
	// below some leg's minimum order size.
	BelowMinSize
	// BelowMinNotional: some leg would spend less than $1.
	BelowMinNotional
	// EdgeGoneAfterRounding: payout×Q − (fills + fees) ≤ 0 once every
	// amount is rounded the way the venue will round it.
	EdgeGoneAfterRounding
	// EdgeGoneWorstCase: the expected edge is positive but the worst-case
	// edge (every share at its leg's limit, fees under either collection
	// reading) is not. See Opportunity.EdgeWorst.
	EdgeGoneWorstCase

	// NumReasons is the number of reasons (array size for counters).
	NumReasons
)

var reasonNames = [NumReasons]string{
	OK:                    "ok",
	NoAsk:                 "no_ask",
	BookInvalid:           "book_invalid",
	BookCrossed:           "book_crossed",
	StaleAsk:              "stale_ask",
	AboveThreshold:        "above_threshold",
	PairCrossed:           "pair_crossed",
	CapZero:               "cap_zero",
	LimitNotTradeable:     "limit_not_tradeable",
	BelowMinSize:          "below_min_size",
	BelowMinNotional:      "below_min_notional",
	EdgeGoneAfterRounding: "edge_gone_after_rounding",
	EdgeGoneWorstCase:     "edge_gone_worst_case",
}

// String returns the reason's snake_case name (a metric label).
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "reason?"
}
