package exec

import (
	"strconv"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/sign"
)

// Leg-risk policy (design §5 "Leg risk").
//
// A basket is partial when some legs hold Q shares and others hold none
// (a FOK was killed, or a trade FAILED after the match). From fresh books
// (POST /books, cold path) the executor prices both ways out:
//
//   - complete: FAK BUY of every missing leg, up to its missing shares, at
//     the current asks (levels walked, each rounded up, plus fees);
//     loss = what the basket has spent + that cost − payout × Q.
//   - unwind: FAK SELL of every filled leg's shares at the current bids
//     (each level rounded down, minus fees); loss = spent − proceeds.
//
// Both losses are the basket's *total* loss if the plan fills: spent is
// its net cash so far (entry fills, earlier leg-risk fills, FAILED trades
// contributing nothing), so a re-buy after a FAILED settlement or a
// second completion after a FAK that filled in part is re-checked against
// the same budget.
//
// It takes the cheaper way out, and only within the basket's loss cap,
// max(LegLossBudget, LegLossShare × its entry notional): completion when
// it is possible, within the cap and loses no more than unwinding (a
// completion at loss < 0 keeps the set an arbitrage; one at loss ≥ 0 is a
// loss taken to close the partial, counted apart from false baskets:
// Snapshot.BasketsClosedAtLoss); else unwinding when it is possible and
// within the cap; else nothing this time (a venue whose books cannot
// absorb the position, or would only at a price beyond the cap: dumping
// shares at any bid is not a way out, it is the loss the cap exists to
// bound). Every decision is journaled before its orders are sent; the
// orders are FAK, signed on the spot and paid from the budget's unwind
// reserve. The basket is evaluated again when their outcomes are known,
// the pause between tries doubling from LegRiskRetry (up to 16×, books
// refill as makers requote); after LegRiskAttempts tries it is left to the
// operator (stuck), alerted and journaled with its exact exposure and
// what each way out would have lost, never silently, and reported again at
// Shutdown.

// legPlan is one order of a leg-risk plan.
type legPlan struct {
	idx    int
	side   uint8
	limit  book.Price
	shares book.Size
	money  int64 // cost (BUY, fees included) or proceeds (SELL, fees deducted)
	tick   book.Tick
}

// legTick is the tick to price group leg i at: the fresh book's, else the
// one the basket's entry was priced with, else the registry's.
func (x *Executor) legTick(b *basket, i int, fresh book.Tick) book.Tick {
	if fresh.Valid() {
		return fresh
	}
	for j := range b.legs {
		if int(b.legs[j].idx) == i && b.legs[j].tick.Valid() {
			return b.legs[j].tick
		}
	}
	return x.cfg.Registry.Info(x.cfg.Groups[b.group].Legs[i]).Tick
}

const notFeasible = int64(1) << 62

// walkBuy prices buying `need` shares from asks (best first): the worst
// price reached, the cost rounded up per level and the fees.
func walkBuy(asks bookSide, need book.Size, fee func(book.Price, book.Size) int64) (limit book.Price, cost int64, ok bool) {
	left := need
	for _, lv := range asks {
		take := min(left, lv.size)
		cost += book.CostUp(lv.price, take) + fee(lv.price, take)
		limit = lv.price
		left -= take
		if left == 0 {
			return limit, cost, true
		}
	}
	return 0, 0, false
}

// walkSell prices selling `have` shares into bids (best first): the worst
// price reached and the proceeds rounded down per level, fees deducted.
func walkSell(bids bookSide, have book.Size, fee func(book.Price, book.Size) int64) (limit book.Price, proceeds int64, ok bool) {
	left := have
	for _, lv := range bids {
		take := min(left, lv.size)
		proceeds += book.CostDown(lv.price, take) - fee(lv.price, take)
		limit = lv.price
		left -= take
		if left == 0 {
			return limit, proceeds, true
		}
	}
	return 0, 0, false
}

// legRisk runs one attempt of the policy on a partial basket.
func (x *Executor) legRisk(b *basket, now int64) {
	b.attempts++
	x.dirty = true
	b.nextTry = now + legRiskPause(x.cfg.LegRiskRetry, b.attempts)
	x.ctr.legRisk.Add(1)
	g := &x.cfg.Groups[b.group]
	asks, bids, ticks, err := x.fetchBooks(g.Legs)
	if err != nil {
		x.journalLegRisk(b, "none", 0, 0, "books: "+err.Error())
		return
	}
	spent := -b.cashDelta()
	var complete, unwind []legPlan
	completeCost, unwindProceeds := int64(0), int64(0)
	okC, okU := true, true
	for i := 0; i < b.nGroup; i++ {
		a := g.Legs[i]
		tick := x.legTick(b, i, ticks[i])
		fm := x.cfg.fee(a)
		fee := func(p book.Price, s book.Size) int64 { return fm.FeeMicroUp(p, s, x.cfg.FeeDecimals) }
		held := b.held(i)
		if need := int64(b.q) - held; need >= dust && okC {
			want := book.Size(need)
			limit, cost, ok := walkBuy(asks[i], want, fee)
			if ok && book.CostUp(limit, want) < x.cfg.MinNotional {
				// below the $1 minimum: buy the minimum instead (the extra
				// shares stay in the position, accounted)
				want = book.Size((x.cfg.MinNotional*book.Scale + int64(limit) - 1) / int64(limit))
				limit, cost, ok = walkBuy(asks[i], want, fee)
			}
			if !ok || !sign.PriceValid(limit, tick) {
				okC = false
			} else {
				complete = append(complete, legPlan{idx: i, side: sign.Buy, limit: limit, shares: want, money: cost, tick: tick})
				completeCost += cost
			}
		}
		if held >= dust && okU {
			have := book.Size(held / dust * dust) // SELL maker amount: 2 decimals, rounded down
			limit, got, ok := walkSell(bids[i], have, fee)
			if !ok || book.CostDown(limit, have) < x.cfg.MinNotional || !sign.PriceValid(limit, tick) {
				okU = false
			} else {
				unwind = append(unwind, legPlan{idx: i, side: sign.Sell, limit: limit, shares: have, money: got, tick: tick})
				unwindProceeds += got
			}
		}
	}
	lossC, lossU := notFeasible, notFeasible
	if okC {
		lossC = spent + completeCost - proceeds(b.payout, b.q)
	}
	if okU {
		lossU = spent - unwindProceeds
	}
	lossCap := x.legLossCap(b)
	b.lossC, b.lossU = lossC, lossU
	var plan []legPlan
	act := "none"
	why := ""
	switch {
	case okC && lossC <= lossCap && lossC <= lossU:
		plan, act, why = complete, "complete", "completion loses least, within the cap"
	case okU && lossU <= lossCap:
		plan, act, why = unwind, "unwind", "unwinding loses least (or completion is impossible), within the cap"
	case !okC && !okU:
		why = "neither completion nor unwind is possible at the current books"
	default:
		why = "every way out loses more than the cap " + strconv.FormatInt(lossCap, 10) + "; retry"
	}
	x.journalLegRisk(b, act, lossC, lossU, why)
	if len(plan) == 0 {
		return
	}
	if !x.budget.Take(len(plan), now, true) {
		x.journalLegRisk(b, "none", lossC, lossU, "rate budget exhausted; retry")
		return
	}
	wall := time.Now().UnixNano()
	from := len(b.legs)
	tpls := make([]*sign.Template, 0, len(plan))
	for _, pl := range plan {
		a := g.Legs[pl.idx]
		tick := pl.tick
		var maker, taker uint64
		var err error
		role := roleComplete
		if pl.side == sign.Sell {
			role = roleUnwind
			maker, taker, err = sign.MarketAmounts(sign.Sell, pl.limit, int64(pl.shares), tick)
		} else {
			maker, taker, err = sign.MarketBuyAmounts(pl.limit, pl.shares, tick)
		}
		if err != nil {
			x.alert("leg_risk", "basket "+strconv.FormatUint(b.id, 10)+": amounts: "+err.Error())
			b.legs = b.legs[:from]
			return
		}
		l := b.newLeg()
		l.idx, l.role, l.side, l.asset, l.tick, l.limit, l.shares = uint8(pl.idx), role, pl.side, a, tick, pl.limit, pl.shares
		l.maker, l.taker = maker, taker
		t, err := x.signLeg(l, wall)
		if err != nil {
			x.alert("leg_risk", "basket "+strconv.FormatUint(b.id, 10)+": signing: "+err.Error())
			b.legs = b.legs[:from]
			return
		}
		l.hash = t.OrderHash
		tpls = append(tpls, t)
	}
	x.alert("leg_risk", "basket "+strconv.FormatUint(b.id, 10)+": "+act+" ("+strconv.Itoa(len(plan))+" FAK orders)")
	x.sendLegs(b, from, tpls, x.cold, wall, 0, 0)
	for i := from; i < len(b.legs); i++ {
		if b.legs[i].status == legFilled {
			b.everFilled = true
		}
	}
}

// maxLegRiskBackoff caps the doubling of the pause between leg-risk tries
// at 1<<4 = 16 × LegRiskRetry.
const maxLegRiskBackoff = 4

// legRiskPause is the pause after try n (1, 2, …): retry, doubled after
// each try up to 1<<maxLegRiskBackoff times (ns).
func legRiskPause(retry time.Duration, n int) int64 {
	return int64(retry) << min(max(n-1, 0), maxLegRiskBackoff)
}

// legLossCap is the most b may lose to close its partial position
// (micro-dollars): LegLossBudget, or LegLossShare of its entry notional
// (rounded down) when that is more.
func (x *Executor) legLossCap(b *basket) int64 {
	return max(x.cfg.LegLossBudget, b.notional*x.cfg.LegLossShare/book.Scale)
}

// giveUp stops leg risk on b: it is marked stuck (an operator's), and the
// decision is journaled (replay restores stuck from the "gave up" prefix)
// and alerted with the basket's exact exposure.
func (x *Executor) giveUp(b *basket, lossC, lossU int64, cause string) {
	b.stuck = true
	x.dirty = true
	exp := x.exposure(b)
	if b.attempts > 0 {
		exp += "; last try: " + lossText("completion", b.lossC) + ", " + lossText("unwind", b.lossU) +
			", cap " + strconv.FormatInt(x.legLossCap(b), 10)
	}
	x.journalLegRisk(b, "none", lossC, lossU, "gave up: "+cause+"; "+exp)
	x.alert("leg_risk", "basket "+strconv.FormatUint(b.id, 10)+" is still partial after leg risk ("+cause+"); position kept, operator action needed: "+exp)
}

// lossText describes one way out's loss (micro-dollars) for an alert.
func lossText(way string, loss int64) string {
	if loss == notFeasible {
		return way + " impossible"
	}
	return way + " would lose " + strconv.FormatInt(loss, 10)
}

// exposure describes b's open position exactly: the shares it holds per
// group leg (micro-shares, token id) and its net cash incl. fees
// (micro-dollars) against the payout of the Q sets it was sent for.
func (x *Executor) exposure(b *basket) string {
	g := &x.cfg.Groups[b.group]
	s := "held"
	for i := 0; i < b.nGroup; i++ {
		s += " " + strconv.Itoa(i) + ":" + x.cfg.Registry.Info(g.Legs[i]).TokenID + "=" + strconv.FormatInt(b.held(i), 10)
	}
	return s + "; cash " + strconv.FormatInt(b.cashDelta(), 10) + " (fees " + strconv.FormatInt(b.fees(), 10) +
		"); payout " + strconv.FormatInt(proceeds(b.payout, b.q), 10) + " for q " + strconv.FormatInt(int64(b.q), 10) +
		"; leg-risk tries " + strconv.Itoa(b.attempts) + ", orders " + strconv.Itoa(len(b.legs))
}
