package engine

import (
	"slices"
	"sync"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/scan"
)

// poolTable is the operator's view of the near-miss pool, kept by the cold
// pool goroutine from the stage's pool events (never read on the path).
type poolTable struct {
	mu    sync.Mutex
	p     *plan
	since map[uint32]time.Time
	cost  map[uint32]int64 // one set at the best asks, fees included (rounded up)
}

func (t *poolTable) init(p *plan) {
	t.p = p
	t.since = map[uint32]time.Time{}
	t.cost = map[uint32]int64{}
}

func (t *poolTable) apply(ev *scan.PoolEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ev.Event == scan.PoolLeave {
		delete(t.since, ev.Group)
		delete(t.cost, ev.Group)
		return
	}
	if _, ok := t.since[ev.Group]; !ok {
		t.since[ev.Group] = time.Now()
	}
	var c int64
	for i := 0; i < int(ev.N); i++ {
		a := ev.Legs[i]
		c += int64(ev.Asks[i]) + t.p.fees[a].FeeMicroUp(ev.Asks[i], book.OneShare, 5)
	}
	t.cost[ev.Group] = c
}

func (t *poolTable) entries() []ops.PoolEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]ops.PoolEntry, 0, len(t.since))
	for g, since := range t.since {
		gi := &t.p.groups[g]
		out = append(out, ops.PoolEntry{Event: gi.Event, Basket: basketName(gi.Kind), Legs: len(gi.Legs),
			CostMicros: t.cost[g], PayoutMicros: gi.Payout, Since: since})
	}
	// Cheapest relative to the payout first (cross-multiplied: exact).
	slices.SortFunc(out, func(a, b ops.PoolEntry) int {
		l, r := a.CostMicros*b.PayoutMicros, b.CostMicros*a.PayoutMicros
		switch {
		case l < r:
			return -1
		case l > r:
			return 1
		}
		return 0
	})
	return out
}

func basketName(k scan.Kind) string {
	switch k {
	case scan.YesBasket:
		return "YES"
	case scan.NoBasket:
		return "NO"
	}
	return "pair"
}

// trades keeps the most recent basket attempts for /trades.
type trades struct {
	mu   sync.Mutex
	list []ops.Trade // newest last
}

const maxTrades = 256

func (t *trades) add(tr ops.Trade) {
	t.mu.Lock()
	if len(t.list) == maxTrades {
		copy(t.list, t.list[1:])
		t.list = t.list[:maxTrades-1]
	}
	t.list = append(t.list, tr)
	t.mu.Unlock()
}

func (t *trades) last(n int) []ops.Trade {
	t.mu.Lock()
	defer t.mu.Unlock()
	n = min(n, len(t.list))
	out := make([]ops.Trade, 0, n)
	for i := len(t.list) - 1; i >= len(t.list)-n; i-- {
		out = append(out, t.list[i])
	}
	return out
}

// recordTrade notes one submitted basket for the operator (exec
// goroutine, after Submit: cold relative to the order's bytes).
func (e *Engine) recordTrade(opp *scan.Opportunity, out exec.Outcome) {
	gi := &e.plan.groups[opp.Group]
	tr := ops.Trade{Time: time.Now(), Event: gi.Event, Basket: basketName(gi.Kind), SharesMicros: int64(out.Q),
		PayoutMicros: proceedsDown(gi.Payout, out.Q)}
	if opp.Q > 0 {
		// The opportunity's expected cost scaled to the Q sent, rounded up.
		tr.CostMicros = ceilMulDiv(opp.Cost, int64(out.Q), int64(opp.Q))
	}
	tr.PnLMicros = tr.PayoutMicros - tr.CostMicros
	switch out.Kind {
	case exec.OutFilled:
		tr.Outcome, tr.Status = "complete", "matched"
	case exec.OutPartial:
		tr.Outcome, tr.Status = "partial", "matched"
	case exec.OutKilled:
		tr.Outcome, tr.Status, tr.PnLMicros = "failed", "killed", 0
	case exec.OutPending:
		tr.Outcome, tr.Status = "pending", "unknown"
	}
	if e.mode == exec.Paper {
		tr.Outcome = "paper"
	}
	e.tradeLog.add(tr)
}

func proceedsDown(payout int64, q book.Size) int64 { return payout * int64(q) / book.Scale }

// ceilMulDiv is ⌈a×b/c⌉ for non-negative a, b and positive c whose product
// fits in 64 bits (a basket cost times a share ratio ≤ 1).
func ceilMulDiv(a, b, c int64) int64 { return (a*b + c - 1) / c }

// Controller returns the engine's ops.Controller (Telegram, status pages).
func (e *Engine) Controller() ops.Controller { return controller{e} }

type controller struct{ e *Engine }

func (c controller) Status() ops.Status {
	e := c.e
	s := ops.Status{Mode: string(e.cfg.Mode), Version: e.opt.Version, Started: e.started,
		BooksSynced: int(e.st.BooksValid.Load()), BooksTotal: len(e.plan.assets), Excluded: int(e.st.Excluded.Load()),
		Groups: len(e.plan.groups), PoolSize: int(e.st.PoolSize.Load())}
	if e.client != nil {
		s.FeedsTotal = len(e.client.Conns())
		for _, cn := range e.client.Conns() {
			st := cn.Stats()
			if st.Dials > st.DialErrors+st.Disconnects {
				s.FeedsUp++
			}
		}
	}
	xs := e.x.Snapshot()
	s.OpenBaskets = len(xs.Open)
	switch {
	case xs.Killed || e.killed.Load():
		s.State, s.Reason = ops.StateKilled, xs.Reason
	case xs.Paused || e.paused.Load():
		s.State, s.Reason = ops.StatePaused, xs.Reason
	case !e.ready.Load():
		s.State = ops.StateStarting
	default:
		s.State = ops.StateRunning
	}
	return s
}

func (c controller) Pool() []ops.PoolEntry { return c.e.poolTab.entries() }

func (c controller) Trades(n int) []ops.Trade { return c.e.tradeLog.last(n) }

func (c controller) PnL() ops.PnL {
	xs := c.e.x.Snapshot()
	return ops.PnL{RealizedMicros: xs.Realised, UnrealizedMicros: xs.Locked, FeesMicros: xs.Fees, TodayMicros: xs.PnL,
		Baskets: int(xs.BasketsFilled + xs.BasketsCompleted), Partial: int(xs.BasketsPartial), Unwinds: int(xs.BasketsUnwound)}
}

func (c controller) Limits() ops.Limits {
	e := c.e
	xs := e.x.Snapshot()
	r := e.cfg.Risk
	var exposure int64
	for _, b := range xs.Open {
		if b.Cash < 0 {
			exposure -= b.Cash
		}
	}
	loss := int64(0)
	if xs.Realised < 0 {
		loss = -xs.Realised
	}
	return ops.Limits{MaxBasketMicros: int64(r.MaxBasketNotional), MaxEventMicros: int64(r.MaxEventExposure),
		ExposureMicros: exposure, MaxOpenBaskets: r.MaxOpenBaskets, OpenBaskets: len(xs.Open),
		DailyLossMicros: int64(r.MaxDailyLoss), DailyLossUsedMicros: loss, OrdersPerSecond: e.cfg.Rate.OrdersPer10s / 10,
		Killed: xs.Killed, Paused: xs.Paused}
}

func (c controller) Pause(reason string) {
	c.e.paused.Store(true)
	c.e.x.Pause(reason)
}

func (c controller) Resume() {
	c.e.paused.Store(false)
	c.e.x.Resume()
}

func (c controller) Kill(reason string) {
	c.e.killed.Store(true)
	c.e.x.Kill(reason)
}
