// Package exec turns opportunities into orders at the venue and keeps track
// of every share and dollar that follows: submission of a basket's legs as
// FOK orders in one POST /orders, response parsing (both rejection forms),
// the leg-risk policy for partial baskets, settlement tracking, risk limits,
// the shared rate budget, heartbeats and the journal (package
// exec/journal).
//
// Ownership: everything in this package is owned by the executor goroutine
// unless a type's doc says otherwise; none of it takes a lock on the path.
//
// # The executor
//
// New builds an Executor from a Config; Start replays the journal,
// reconciles with the venue, reads GET /version, warms the order
// connection (exec/httpconn: one keep-alive HTTP/1.1 connection, one write
// per request) and starts the user-channel tracker. Then, on one goroutine:
//
//   - Submit(opp): kill/pause/validity gates → Risk.Check → Budget.Take(N)
//     → a pre-signed template per leg (Pool.Take at (asset, limit, Q); on a
//     miss, Pool.TakeAtOrAbove: the cheapest template above the limit —
//     a dipped leg's trigger anchor — that the basket's worst-case edge,
//     its margin, the spend-all depth and the risk room can pay for; when
//     a leg still misses Q is snapped down to the largest ladder size that
//     still meets the venue minimums with a positive worst-case edge, else
//     the leg is signed on the spot at its exact limit) → the intent,
//     with the limit actually signed, is journaled → batches of ≤ 15 in
//     reused buffers, L2 HMAC over the exact bytes → written back to back
//     on the warm connection → responses read, parsed, journaled, applied.
//     On the template-hit path Submit allocates nothing.
//   - Poll(now): user-channel events, queries of unknown orders
//     (GET /data/order, GET /data/trades), the /data/trades fallback while
//     the socket is down, leg risk, settlement and finalisation, the
//     keep-alive ping, heartbeats once anything was seen resting, and the
//     snapshot.
//
// Pause, Resume, Kill and Snapshot may be called from any goroutine.
//
// # Invariants
//
//   - Journal before act: an order's intent (basket, group, legs with
//     asset, token id, side, limit, shares, amounts and order hash) is
//     appended to the journal before a byte of it is written to the
//     network; every response, query answer, trade status, leg-risk
//     decision, conversion intent and basket end is journaled when learnt.
//     If the journal cannot be appended to (or made durable), trading is
//     killed.
//   - Unknown means query, never resend: an order whose request may have
//     reached the venue but whose answer was not read (timeout, broken
//     connection, unreadable body, "delayed", "duplicated", an unknown
//     rejection) is resolved only by asking the venue about its hash. An
//     order the venue does not know is treated as possibly in flight until
//     UnknownGrace has passed since it was sent. Only a definite refusal
//     (order_version_mismatch) leads to a new, re-signed order, once.
//   - Accounting from the venue: positions and cash follow the venue's
//     numbers — the response's makingAmount/takingAmount until the trades
//     are known, then each trade's price × size (costs rounded up, proceeds
//     down) and its fee (the venue's field when present, else the market's
//     FeeModel rounded up to FeeDecimals). A FAILED trade contributes
//     nothing: its leg reopens and leg risk runs again.
//   - Never a silent partial: a basket whose legs do not all hold Q (or all
//     zero) goes to the leg-risk policy (legrisk.go): complete with FAK BUYs
//     or unwind with FAK SELLs, whichever loses less, when that loses no
//     more than the basket's cap, max(LegLossBudget, LegLossShare × its
//     notional); otherwise nothing is sent (no fire sale into a collapsed
//     book) and it tries again, the pauses doubling from LegRiskRetry,
//     journaled, bounded by LegRiskAttempts. Losses are the basket's total
//     (everything it has spent and received so far), so a re-buy after a
//     FAILED settlement is re-checked against the cap. When the tries are
//     used up it stays open, marked stuck, with its position, an alert and
//     a journal record of its exact exposure and what each way out would
//     have lost (again at Shutdown).
//   - A basket is complete only when every leg holds Q and every trade is
//     CONFIRMED. A complete NO basket records a conversion intent in the
//     journal: calling NegRiskAdapter.convertPositions on-chain is out of
//     scope for this package (an operator tool acts on the journal).
//   - Reconciliation on Start: every intent without a final outcome is
//     resolved by querying the venue; every order of ours found resting is
//     cancelled (DELETE /order); positions are rebuilt from the journal and
//     the venue; nothing is ever resubmitted.
//
// # Paper mode
//
// Nothing is sent; each leg fills at the opportunity's own prices (see
// submitPaper). Risk, journal, accounting and P&L are the same code.
//
// # P&L
//
// PnL = Δcash (fees included) + Σ over groups of payout × complete sets
// held (greedily, an asset counted once). Realised is the P&L of baskets
// closed by unwinding or failure; Locked = PnL − Realised. A complete
// basket whose cost including fees was not below payout × sets is "false"
// (a decision error) if its fills at send, before any leg-risk action,
// already cost that much; else it was "closed at a loss" by leg risk
// (Snapshot.BasketsClosedAtLoss).
package exec
