// Package sim is simclob, a faithful local Polymarket CLOB for tests, the
// demo and benchmarks: the REST trading API, the WebSocket market and user
// channels, Gamma-shaped metadata and scenario-driven market activity, all
// served over real sockets on 127.0.0.1 and deterministic from a seed.
// protocol.md §11 is its checklist. It imports only book and, of the
// engine's packages, nothing else: signatures are verified with
// go-ethereum's generic EIP-712 code, independently of the engine's sign.
//
// # Use
//
//	s, err := sim.Start(ctx, sim.Config{Scenario: "demo", Seed: 7})
//	urls := s.URLs()           // REST, WSMarket, WSUser, Gamma
//	creds := s.Credentials(addr, 0)
//	s.Faults().FailNextTrades(1)
//	s.Ledger(addr)             // the venue's truth for P&L comparisons
//	s.Windows()                // planted arbitrage windows and who took them
//	s.Close()
//
// cmd/simclob wraps Start as a binary. Scenarios are TOML (SCENARIOS.md);
// "demo" and "small" are embedded.
//
// # Matching model
//
// One book per market, in YES terms. A NO order is stored as its mirror: a
// BUY NO at q rests as a YES ask at 1−q, a SELL NO at q as a YES bid at 1−q.
// Price-time priority is over that one book, so a BUY YES meets a resting
// SELL YES (a transfer) or a resting BUY NO (MINT: both pay, a full set is
// created), and a SELL YES meets a BUY YES or a SELL NO (MERGE). Fills are
// at the resting order's price. Each fill is its own Trade.
//
// An order's size is in shares (BUY: takerAmount, SELL: makerAmount); its
// limit price is makerAmount/takerAmount (BUY) or takerAmount/makerAmount
// (SELL). GTC/GTD prices must be exact and on the tick grid within
// [tick, 1−tick]. FOK/FAK amounts carry the client's rounding, so their
// price is snapped to the nearest grid point and rejected as off-grid when
// more than a tenth of a tick away; the snapped limit never exceeds the
// signed ratio (a BUY never pays more per share than makerAmount/
// takerAmount). FOK fills its whole size or nothing; FAK fills what
// crosses and kills the rest (status MATCHED); GTC/GTD rest the remainder;
// GTD needs an expiration past now+60 s and is cancelled when it passes.
//
// # Money model
//
// Exact integers in micro units (1e6 = $1 or one share). Per fill of s
// shares at own-token price p: a buyer pays CostUp(p, s) (rounded up), a
// seller receives CostDown(p, s) (rounded down), shares move one for one.
// The taker pays fee = s × rate × (p(1−p))^exponent, rounded half-up to 5
// decimals, in pUSD (Config.FeeInShares takes a BUY taker's fee out of the
// shares instead); makers pay nothing on taker-only markets. The venue
// account (VenueAddress) collects fees and rounding dust, so Σ cash plus the
// collateral locked in full sets is conserved (tested).
//
// Balance rule: a BUY needs cash ≥ its full size at its limit plus the taker
// fee at the limit, after what live BUYs reserve; a SELL needs the shares
// after what live SELLs reserve. The sim's own bots skip the check.
//
// # Settlement model
//
// The ledger moves at MATCHED. Each trade then becomes MINED after
// Config.MinedDelay and CONFIRMED after Config.ConfirmDelay, with user
// channel events at each step. An injected failure (Faults.FailNextTrades,
// Faults.SetFailRate, scenario faults.fail_rate) turns the last step into
// FAILED and reverses exactly that trade's ledger effects (cash, shares,
// fees, the venue's share); the maker order it consumed is not restored,
// and a position may go negative if it was sold in between (a ghost fill).
//
// # Choices where the protocol is UNCERTAIN
//
//   - Book hash: layout 9 by default (Config.HashLayout), computed with
//     book.Book.Hash; the REST /book carries exactly the hashed keys.
//   - Marketable precision: maker ≤ 2 decimals, taker ≤ the tick's
//     ROUNDING_CONFIG amount decimals (Config.Precision; PrecisionFixed4
//     reads the "4" literally). Marketable orders need ≥ $1
//     (Config.MinMarketableNotional) with the message
//     "invalid amount for a marketable BUY order ($0.5), min size: $1".
//     The minimum size applies to GTC/GTD only.
//   - price_change: one message per add/cancel, with an entry for the YES
//     token and its NO mirror, each with the hash of that token's book.
//     Trades send last_trade_price plus fresh book snapshots instead.
//   - WS asset limit: past Config.WSAssetLimit assets on one connection,
//     that connection receives no data at all.
//   - /price: BUY → best bid, SELL → best ask. /fee-rate: 1000 on fee
//     markets, else 0 (a legacy field). Rejected single orders are HTTP 400
//     {"error"}; batch elements are success:false with errorMsg.
//   - Credentials are deterministic per address and nonce
//     (DeriveCredentials); create and derive return the same key. L1/L2
//     timestamps are not checked for freshness.
//   - A "delayed" order (Faults.DelayMatching) is answered at once, shows
//     DELAYED on /data/order, and is matched later; if matching then fails
//     (a FOK killed) it stays queryable as UNMATCHED.
//   - Rate limits (Config.RateLimit) are off by default; when on, per-key
//     order and cancel buckets refuse whole requests with 429.
//   - Resolution (Exchange.Resolve, scenario resolutions) closes markets and
//     cancels their orders; redemption of positions is not modelled.
//
// # Faults
//
// Faults (Server.Faults) injects REST errors and slow answers (Inject with
// FaultRule: 425/429 with Retry-After/5xx, delays, counts), delayed
// matching, FAILED settlements, market-data stalls with PING/PONG still
// answered, dropped market and user connections, and raw (malformed or
// oversized) frames. Scenarios schedule the same things by time.
package sim
