package engine

import (
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// Signer-feed pacing. Groups near the pool's band edge flap in and out as
// makers requote, and every re-entry used to re-sign all of the group's
// templates (~50 µs each, a whole core on a busy universe). The feed
// therefore keeps a group's templates for poolLinger after it leaves (a
// re-entry within it only moves prices), and re-lays a hot group's prices
// at most every poolRefreshEvery (templates cover TicksBelow ticks under
// the ask meanwhile).
const (
	poolLinger       = 2 * time.Second
	poolRefreshEvery = 250 * time.Millisecond
)

// signerFeed decides which pool events reach the template signer. It is
// owned by the cold pool goroutine.
type signerFeed struct {
	groups []feedGroup
	active []uint32 // groups with something to do (want != sent, or dirty)
	inList []bool
}

type feedGroup struct {
	want, sent, dirty bool
	latest            scan.PoolEvent // the last enter (or refresh) with its asks
	lastSend, leftAt  int64
}

func newSignerFeed(groups int) *signerFeed {
	return &signerFeed{groups: make([]feedGroup, groups), inList: make([]bool, groups)}
}

// observe takes one pool event from the stage at now.
func (f *signerFeed) observe(ev *scan.PoolEvent, now int64) {
	g := ev.Group
	if int(g) >= len(f.groups) {
		return
	}
	st := &f.groups[g]
	if ev.Event == scan.PoolEnter {
		st.want, st.dirty, st.latest = true, true, *ev
	} else {
		st.want, st.leftAt = false, now
	}
	if !f.inList[g] {
		f.inList[g] = true
		f.active = append(f.active, g)
	}
}

// due calls send for every event the signer should get now: a first entry
// at once, a refresh once poolRefreshEvery has passed since the last send,
// a leave once the group has stayed out for poolLinger.
func (f *signerFeed) due(now int64, send func(ev *scan.PoolEvent, enter bool)) {
	keep := f.active[:0]
	for _, g := range f.active {
		st := &f.groups[g]
		switch {
		case st.want && (!st.sent || st.dirty && now-st.lastSend >= int64(poolRefreshEvery)):
			send(&st.latest, true)
			st.sent, st.dirty, st.lastSend = true, false, now
		case !st.want && st.sent && now-st.leftAt >= int64(poolLinger):
			send(&st.latest, false)
			st.sent = false
		}
		if st.want && st.dirty || st.want != st.sent {
			keep = append(keep, g)
		} else {
			f.inList[g] = false
		}
	}
	f.active = keep
}

// legArmer turns the scanner's pool events into the template pool's: each
// leg's token id, tick and neg-risk flag, and its trigger price
// (triggerPrice), so the pool keeps templates where a dip of that leg
// would be bought. Owned by the cold pool goroutine; reads only the plan's
// immutable tables and the stage's atomic ticks.
//
// Anchors are sticky: a leg keeps the trigger it was last armed at while the
// new one is within ticksBelow ticks of it (the armed block, anchor down to
// anchor − ticksBelow, still holds prices at or under the new trigger), so
// other legs' asks moving by a tick or two do not re-sign every leg's
// trigger block. A move beyond that re-anchors.
type legArmer struct {
	margin     int64           // the scanner's margin per set, micro-dollars
	fees       []scan.FeeModel // per asset (the plan's; a refresh's changes only move the anchor)
	tokenIDs   [][32]byte
	negRisk    []bool
	tick       func(book.AssetIndex) book.Tick
	ticksBelow int          // the pool's TicksBelow
	armed      []book.Price // per asset: the trigger last sent (0: none)
}

func newLegArmer(p *plan, margin int64, ticksBelow int, tick func(book.AssetIndex) book.Tick) *legArmer {
	return &legArmer{margin: margin, fees: p.fees, tokenIDs: p.tokenIDs, negRisk: p.negRisk, tick: tick,
		ticksBelow: ticksBelow, armed: make([]book.Price, len(p.tokenIDs))}
}

// event builds the template pool's event for ev (a fresh Legs slice: the
// pool goroutine keeps it).
func (a *legArmer) event(ev *scan.PoolEvent, enter bool) sign.PoolEvent {
	pe := sign.PoolEvent{Entered: enter, Legs: make([]sign.HotLeg, ev.N)}
	for i := range pe.Legs {
		as := ev.Legs[i]
		pe.Legs[i] = sign.HotLeg{Asset: as, TokenID: a.tokenIDs[as], Ask: ev.Asks[i], Tick: a.tick(as), NegRisk: a.negRisk[as]}
		if enter {
			pe.Legs[i].Trigger = a.anchor(as, triggerPrice(ev, i, a.margin, a.fees, pe.Legs[i].Tick), pe.Legs[i].Tick)
		}
	}
	return pe
}

// anchor returns the trigger to arm asset as at, given the new trigger t:
// the one armed before while t is within ticksBelow ticks of it, else t.
func (a *legArmer) anchor(as book.AssetIndex, t book.Price, tick book.Tick) book.Price {
	if int(as) >= len(a.armed) {
		return t
	}
	old := a.armed[as]
	band := int64(a.ticksBelow) * int64(tick)
	if old != 0 && t != 0 && int64(t) >= int64(old)-band && int64(t) <= int64(old)+band && int64(old)%int64(tick) == 0 {
		return old
	}
	a.armed[as] = t
	return t
}

// triggerPrice is the highest price on leg i's tick grid at which leg i
// alone dipping makes the scanner fire with the other legs at their asks in
// ev, or 0 if there is none below the leg's ask. Per set, with fee_j leg j's
// taker fee for one share at its price (ask_j, or P for leg i) rounded UP to
// a micro-dollar and feeShares_j = ceil(fee_j / price_j) in micro-shares:
//
//	P* = max { P on the grid, tick ≤ P < ask_i :
//	           Σ_{j≠i} ask_j + P + Σ_j fee_j ≤ payout − margin          (the marginal test)
//	       and Σ_{j≠i} ask_j + P + payout × max_j feeShares_j < payout }  (EdgeWorst > 0)
//
// — the scanner's rule, fees in USDC against the margin and fees withheld
// in shares (protocol.md §9.2, UNCERTAIN) against the payout. Rounding every
// fee up per share can only lower P*. The trigger places templates, it never
// decides a trade: exec sends a template above a dip's limit only while the
// opportunity's own worst-case edge still covers the margin (exec's
// takeAbove), so the block below P* (TicksBelow ticks) is what serves raised
// limits, and P* itself a dip to exactly P*.
//
// The rule is monotone in P whenever payout × rate < 1 (every YES basket; a
// NO basket of up to 1/rate legs): P + fee(P) grows with P and a share-fee
// term payout × rate × (1−P) falls slower than P grows. The search is a
// bisection under that assumption, and the result is verified; a group where
// it fails gets no trigger.
func triggerPrice(ev *scan.PoolEvent, i int, margin int64, fees []scan.FeeModel, tick book.Tick) book.Price {
	n := int(ev.N)
	if i >= n || !tick.Valid() || !ev.Has[i] {
		return 0
	}
	budget := ev.Payout - margin // micro-dollars per set
	var others, otherFees, otherShareFee int64
	for j := 0; j < n; j++ {
		if j == i {
			continue
		}
		if !ev.Has[j] || ev.Asks[j] == 0 {
			return 0
		}
		f, fs := feePerShare(fees, ev.Legs[j], ev.Asks[j])
		others += int64(ev.Asks[j])
		otherFees += f
		otherShareFee = max(otherShareFee, fs)
	}
	t := int64(tick)
	fires := func(p int64) bool {
		f, fs := feePerShare(fees, ev.Legs[i], book.Price(p))
		return others+p+otherFees+f <= budget && others+p+mulDivCeil(ev.Payout, max(otherShareFee, fs), book.Scale) < ev.Payout
	}
	// Highest candidate: below the ask, within [tick, 1 − tick], on the grid.
	hi := min(int64(ev.Asks[i])-1, budget-others-otherFees, int64(book.One)-t)
	hi -= ((hi % t) + t) % t
	if hi < t {
		return 0
	}
	if fires(hi) {
		return book.Price(hi)
	}
	// Bisection over grid indexes: fires(lo×t) is unknown, !fires(top×t).
	lo, top := int64(1), hi/t
	if !fires(t) {
		return 0
	}
	for top-lo > 1 {
		mid := lo + (top-lo)/2
		if fires(mid * t) {
			lo = mid
		} else {
			top = mid
		}
	}
	return book.Price(lo * t)
}

// feePerShare is asset a's taker fee for one share at p, rounded up to a
// micro-dollar, and the same fee as micro-shares withheld (fee / p, rounded
// up).
func feePerShare(fees []scan.FeeModel, a book.AssetIndex, p book.Price) (fee, feeShares int64) {
	if int(a) >= len(fees) || fees[a].Zero() || p == 0 {
		return 0, 0
	}
	fee = fees[a].FeeMicroUp(p, book.OneShare, 6)
	return fee, mulDivCeil(fee, book.Scale, int64(p))
}

// mulDivCeil is ceil(x × y / d) for non-negative operands whose product
// fits an int64 (prices, payouts and per-share fees do).
func mulDivCeil(x, y, d int64) int64 {
	return (x*y + d - 1) / d
}
