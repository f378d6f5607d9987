// Package scan finds complete-set arbitrage: it keeps, for every group of
// assets whose sets pay a known amount, the running sum of the legs' best
// asks, keeps a near-miss pool of groups close to firing, and sizes the
// groups that fire by walking every leg's depth.
//
// # Groups
//
// A group is a YES basket of a neg-risk event (pays $1 per set), a NO
// basket (pays $(N−1) at once via convertPositions) or the binary pair of
// one market (YES + NO, pays $1). An asset may be in several groups (a YES
// token is in its event's YES basket and its market's pair). Groups are
// built once by New and frozen.
//
// # Invariants
//
//   - For every group, sum == Σ best ask of the legs that have one, and
//     missing == the number of legs without one, where "best ask" is the
//     last value given to OnBestAsk for the asset (initially: none).
//     OnBestAsk keeps both in O(1) per membership (subtract old, add new).
//   - A group is in the pending list at most once (flagPending), so the list
//     never outgrows its capacity (one slot per group) and never allocates.
//   - A group is in the near-miss pool exactly between a PoolEnter and the
//     next PoolLeave: it enters when missing == 0 and sum ≤ payout ×
//     EnterPPM/1e6 and leaves when a leg loses its ask or sum > payout ×
//     LeavePPM/1e6 (each band optionally tightened by EnterAbs/LeaveAbs;
//     binary pairs only with TradePairs). With LeavePPM ≥ EnterPPM a sum
//     moving inside the band does not flap. Groups below the payout stay in the pool (their legs
//     stay armed). Time in the pool uses the caller's timestamps (SetTime);
//     the scanner never reads the clock.
//   - Evaluate prices a group only from books that are Valid, not Crossed,
//     and whose best ask equals what OnBestAsk last said (else StaleAsk).
//   - Every evaluation ends in exactly one Reason, counted in Stats.Reasons.
//   - An OK Opportunity has 0 < Q ≤ MaxShares with 2 decimals; on every leg
//     a limit on the leg's tick grid within [tick, 1−tick], Q ≥ MinSize,
//     Amount = Q × Limit exactly in whole cents and a fill cost ≥
//     MinNotional; Σ Amount ≤ MaxNotional; Edge > 0 (and EdgeWorst > 0
//     unless AssumeExactFills).
//
// # Ownership
//
// A Scanner, the books it reads and its Stats belong to one goroutine (the
// book+scan stage). Nothing is locked or atomic. Pool events leave through
// an SPSC ring.Ring[PoolEvent] the scanner produces into; opportunities are
// plain values the caller copies where it wants.
//
// # Arithmetic (all integers; what is exact and how each value rounds)
//
// Prices are micro-dollars, sizes micro-shares, money micro-dollars.
//
//   - Fees: FeeModel.FeeUp computes shares × rate × (p(1−p))^e exactly
//     (up to 235-bit intermediates) and rounds up once, to any precision
//     down to 1e-12; the scanner rounds each fee up to Config.FeeDecimals
//     (default 5) — a cost we pay is never understated.
//   - Marginal cost (the depth walk's test): each leg's ask plus its fee per
//     share rounded up to 1e-12 USDC, compared with payout − margin. The
//     rounding can only stop the walk earlier.
//   - Q: the largest share count whose every share has marginal cost ≤
//     payout − margin, within MaxShares, Σ Q×limit ≤ MaxNotional and the
//     walked depth, then rounded DOWN to what the venue accepts: 2 decimals
//     of shares and Q × limit a whole number of cents on every leg (so the
//     FOK BUY maker amount is exactly Q × limit and its taker amount exactly
//     Q), and, unless AssumeExactFills, small enough that each leg's limit
//     level can absorb a FOK BUY that spends its whole maker amount (the
//     spend-all reserve; settle and spendAllTop in size.go).
//   - Leg.Cost: Σ per level of price × shares, each rounded up (book.CostUp).
//     Leg.Amount: Q × limit, exact. Leg.Fee: Σ per level, each rounded up to
//     FeeDecimals. Leg.FeeShares: Σ per level of ceil(fee / price).
//   - Proceeds = payout × Q rounded down; Edge = Proceeds − Σ Cost − Σ Fee;
//     EdgeWorst = Proceeds − Σ Amount − max(Σ Fee, ceil(payout × max
//     FeeShares)). The minimum notional compares the fill cost rounded down.
//
// # Readings the protocol leaves open (handled conservatively)
//
//   - What a FOK BUY at limit L for Q shares spends. Edge assumes it fills Q
//     shares at the book's prices (Σ Cost). If instead the venue spends the
//     whole maker amount Q×L, as for a market BUY "for $X" (the official
//     clients' FOK BUY), it re-spends what the cheaper levels saved on extra
//     shares at L: the spend is Σ Amount, which EdgeWorst uses (the extra
//     shares are counted as worth nothing, which also covers their fees),
//     and the FOK is killed unless the level at L has room for the extra
//     shares, which the spend-all reserve guarantees.
//   - How BUY fees are collected. protocol.md §9.2 says in shares: each leg
//     then nets Q − FeeShares and only min(net) sets are complete, worth
//     payout × max FeeShares less than Q sets. EdgeWorst charges the larger
//     of that and the USDC fees.
//   - Fee precision (4 or 5 decimals): Config.FeeDecimals, rounded up.
//
// Unless Config.AssumeExactFills, an opportunity is OK only when both Edge
// and EdgeWorst are positive, and Q keeps the spend-all reserve.
package scan
