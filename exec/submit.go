package exec

import (
	"errors"
	"math"
	"math/bits"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/httpconn"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// OutcomeKind says what happened to a basket when Submit returned.
type OutcomeKind uint8

// Outcome kinds.
const (
	OutVetoed  OutcomeKind = iota // not sent (Outcome.Veto says why)
	OutFilled                     // every leg matched (settlement follows in Poll)
	OutPartial                    // some legs matched, others did not: leg risk follows in Poll
	OutKilled                     // nothing matched (FOK killed or orders rejected): no exposure
	OutPending                    // some outcomes are unknown (timeout, delayed): Poll queries the venue
)

var outcomeNames = [...]string{"vetoed", "filled", "partial", "killed", "pending"}

func (k OutcomeKind) String() string {
	if int(k) < len(outcomeNames) {
		return outcomeNames[k]
	}
	return "outcome?"
}

// Outcome is Submit's answer.
type Outcome struct {
	Kind                    OutcomeKind
	Basket                  uint64    // 0 when vetoed
	Veto                    Veto      // OutVetoed
	Reject                  Reject    // the most severe rejection seen, if any
	Action                  Action    // what the executor does about it
	Q                       book.Size // shares per leg sent (may be snapped below the opportunity's Q)
	Filled, Killed, Unknown uint8
	Hits                    uint8 // legs served by a pre-signed template
	// HitsAbove counts the hits (included in Hits) served by a template
	// signed above the leg's limit (sign.Pool.TakeAtOrAbove): a dipped
	// leg bought through its trigger anchor.
	HitsAbove uint8
}

func (x *Executor) veto(v Veto) Outcome {
	x.ctr.vetoes[v].Add(1)
	return Outcome{Kind: OutVetoed, Veto: v}
}

// Submit sends one opportunity as a basket of FOK BUY orders and returns
// once the venue's response is parsed (or the outcome is known to be
// unknown). It runs on the exec goroutine; on the template-hit path it
// does not allocate.
//
// Order of work: gates (kill, pause, validity, risk limits, rate budget)
// → templates → journal the intent → request bytes → one write per batch
// of ≤ 15 → read → parse → journal the response → accounting.
func (x *Executor) Submit(opp *scan.Opportunity) Outcome {
	t0 := x.cfg.Now()
	if !x.started || x.stopping {
		return x.veto(VetoShutdown)
	}
	if x.killed.Load() {
		if !x.risk.Killed() {
			x.risk.Kill()
		}
		return x.veto(VetoKilled)
	}
	if x.paused.Load() != x.risk.Paused() {
		if x.paused.Load() {
			x.risk.Pause()
		} else {
			x.risk.Resume()
		}
	}
	if opp.Reason != scan.OK || opp.N == 0 || int(opp.Group) >= len(x.cfg.Groups) || opp.Q <= 0 {
		return x.veto(VetoInvalid)
	}
	g := &x.cfg.Groups[opp.Group]
	n := int(opp.N)
	if n != len(g.Legs) || opp.Payout != g.Payout {
		return x.veto(VetoInvalid)
	}
	var notional int64
	for i := 0; i < n; i++ {
		if opp.Legs[i].Asset != g.Legs[i] {
			return x.veto(VetoInvalid)
		}
		notional += opp.Legs[i].Amount
	}
	if v := x.risk.Check(g.EventIndex, notional); v != VetoNone {
		return x.veto(v)
	}
	if len(x.free) == 0 {
		return x.veto(VetoOpenBaskets)
	}
	if x.cfg.Mode == Paper {
		return x.submitPaper(opp, g, notional, t0)
	}
	if !x.budget.Take(n, t0, false) {
		return x.veto(VetoRateBudget)
	}
	wall := time.Now()
	wallNano := wall.UnixNano()
	q, hits, above, ok := x.pickTemplates(opp, g.EventIndex, wallNano)
	if !ok {
		return x.veto(VetoSizing)
	}
	_, b := x.allocBasket()
	b.id = x.nextID
	x.nextID++
	b.group, b.kind, b.event, b.payout, b.q, b.nGroup = opp.Group, opp.Kind, g.EventIndex, g.Payout, q, n
	b.expCost, b.opened = opp.Cost, t0
	for i := 0; i < n; i++ {
		t := x.tpls[i]
		l := b.newLeg()
		l.idx, l.role, l.side, l.asset = uint8(i), roleEntry, sign.Buy, opp.Legs[i].Asset
		// the limit actually signed (a template above the opportunity's
		// limit for a dipped leg), journaled as the intent's price
		l.tick, l.limit, l.shares = opp.Legs[i].Tick, t.Price, q
		l.maker, l.taker, l.hash = t.Order.MakerAmount, t.Order.TakerAmount, t.OrderHash
		b.notional += int64(l.maker)
	}
	x.risk.Open(b.event, b.notional)
	x.ctr.submitted.Add(1)
	out := Outcome{Basket: b.id, Q: q, Hits: uint8(hits), HitsAbove: uint8(above)}
	x.sendLegs(b, 0, x.tpls[:n], x.hot, wallNano, opp.TS, t0)
	if x.pending == ActResign && !b.resigned {
		x.resign(b)
	}
	x.afterSend(b)
	x.summarize(b, &out)
	return out
}

// pickTemplates fills x.tpls[:N] for the opportunity: pool templates at
// (asset, limit, Q), or for a leg whose exact limit misses, the cheapest
// template above it that the basket's worst-case edge can pay for
// (takeAbove); when a leg still misses, Q snapped down to the largest
// ladder size that still meets the venue minimums with a positive
// worst-case edge, and the same again; else the missing legs are signed on
// the spot at their exact limits. It returns the Q used, the number of
// template hits and how many of them were above the limit.
func (x *Executor) pickTemplates(opp *scan.Opportunity, event int, wallNano int64) (book.Size, int, int, bool) {
	n := int(opp.N)
	q := opp.Q
	hits, above := 0, 0
	usePool := x.cfg.Pool != nil && x.cfg.Pool.Version() == x.version
	clear(x.tpls[:n])
	if usePool {
		hits, above = x.takeLegs(opp, event, q, wallNano)
		if hits < n {
			if s := x.snapQ(opp); s > 0 {
				x.ctr.snaps.Add(1)
				q = s
				clear(x.tpls[:n])
				hits, above = x.takeLegs(opp, event, q, wallNano)
			}
		}
	}
	x.ctr.hits.Add(uint64(hits))
	x.ctr.hitsAbove.Add(uint64(above))
	for i := 0; i < n; i++ {
		if x.tpls[i] != nil {
			continue
		}
		x.ctr.misses.Add(1)
		maker, taker, err := sign.MarketBuyAmounts(opp.Legs[i].Limit, q, opp.Legs[i].Tick)
		if err != nil || x.cfg.Signer == nil {
			return 0, 0, 0, false
		}
		l := leg{role: roleEntry, side: sign.Buy, asset: opp.Legs[i].Asset, limit: opp.Legs[i].Limit, shares: q, maker: maker, taker: taker}
		t, err := x.signLeg(&l, wallNano)
		if err != nil {
			return 0, 0, 0, false
		}
		x.tpls[i] = t
	}
	return q, hits, above, true
}

// takeLegs takes pool templates for every leg at q shares into x.tpls:
// the exact limit first, else one above it within what is left of the
// basket's edge and risk room. It returns the hits and how many were
// above the limit.
func (x *Executor) takeLegs(opp *scan.Opportunity, event int, q book.Size, wallNano int64) (hits, above int) {
	n := int(opp.N)
	slack := x.worstEdgeAt(opp, q) - x.minEdge(q)
	room := x.notionalRoom(opp, event, q)
	for i := 0; i < n; i++ {
		lg := &opp.Legs[i]
		if t := x.cfg.Pool.Take(lg.Asset, lg.Limit, q, wallNano); t != nil {
			x.tpls[i] = t
			hits++
			continue
		}
		if slack <= 0 || room <= 0 {
			continue
		}
		if t, cost, extra := x.takeAbove(opp, lg, q, slack, room, wallNano); t != nil {
			x.tpls[i] = t
			hits++
			above++
			slack -= cost
			room -= extra
		}
	}
	return hits, above
}

// Buying a dipped leg through a template above its limit (design: arm hot
// groups at their trigger prices).
//
// A FOK BUY of Q shares at limit L' ≥ L (the opportunity's limit for the
// leg) fills at the book's prices under the exact-fill reading, so it costs
// what the opportunity priced. Under the spend-all reading (protocol.md,
// UNCERTAIN) it spends its whole maker amount M' = Q×L' rounded up to a
// cent, where the opportunity's worst case charged M = Q×L: the basket pays
// Δ = M' − M more, buys about Δ/L more shares at L and, if fees are
// charged in USDC, pays their fee. So the template is used only when
//
//   - EdgeWorst − Σ (Δ + fee of Δ/L shares at L, rounded up) ≥ max(1,
//     Q×Margin) over the raised legs (worstEdgeAt, minEdge), the edge the
//     scanner's decision asked for, so raising never turns a trade into a
//     loss under either reading;
//   - M' can be spent within the levels the opportunity walked (at prices
//     ≤ L): M' ≤ Cost − Levels + (DepthAtLimit − Q)×L rounded down, the
//     book's value up to L (Cost is rounded up per level, hence the
//     Levels µ$); otherwise the FOK could be killed where the exact limit
//     would have filled;
//   - its taker amount is at least Q and at most DepthAtLimit;
//   - Σ Δ fits the risk limits' room (basket notional, event exposure).
//
// takeAbove turns the edge slack into the highest affordable price, asks
// the pool for the cheapest template in (L, that price], checks the
// template's own amounts against all of the above and returns it with
// what it costs the edge and the notional (nil when none qualifies: the
// leg is then signed at its exact limit). A template that fails the check
// is dropped (it cannot be put back).
func (x *Executor) takeAbove(opp *scan.Opportunity, lg *scan.Leg, q book.Size, slack, room, wallNano int64) (*sign.Template, int64, int64) {
	base := centsUp(book.CostUp(lg.Limit, q))
	capSpend := x.spendCap(opp, lg)
	afford := slack
	if fm := x.cfg.fee(lg.Asset); !fm.Zero() {
		// Δ + fee(Δ) ≤ slack, fee(Δ) ≤ Δ × rate + a rounding unit + the fee
		// of the micro-share rounded up (the exact fee is checked below).
		afford = (slack - 2*feeUnit(x.cfg.FeeDecimals)) * book.Scale / (book.Scale + int64(fm.Rate))
	}
	maxMaker := min(base+min(afford, room), capSpend)
	if maxMaker <= base {
		return nil, 0, 0
	}
	maxP := maxPriceFor(maxMaker, q, lg.Tick)
	if maxP <= lg.Limit {
		return nil, 0, 0
	}
	t := x.cfg.Pool.TakeAtOrAbove(lg.Asset, lg.Limit, maxP, q, wallNano)
	if t == nil {
		return nil, 0, 0
	}
	m := int64(t.Order.MakerAmount)
	d := m - base
	cost := d + x.extraFee(lg, d)
	if d < 0 || cost > slack || d > room || m > capSpend ||
		int64(t.Order.TakerAmount) < int64(q) || int64(t.Order.TakerAmount) > int64(lg.DepthAtLimit) {
		x.ctr.aboveDropped.Add(1)
		return nil, 0, 0
	}
	return t, cost, d
}

// spendCap is the most a spend-all FOK BUY of this leg can spend within
// the levels the opportunity walked: their value at the book's prices,
// bounded below (Cost is rounded up per level; the shares beyond Q all sit
// at the limit level).
func (x *Executor) spendCap(opp *scan.Opportunity, lg *scan.Leg) int64 {
	beyond := int64(lg.DepthAtLimit) - int64(opp.Q)
	if beyond < 0 {
		return 0
	}
	return lg.Cost - int64(lg.Levels) + book.CostDown(lg.Limit, book.Size(beyond))
}

// extraFee bounds the USDC fee of the extra shares a spend-all fill buys
// with d more micro-dollars at the leg's limit: d/L shares (rounded up),
// fee rounded up.
func (x *Executor) extraFee(lg *scan.Leg, d int64) int64 {
	fm := x.cfg.fee(lg.Asset)
	if d <= 0 || fm.Zero() || lg.Limit == 0 {
		return 0
	}
	sh := (d*book.Scale + int64(lg.Limit) - 1) / int64(lg.Limit)
	return fm.FeeMicroUp(lg.Limit, book.Size(sh), x.cfg.FeeDecimals)
}

// minEdge is the worst-case edge a basket of q sets must keep when a leg
// is raised above its limit: the margin per set (rounded up), at least 1µ$.
func (x *Executor) minEdge(q book.Size) int64 {
	return max(1, (x.cfg.Margin*int64(q)+book.Scale-1)/book.Scale)
}

// notionalRoom is how much more than Σ q×limit (rounded up to cents) the
// basket may spend within the risk limits (basket notional, the event's
// exposure).
func (x *Executor) notionalRoom(opp *scan.Opportunity, event int, q book.Size) int64 {
	var notional int64
	for i := 0; i < int(opp.N); i++ {
		notional += centsUp(book.CostUp(opp.Legs[i].Limit, q))
	}
	lim := &x.cfg.Limits
	return min(lim.MaxBasketNotional-notional, lim.MaxEventExposure-x.risk.Exposure(event)-notional)
}

// worstEdgeAt bounds from below the opportunity's worst-case edge
// (scan.Opportunity.EdgeWorst) at q ≤ Q shares per leg, every order at
// its leg's limit: proceeds − Σ maker amounts − max(Σ fees, payout × max
// fee shares). At Q it is EdgeWorst. Below Q, with the scanner's fees
// rounded up per level (to a unit u of FeeDecimals) and fee shares
// ceil(fee/price) per level, the first q shares of a leg:
//
//   - pay at most its fee at Q, and at most the fee of q shares at the
//     most expensive fee price ≤ the limit (p(1−p) peaks at 0.5) plus u
//     per level;
//   - withhold at most its fee shares at Q, and (exponent ≥ 1, where
//     fee/p = rate·(1−p)·(p(1−p))^(e−1) ≤ rate per share) at most q × rate
//     plus, per level, u/tick (every level's price is at least a tick) and
//     a micro-share of rounding.
//
// A leg filled at one level (every share at its limit) is priced exactly
// as the scanner would: the fee of q shares at the limit rounded up, and
// that fee as shares rounded up.
func (x *Executor) worstEdgeAt(opp *scan.Opportunity, q book.Size) int64 {
	if q == opp.Q {
		return opp.EdgeWorst
	}
	n := int(opp.N)
	edge := proceeds(opp.Payout, q)
	var fees, feeShares int64
	unit := feeUnit(x.cfg.FeeDecimals)
	for i := 0; i < n; i++ {
		lg := &opp.Legs[i]
		edge -= centsUp(book.CostUp(lg.Limit, q))
		f, fs := lg.Fee, int64(lg.FeeShares)
		fm := x.cfg.fee(lg.Asset)
		switch {
		case fm.Zero(): // nothing to bound: the opportunity's own figures (at Q) stand
		case lg.Levels == 1 && lg.Limit > 0:
			f = fm.FeeMicroUp(lg.Limit, q, x.cfg.FeeDecimals)
			fs = mulDivCeil(f, book.Scale, int64(lg.Limit))
		default:
			levels := int64(lg.Levels)
			f = min(f, fm.FeeMicroUp(min(lg.Limit, 500_000), q, x.cfg.FeeDecimals)+levels*unit)
			if fm.Exponent >= 1 && lg.Tick.Valid() {
				perLevel := mulDivCeil(unit, book.Scale, int64(lg.Tick)) + 1
				fs = min(fs, mulDivCeil(int64(q), int64(fm.Rate), book.Scale)+levels*perLevel)
			}
		}
		fees += f
		feeShares = max(feeShares, fs)
	}
	return edge - max(fees, mulDivCeil(opp.Payout, feeShares, book.Scale))
}

// maxPriceFor is the highest price on the tick grid (≤ 1 − tick) whose
// FOK BUY maker amount for q shares (q × p rounded up to a cent) is at
// most maxMaker; 0 if none.
func maxPriceFor(maxMaker int64, q book.Size, tick book.Tick) book.Price {
	if q <= 0 || !tick.Valid() {
		return 0
	}
	t := int64(tick)
	p := min(mulDivFloor(maxMaker, book.Scale, int64(q)), int64(book.One)-t)
	p -= p % t
	for p >= t && centsUp(book.CostUp(book.Price(p), q)) > maxMaker {
		p -= t
	}
	if p < t {
		return 0
	}
	return book.Price(p)
}

// centsUp rounds micro-dollars up to whole cents (a FOK BUY's maker amount).
func centsUp(micros int64) int64 { return (micros + 9_999) / 10_000 * 10_000 }

// feeUnit is the fee rounding unit in micro-dollars at d decimals.
func feeUnit(d uint8) int64 {
	u := int64(1)
	for i := int(d); i < 6; i++ {
		u *= 10
	}
	return u
}

// mulDivCeil is ceil(x × y / d) and mulDivFloor floor(x × y / d) for
// non-negative x, y and positive d, exact through a 128-bit product.
func mulDivCeil(x, y, d int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	r, rem := bits.Div64(hi, lo, uint64(d))
	if rem != 0 {
		r++
	}
	return int64(r)
}

func mulDivFloor(x, y, d int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	r, _ := bits.Div64(hi, lo, uint64(d))
	return int64(r)
}

// snapQ returns the largest ladder size below opp.Q at which every leg
// meets the market's minimum size and the $1 minimum, and the basket's
// worst-case edge stays positive: payout×s − Σ (s×limit rounded up to a
// cent + the fee at the most expensive price ≤ limit) > 0, and the same
// under EdgeWorst's reading (worstEdgeAt). 0 if none.
func (x *Executor) snapQ(opp *scan.Opportunity) book.Size {
	n := int(opp.N)
	best := book.Size(0)
	for _, s := range x.cfg.Ladder {
		if s >= opp.Q || s <= best {
			continue
		}
		edge := proceeds(opp.Payout, s)
		ok := true
		for i := 0; i < n && ok; i++ {
			lg := &opp.Legs[i]
			info := x.cfg.Registry.Info(lg.Asset)
			cost := centsUp(book.CostUp(lg.Limit, s)) // the maker amount
			if s < info.MinSize || cost < x.cfg.MinNotional {
				ok = false
			}
			p := lg.Limit
			if p > 500_000 {
				p = 500_000 // p(1−p) is largest at 0.5: the fee of any fill ≤ limit is at most this
			}
			edge -= cost + x.cfg.fee(lg.Asset).FeeMicroUp(p, s, x.cfg.FeeDecimals)
		}
		if ok && edge > 0 && x.worstEdgeAt(opp, s) > 0 {
			best = s
		}
	}
	return best
}

// sendLegs journals the intent of b.legs[from:] (their orders in tpls),
// writes them on c in batches of ≤ 15 back to back, then reads, parses,
// journals and applies each response. Called on the exec goroutine for
// entries (hot connection) and leg-risk orders (cold connection).
//
// frameTS (the opportunity's frame read time) and decisionTS (Submit's
// start) feed the latency stages when a Recorder is configured; 0 = not
// recorded (leg-risk and retry sends).
func (x *Executor) sendLegs(b *basket, from int, tpls []*sign.Template, c *httpconn.Conn, wallNano, frameTS, decisionTS int64) {
	x.pending = ActNone
	x.jbuf = appendIntent(x.jbuf[:0], b, from, x)
	x.jbuf = appendInt(x.jbuf[:len(x.jbuf)-1], "ts", wallNano)
	x.jbuf = append(x.jbuf, '}')
	if x.appendJournal() != nil {
		// Nothing was sent: the legs are not placed.
		for i := from; i < len(b.legs); i++ {
			b.legs[i].status = legKilled
		}
		return
	}
	for i := from; i < len(b.legs); i++ {
		b.legs[i].vid = b.legs[i].hash
	}
	testHook("intent")
	n := len(b.legs) - from
	chunks := (n + sign.MaxBatch - 1) / sign.MaxBatch
	unix := wallNano / int64(time.Second)
	for k := 0; k < chunks; k++ {
		bt := x.batches[k]
		bt.Reset()
		for i := k * sign.MaxBatch; i < min(n, (k+1)*sign.MaxBatch); i++ {
			_ = bt.Add(tpls[i])
		}
		bt.Finish(x.l2, "/orders", unix)
	}
	tReady := x.cfg.Now()
	for k := 0; k < chunks; k++ {
		bt := x.batches[k]
		c.Begin("POST", "/orders")
		x.l2Headers(c, bt.Timestamp, bt.Signature)
		x.sendErr[k] = c.Send(bt.Body)
	}
	tWritten := x.cfg.Now()
	for i := from; i < len(b.legs); i++ {
		b.legs[i].sentAt = tWritten
		b.legs[i].sentWall = unix
	}
	testHook("sent")
	for k := 0; k < chunks; k++ {
		lo, hi := from+k*sign.MaxBatch, from+min(n, (k+1)*sign.MaxBatch)
		if err := x.sendErr[k]; err != nil {
			x.noAnswer(b, lo, hi, errors.Is(err, httpconn.ErrNotSent))
			continue
		}
		resp, err := c.Receive()
		if err != nil {
			x.noAnswer(b, lo, hi, false)
			continue
		}
		x.applyResponse(b, lo, hi, resp.Status, resp.Body, resp.RetryAfter)
	}
	if r := x.cfg.Recorder; r != nil && decisionTS != 0 {
		tAck := x.cfg.Now()
		r.RecordSpan(hist.Build, decisionTS, tReady)
		r.RecordSpan(hist.Write, tReady, tWritten)
		r.RecordSpan(hist.Ack, tWritten, tAck)
		r.RecordSpan(hist.DecisionToAck, decisionTS, tAck)
		if frameTS != 0 {
			r.RecordSpan(hist.FrameToWire, frameTS, tWritten) // opp.TS is the frame's read time
		}
	}
	testHook("resp")
}

// l2Headers appends the five L2 headers (protocol.md §6.2).
func (x *Executor) l2Headers(c *httpconn.Conn, ts, sig []byte) {
	c.HeaderString(sign.HeaderAddress, x.addrHex())
	c.Header(sign.HeaderSignature, sig)
	c.Header(sign.HeaderTimestamp, ts)
	c.HeaderString(sign.HeaderAPIKey, x.cfg.Creds.APIKey)
	c.HeaderString(sign.HeaderPassphrase, x.cfg.Creds.Passphrase)
}

// addrHex is the signer EOA's checksummed address (POLY_ADDRESS), cached.
func (x *Executor) addrHex() string { return x.addrStr }

// noAnswer records legs[lo:hi] whose request got no response: not sent at
// all (killed: nothing reached the venue) or unknown (query, never resend).
func (x *Executor) noAnswer(b *basket, lo, hi int, notSent bool) {
	req := reqUnknown
	for i := lo; i < hi; i++ {
		if notSent {
			b.legs[i].status = legKilled
			req = reqNotSent
		} else {
			b.legs[i].status = legUnknown
			x.ctr.unknowns.Add(1)
		}
	}
	x.jbuf = appendResp(x.jbuf[:0], b, lo, hi, 0, req, RejectNone)
	_ = x.appendJournal()
}

// applyResponse parses one POST /orders response for legs[lo:hi].
func (x *Executor) applyResponse(b *basket, lo, hi, code int, body []byte, retryAfter time.Duration) {
	res := x.results[:hi-lo]
	rej, err := x.rp.ParseBatch(code, body, res)
	req := reqOK
	switch {
	case err != nil:
		// A body we cannot read: the orders may have been placed.
		req = reqUnknown
		for i := lo; i < hi; i++ {
			b.legs[i].status = legUnknown
			x.ctr.unknowns.Add(1)
		}
	case rej != RejectNone:
		req = reqRejected
		x.ctr.rejects[rej].Add(1)
		act := ActionFor(rej)
		for i := lo; i < hi; i++ {
			l := &b.legs[i]
			l.reject = rej
			if act == ActQuery {
				l.status = legUnknown
				x.ctr.unknowns.Add(1)
			} else {
				l.status = legKilled // the request was refused as a whole
			}
		}
		if rej == RejectRateLimited || code == 429 {
			x.budget.RetryAfter(x.cfg.Now(), retryAfter)
		}
		x.raise(act, rej)
	default:
		for i := lo; i < hi; i++ {
			x.applyResult(b, i, &res[i-lo])
		}
	}
	x.jbuf = appendResp(x.jbuf[:0], b, lo, hi, code, req, rej)
	_ = x.appendJournal()
	for i := lo; i < hi; i++ {
		x.account(&b.legs[i])
	}
}

// applyResult records one order's outcome.
func (x *Executor) applyResult(b *basket, i int, r *LegResult) {
	l := &b.legs[i]
	l.reject = r.Reject
	if r.HasID && r.OrderID != l.hash {
		l.vid = r.OrderID // queried and matched by the venue's id from now on
	}
	if r.Success {
		switch r.Status {
		case StatusMatched:
			l.status = legFilled
			if l.side == sign.Sell {
				l.respShares, l.respCash = r.Making, r.Taking
			} else {
				l.respShares, l.respCash = r.Taking, r.Making
			}
			l.estFee = x.estimateFee(l.asset, l.respCash, l.respShares)
		case StatusUnmatched:
			l.status = legKilled
		case StatusLive:
			l.status = legLive
			x.liveSeen.Store(true)
		default: // delayed, or no status: neither filled nor dead
			l.status = legUnknown
			l.accepted = true
			x.ctr.unknowns.Add(1)
		}
		return
	}
	x.ctr.rejects[r.Reject].Add(1)
	act := ActionFor(r.Reject)
	if act == ActQuery {
		l.status = legUnknown
		l.accepted = r.Reject == RejectDuplicate || r.Reject == RejectDelayed
		x.ctr.unknowns.Add(1)
	} else {
		l.status = legKilled
	}
	x.raise(act, r.Reject)
}

// estimateFee is the fee of `shares` bought or sold for `cash` at their
// average price, rounded up: p(1−p) is concave, so this is at least the
// sum of the per-fill fees before rounding. Trades replace it.
func (x *Executor) estimateFee(a book.AssetIndex, cash, shares int64) int64 {
	if shares <= 0 {
		return 0
	}
	m := x.cfg.fee(a)
	if m.Zero() {
		return 0
	}
	p := book.Price((cash*book.Scale + shares - 1) / shares)
	if p > book.One {
		p = book.One
	}
	return m.FeeMicroUp(p, book.Size(shares), x.cfg.FeeDecimals)
}

// raise handles a rejection's side effects once per submission: halts
// pause and alert, stale templates are retired, a version mismatch is
// remembered for the one retry.
func (x *Executor) raise(act Action, rej Reject) {
	if act > x.pending {
		x.pending = act
	}
	switch act {
	case ActHalt:
		if !x.paused.Load() {
			x.Pause("venue rejection: " + rej.String())
			x.alert("halt", "trading paused after a rejection: "+rej.String())
		}
	case ActInvalidate:
		if x.cfg.Pool != nil {
			x.cfg.Pool.InvalidateAll()
		}
		x.alert("invalidate", "templates retired after a rejection: "+rej.String())
	}
}

// afterSend counts the basket's first outcome and closes it at once when
// nothing was bought.
func (x *Executor) afterSend(b *basket) {
	for i := range b.legs {
		if b.legs[i].status == legFilled {
			b.everFilled = true
		}
	}
	if b.anyUnresolved() {
		return
	}
	complete, flat := b.shape()
	switch {
	case complete:
		x.ctr.filled.Add(1)
	case flat:
		x.finalize(b, finalFailed)
	default:
		b.partial = true
		x.ctr.partial.Add(1)
		x.alert("partial", "partial basket: leg risk follows")
	}
}

func (x *Executor) summarize(b *basket, out *Outcome) {
	var worst Reject
	for i := range b.legs {
		l := &b.legs[i]
		switch l.status {
		case legFilled:
			out.Filled++
		case legKilled:
			out.Killed++
		default:
			out.Unknown++
		}
		if l.reject != RejectNone && ActionFor(l.reject) >= ActionFor(worst) {
			worst = l.reject
		}
	}
	out.Reject, out.Action = worst, ActionFor(worst)
	switch {
	case out.Unknown > 0:
		out.Kind = OutPending
	case out.Filled == 0:
		out.Kind = OutKilled
	case complete(b):
		out.Kind = OutFilled
	default:
		out.Kind = OutPartial
	}
}

// proceeds is payout × shares in micro-dollars, rounded down.
func proceeds(payout int64, s book.Size) int64 {
	return payout/book.Scale*int64(s) + payout%book.Scale*int64(s)/book.Scale
}

func complete(b *basket) bool {
	c, _ := b.shape()
	return c
}

// testHook marks points of Submit for the crash tests (nil in production).
var testHookFn func(point string)

func testHook(point string) {
	if testHookFn != nil {
		testHookFn(point)
	}
}
