package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// execPoll is how often an idle executor goroutine runs exec.Poll
// (settlement, leg risk, queries, keep-alive).
const execPoll = 10 * time.Millisecond

// Run starts every goroutine, trades until ctx is done (or the replay
// ends), then shuts down gracefully: no new baskets, the executor finishes
// or unwinds what is in flight (bounded by Options.ShutdownTimeout), the
// journal is flushed and the histograms collected. ready, when not nil, is
// called once the executor has started and the feed is running.
func (e *Engine) Run(ctx context.Context, ready func()) error {
	var wg sync.WaitGroup
	feedCtx, stopFeed := context.WithCancel(context.Background())
	defer stopFeed()
	coldCtx, stopCold := context.WithCancel(context.Background())
	defer stopCold()

	// Executor goroutine: Start must run on it.
	started := make(chan error, 1)
	execDone := make(chan error, 1)
	go func() { execDone <- e.execLoop(coldCtx, started) }()
	if err := <-started; err != nil {
		e.closeProducers()
		<-execDone
		return fmt.Errorf("engine: executor: %w", err)
	}

	// Cold side: pool events → template pool.
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.poolLoop(coldCtx)
	}()
	collDone := make(chan struct{})
	go func() {
		e.coll.Run(coldCtx, e.latencyInterval())
		close(collDone)
	}()

	var runErr error
	stageDone := make(chan struct{})
	switch {
	case e.cfg.Mode == config.Replay:
		r := ring.MustNew[feed.Event](1 << 14)
		go func() {
			e.stage.runLoop([]*ring.Ring[feed.Event]{r}, ring.Park, e.sbell, -1)
			e.closeProducers()
			close(stageDone)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			runErr = e.replay(feedCtx, r)
			r.Close()
			e.sbell.ring()
		}()
	case e.topo.Layout == Fused:
		r := e.client.Conns()[0].Ring()
		e.fusedHook = e.stage.fused(r)
		go func() {
			// The reader goroutine runs the stage; this one waits for the
			// ring to close to hand over to the executor's shutdown.
			for !r.Closed() {
				time.Sleep(20 * time.Millisecond)
			}
			close(stageDone)
		}()
	default:
		rings := make([]*ring.Ring[feed.Event], 0, len(e.client.Conns()))
		for _, cn := range e.client.Conns() {
			rings = append(rings, cn.Ring())
		}
		pin := -1
		if e.topo.Layout == Pinned {
			pin = e.topo.ScanCore
		}
		go func() {
			e.stage.runLoop(rings, e.topo.Wait, e.sbell, pin)
			e.closeProducers()
			close(stageDone)
		}()
	}
	if e.client != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = e.client.Run(feedCtx)
		}()
		if e.opt.Universe == nil && e.cfg.Universe.Refresh > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.watch(coldCtx)
			}()
		}
	}
	e.ready.Store(true)
	if ready != nil {
		ready()
	}

	select {
	case <-ctx.Done():
		// Shutdown: stop new baskets first, then the feed.
		e.stopping.Store(true)
	case <-stageDone:
		// The input ended (a replay): the executor takes what the stage
		// handed over before it closed its ring, then winds down.
	}
	stopFeed()
	<-stageDone
	if e.topo.Layout == Fused {
		e.closeProducers()
	}
	e.obell.ring()
	xerr := <-execDone
	stopCold()
	wg.Wait()
	<-collDone
	e.recScan.Close()
	e.recPool.Close()
	e.coll.Collect()
	return errors.Join(runErr, xerr)
}

func (e *Engine) latencyInterval() time.Duration {
	if d := time.Duration(e.cfg.Latency.Interval); d > 0 {
		return d
	}
	return 10 * time.Second
}

// closeProducers closes the rings the book+scan stage produces into, once
// it has stopped (its goroutine, or the fused reader's).
func (e *Engine) closeProducers() {
	e.closeOnce.Do(func() {
		e.opps.Close()
		e.poolOut.Close()
		e.obell.ring()
	})
}

// replay drives a capture through feed.Replay into one ring: the same
// stage, scanner and executor (paper) as live.
func (e *Engine) replay(ctx context.Context, r *ring.Ring[feed.Event]) error {
	opts := feed.ReplayOptions{Registry: e.plan.u.Registry, Speed: e.cfg.Replay.Speed, Hash: feed.HashOff,
		OnEvent: func(_ *feed.Integrity, ev *feed.Event) {
			for !r.Push(*ev) {
				e.sbell.ring()
				if ctx.Err() != nil {
					return
				}
				runtime.Gosched()
			}
			if ev.Flags&feed.FlagLast != 0 {
				e.sbell.ring()
			}
		}}
	_, err := feed.Replay(e.opt.Capture, opts)
	return err
}

// execLoop is the executor's goroutine: Start, then Submit every
// opportunity the stage hands over and Poll when idle; on shutdown,
// exec.Shutdown winds in-flight baskets down.
func (e *Engine) execLoop(ctx context.Context, started chan<- error) error {
	spin := e.topo.Wait == ring.Spin && e.topo.Layout == Pinned
	if spin {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		_ = ring.Pin(e.topo.ExecCore)
	}
	if err := e.x.Start(ctx); err != nil {
		started <- err
		return err
	}
	started <- nil
	idle := 0
	lastPoll := Now()
	for {
		if evs := e.opps.Peek(); len(evs) > 0 {
			for i := range evs {
				e.submit(&evs[i])
			}
			e.opps.Release(len(evs))
			idle = 0
			continue
		}
		if e.opps.Closed() && e.opps.Len() == 0 {
			break
		}
		idle++
		if idle < idleSpins {
			continue
		}
		now := Now()
		if now-lastPoll >= int64(execPoll) || idle == idleSpins {
			e.x.Poll(now)
			e.releaseHeld(now)
			lastPoll = now
			e.recExec.Flip()
			e.lastExec.Store(now)
		}
		if spin {
			continue
		}
		e.obell.arm()
		if e.opps.Len() > 0 || e.opps.Closed() {
			e.obell.cancel()
			continue
		}
		e.obell.sleep(execPoll)
	}
	sctx, cancel := context.WithTimeout(context.Background(), e.opt.ShutdownTimeout)
	defer cancel()
	err := e.x.Shutdown(sctx)
	e.recExec.Close()
	return err
}

// submit hands one opportunity to the executor and frees its group.
func (e *Engine) submit(opp *scan.Opportunity) {
	if e.stopping.Load() {
		e.xs.Stopped.Add(1)
		e.stage.done(opp.Group, Now())
		return
	}
	e.xs.Handed.Add(uint64(opp.N))
	out := e.x.Submit(opp)
	if int(out.Kind) < len(e.xs.Outcomes) {
		e.xs.Outcomes[out.Kind].Add(1)
	}
	if out.Kind == exec.OutVetoed {
		e.xs.Vetoes.Add(1)
		e.stage.done(opp.Group, Now())
		return
	}
	e.xs.Hits.Add(uint64(out.Hits))
	e.xs.Misses.Add(uint64(opp.N - min(out.Hits, opp.N)))
	e.xs.Legs.Add(uint64(opp.N))
	e.recordTrade(opp, out)
	if out.Kind == exec.OutPartial || out.Kind == exec.OutPending {
		// Leg risk or unknown outcomes follow in Poll: the group stays
		// held (no second basket on books our own orders may still move)
		// until the executor closes the basket (releaseHeld).
		e.held = append(e.held, opp.Group)
		return
	}
	e.stage.done(opp.Group, Now())
}

// releaseHeld frees the held groups whose baskets the executor has closed
// (exec goroutine, after Poll; the snapshot copy is cold and only taken
// while something is held).
func (e *Engine) releaseHeld(now int64) {
	if len(e.held) == 0 {
		return
	}
	open := e.x.Snapshot().Open
	keep := e.held[:0]
	for _, g := range e.held {
		busy := false
		for _, b := range open {
			if b.Group == g {
				busy = true
				break
			}
		}
		if busy {
			keep = append(keep, g)
		} else {
			e.stage.done(g, now)
		}
	}
	e.held = keep
}

// poolLoop is the cold goroutine behind the near-miss pool: it keeps the
// operator's view of the pool, records time in the pool, and turns the
// scanner's events into the template pool's (token ids, ticks, neg-risk
// flags), which sign.Pool.Run signs ahead of time.
func (e *Engine) poolLoop(ctx context.Context) {
	var ch chan sign.PoolEvent
	var wg sync.WaitGroup
	if e.pool != nil {
		ch = make(chan sign.PoolEvent, 256)
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.pool.Run(ctx, ch, func(err error) {
				if e.opt.OnAlert != nil {
					e.opt.OnAlert("templates", err.Error())
				}
			})
		}()
	}
	feedSig := newSignerFeed(len(e.plan.groups))
	arm := newLegArmer(e.plan, int64(e.cfg.Strategy.Margin), e.cfg.Strategy.TemplateTicks, e.stage.tick)
	send := func(ev *scan.PoolEvent, enter bool) {
		if ch == nil {
			return
		}
		pe := arm.event(ev, enter)
		select {
		case ch <- pe:
		case <-ctx.Done():
		}
	}
	for {
		ev, ok := e.poolOut.Pop()
		if ok {
			e.poolTab.apply(&ev)
			if ev.Event == scan.PoolLeave && ev.InPool > 0 {
				e.recPool.Record(hist.PoolTime, ev.InPool)
			}
			feedSig.observe(&ev, Now())
			continue
		}
		feedSig.due(Now(), send)
		e.recPool.Flip()
		if len(feedSig.active) > 0 {
			// Leaves and refreshes are pending: look again shortly.
			if e.poolOut.Closed() && e.poolOut.Len() == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !e.poolOut.Wait(ring.Park) {
			break
		}
	}
	if ch != nil {
		close(ch)
	}
	wg.Wait()
}

// watch re-runs discovery every cfg.Universe.Refresh and applies the
// changes (see applyChanges).
func (e *Engine) watch(ctx context.Context) {
	w := market.NewWatcher(e.discover(), time.Duration(e.cfg.Universe.Refresh), e.plan.u)
	go func() { _ = w.Run(ctx) }()
	var batch []market.Change
	for ch := range w.Changes() {
		batch = append(batch[:0], ch)
		// Take whatever else is queued: one scanner swap per refresh.
	more:
		for {
			select {
			case c, ok := <-w.Changes():
				if !ok {
					break more
				}
				batch = append(batch, c)
			default:
				break more
			}
		}
		e.applyChanges(batch)
	}
}
