package engine

import (
	"errors"
	"strconv"

	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/metrics"
	"github.com/hotpath/hotpath/scan"
)

var (
	scanReasonNames = func() []string {
		out := make([]string, scan.NumReasons)
		for i := range out {
			out[i] = scan.Reason(i).String()
		}
		return out
	}()
	exclusionNames = func() []string {
		out := make([]string, feed.NumExclusions)
		for i := range out {
			out[i] = feed.Exclusion(i).String()
		}
		return out
	}()
	outcomeNames = func() []string {
		out := make([]string, len(execStats{}.Outcomes))
		for i := range out {
			out[i] = exec.OutcomeKind(i).String()
		}
		return out
	}()
)

// RegisterMetrics exports the engine's counters on reg (read with atomic
// loads at scrape time; nothing here runs on the path).
func (e *Engine) RegisterMetrics(reg *metrics.Registry) error {
	src := metrics.EngineSources{
		Feeds:          e.feedStates,
		BooksExcluded:  metrics.Reasons{Names: exclusionNames, Counts: e.st.Exclusions[:]},
		ExcludedNow:    e.st.Excluded.Load,
		PoolSize:       e.st.PoolSize.Load,
		Opportunities:  &e.st.Opportunities,
		NotTaken:       metrics.Reasons{Names: scanReasonNames, Counts: e.st.NotTaken[:]},
		Baskets:        metrics.Reasons{Names: outcomeNames, Counts: e.xs.Outcomes[:]},
		PnL:            func() ops.PnL { return e.Controller().PnL() },
		Exposure:       func() int64 { return e.Controller().Limits().ExposureMicros },
		TemplateHits:   &e.xs.Hits,
		TemplateMisses: &e.xs.Misses,
		Latency:        e.latencySnapshots,
	}
	return errors.Join(
		reg.RegisterEngine(src),
		reg.CounterArray("hotpath_opportunities_dropped_total", "OK opportunities the book+scan stage did not hand to the executor, by reason", "reason", dropNames[:], e.st.Drops[:]),
		reg.Counter("hotpath_jump_guard_trips_total", "best-ask jumps that paused an event", &e.st.Jumps),
		reg.Counter("hotpath_market_resolved_total", "market_resolved events (their events stop trading)", &e.st.Resolved),
		reg.Counter("hotpath_scanner_swaps_total", "scanners installed by market refreshes", &e.st.Swaps),
		reg.Counter("hotpath_pool_events_dropped_total", "near-miss pool events the signer side did not receive (ring full)", &e.st.PoolDropped),
		reg.Gauge("hotpath_books_valid", "subscribed books holding a valid snapshot", e.st.BooksValid.Load),
	)
}

func (e *Engine) feedStates() []metrics.FeedConn {
	if e.client == nil {
		return nil
	}
	out := make([]metrics.FeedConn, 0, len(e.client.Conns()))
	for _, cn := range e.client.Conns() {
		st := cn.Stats()
		up := st.Dials > st.DialErrors+st.Disconnects
		state := "connecting"
		if up {
			state = "live"
		}
		out = append(out, metrics.FeedConn{Name: strconv.Itoa(int(cn.ID())), Up: up, State: state})
	}
	return out
}

func (e *Engine) latencySnapshots() []metrics.Snapshot {
	var out []metrics.Snapshot
	for _, s := range hist.Stages() {
		if h := e.coll.Totals(s); h != nil && h.TotalCount() > 0 {
			out = append(out, metrics.Snapshot{Stage: s.String(), Hist: h})
		}
	}
	return out
}

// Ready reports whether the engine can trade: the executor started, a feed
// connection is up, at least one book is synced, and the kill switch is
// off. It backs /readyz.
func (e *Engine) Ready() error {
	switch {
	case !e.ready.Load():
		return errors.New("starting")
	case e.killed.Load():
		return errors.New("kill switch tripped")
	case e.client != nil && len(e.feedUp()) == 0:
		return errors.New("no feed connection up")
	case e.st.BooksValid.Load() == 0:
		return errors.New("no book synced yet")
	}
	return nil
}

func (e *Engine) feedUp() []metrics.FeedConn {
	var up []metrics.FeedConn
	for _, f := range e.feedStates() {
		if f.Up {
			up = append(up, f)
		}
	}
	return up
}

// Alive reports whether the engine's loops are making progress (systemd
// watchdog): the book+scan stage and the executor published recently.
func (e *Engine) Alive() bool {
	now := Now()
	const stale = int64(5e9)
	return now-e.st.LastLoop.Load() < stale && now-e.lastExec.Load() < stale
}
