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
	"github.com/prometheus/client_golang/prometheus"
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
	msgTypeNames = func() []string {
		out := make([]string, feed.NumMsgTypes)
		for i := range out {
			out[i] = feed.MsgType(i).String()
		}
		return out
	}()
	// decodeReasonNames are the decoder's reasons but ReasonNone (not an
	// error): decodeReasonNames[i] names feed.Reason(i+1).
	decodeReasonNames = func() []string {
		out := make([]string, feed.NumReasons-1)
		for i := range out {
			out[i] = feed.Reason(i + 1).String()
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
// loads or published snapshots at scrape time; nothing here runs on the
// path).
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
		RateBudget:     func() int64 { return int64(e.x.Snapshot().RateBudget) },
		TemplateHits:   &e.xs.Hits,
		TemplateMisses: &e.xs.Misses,
		Latency:        e.latencySnapshots,
	}
	return errors.Join(
		reg.RegisterEngine(src),
		reg.Register(newFeedCounters(e)),
		reg.CounterArray("hotpath_opportunities_dropped_total", "OK opportunities the book+scan stage did not hand to the executor, by reason", "reason", dropNames[:], e.st.Drops[:]),
		reg.Counter("hotpath_jump_guard_trips_total", "best-ask jumps that paused an event", &e.st.Jumps),
		reg.Counter("hotpath_market_resolved_total", "market_resolved events (their events stop trading)", &e.st.Resolved),
		reg.Counter("hotpath_scanner_swaps_total", "scanners installed by market refreshes", &e.st.Swaps),
		reg.Counter("hotpath_pool_events_dropped_total", "near-miss pool events the signer side did not receive (ring full)", &e.st.PoolDropped),
		reg.Gauge("hotpath_books_valid", "subscribed books holding a valid snapshot", e.st.BooksValid.Load),
	)
}

// feedCounters exports the feed decoders' counters, summed over the
// connections, as metrics.FeedMessages{type} and
// metrics.FeedDecodeErrors{reason}. The decoders' counters are plain
// integers owned by each connection's reader goroutine; the collector reads
// only the copies the readers publish with their stats (Client.Stats, about
// once a second and at every session start), once per scrape for both
// families. Each decoder lives as long as its connection, so the sums never
// go down. Without a feed client (replay) every series is 0.
type feedCounters struct {
	e          *Engine
	msgs, errs *prometheus.Desc
}

func newFeedCounters(e *Engine) *feedCounters {
	return &feedCounters{
		e:    e,
		msgs: prometheus.NewDesc(metrics.FeedMessages, "Feed messages decoded, by message type (summed over connections, as last published by their readers).", []string{"type"}, nil),
		errs: prometheus.NewDesc(metrics.FeedDecodeErrors, "Feed messages and frames the decoder and frame reader rejected or dropped, by reason (summed over connections, as last published by their readers).", []string{"reason"}, nil),
	}
}

func (f *feedCounters) Describe(ch chan<- *prometheus.Desc) {
	ch <- f.msgs
	ch <- f.errs
}

func (f *feedCounters) Collect(ch chan<- prometheus.Metric) {
	var c feed.Counts
	if f.e.client != nil {
		c = f.e.client.Stats().Decoder
	}
	for i, n := range c.Messages {
		ch <- prometheus.MustNewConstMetric(f.msgs, prometheus.CounterValue, float64(n), msgTypeNames[i])
	}
	for i, name := range decodeReasonNames {
		ch <- prometheus.MustNewConstMetric(f.errs, prometheus.CounterValue, float64(c.Reasons[i+1]), name)
	}
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
