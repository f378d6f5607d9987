// Package market discovers the tradeable universe: it pages Polymarket's
// Gamma API for events, reads each market's CLOB parameters (tick, minimum
// size, neg-risk flag, fee model), applies the correctness gate of design §1
// and hands the engine plain data: the YES and NO baskets of every provably
// complete neg-risk event (and, optionally, the binary YES+NO pairs), a
// book.Registry holding every subscribed asset, and the list of everything
// left out with a reason.
//
// Everything here is cold path: encoding/json, net/http and allocations are
// fine. Money is still exact: ticks, sizes and fee rates are parsed from the
// venue's decimal text (JSON strings or JSON numbers kept as json.Number)
// with the book parsers; no float64 ever holds a price, size or rate.
//
// The gate never guesses in the unsafe direction. A flag that decides
// whether a basket is complete (negRiskAugmented, negRiskOther) or whether a
// market can trade (active, closed, acceptingOrders, enableOrderBook) must be
// present with the safe value; a fee that cannot be determined excludes the
// market; an unknown fee exponent defaults to 0, the reading that
// overestimates the fee. Every exclusion carries a Reason at the event level
// and, where a market caused it, at the market level.
package market
