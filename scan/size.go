package scan

import (
	"math"
	"math/bits"

	"github.com/hotpath/hotpath/book"
)

// Leg is one order of an opportunity: a FOK BUY of Size shares of Asset at
// a worst price of Limit.
type Leg struct {
	Asset  book.AssetIndex
	Limit  book.Price // the worst ask level the Q-th share reaches
	Epoch  uint32     // the book epoch priced against (book.Book.Epoch)
	Tick   book.Tick  // the book's tick when priced (for the order amounts)
	Levels uint8      // ask levels the leg fills through
	Size   book.Size  // Q, the same on every leg
	// Amount is Size × Limit in micro-USDC, exact and a whole number of
	// cents: the FOK BUY maker amount, the most the order can spend.
	Amount int64
	// Cost is Σ over levels of price × shares taken there, each level
	// rounded up to a micro-dollar: what the fills cost at the book's prices.
	Cost int64
	// Fee is Σ over levels of the taker fee at that level's price, each
	// rounded up to Config.FeeDecimals.
	Fee int64
	// FeeShares is the fee as shares, Σ over levels of ceil(fee/price): what
	// the venue would withhold from the shares bought if it collects BUY
	// fees in shares (protocol.md §9.2).
	FeeShares book.Size
	// DepthAtLimit is the book's total size at prices ≤ Limit (the levels
	// the leg fills through, whole). A FOK BUY that spends its whole maker
	// amount takes about (Amount − Cost)/Limit shares beyond Size; unless
	// AssumeExactFills the scanner chose Q so that they fit.
	DepthAtLimit book.Size
}

// Opportunity is a sized basket (or the reason it is not one). It is a
// plain value with no pointers into scanner state: copy it into a ring.
//
// Every amount is in micro-dollars and exact; see the package doc for how
// each one rounds.
type Opportunity struct {
	TS       int64 // frame timestamp (ns) from SetTime
	Group    uint32
	Kind     Kind
	Reason   Reason
	N        uint8     // legs in use in Legs
	Q        book.Size // shares per leg (micro-shares)
	Payout   int64     // payout per set
	Proceeds int64     // Payout × Q, rounded down
	Cost     int64     // Σ Legs[i].Cost + Fees
	Fees     int64     // Σ Legs[i].Fee
	// Edge = Proceeds − Cost: the expected profit when each FOK BUY fills
	// Q shares at the book's prices and fees are charged in USDC.
	Edge int64
	// EdgeWorst = Proceeds − Σ Amount − max(Fees, Payout × max FeeShares):
	// the profit if every share costs its leg's limit (the venue spends the
	// whole maker amount) and fees are charged in whichever of USDC or
	// withheld shares costs more. Unless Config.AssumeExactFills, OK
	// requires EdgeWorst > 0 as well as Edge > 0.
	EdgeWorst int64
	// Legs[:N] are the orders, in the group's leg order; Legs[N:] hold
	// leftovers of earlier evaluations and mean nothing. When the reason is
	// decided before sizing, only Asset (and Epoch for legs already
	// checked) is set.
	Legs [MaxLegs]Leg
}

// level is one ask level read from a book. settle fills in, the first time
// the level is a limit (ready), the exponents of its cent lot (centLotExp)
// and top, the most shares Q for which it can be the limit level
// (spendAllTop).
type level struct {
	p          book.Price
	lot2, lot5 uint8
	ready      bool
	s          book.Size
	cum        int64 // Σ sizes of this and the better levels
	spent      int64 // Σ size×price of the better levels, µsh·µ$
	top        int64 // Q ≤ top when this level is the limit
}

// walk is the depth-walk scratch, reused across evaluations.
type walk struct {
	lv    [MaxLegs][MaxDepth]level
	depth [MaxLegs]int   // levels loaded per leg (the last is the current one)
	rem   [MaxLegs]int64 // shares left at the current level
	unit  [MaxLegs]int64 // current level's price + fee per share, 1e-12 USDC
	lim   [MaxLegs]int   // after settle: index of each leg's limit level
}

// Evaluate checks and sizes group gi now, writes the result into out and
// counts out.Reason. Next calls it for queued groups; callers may call it
// directly. Never allocates.
func (s *Scanner) Evaluate(gi int, out *Opportunity) Reason {
	g := &s.groups[gi]
	legs := s.legs[g.legLo : g.legLo+uint32(g.n)]
	out.TS, out.Group, out.Kind, out.N = s.now, uint32(gi), g.kind, g.n
	out.Q, out.Payout, out.Proceeds, out.Cost, out.Fees, out.Edge, out.EdgeWorst = 0, g.payout, 0, 0, 0, 0, 0
	for i, a := range legs {
		out.Legs[i] = Leg{Asset: a}
	}
	r := s.evaluate(g, legs, out)
	out.Reason = r
	s.Stats.Evaluations++
	s.Stats.Reasons[r]++
	return r
}

func (s *Scanner) evaluate(g *group, legs []book.AssetIndex, out *Opportunity) Reason {
	if g.missing != 0 {
		return NoAsk
	}
	w := &s.w
	threshold := (g.payout - s.cfg.Margin) * 1_000_000 // per set, 1e-12 USDC
	var m, sumP int64
	for i, a := range legs {
		as := &s.assets[a]
		b := as.Book
		if !b.Valid() {
			return BookInvalid
		}
		if b.Crossed() {
			return BookCrossed
		}
		p, sz, ok := b.BestAsk()
		if !ok || sz <= 0 {
			return NoAsk
		}
		if st := &s.asks[a]; !st.present || st.ask != p {
			return StaleAsk
		}
		if !p.Tradeable(b.Tick()) {
			return LimitNotTradeable
		}
		out.Legs[i].Epoch = b.Epoch()
		w.load(i, 0, p, sz)
		w.rem[i] = int64(sz)
		u := int64(p)*1_000_000 + as.Fee.perSharePico(p)
		w.unit[i] = u
		m += u
		sumP += int64(p)
	}
	if m > threshold {
		return AboveThreshold
	}
	if g.kind == BinaryPair && !s.cfg.TradePairs {
		return PairCrossed
	}
	if s.cfg.MaxShares <= 0 || s.cfg.MaxNotional <= 0 {
		return CapZero
	}
	qmax := s.walkDepth(legs, m, sumP, threshold)
	if qmax <= 0 {
		return CapZero
	}
	q := w.settle(len(legs), qmax, s.cfg.AssumeExactFills)
	out.Q = book.Size(q)
	if q == 0 {
		return BelowMinSize
	}
	return s.price(g, legs, q, out)
}

// walkDepth returns the largest share count (micro-shares) such that every
// share up to it has a marginal basket cost (Σ legs' ask at that depth +
// fee per share, fees rounded up to 1e-12) ≤ threshold, capped by
// MaxShares, by Σ Q × limit ≤ MaxNotional, by the depth of every leg and by
// MaxDepth levels per leg; a level whose price an order may not carry
// (outside [tick, 1−tick]) ends the leg's depth. On entry level 0 of every
// leg is loaded, m is the marginal cost at it (≤ threshold) and sumP the
// sum of its prices.
func (s *Scanner) walkDepth(legs []book.AssetIndex, m, sumP, threshold int64) int64 {
	w := &s.w
	n := len(legs)
	capQ := int64(s.cfg.MaxShares)
	var q int64
	for {
		// Shares in (q, q+step] are priced at every leg's current level.
		step := w.rem[0]
		for i := 1; i < n; i++ {
			if w.rem[i] < step {
				step = w.rem[i]
			}
		}
		stop := false
		if lim := capQ - q; step >= lim {
			step, stop = lim, true
		}
		// Q × Σ limits ≤ MaxNotional, i.e. Q ≤ MaxNotional×1e6 / sumP.
		if sumP > 0 {
			if lim := mulDivFloor(s.cfg.MaxNotional, book.Scale, sumP) - q; step >= lim {
				step, stop = lim, true
			}
		}
		if step > 0 {
			q += step
		}
		if stop {
			return q
		}
		for i := 0; i < n; i++ {
			w.rem[i] -= step
			if w.rem[i] != 0 {
				continue
			}
			d := w.depth[i]
			if d == MaxDepth {
				return q
			}
			prev := w.lv[i][d-1].p
			as := &s.assets[legs[i]]
			p, sz, ok := as.Book.NextAsk(prev)
			if !ok || sz <= 0 || !p.Tradeable(as.Book.Tick()) {
				return q // this leg has no more depth we may buy
			}
			w.load(i, d, p, sz)
			w.rem[i] = int64(sz)
			u := int64(p)*1_000_000 + as.Fee.perSharePico(p)
			m += u - w.unit[i]
			w.unit[i] = u
			sumP += int64(p) - int64(prev)
		}
		if m > threshold {
			return q
		}
	}
}

// load records level d (price p, size sz) of leg i.
func (w *walk) load(i, d int, p book.Price, sz book.Size) {
	var cum, spent int64
	if d > 0 {
		prev := &w.lv[i][d-1]
		cum, spent = prev.cum, satAddU(prev.spent, int64(prev.s), prev.p)
	}
	w.lv[i][d] = level{p: p, s: sz, cum: cum + int64(sz), spent: spent}
	w.depth[i] = d + 1
}

// spendAllTop is the most shares Q for which a FOK BUY with limit p, maker
// amount Q×p, can be filled whole if the venue spends the whole maker
// amount walking the book (a market BUY "for $X"): with the better levels
// holding `before` shares that cost `spent` (µsh·µ$), the order buys them
// all and needs (Q×p − spent)/p more shares at p, so
//
//	Q ≤ before + size − ceil((before×p − spent) / p)
//
// (rounded down in Q: the reserve is rounded up). A result ≤ before means
// this level can never be the limit.
func spendAllTop(before, spent int64, p book.Price, size book.Size) int64 {
	if before == 0 || p == 0 {
		return int64(size)
	}
	if before < 1<<43 && spent < math.MaxInt64 { // before×p < 2^63: 64-bit division
		saved := before*int64(p) - spent
		return before + int64(size) - (saved+int64(p)-1)/int64(p)
	}
	// saved = before×p − spent ≥ 0 (every better level is cheaper), in µsh·µ$.
	hi, lo := bits.Mul64(uint64(before), uint64(p))
	lo, borrow := bits.Sub64(lo, uint64(spent), 0)
	hi -= borrow
	if hi >= uint64(p) { // reserve beyond any book
		return math.MinInt64
	}
	reserve, rem := bits.Div64(hi, lo, uint64(p))
	if rem != 0 {
		reserve++
	}
	return before + int64(size) - int64(reserve)
}

// satAddU returns spent + s×p (µsh·µ$), saturating at math.MaxInt64.
func satAddU(spent, s int64, p book.Price) int64 {
	hi, lo := bits.Mul64(uint64(s), uint64(p))
	if hi != 0 || lo > math.MaxInt64 {
		return math.MaxInt64
	}
	return satAdd(spent, int64(lo))
}

// settle returns the largest Q ≤ q the venue accepts for the FOK BUYs, and
// records each leg's limit level in w.lim:
//
//   - Q has at most 2 decimals (a multiple of 10_000 micro-shares: the size
//     decimals of every tick, protocol.md §7.6);
//
//   - for every leg, Q × limit is a whole number of cents, so the maker
//     amount (USDC, at most 2 decimals, §5.7) is exactly Q × limit and the
//     taker amount is exactly Q (2 decimals ≤ every tick's amount decimals).
//
//   - unless AssumeExactFills, Q ≤ the limit level's top (spendAllTop), so
//     the order fills even if the venue spends its whole maker amount.
//
// The limit of a leg is the price of the level holding its Q-th share, so
// the legal lot and top depend on Q. Between level boundaries (lo, hi] the
// limits are fixed, and the largest legal Q there is floor(min(hi, tops) /
// lot)×lot if it is above lo; otherwise move down to lo and repeat.
func (w *walk) settle(n int, q int64, exact bool) int64 {
	for q > 0 {
		var lot2, lot5 uint8
		var lo int64
		hi := q
		for i := 0; i < n; i++ {
			k := 0
			for k < w.depth[i]-1 && w.lv[i][k].cum < q {
				k++
			}
			w.lim[i] = k
			l := &w.lv[i][k]
			if !l.ready {
				l.lot2, l.lot5 = centLotExp(l.p)
				l.top = l.cum
				if !exact {
					l.top = spendAllTop(l.cum-int64(l.s), l.spent, l.p, l.s)
				}
				l.ready = true
			}
			if before := l.cum - int64(l.s); before > lo {
				lo = before
			}
			hi = min(hi, l.top)
			lot2 = max(lot2, l.lot2)
			lot5 = max(lot5, l.lot5)
		}
		lot := int64(pow2[lot2] * pow5[lot5]) // lcm of the legs' lots
		if hi > lo {
			if r := hi / lot * lot; r > lo {
				return r
			}
		}
		q = lo
	}
	return 0
}

// centLotExp returns the exponents (a, b) of the smallest number of
// micro-shares Q = 2^a·5^b such that Q has 2 decimals (10^4 | Q) and
// Q × p / 1e6 micro-dollars is a whole number of cents (10^10 | Q·p).
// With p = 2^v2·5^v5·r (r coprime to 10): a = max(4, 10 − v2), b =
// max(4, 10 − v5), capped at 10 each. The lcm of several such lots is
// 2^max(a)·5^max(b), a divisor of 1e10.
func centLotExp(p book.Price) (a, b uint8) {
	if p == 0 {
		return 4, 4 // 0 × Q is whole cents for any Q
	}
	v2 := min(bits.TrailingZeros32(uint32(p)), 10)
	v5 := 0
	for x := uint32(p); v5 < 10 && x%5 == 0; x /= 5 {
		v5++
	}
	return uint8(max(4, 10-v2)), uint8(max(4, 10-v5))
}

var (
	pow2 = [...]uint64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}
	pow5 = [...]uint64{1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125, 9765625}
)

// price fills the legs and totals of out for Q = q (legal per settle) and
// returns the verdict.
func (s *Scanner) price(g *group, legs []book.AssetIndex, q int64, out *Opportunity) Reason {
	w := &s.w
	verdict := OK
	var fees, fills, amounts int64
	var maxFeeShares int64
	for i, a := range legs {
		as := &s.assets[a]
		lg := &out.Legs[i]
		left := q
		var cost, costDown, fee, feeShares, depth int64
		for k := 0; k <= w.lim[i]; k++ {
			lv := w.lv[i][k]
			depth += int64(lv.s)
			take := min(int64(lv.s), left)
			left -= take
			up, down := costUpDown(lv.p, take)
			cost += up
			costDown += down
			if !as.Fee.Zero() {
				f := as.Fee.FeeMicroUp(lv.p, book.Size(take), s.cfg.FeeDecimals)
				fee = satAdd(fee, f)
				if f > 0 {
					feeShares = satAdd(feeShares, divUp(f, int64(lv.p)))
				}
			}
		}
		limit := w.lv[i][w.lim[i]].p
		*lg = Leg{
			Asset:        a,
			Limit:        limit,
			Epoch:        lg.Epoch,
			Tick:         as.Book.Tick(),
			Levels:       uint8(w.lim[i] + 1),
			Size:         book.Size(q),
			Amount:       book.CostUp(limit, book.Size(q)), // exact: settle made it whole cents
			Cost:         cost,
			Fee:          fee,
			FeeShares:    book.Size(feeShares),
			DepthAtLimit: book.Size(depth),
		}
		fees = satAdd(fees, fee)
		fills += cost
		amounts += lg.Amount
		maxFeeShares = max(maxFeeShares, feeShares)
		switch {
		case verdict != OK:
		case !limit.Tradeable(as.Book.Tick()):
			verdict = LimitNotTradeable
		case book.Size(q) < as.MinSize:
			verdict = BelowMinSize
		case costDown < s.cfg.MinNotional:
			verdict = BelowMinNotional
		}
	}
	out.Proceeds = mulDivFloor(g.payout, q, book.Scale)
	out.Fees = fees
	out.Cost = satAdd(fills, fees)
	out.Edge = out.Proceeds - out.Cost
	worstFee := max(fees, mulDivCeil(g.payout, maxFeeShares, book.Scale))
	out.EdgeWorst = out.Proceeds - satAdd(amounts, worstFee)
	switch {
	case verdict != OK:
		return verdict
	case out.Edge <= 0:
		return EdgeGoneAfterRounding
	case out.EdgeWorst <= 0 && !s.cfg.AssumeExactFills:
		return EdgeGoneWorstCase
	}
	return OK
}

// costUpDown returns p × s micro-dollars rounded up and down (book.CostUp,
// book.CostDown), without a 128-bit division when the product fits 63 bits
// (s below 2^43 micro-shares, 8.8 million shares).
func costUpDown(p book.Price, s int64) (up, down int64) {
	if s < 1<<43 {
		x := int64(p) * s // ≤ 2^20 · 2^43
		down = x / book.Scale
		up = down
		if x%book.Scale != 0 {
			up++
		}
		return up, down
	}
	return book.CostUp(p, book.Size(s)), book.CostDown(p, book.Size(s))
}

// mulDivFloor returns floor(a×b/d) for non-negative a, b and d > 0,
// saturating at math.MaxInt64.
func mulDivFloor(a, b, d int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(d))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// mulDivCeil returns ceil(a×b/d) for non-negative a, b and d > 0,
// saturating at math.MaxInt64.
func mulDivCeil(a, b, d int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(d) {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, uint64(d))
	if r != 0 {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// divUp returns ceil(fee×1e6/p) micro-shares: fee micro-dollars worth of
// shares at price p. A zero price makes any fee infinite (saturates).
func divUp(fee, p int64) int64 {
	if p <= 0 {
		return math.MaxInt64
	}
	if fee < 1<<43 { // fee·1e6 fits 63 bits
		return (fee*book.Scale + p - 1) / p
	}
	return mulDivCeil(fee, book.Scale, p)
}

// satAdd adds non-negative values, saturating at math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
