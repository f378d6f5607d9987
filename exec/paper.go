package exec

import (
	"encoding/binary"
	"time"

	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// Paper model: nothing is sent. Each leg of an accepted opportunity fills
// Q shares at once at the opportunity's own prices: cash = Leg.Cost (the
// book levels it was priced against, each rounded up) and fee = Leg.Fee
// (per level, rounded up), settled at once (one CONFIRMED trade per leg).
// The basket is complete immediately; NO baskets record their conversion
// intent like live ones. Risk limits, the journal, accounting and P&L run
// exactly as in Live, so a paper run's numbers mean what a live run's do;
// what paper cannot see is queue position, latency to the venue, killed
// FOKs and settlement failures.
func (x *Executor) submitPaper(opp *scan.Opportunity, g *GroupInfo, notional int64, t0 int64) Outcome {
	_, b := x.allocBasket()
	b.id = x.nextID
	x.nextID++
	n := int(opp.N)
	b.group, b.kind, b.event, b.payout, b.q, b.nGroup = opp.Group, opp.Kind, g.EventIndex, g.Payout, opp.Q, n
	b.expCost, b.opened, b.paper, b.notional = opp.Cost, t0, true, notional
	for i := 0; i < n; i++ {
		lg := &opp.Legs[i]
		l := b.newLeg()
		l.idx, l.role, l.side, l.asset = uint8(i), roleEntry, sign.Buy, lg.Asset
		l.tick, l.limit, l.shares = lg.Tick, lg.Limit, opp.Q
		l.maker, l.taker = uint64(lg.Amount), uint64(opp.Q)
		// a synthetic order id, unique per (basket, leg): "paper" ‖ id ‖ leg
		copy(l.hash[:5], "paper")
		binary.BigEndian.PutUint64(l.hash[5:13], b.id)
		l.hash[13] = byte(i)
		l.vid = l.hash
	}
	x.risk.Open(b.event, b.notional)
	x.ctr.submitted.Add(1)
	wall := time.Now().UnixNano()
	x.jbuf = appendIntent(x.jbuf[:0], b, 0, x)
	x.jbuf = appendInt(x.jbuf[:len(x.jbuf)-1], "ts", wall)
	x.jbuf = append(x.jbuf, '}')
	if x.appendJournal() != nil {
		x.risk.Close(b.event, b.notional, 0)
		x.closeSlot(x.slotOf(b))
		return x.veto(VetoJournal)
	}
	for i := 0; i < n; i++ {
		lg := &opp.Legs[i]
		l := &b.legs[i]
		l.status = legFilled
		l.respShares, l.respCash, l.estFee = int64(opp.Q), lg.Cost, lg.Fee
		l.sentAt, l.sentWall = t0, wall/int64(time.Second)
		l.trades = append(l.trades, trade{id: "paper", status: tradeConfirmed, shares: int64(opp.Q), cash: lg.Cost, fee: lg.Fee})
	}
	x.jbuf = appendResp(x.jbuf[:0], b, 0, n, 200, reqOK, RejectNone)
	_ = x.appendJournal()
	for i := 0; i < n; i++ {
		x.account(&b.legs[i])
	}
	b.everFilled = true
	x.ctr.filled.Add(1)
	out := Outcome{Kind: OutFilled, Basket: b.id, Q: opp.Q, Filled: uint8(n)}
	x.finalize(b, finalComplete)
	return out
}
