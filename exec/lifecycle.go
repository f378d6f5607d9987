package exec

import (
	"strconv"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// finalState is how a basket ends.
type finalState uint8

const (
	finalComplete finalState = iota // every leg held and every trade CONFIRMED
	finalUnwound                    // filled legs sold back; flat
	finalFailed                     // nothing was ever bought
)

var finalNames = [...]string{"complete", "unwound", "failed"}

// slotOf returns the slot index of b.
func (x *Executor) slotOf(b *basket) int {
	for _, si := range x.open {
		if &x.slots[si] == b {
			return si
		}
	}
	return -1
}

// finalize journals the basket's end, releases its risk and its slot.
func (x *Executor) finalize(b *basket, st finalState) {
	cash := b.cashDelta()
	sets := b.completeSets()
	var pnl int64
	switch st {
	case finalComplete:
		pnl = proceeds(b.payout, book.Size(sets)) + cash
		if b.kind == scan.NoBasket && sets > 0 {
			// convertPositions itself is on-chain and out of scope: the
			// journal records the intent for the operator's tooling.
			x.jbuf = append(x.jbuf[:0], `{"k":"convert"`...)
			x.jbuf = appendUint(x.jbuf, "b", b.id)
			x.jbuf = appendInt(x.jbuf, "sets", sets)
			x.jbuf = appendInt(x.jbuf, "g", int64(b.group))
			x.jbuf = append(x.jbuf, '}')
			_ = x.appendJournal()
			x.ctr.conversions.Add(1)
		}
		if -cash >= proceeds(b.payout, book.Size(sets)) && !x.replay {
			// A decision error only if the fills at send already cost the
			// payout; else leg risk took the loss to close the partial.
			if b.partial && !b.entryAtLoss() {
				x.ctr.closedAtLoss.Add(1)
				x.alert("closed_at_loss", "basket "+strconv.FormatUint(b.id, 10)+" was closed by leg risk at a cost of at least its payout (its fills at send were below it)")
			} else {
				x.ctr.falseB.Add(1)
				x.alert("false_basket", "basket "+strconv.FormatUint(b.id, 10)+" cost at least its payout")
			}
		}
		x.ctr.settled.Add(1)
		if b.partial {
			x.ctr.completed.Add(1)
		}
	case finalUnwound:
		pnl = cash
		x.realised += pnl
		x.ctr.unwound.Add(1)
	case finalFailed:
		pnl = cash
		x.realised += pnl
		x.ctr.failed.Add(1)
	}
	x.jbuf = append(x.jbuf[:0], `{"k":"final"`...)
	x.jbuf = appendUint(x.jbuf, "b", b.id)
	x.jbuf = appendStr(x.jbuf, "state", finalNames[st])
	x.jbuf = appendInt(x.jbuf, "pnl", pnl)
	x.jbuf = appendInt(x.jbuf, "cash", cash)
	x.jbuf = appendInt(x.jbuf, "fees", b.fees())
	x.jbuf = append(x.jbuf, '}')
	_ = x.appendJournal()
	x.risk.Close(b.event, b.notional, pnl)
	x.rememberClosed(b)
	b.final = true
	if si := x.slotOf(b); si >= 0 {
		x.closeSlot(si)
	}
}

// evaluate moves a basket on once every outcome is known: finalize it
// when complete and settled (or flat), run leg risk when partial. It
// reports whether the basket was closed.
func (x *Executor) evaluate(b *basket, now int64) bool {
	if b.final || b.anyUnresolved() {
		return false
	}
	complete, flat := b.shape()
	switch {
	case complete:
		if b.allSettled() {
			x.finalize(b, finalComplete)
			return true
		}
	case flat:
		if b.allSettled() {
			st := finalFailed
			if b.everFilled {
				st = finalUnwound
			}
			x.finalize(b, st)
			return true
		}
	default:
		if !b.partial {
			b.partial = true
			x.ctr.partial.Add(1)
			x.alert("partial", "basket "+strconv.FormatUint(b.id, 10)+" is partial (a leg was killed or its trade FAILED): leg risk follows")
		}
		if b.stuck || x.cfg.Mode != Live || now < b.nextTry {
			return false
		}
		if b.attempts >= x.cfg.LegRiskAttempts {
			x.giveUp(b, 0, 0, "after "+strconv.Itoa(b.attempts)+" attempts")
			return false
		}
		x.legRisk(b, now)
	}
	return false
}

// settleBackstop is how long a filled leg may wait for its settlement
// events before the executor asks GET /data/trades regardless of the user
// channel's state. Queries repeat at most every Config.QueryEvery.
const settleBackstop = 3 * time.Second

// followUp queries the venue about b's unresolved orders and, when the
// user channel cannot be relied on, its trades (Live).
func (x *Executor) followUp(b *basket, now int64, sweep bool) {
	wsUp := x.ws != nil && x.ws.up.Load()
	for i := 0; i < len(b.legs); i++ {
		l := &b.legs[i]
		if now-l.lastQuery < int64(x.cfg.QueryEvery) {
			continue
		}
		switch l.status {
		case legPending, legUnknown, legLive:
			l.lastQuery = now
			x.queryOrder(b, i, now)
		case legFilled:
			if l.settled() {
				continue
			}
			var known int64
			for k := range l.trades {
				known += l.trades[k].shares
			}
			late := now-l.sentAt > int64(time.Second)
			// Backstop: a leg still unsettled settleBackstop after it was
			// sent is queried even while the user channel looks healthy
			// (an event can be lost without the socket dropping).
			if sweep || (!wsUp && late) || (known < l.respShares && late) || now-l.sentAt > int64(settleBackstop) {
				l.lastQuery = now
				x.queryTrades(b, i)
			}
		}
	}
}

// venueEvent is one user-channel message reduced to what the executor
// needs; built by the WS goroutine, applied by Poll.
type venueEvent struct {
	trade   bool
	order   [32]byte // the taker order id (trade) or the order id (order event)
	tradeID string
	status  tradeStatus
	live    bool // order event with status LIVE
	price   book.Price
	size    book.Size
	fee     int64
	hasFee  bool
}

func (x *Executor) pushEvent(ev venueEvent) {
	x.evMu.Lock()
	x.evQueue = append(x.evQueue, ev)
	x.evMu.Unlock()
}

func (x *Executor) drainEvents() {
	x.evMu.Lock()
	q := x.evQueue
	x.evQueue = x.evSpare[:0]
	x.evMu.Unlock()
	for i := range q {
		ev := &q[i]
		b, li := x.findLeg(&ev.order)
		if ev.trade {
			x.applyEvent(ev)
		} else if ev.live && b != nil {
			x.liveSeen.Store(true)
			if l := &b.legs[li]; l.status != legFilled {
				l.status = legLive
			}
		}
	}
	x.evSpare = q[:0]
}

// findLeg finds the open basket leg with order hash h.
func (x *Executor) findLeg(h *[32]byte) (*basket, int) {
	for _, si := range x.open {
		b := &x.slots[si]
		for i := range b.legs {
			if b.legs[i].hash == *h || b.legs[i].vid == *h {
				return b, i
			}
		}
	}
	return nil, -1
}

// applyTrade records one trade status of leg li (journaled) and updates
// the books. A trade's status only moves forward; FAILED and CONFIRMED
// are final. Its fee is the venue's when a report carries one (hasFee),
// else computed with Config.FeeRounding; a computed fee is replaced by the
// venue's when a later report of the trade brings it.
func (x *Executor) applyTrade(bid uint64, l *leg, id []byte, st tradeStatus, price book.Price, size book.Size, fee int64, hasFee bool) (isNew bool) {
	if size <= 0 {
		return false
	}
	t := l.findTrade(id)
	if t != nil {
		moved := !(t.status == st || t.status == tradeFailed || t.status == tradeConfirmed || st < t.status && st != tradeFailed)
		venueFee := hasFee && !t.feeVenue
		if !moved && !venueFee {
			return false
		}
		if moved {
			t.status = st
		}
		if venueFee {
			t.fee, t.feeVenue = fee, true
		}
	} else {
		isNew = true
		nt := trade{id: string(id), status: st, shares: int64(size)}
		if l.side == sign.Sell {
			nt.cash = book.CostDown(price, size) // proceeds round down
		} else {
			nt.cash = book.CostUp(price, size) // costs round up
		}
		nt.fee, nt.feeVenue = fee, hasFee
		if !hasFee {
			nt.fee = x.cfg.FeeRounding.FeeMicro(x.cfg.fee(l.asset), price, size) // the venue's rounding, not ours
		}
		l.trades = append(l.trades, nt)
		t = &l.trades[len(l.trades)-1]
		if l.status != legFilled && st != tradeFailed {
			l.status = legFilled
		}
		var known int64
		for k := range l.trades {
			known += l.trades[k].shares
		}
		if known > l.respShares && (l.status == legFilled) {
			// learnt from trades before (or instead of) a response
			l.respShares = known
			var c int64
			for k := range l.trades {
				c += l.trades[k].cash
			}
			l.respCash = c
			l.estFee = x.estimateFee(l.asset, l.respCash, l.respShares)
		}
	}
	x.jbuf = append(x.jbuf[:0], `{"k":"trade"`...)
	x.jbuf = appendUint(x.jbuf, "b", bid)
	x.jbuf = appendHash(x.jbuf, "h", &l.hash)
	x.jbuf = appendStr(x.jbuf, "id", t.id)
	x.jbuf = appendStr(x.jbuf, "st", t.status.String())
	x.jbuf = appendInt(x.jbuf, "sh", t.shares)
	x.jbuf = appendInt(x.jbuf, "cash", t.cash)
	x.jbuf = appendInt(x.jbuf, "fee", t.fee)
	x.jbuf = append(x.jbuf, '}')
	_ = x.appendJournal()
	if st == tradeFailed && !x.replay {
		x.alert("trade_failed", "trade "+t.id+" of basket "+strconv.FormatUint(bid, 10)+" FAILED: the leg reopens")
	}
	x.account(l)
	return isNew
}

// closedLeg is an order of a basket that has ended, kept so that a trade
// reported after the end (a late fill, a duplicate status) is recognised
// and accounted, never lost and never counted twice.
type closedLeg struct {
	basket uint64
	leg    leg
}

const closedRing = 1024

// rememberClosed copies b's orders into the ring of closed orders.
func (x *Executor) rememberClosed(b *basket) {
	for i := range b.legs {
		c := &x.closed[x.closedNext]
		tr := c.leg.trades[:0]
		c.basket, c.leg = b.id, b.legs[i]
		c.leg.trades = append(tr, b.legs[i].trades...) // own storage: the slot is reused
		x.closedNext = (x.closedNext + 1) % len(x.closed)
	}
}

func (x *Executor) findClosed(h *[32]byte) *closedLeg {
	for i := range x.closed {
		c := &x.closed[i]
		if c.basket != 0 && (c.leg.hash == *h || c.leg.vid == *h) {
			return c
		}
	}
	return nil
}

// applyEvent routes one trade report to its open leg, or to a closed
// order (a late fill is accounted and alerted), or alerts it as not ours.
func (x *Executor) applyEvent(ev *venueEvent) {
	if b, li := x.findLeg(&ev.order); b != nil {
		x.applyTrade(b.id, &b.legs[li], []byte(ev.tradeID), ev.status, ev.price, ev.size, ev.fee, ev.hasFee)
		if b.legs[li].status == legFilled {
			b.everFilled = true
		}
		return
	}
	if c := x.findClosed(&ev.order); c != nil {
		if x.applyTrade(c.basket, &c.leg, []byte(ev.tradeID), ev.status, ev.price, ev.size, ev.fee, ev.hasFee) {
			x.alert("late_fill", "trade "+ev.tradeID+" arrived after basket "+strconv.FormatUint(c.basket, 10)+" ended: accounted")
		}
		return
	}
	if !x.replay {
		x.alert("unknown_trade", "trade "+ev.tradeID+" of order "+hash0x(&ev.order)+" matches no order of this executor: not accounted")
	}
}

func (x *Executor) journalLegRisk(b *basket, act string, lossC, lossU int64, why string) {
	x.jbuf = append(x.jbuf[:0], `{"k":"legrisk"`...)
	x.jbuf = appendUint(x.jbuf, "b", b.id)
	x.jbuf = appendInt(x.jbuf, "try", int64(b.attempts))
	x.jbuf = appendStr(x.jbuf, "act", act)
	x.jbuf = appendInt(x.jbuf, "lossComplete", lossC)
	x.jbuf = appendInt(x.jbuf, "lossUnwind", lossU)
	x.jbuf = appendStr(x.jbuf, "why", why)
	x.jbuf = append(x.jbuf, '}')
	_ = x.appendJournal()
}

// entryAtLoss reports whether b's entry (FOK) legs, as they filled at send
// and before any leg-risk action, held every group leg and already cost
// (fees included, FAILED trades too: they were matched) at least the
// payout of the sets they made: a decision error, a false basket.
func (b *basket) entryAtLoss() bool {
	var cost int64
	sets := int64(-1)
	for i := 0; i < b.nGroup; i++ {
		var sh int64
		for j := range b.legs {
			l := &b.legs[j]
			if l.role != roleEntry || int(l.idx) != i || l.status != legFilled {
				continue
			}
			var known, c, f int64
			for k := range l.trades {
				known += l.trades[k].shares
				c += l.trades[k].cash
				f += l.trades[k].fee
			}
			if len(l.trades) == 0 || known < l.respShares {
				known, c, f = l.respShares, l.respCash, l.estFee
			}
			sh += known
			cost += c + f
		}
		if sets < 0 || sh < sets {
			sets = sh
		}
	}
	return sets >= int64(b.q)-dust && cost >= proceeds(b.payout, book.Size(sets))
}

// reportOpen alerts and journals, at shutdown, every basket still open
// with a position (partial or stuck) with its exact exposure: a basket is
// never left behind silently.
func (x *Executor) reportOpen() {
	for _, si := range x.open {
		b := &x.slots[si]
		if complete, flat := b.shape(); complete || flat {
			continue
		}
		exp := x.exposure(b)
		state := "partial"
		if b.stuck {
			state = "stuck"
		}
		x.journalLegRisk(b, "none", 0, 0, "shutdown: still "+state+"; "+exp)
		x.alert("open_at_shutdown", "basket "+strconv.FormatUint(b.id, 10)+" is still "+state+" at shutdown: "+exp)
	}
}
