package engine

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
)

// Drop is why the book+scan stage did not hand an OK opportunity to the
// executor. Together with scan.Reason it accounts for every evaluation.
type Drop uint8

// Drops.
const (
	DropInFlight Drop = iota // the group has a basket in flight or just finished (books not yet updated)
	DropJump                 // the jump guard paused the group's event
	DropResolved             // a market of the group resolved
	DropRemoved              // a market refresh took the group out of the universe
	DropRingFull             // the executor's ring was full
	NumDrops
)

var dropNames = [NumDrops]string{"in_flight", "jump_cooldown", "market_resolved", "removed", "exec_ring_full"}

// String is the drop's snake_case name (a metric label).
func (d Drop) String() string {
	if d < NumDrops {
		return dropNames[d]
	}
	return "unknown"
}

// stageStats are the book+scan stage's counters, published as atomics by
// the stage itself (every publish period) for metrics and status.
type stageStats struct {
	Frames, Events       atomic.Uint64
	Opportunities        atomic.Uint64 // OK opportunities handed to the executor
	Drops                [NumDrops]atomic.Uint64
	NotTaken             [scan.NumReasons]atomic.Uint64 // copy of scan.Stats.Reasons
	Exclusions           [feed.NumExclusions]atomic.Uint64
	PoolDropped          atomic.Uint64 // pool events the signer side did not get (ring full)
	Jumps                atomic.Uint64 // jump-guard trips
	Resolved             atomic.Uint64 // market_resolved events
	Swaps                atomic.Uint64 // scanner swaps (market refreshes)
	BooksValid           atomic.Int64
	Excluded             atomic.Int64 // subscribed books not usable right now
	PoolSize             atomic.Int64
	HashChecks, HashMiss atomic.Uint64
	StallReconnects      atomic.Uint64 // connections dropped for silence (ConnStale)
	CanaryReconnects     atomic.Uint64 // connections dropped for a silent canary
	GapReconnects        atomic.Uint64 // connections rebuilt after data resumed from a stall-length gap
	LastLoop             atomic.Int64  // when the loop last ran (watchdog)
}

// swap is a scanner built off the path by a market refresh, installed by
// the stage at a frame boundary.
type swap struct {
	sc      *scan.Scanner
	removed []bool // per group: taken out of the universe
}

// stage is the book+scan stage: it drains the feed rings, applies events to
// the books through feed.Integrity, tells the scanner about best-ask changes,
// and pushes OK opportunities to the executor's ring. It is owned by one
// goroutine (the compact and pinned layouts' stage goroutine, or the single
// feed reader in the fused layout).
//
// Invariant: for every subscribed asset a, (told[a], has[a]) is what the
// scanner was last told, and after each frame boundary it equals
// (best ask, present) of a's book when the book is Usable, (0, false)
// otherwise.
type stage struct {
	p     *plan
	in    *feed.Integrity
	sc    *scan.Scanner
	next  atomic.Pointer[swap]
	opps  *ring.Ring[scan.Opportunity]
	obell *bell
	// Pool events: the scanner produces into poolSelf, which this goroutine
	// also consumes (to mark hot legs), and forwards to poolOut for the cold
	// signer goroutine.
	poolSelf *ring.Ring[scan.PoolEvent]
	poolOut  *ring.Ring[scan.PoolEvent] // its consumer parks on the ring itself
	rec      *hist.Recorder
	now      func() int64
	st       *stageStats

	// per asset
	told    []book.Price
	has     []bool
	hot     []uint16        // hot groups containing the asset
	mark    []bool          // touched in the current frame
	askMove []bool          // an ask-side change in the current frame
	ticks   []atomic.Uint32 // current tick, published for the cold signer side
	touched []book.AssetIndex

	// per group
	busy    []atomic.Int64 // no new basket before this time (ns); written by both stages
	hold    []int64        // jump / resolution cool-down until (ns)
	removed []bool
	inPool  []bool
	entered []int64 // frame time of the last pool entry
	stale   []bool  // in restale
	restale []uint32

	guard    jumpGuard
	cooldown int64
	holdOff  int64 // after a basket completes, before the group may fire again

	inFrame bool
	frameTs int64 // RecvNs of the frame being applied
	popTs   int64
	scanTs  int64
	poolEv  scan.PoolEvent
	spare   scan.Opportunity

	lastCheck, lastPub   int64
	checkEvery, pubEvery int64
}

type stageConfig struct {
	p         *plan
	in        *feed.Integrity
	sc        *scan.Scanner
	opps      *ring.Ring[scan.Opportunity]
	obell     *bell
	poolSelf  *ring.Ring[scan.PoolEvent]
	poolOut   *ring.Ring[scan.PoolEvent]
	rec       *hist.Recorder
	now       func() int64
	st        *stageStats
	jumpMove  int64
	jumpWin   time.Duration
	cooldown  time.Duration
	holdOff   time.Duration
	checkEach time.Duration
}

func newStage(c stageConfig) *stage {
	n := len(c.p.fees)
	g := len(c.p.groups)
	s := &stage{p: c.p, in: c.in, sc: c.sc, opps: c.opps, obell: c.obell, poolSelf: c.poolSelf, poolOut: c.poolOut,
		rec: c.rec, now: c.now, st: c.st,
		told: make([]book.Price, n), has: make([]bool, n), hot: make([]uint16, n), mark: make([]bool, n),
		askMove: make([]bool, n), ticks: make([]atomic.Uint32, n), touched: make([]book.AssetIndex, 0, n),
		busy: make([]atomic.Int64, g), hold: make([]int64, g), removed: make([]bool, g), inPool: make([]bool, g),
		entered: make([]int64, g), stale: make([]bool, g), restale: make([]uint32, 0, g),
		guard: newJumpGuard(n, c.jumpMove, c.jumpWin), cooldown: int64(c.cooldown), holdOff: int64(c.holdOff),
		checkEvery: int64(c.checkEach), pubEvery: int64(100 * time.Millisecond)}
	if s.checkEvery <= 0 {
		s.checkEvery = int64(time.Second)
	}
	for a := range s.ticks {
		s.ticks[a].Store(uint32(c.p.initTicks[a]))
	}
	return s
}

// drain applies every event available in r and returns how many there were.
// Frames are closed at their FlagLast event; a frame cut by the end of the
// available events is closed by the caller (endBatch) once every ring was
// drained.
func (s *stage) drain(r *ring.Ring[feed.Event]) int {
	n := 0
	for {
		evs := r.Peek()
		if len(evs) == 0 {
			return n
		}
		for i := range evs {
			s.event(&evs[i])
		}
		r.Release(len(evs))
		n += len(evs)
	}
}

// event applies one event. At the first event of a frame it takes the
// clock (the decode + ring hop ends here) and sets the scanner's time.
func (s *stage) event(e *feed.Event) {
	if !s.inFrame {
		s.inFrame = true
		s.frameTs = e.RecvNs
		s.popTs = s.now()
		s.rec.Record(hist.Decode, s.popTs-e.RecvNs)
		s.sc.SetTime(e.RecvNs)
	}
	a := e.Asset
	s.in.Apply(e)
	if a != feed.NoAsset && int(a) < len(s.mark) {
		switch e.Kind {
		case feed.KindTickSize:
			s.ticks[a].Store(uint32(e.Tick()))
		case feed.KindResolved:
			s.resolved(a, e.RecvNs)
		}
		if !s.mark[a] {
			s.mark[a] = true
			s.touched = append(s.touched, a)
		}
		if e.Kind == feed.KindLevel && e.Side == book.Ask || e.Kind == feed.KindBookEnd {
			s.askMove[a] = true
		}
	}
	s.st.Events.Add(1)
	if e.Flags&feed.FlagLast != 0 {
		s.frameEnd(e.RecvNs)
	}
}

// frameEnd tells the scanner about every asset the frame touched (after the
// integrity checks of the frame's last event, which may have excluded any
// of them), then evaluates the queued groups and forwards the OK ones.
func (s *stage) frameEnd(ts int64) {
	s.inFrame = false
	for _, a := range s.touched {
		s.mark[a] = false
		s.reconcile(a, s.askMove[a], ts)
		s.askMove[a] = false
	}
	s.touched = s.touched[:0]
	s.scanTs = s.now()
	s.rec.Record(hist.BookScan, s.scanTs-s.popTs)
	s.decide()
	s.drainPool()
	s.refreshPool(ts)
	s.st.Frames.Add(1)
}

// reconcile brings the scanner's view of asset a up to date with its book.
// force re-tells an unchanged ask (the depth behind it moved).
func (s *stage) reconcile(a book.AssetIndex, force bool, ts int64) {
	if !s.p.used[a] {
		return
	}
	var p book.Price
	ok := false
	if s.in.Usable(a) {
		p, _, ok = s.in.Book(a).BestAsk()
	}
	changed := ok != s.has[a] || p != s.told[a]
	if !changed && !force {
		return
	}
	if changed && ok && s.guard.observe(a, p, ts) {
		s.jumped(a, ts)
	}
	s.told[a], s.has[a] = p, ok
	s.sc.OnBestAsk(a, p, ok)
	if changed && s.hot[a] > 0 {
		for _, g := range s.p.byAsset[a] {
			if s.inPool[g] && !s.stale[g] {
				s.stale[g] = true
				s.restale = append(s.restale, g)
			}
		}
	}
}

// decide drains the scanner's queue. Each evaluation is written straight
// into a reserved slot of the executor's ring and published only when it
// is an opportunity to trade, so nothing is copied.
func (s *stage) decide() {
	for {
		out := &s.spare
		slot := s.opps.Reserve(1)
		if len(slot) == 1 {
			out = &slot[0]
		}
		if !s.sc.Next(out) {
			return
		}
		if out.Reason != scan.OK {
			continue
		}
		g := out.Group
		switch {
		case s.removed[g]:
			s.st.Drops[DropRemoved].Add(1)
			continue
		case s.hold[g] == math.MaxInt64:
			s.st.Drops[DropResolved].Add(1)
			continue
		case s.hold[g] > out.TS:
			s.st.Drops[DropJump].Add(1)
			continue
		case s.busy[g].Load() > out.TS:
			s.st.Drops[DropInFlight].Add(1)
			continue
		case len(slot) == 0:
			s.st.Drops[DropRingFull].Add(1)
			continue
		}
		s.busy[g].Store(math.MaxInt64) // until the executor says it is done
		s.opps.Commit(1)
		s.obell.ring()
		s.rec.Record(hist.Decide, s.now()-s.scanTs)
		s.st.Opportunities.Add(1)
	}
}

// done is called by the executor's goroutine when the basket of group g
// finished at now: the group may fire again once the books had time to show
// the fills.
func (s *stage) done(g uint32, now int64) {
	if int(g) < len(s.busy) {
		s.busy[g].Store(now + s.holdOff)
	}
}

// recheck re-queues the groups whose basket finished and whose hold-off
// has passed. A failed or refused basket on a quiet book would otherwise
// wait for the next book change to be evaluated again; re-telling one leg's
// unchanged ask makes the scanner queue the group if it still fires.
func (s *stage) recheck(now int64) {
	queued := false
	for g := range s.busy {
		b := s.busy[g].Load()
		if b == 0 || b == math.MaxInt64 || b > now || !s.busy[g].CompareAndSwap(b, 0) {
			continue
		}
		if !queued {
			s.sc.SetTime(now)
			queued = true
		}
		a := s.p.groups[g].Legs[0]
		s.sc.OnBestAsk(a, s.told[a], s.has[a])
	}
	if queued {
		s.scanTs = now
		s.decide()
		s.drainPool()
	}
}

// jumped pauses every group of every event that contains asset a.
func (s *stage) jumped(a book.AssetIndex, ts int64) {
	s.st.Jumps.Add(1)
	until := ts + s.cooldown
	for _, g := range s.p.byAsset[a] {
		for _, h := range s.p.byEvent[s.p.groups[g].EventIndex] {
			s.hold[h] = max(s.hold[h], until)
		}
	}
}

// resolved takes every group of the event of a resolved market out for
// good (a refresh will remove the event; until then nothing is priced
// against books that are about to be cleared).
func (s *stage) resolved(a book.AssetIndex, _ int64) {
	s.st.Resolved.Add(1)
	mark := func(x book.AssetIndex) {
		for _, g := range s.p.byAsset[x] {
			for _, h := range s.p.byEvent[s.p.groups[g].EventIndex] {
				s.hold[h] = math.MaxInt64
			}
		}
	}
	mark(a)
	if info := s.p.u.Registry.Info(a); info != nil && info.HasPartner {
		mark(info.Partner)
	}
}

// drainPool consumes the scanner's pool events: legs of groups in the pool
// are hot (their hash is checked on every change), and each event goes on
// to the signer side.
func (s *stage) drainPool() {
	if s.poolSelf == nil {
		return
	}
	for {
		evs := s.poolSelf.Peek()
		if len(evs) == 0 {
			return
		}
		for i := range evs {
			ev := &evs[i]
			g := ev.Group
			enter := ev.Event == scan.PoolEnter
			if int(g) < len(s.inPool) && s.inPool[g] != enter {
				s.inPool[g] = enter
				if enter {
					s.entered[g] = s.frameTs
					s.st.PoolSize.Add(1)
				} else {
					s.st.PoolSize.Add(-1)
				}
				for _, a := range ev.Legs[:ev.N] {
					if enter {
						s.hot[a]++
					} else if s.hot[a] > 0 {
						s.hot[a]--
					}
					s.in.SetHot(a, s.hot[a] > 0)
				}
			}
			s.forwardPool(ev)
		}
		s.poolSelf.Release(len(evs))
	}
}

func (s *stage) forwardPool(ev *scan.PoolEvent) {
	if s.poolOut == nil {
		return
	}
	if !s.poolOut.Push(*ev) {
		s.st.PoolDropped.Add(1)
	}
}

// refreshPool re-announces the hot groups whose asks moved in this frame
// with their current asks, so the signer re-lays their templates at the new
// prices (the scanner only reports entering and leaving). Groups that left
// the pool, or entered it in this frame (their enter event carries the new
// asks), are skipped.
func (s *stage) refreshPool(ts int64) {
	for _, g := range s.restale {
		s.stale[g] = false
		if !s.inPool[g] || s.entered[g] == ts {
			continue
		}
		gi := &s.p.groups[g]
		ev := &s.poolEv
		ev.TS, ev.InPool, ev.Sum, ev.Payout = ts, 0, 0, gi.Payout
		ev.Group, ev.Kind, ev.Event = g, gi.Kind, scan.PoolEnter
		ev.N = uint8(len(gi.Legs))
		for i, l := range gi.Legs {
			ev.Legs[i], ev.Asks[i], ev.Has[i] = l, s.told[l], s.has[l]
			ev.Sum += int64(s.told[l])
		}
		s.forwardPool(ev)
	}
	s.restale = s.restale[:0]
}

// periodic runs the time-based work: integrity checks about every
// checkEvery (then every asset is reconciled, as the checks may have marked
// books stale), counters about every 100 ms, and the histogram hand-over.
func (s *stage) periodic(now int64) {
	s.rec.Flip()
	if now-s.lastCheck >= s.checkEvery {
		s.lastCheck = now
		s.in.Check(now)
		s.sc.SetTime(now)
		s.frameTs = now
		for _, a := range s.p.assets {
			s.reconcile(a, false, now)
		}
		s.decide()
		s.drainPool()
		s.refreshPool(now)
	}
	if now-s.lastPub >= s.pubEvery {
		s.lastPub = now
		s.recheck(now)
		s.publish(now)
	}
}

// publish copies the owner-only counters into the atomics others read.
func (s *stage) publish(now int64) {
	st := &s.sc.Stats
	for i := range st.Reasons {
		s.st.NotTaken[i].Store(st.Reasons[i])
	}
	ist := s.in.Stats()
	for i := range ist.Exclusions {
		s.st.Exclusions[i].Store(ist.Exclusions[i])
	}
	s.st.HashChecks.Store(ist.HashChecks())
	s.st.HashMiss.Store(ist.HashMismatch)
	s.st.StallReconnects.Store(ist.StallReconnects)
	s.st.CanaryReconnects.Store(ist.CanaryReconnects)
	s.st.GapReconnects.Store(ist.GapReconnects)
	var valid, excluded int64
	for _, a := range s.p.assets {
		if s.in.Book(a).Valid() {
			valid++
		}
		if !s.in.Usable(a) {
			excluded++
		}
	}
	s.st.BooksValid.Store(valid)
	s.st.Excluded.Store(excluded)
	s.st.LastLoop.Store(now)
}

// maybeSwap installs a scanner built by a market refresh. It runs between
// frames only: groups leave the old pool (the signer hears it), the new
// scanner is told every asset's current ask, and removed groups stop
// firing. Group indexes are stable across swaps (a refresh never reorders
// or adds groups; see Engine.applyChanges).
func (s *stage) maybeSwap(now int64) {
	sw := s.next.Swap(nil)
	if sw == nil {
		return
	}
	for g := range s.inPool {
		if !s.inPool[g] {
			continue
		}
		gi := &s.p.groups[g]
		ev := &s.poolEv
		*ev = scan.PoolEvent{TS: now, Payout: gi.Payout, Group: uint32(g), Kind: gi.Kind, Event: scan.PoolLeave, N: uint8(len(gi.Legs))}
		copy(ev.Legs[:], gi.Legs)
		s.inPool[g] = false
		s.st.PoolSize.Add(-1)
		for _, a := range gi.Legs {
			if s.hot[a] > 0 {
				s.hot[a]--
			}
			s.in.SetHot(a, s.hot[a] > 0)
		}
		s.forwardPool(ev)
	}
	// The new scanner's counters continue the old ones.
	sw.sc.Stats = s.sc.Stats
	s.sc = sw.sc
	copy(s.removed, sw.removed)
	s.sc.SetTime(now)
	s.frameTs = now
	for _, a := range s.p.assets {
		s.told[a], s.has[a] = 0, false
		s.reconcile(a, true, now)
	}
	s.st.Swaps.Add(1)
	s.decide()
	s.drainPool()
	s.refreshPool(now)
}

// tick returns asset a's current tick as last seen by the stage (any
// goroutine).
func (s *stage) tick(a book.AssetIndex) book.Tick { return book.Tick(s.ticks[a].Load()) }
