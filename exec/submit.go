package exec

import (
	"errors"
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
	q, hits, ok := x.pickTemplates(opp, wallNano)
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
		l.tick, l.limit, l.shares = opp.Legs[i].Tick, opp.Legs[i].Limit, q
		l.maker, l.taker, l.hash = t.Order.MakerAmount, t.Order.TakerAmount, t.OrderHash
		b.notional += int64(l.maker)
	}
	x.risk.Open(b.event, b.notional)
	x.ctr.submitted.Add(1)
	out := Outcome{Basket: b.id, Q: q, Hits: uint8(hits)}
	x.sendLegs(b, 0, x.tpls[:n], x.hot, wallNano, opp.TS, t0)
	if x.pending == ActResign && !b.resigned {
		x.resign(b)
	}
	x.afterSend(b)
	x.summarize(b, &out)
	return out
}

// pickTemplates fills x.tpls[:N] for the opportunity: pool templates at
// (asset, limit, Q); when one misses, Q snapped down to the largest ladder
// size that still meets the venue minimums with a positive worst-case
// edge; else the missing legs are signed on the spot. It returns the Q
// used and the number of template hits.
func (x *Executor) pickTemplates(opp *scan.Opportunity, wallNano int64) (book.Size, int, bool) {
	n := int(opp.N)
	q := opp.Q
	hits := 0
	usePool := x.cfg.Pool != nil && x.cfg.Pool.Version() == x.version
	clear(x.tpls[:n])
	if usePool {
		for i := 0; i < n; i++ {
			if t := x.cfg.Pool.Take(opp.Legs[i].Asset, opp.Legs[i].Limit, q, wallNano); t != nil {
				x.tpls[i] = t
				hits++
			}
		}
		if hits < n {
			if s := x.snapQ(opp); s > 0 {
				x.ctr.snaps.Add(1)
				q, hits = s, 0
				clear(x.tpls[:n])
				for i := 0; i < n; i++ {
					if t := x.cfg.Pool.Take(opp.Legs[i].Asset, opp.Legs[i].Limit, q, wallNano); t != nil {
						x.tpls[i] = t
						hits++
					}
				}
			}
		}
	}
	x.ctr.hits.Add(uint64(hits))
	for i := 0; i < n; i++ {
		if x.tpls[i] != nil {
			continue
		}
		x.ctr.misses.Add(1)
		maker, taker, err := sign.MarketBuyAmounts(opp.Legs[i].Limit, q, opp.Legs[i].Tick)
		if err != nil || x.cfg.Signer == nil {
			return 0, 0, false
		}
		l := leg{role: roleEntry, side: sign.Buy, asset: opp.Legs[i].Asset, limit: opp.Legs[i].Limit, shares: q, maker: maker, taker: taker}
		t, err := x.signLeg(&l, wallNano)
		if err != nil {
			return 0, 0, false
		}
		x.tpls[i] = t
	}
	return q, hits, true
}

// snapQ returns the largest ladder size below opp.Q at which every leg
// meets the market's minimum size and the $1 minimum, and the basket's
// worst-case edge stays positive: payout×s − Σ (s×limit rounded up to a
// cent + the fee at the most expensive price ≤ limit) > 0. 0 if none.
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
			cost := (book.CostUp(lg.Limit, s) + 9_999) / 10_000 * 10_000 // the maker amount, rounded up to a cent
			if s < info.MinSize || cost < x.cfg.MinNotional {
				ok = false
			}
			p := lg.Limit
			if p > 500_000 {
				p = 500_000 // p(1−p) is largest at 0.5: the fee of any fill ≤ limit is at most this
			}
			edge -= cost + x.cfg.fee(lg.Asset).FeeMicroUp(p, s, x.cfg.FeeDecimals)
		}
		if ok && edge > 0 {
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
