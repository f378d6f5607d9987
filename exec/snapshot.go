package exec

import (
	"github.com/hotpath/hotpath/book"
)

// Snapshot is a copy of the executor's state for status pages, metrics
// and tests. Counters are this process's; positions, cash, fees and P&L
// are since the journal began (replay rebuilds them). Positions and money
// are as of the last Poll (or Start/Shutdown); counters are live.
type Snapshot struct {
	Mode           Mode
	Paused, Killed bool
	Reason         string // why paused or killed

	BasketsSubmitted uint64
	BasketsFilled    uint64 // every leg matched at submission
	BasketsPartial   uint64 // some legs matched, others did not (or a trade FAILED)
	BasketsCompleted uint64 // partial baskets that leg risk completed (and settled)
	BasketsUnwound   uint64 // partial baskets sold back to flat
	BasketsFailed    uint64 // nothing bought (FOKs killed, orders refused)
	BasketsSettled   uint64 // complete with every trade CONFIRMED
	FalseBaskets     uint64 // complete baskets whose fills at send (before any leg-risk action) cost incl. fees at least payout × sets: decision errors
	// BasketsClosedAtLoss counts partial baskets that leg risk completed
	// at a total cost incl. fees of at least payout × sets although their
	// fills at send were below it: a loss taken (within LegLossBudget) to
	// close a partial, not a decision error.
	BasketsClosedAtLoss uint64

	Vetoes  map[string]uint64 // by Veto name (non-zero only)
	Rejects map[string]uint64 // venue rejections by kind (non-zero only)

	TemplateHits, TemplateMisses, TemplateSnaps uint64
	// TemplateHitsAbove counts the hits (in TemplateHits) served by a
	// template above the leg's limit (a dipped leg bought through its
	// trigger anchor); TemplateAboveDropped the templates taken above the
	// limit that failed the exact edge/depth re-check (the leg was signed
	// on the spot).
	TemplateHitsAbove, TemplateAboveDropped   uint64
	LegRiskActions, Alerts, Queries, Unknowns uint64
	Conversions, Cancels                      uint64

	// RateBudget is the rate budget's whole orders available to new
	// baskets (Budget.Remaining: the unwind reserve excluded, 0 during a
	// Retry-After) as of the last publish (Start, Shutdown, and Poll at
	// least once a second).
	RateBudget int

	Positions []Position // non-zero positions, by asset index
	Cash      int64      // net cash delta incl. fees, micro-dollars
	Fees      int64      // fees paid, micro-dollars
	SetsValue int64      // Σ over groups of payout × complete sets held
	PnL       int64      // Cash + SetsValue
	Realised  int64      // P&L of baskets closed by unwind or failure
	Locked    int64      // PnL − Realised: profit held in complete sets

	Open []BasketInfo
}

// Position is one asset's holding.
type Position struct {
	Asset   book.AssetIndex
	TokenID string
	Shares  int64 // micro-shares
}

// BasketInfo describes one open basket.
type BasketInfo struct {
	ID      uint64
	Group   uint32
	Q       book.Size
	Held    []int64 // per group leg, micro-shares
	Cash    int64   // the basket's cash delta so far, fees included
	Orders  int
	Unknown bool // some order's outcome is not known yet
	Partial bool // was partial at some point (a leg killed, a trade FAILED)
	// Shape now: Complete, every leg holds Q (waiting for its trades to be
	// CONFIRMED); Flat, no leg holds anything (an unwound partial waiting
	// the same way); neither, still partial.
	Complete, Flat bool
	Stuck          bool // leg risk gave up; operator action needed
	Attempts       int
}

// Snapshot returns a copy of the last published state plus live counters.
// Any goroutine.
func (x *Executor) Snapshot() Snapshot {
	x.snapMu.Lock()
	s := x.snap
	s.Positions = append([]Position(nil), x.snap.Positions...)
	s.Open = append([]BasketInfo(nil), x.snap.Open...)
	x.snapMu.Unlock()
	c := &x.ctr
	s.Mode = x.cfg.Mode
	s.Paused, s.Killed = x.paused.Load(), x.killed.Load()
	s.BasketsSubmitted, s.BasketsFilled, s.BasketsPartial = c.submitted.Load(), c.filled.Load(), c.partial.Load()
	s.BasketsCompleted, s.BasketsUnwound, s.BasketsFailed = c.completed.Load(), c.unwound.Load(), c.failed.Load()
	s.BasketsSettled, s.FalseBaskets = c.settled.Load(), c.falseB.Load()
	s.BasketsClosedAtLoss = c.closedAtLoss.Load()
	s.TemplateHits, s.TemplateMisses, s.TemplateSnaps = c.hits.Load(), c.misses.Load(), c.snaps.Load()
	s.TemplateHitsAbove, s.TemplateAboveDropped = c.hitsAbove.Load(), c.aboveDropped.Load()
	s.LegRiskActions, s.Alerts, s.Queries, s.Unknowns = c.legRisk.Load(), c.alerts.Load(), c.queries.Load(), c.unknowns.Load()
	s.Conversions, s.Cancels = c.conversions.Load(), c.cancels.Load()
	s.Vetoes, s.Rejects = map[string]uint64{}, map[string]uint64{}
	for i := range c.vetoes {
		if n := c.vetoes[i].Load(); n > 0 {
			s.Vetoes[Veto(i).String()] = n
		}
	}
	for i := range c.rejects {
		if n := c.rejects[i].Load(); n > 0 {
			s.Rejects[Reject(i).String()] = n
		}
	}
	return s
}

// publish copies positions, money and open baskets for Snapshot (exec
// goroutine, cold: allocates).
func (x *Executor) publish() {
	x.dirty = false
	var pos []Position
	for a, s := range x.pos {
		if s != 0 {
			pos = append(pos, Position{Asset: book.AssetIndex(a), TokenID: x.tokenStr[a], Shares: s})
		}
	}
	// complete sets, greedily over the groups in order (an asset in two
	// groups is counted once)
	left := append([]int64(nil), x.pos...)
	var sets int64
	for _, g := range x.cfg.Groups {
		m := int64(-1)
		for _, a := range g.Legs {
			if m < 0 || left[a] < m {
				m = left[a]
			}
		}
		if m <= 0 {
			continue
		}
		for _, a := range g.Legs {
			left[a] -= m
		}
		sets += proceeds(g.Payout, book.Size(m))
	}
	var open []BasketInfo
	for _, si := range x.open {
		b := &x.slots[si]
		bi := BasketInfo{ID: b.id, Group: b.group, Q: b.q, Cash: b.cashDelta(), Orders: len(b.legs),
			Unknown: b.anyUnresolved(), Partial: b.partial, Stuck: b.stuck, Attempts: b.attempts}
		bi.Complete, bi.Flat = b.shape()
		for i := 0; i < b.nGroup; i++ {
			bi.Held = append(bi.Held, b.held(i))
		}
		open = append(open, bi)
	}
	budget := x.budget.Remaining(x.cfg.Now())
	x.snapMu.Lock()
	x.snap.RateBudget = budget
	x.snap.Positions = pos
	x.snap.Cash = x.cash - x.fees
	x.snap.Fees = x.fees
	x.snap.SetsValue = sets
	x.snap.PnL = x.snap.Cash + sets
	x.snap.Realised = x.realised
	x.snap.Locked = x.snap.PnL - x.realised
	x.snap.Open = open
	x.snap.Reason = x.reason
	x.snapMu.Unlock()
}
