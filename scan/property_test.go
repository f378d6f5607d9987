package scan

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// TestSizingMatchesBruteForce: random books (seeded), fees, limits and
// margins; a brute force walks every share count on the 0.01-share grid
// and takes the largest one that (a) has every share's marginal basket
// cost ≤ payout − margin, (b) stays within MaxShares, MaxNotional and the
// books' depth, (c) makes Q × limit whole cents on every leg and (d)
// leaves each leg's limit level enough depth for a FOK BUY that spends its
// whole maker amount (unless AssumeExactFills). Its
// costs, fees and edges are computed with math/big. The scanner must agree
// exactly on Q, the reason and every amount.
//
// Checking the marginal cost only at grid points is enough because it is
// non-decreasing in the share count: asks rise with depth and p + fee(p)
// is increasing in p for rates ≤ 1 and exponents ≤ 4.
func TestSizingMatchesBruteForce(t *testing.T) {
	iters := 600
	if testing.Short() {
		iters = 150
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	seen := map[Reason]int{}
	for it := 0; it < iters; it++ {
		legs, cfg, groups := randomCase(rng)
		f := build(t, cfg, legs, groups)
		var o Opportunity
		r := f.s.Evaluate(0, &o)
		w := bruteForce(t, f, cfg)
		seen[r]++
		if r != w.reason || o.Q != w.q {
			t.Fatalf("iter %d: scanner %v Q=%v, brute force %v Q=%v\ncfg %+v\nlegs %+v", it, r, o.Q, w.reason, w.q, cfg, legs)
		}
		if w.q == 0 {
			continue
		}
		if o.Cost != w.cost || o.Fees != w.fees || o.Edge != w.edge || o.EdgeWorst != w.edgeWorst {
			t.Fatalf("iter %d: scanner cost %d fees %d edge %d worst %d; brute %d %d %d %d\ncfg %+v\nlegs %+v",
				it, o.Cost, o.Fees, o.Edge, o.EdgeWorst, w.cost, w.fees, w.edge, w.edgeWorst, cfg, legs)
		}
		var amounts int64
		for i := 0; i < int(o.N); i++ {
			l := &o.Legs[i]
			if l.Limit != w.limits[i] {
				t.Fatalf("iter %d leg %d: limit %v, brute %v", it, i, l.Limit, w.limits[i])
			}
			amounts += l.Amount
			if r == OK && (!l.Limit.Tradeable(f.books[l.Asset].Tick()) || l.Amount%10_000 != 0 ||
				l.Amount*book.Scale != int64(l.Limit)*int64(o.Q) || l.Cost < cfg.MinNotional) {
				t.Fatalf("iter %d leg %d breaks the OK invariants: %+v", it, i, *l)
			}
		}
		if r == OK && (amounts > cfg.MaxNotional || o.Q > cfg.MaxShares || o.Q%10_000 != 0 || o.Edge <= 0 ||
			(o.EdgeWorst <= 0 && !cfg.AssumeExactFills)) {
			t.Fatalf("iter %d breaks the OK invariants: %+v", it, o)
		}
	}
	// The generator must exercise the interesting outcomes.
	for _, r := range []Reason{OK, AboveThreshold, BelowMinSize} {
		if seen[r] == 0 {
			t.Errorf("no case ended in %v: %v", r, seen)
		}
	}
	t.Logf("outcomes: %v", seen)
}

var ticks = []book.Tick{book.Tick0_01, book.Tick0_01, book.Tick0_001, book.Tick0_0001, book.Tick0_005}

func randomCase(rng *rand.Rand) ([]legSpec, Config, []GroupSpec) {
	n := 2 + rng.IntN(4)
	fees := []FeeModel{{}, {Rate: 20_000, Exponent: 1}, {Rate: 40_000, Exponent: 1}, {Rate: 70_000, Exponent: 1}, {Rate: 250_000, Exponent: 2}, {Rate: 20_000}}
	fee := fees[rng.IntN(len(fees))]
	legs := make([]legSpec, n)
	for i := range legs {
		tick := ticks[rng.IntN(len(ticks))]
		// Base price near 1/n × U(0.8, 1.0), on the grid, ≥ tick.
		base := int64(book.Scale) / int64(n) * int64(80+rng.IntN(21)) / 100
		base = max(base/int64(tick)*int64(tick), int64(tick))
		ls := legSpec{tick: tick, fee: fee}
		switch rng.IntN(3) {
		case 1:
			ls.minSize = "1"
		case 2:
			ls.minSize = "5"
		}
		p := base
		for k, levels := 0, 1+rng.IntN(5); k < levels && p <= book.Scale-int64(tick); k++ {
			var size int64
			if rng.IntN(3) == 0 {
				size = 1 + rng.Int64N(30*int64(share)) // micro precision
			} else {
				size = (1 + rng.Int64N(3000)) * 10_000 // 0.01 .. 30 shares
			}
			ls.asks = append(ls.asks, string(book.AppendPrice(nil, book.Price(p)))+":"+string(book.AppendSize(nil, book.Size(size))))
			steps := int64(1 + rng.IntN(4))
			if tick <= book.Tick0_001 {
				steps = int64(1 + rng.IntN(40))
			}
			p += steps * int64(tick)
		}
		legs[i] = ls
	}
	cfg := DefaultConfig()
	cfg.Margin = []int64{0, 1_000, 5_000}[rng.IntN(3)]
	cfg.FeeDecimals = uint8(4 + rng.IntN(3))
	if rng.IntN(2) == 0 {
		cfg.MaxShares = book.Size(1 + rng.Int64N(60*int64(share)))
	}
	if rng.IntN(2) == 0 {
		cfg.MaxNotional = 1_000_000 + rng.Int64N(40_000_000)
	}
	cfg.AssumeExactFills = rng.IntN(4) == 0
	return legs, cfg, basket(n)
}

type bruteLevel struct{ p, s int64 }

// bruteForce sizes group 0 of f the slow way.
func bruteForce(t *testing.T, f *fixture, cfg Config) struct {
	reason                      Reason
	q                           book.Size
	limits                      []book.Price
	cost, fees, edge, edgeWorst int64
} {
	type result = struct {
		reason                      Reason
		q                           book.Size
		limits                      []book.Price
		cost, fees, edge, edgeWorst int64
	}
	s := f.s
	g := s.Group(0)
	n := len(g.Legs)
	lv := make([][]bruteLevel, n)
	depth := make([]int64, n)
	for i, a := range g.Legs {
		b := s.assets[a].Book
		p, sz, ok := b.BestAsk()
		for ok && len(lv[i]) < MaxDepth && p.Tradeable(b.Tick()) {
			lv[i] = append(lv[i], bruteLevel{int64(p), int64(sz)})
			depth[i] += int64(sz)
			p, sz, ok = b.NextAsk(p)
		}
	}
	// level index holding share q (q > 0)
	at := func(i int, q int64) int {
		var cum int64
		for k, l := range lv[i] {
			cum += l.s
			if q <= cum {
				return k
			}
		}
		return len(lv[i]) - 1
	}
	threshold := (g.Payout - cfg.Margin) * 1_000_000
	marginal := func(q int64) int64 {
		var m int64
		for i, a := range g.Legs {
			p := book.Price(lv[i][at(i, q)].p)
			m += int64(p)*1_000_000 + s.assets[a].Fee.perSharePico(p)
		}
		return m
	}
	if marginal(1) > threshold {
		return result{reason: AboveThreshold}
	}
	// top(i, k): the most shares for which a spend-all FOK BUY with limit
	// level k fills: before + size − ceil((before×L − Σ s·p) / L).
	top := func(i, k int) int64 {
		var before int64
		spent := new(big.Int)
		for j := 0; j < k; j++ {
			before += lv[i][j].s
			spent.Add(spent, new(big.Int).Mul(big.NewInt(lv[i][j].s), big.NewInt(lv[i][j].p)))
		}
		if cfg.AssumeExactFills {
			return before + lv[i][k].s
		}
		l := big.NewInt(lv[i][k].p)
		saved := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(before), l), spent)
		q, r := new(big.Int).QuoRem(saved, l, new(big.Int))
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
		return before + lv[i][k].s - q.Int64()
	}
	most := int64(cfg.MaxShares)
	for _, d := range depth {
		most = min(most, d)
	}
	var best int64
	for q := int64(10_000); q <= most; q += 10_000 {
		if marginal(q) > threshold {
			break
		}
		var sumL int64
		legal := true
		for i := range g.Legs {
			l := lv[i][at(i, q)].p
			sumL += l
			if q*l%10_000_000_000 != 0 || q > top(i, at(i, q)) {
				legal = false
			}
		}
		if q*sumL > cfg.MaxNotional*1_000_000 {
			break
		}
		if legal {
			best = q
		}
	}
	res := result{q: book.Size(best)}
	if best == 0 {
		res.reason = BelowMinSize
		return res
	}
	// Amounts with math/big.
	bi := func(v int64) *big.Int { return big.NewInt(v) }
	ceilDiv := func(a, b *big.Int) int64 {
		q, r := new(big.Int).QuoRem(a, b, new(big.Int))
		if r.Sign() > 0 {
			q.Add(q, bi(1))
		}
		return q.Int64()
	}
	mic := bi(1_000_000)
	reason := OK
	var fills, fees, amounts, maxFeeShares int64
	for i, a := range g.Legs {
		as := s.assets[a]
		left := best
		var cost, costDown, fee, feeShares int64
		k := at(i, best)
		for j := 0; j <= k; j++ {
			take := min(lv[i][j].s, left)
			left -= take
			prod := new(big.Int).Mul(bi(lv[i][j].p), bi(take))
			cost += ceilDiv(prod, mic)
			costDown += new(big.Int).Quo(prod, mic).Int64()
			fd, _ := bigFee(as.Fee, book.Price(lv[i][j].p), book.Size(take), cfg.FeeDecimals)
			fm := fd * int64(pow10[6-cfg.FeeDecimals])
			fee += fm
			if fm > 0 {
				feeShares += ceilDiv(new(big.Int).Mul(bi(fm), mic), bi(lv[i][j].p))
			}
		}
		limit := lv[i][k].p
		res.limits = append(res.limits, book.Price(limit))
		amounts += best * limit / 1_000_000
		fills += cost
		fees += fee
		maxFeeShares = max(maxFeeShares, feeShares)
		if reason == OK {
			switch {
			case book.Size(best) < as.MinSize:
				reason = BelowMinSize
			case costDown < cfg.MinNotional:
				reason = BelowMinNotional
			}
		}
	}
	proceeds := new(big.Int).Quo(new(big.Int).Mul(bi(g.Payout), bi(best)), mic).Int64()
	res.fees = fees
	res.cost = fills + fees
	res.edge = proceeds - res.cost
	worstFee := max(fees, ceilDiv(new(big.Int).Mul(bi(g.Payout), bi(maxFeeShares)), mic))
	res.edgeWorst = proceeds - amounts - worstFee
	switch {
	case reason != OK:
	case res.edge <= 0:
		reason = EdgeGoneAfterRounding
	case res.edgeWorst <= 0 && !cfg.AssumeExactFills:
		reason = EdgeGoneWorstCase
	}
	res.reason = reason
	return res
}

// byteSource hands out fuzz bytes, zeros once they run out.
type byteSource []byte

func (b *byteSource) next() int {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return int(v)
}

// FuzzEvaluate: books, fees and limits from the fuzzer; the scanner must
// agree with the brute force and never panic.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{3, 4, 2, 200, 1, 2, 3, 100, 7, 9, 1, 1, 1, 1, 250, 250, 250, 3, 3, 3})
	f.Add([]byte{1, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		src := byteSource(data)
		n := 2 + src.next()%4
		fees := []FeeModel{{}, {Rate: 40_000, Exponent: 1}, {Rate: 70_000, Exponent: 1}, {Rate: 250_000, Exponent: 2}, {Rate: 20_000}}
		fee := fees[src.next()%len(fees)]
		legs := make([]legSpec, n)
		for i := range legs {
			tick := ticks[src.next()%len(ticks)]
			p := int64(book.Scale) / int64(n) * int64(70+src.next()%40) / 100
			p = max(p/int64(tick)*int64(tick), int64(tick))
			ls := legSpec{tick: tick, fee: fee}
			if src.next()%2 == 0 {
				ls.minSize = "5"
			}
			for k, levels := 0, 1+src.next()%4; k < levels && p <= book.Scale-int64(tick); k++ {
				size := int64(1+src.next()) * int64(1+src.next()) * 997 // micro-shares, up to ~65 shares
				ls.asks = append(ls.asks, string(book.AppendPrice(nil, book.Price(p)))+":"+string(book.AppendSize(nil, book.Size(size))))
				p += int64(1+src.next()%8) * int64(tick)
			}
			legs[i] = ls
		}
		cfg := DefaultConfig()
		cfg.Margin = int64(src.next()) * 100
		cfg.FeeDecimals = uint8(4 + src.next()%3)
		if v := src.next(); v != 0 {
			cfg.MaxShares = book.Size(v) * 250_000
		}
		if v := src.next(); v != 0 {
			cfg.MaxNotional = int64(v) * 100_000
		}
		fx := build(t, cfg, legs, basket(n))
		var o Opportunity
		r := fx.s.Evaluate(0, &o)
		w := bruteForce(t, fx, cfg)
		if r != w.reason || o.Q != w.q {
			t.Fatalf("scanner %v Q=%v, brute force %v Q=%v", r, o.Q, w.reason, w.q)
		}
		if w.q != 0 && (o.Cost != w.cost || o.Fees != w.fees || o.Edge != w.edge || o.EdgeWorst != w.edgeWorst) {
			t.Fatalf("scanner %d %d %d %d, brute %d %d %d %d", o.Cost, o.Fees, o.Edge, o.EdgeWorst, w.cost, w.fees, w.edge, w.edgeWorst)
		}
	})
}
