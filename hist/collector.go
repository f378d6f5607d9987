package hist

import (
	"context"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Options configure a Collector. Zero fields take the defaults.
type Options struct {
	// UnitRatio divides the nanosecond values written to .hgrm files:
	// 1000 writes microseconds (the default), 1 nanoseconds, 1e6 milliseconds.
	UnitRatio float64
	// FlipTimeout bounds how long Collect waits for owners to hand over
	// their current bank (default 20 ms). Owners that miss it are counted
	// as late; their values appear in a later interval.
	FlipTimeout time.Duration
	// MaxIntervals bounds the interval-log entries kept in memory (default
	// 65536, one entry per non-empty stage per interval). When full, the
	// oldest entries are dropped and counted in the log's header.
	MaxIntervals int
	// Now is the wall clock used to stamp intervals (default time.Now).
	Now func() time.Time
	// Conditions are written into the interval log's header, one
	// "#[Conditions: ...]" line each, after the one hist writes itself (Go
	// version, GOMAXPROCS, CPUs, GOGC, GOMEMLIMIT). Use them for what the
	// numbers depend on: CPU model, topology, message size, offered rate.
	Conditions []string
}

func (o *Options) setDefaults() {
	if o.UnitRatio <= 0 {
		o.UnitRatio = 1000
	}
	if o.FlipTimeout <= 0 {
		o.FlipTimeout = 20 * time.Millisecond
	}
	if o.MaxIntervals <= 0 {
		o.MaxIntervals = 1 << 16
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// pollEvery is how often Collect re-checks recorders it is waiting for.
const pollEvery = 50 * time.Microsecond

// Collector merges Recorders into running totals and an interval log. All
// its methods are safe for concurrent use (a mutex guards the collector's
// state; owners never take it). Create it with NewCollector.
type Collector struct {
	_ noCopy

	opt Options

	mu      sync.Mutex
	recs    []*Recorder
	start   time.Time // first interval's start
	ivStart time.Time // current interval's start
	total   [NumStages]*hdr.Histogram
	clamped [NumStages]int64
	iv      [NumStages]*hdr.Histogram // scratch for one interval
	ivClamp [NumStages]int64
	log     []logEntry
	enc     v2Encoder
	dropped int   // interval-log entries dropped because of MaxIntervals
	late    int64 // hand-overs that missed FlipTimeout
	rounds  int64 // completed Collect calls
}

// logEntry is one line of the interval log: one stage over one interval.
type logEntry struct {
	startMs, endMs int64
	stage          Stage
	maxNs          int64
	payload        []byte // base64 V2 compressed histogram
}

// NewCollector returns a collector whose first interval starts now.
func NewCollector(opt Options) *Collector {
	opt.setDefaults()
	c := &Collector{opt: opt}
	c.start = opt.Now()
	c.ivStart = c.start
	for i := range c.total {
		c.total[i] = newHistogram()
		c.iv[i] = newHistogram()
	}
	return c
}

// NewRecorder returns a recorder registered with c, for one goroutine.
func (c *Collector) NewRecorder(name string) *Recorder {
	r := newRecorder(name)
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	return r
}

// CollectStats describes one Collect round.
type CollectStats struct {
	Recorders int           // live recorders after the round
	Late      int           // recorders that did not hand over within FlipTimeout
	Values    int64         // values merged in this round
	Interval  time.Duration // length of the interval just closed
}

// Collect asks every recorder for its current bank, waits up to FlipTimeout
// for the owners to hand over, merges what arrived into the totals and
// appends one interval-log entry per non-empty stage. Closed recorders are
// drained and forgotten.
func (c *Collector) Collect() CollectStats {
	c.mu.Lock()
	defer c.mu.Unlock()

	deadline := time.Now().Add(c.opt.FlipTimeout)
	pending := make([]*Recorder, 0, len(c.recs))
	live := c.recs[:0]
	for _, r := range c.recs {
		if c.drainIfClosed(r) {
			continue
		}
		live = append(live, r)
		c.takeHandoff(r)
		// want is set only while the spare is there and handoff is empty
		// (takeHandoff just emptied it and returned the spare).
		if !r.want.Load() {
			r.want.Store(true)
		}
		pending = append(pending, r)
	}
	clear(c.recs[len(live):])
	c.recs = live

	for len(pending) > 0 {
		keep := pending[:0]
		for _, r := range pending {
			if c.takeHandoff(r) {
				continue
			}
			if r.closed.Load() {
				continue // drained (and dropped) in the next round
			}
			keep = append(keep, r)
		}
		pending = keep
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(pollEvery)
	}
	c.late += int64(len(pending))

	end := c.opt.Now()
	st := CollectStats{Recorders: len(c.recs), Late: len(pending), Interval: end.Sub(c.ivStart)}
	st.Values = c.closeInterval(end)
	c.rounds++
	return st
}

// drainIfClosed merges the last banks of a closed recorder and reports
// whether r was closed. Checking closed before handoff matters: an owner
// may Flip and then Close, and both banks must be seen.
func (c *Collector) drainIfClosed(r *Recorder) bool {
	if !r.closed.Load() {
		return false
	}
	if b := r.handoff.Swap(nil); b != nil {
		c.absorb(b)
	}
	if r.last != nil {
		c.absorb(r.last)
		r.last = nil
	}
	return true
}

// takeHandoff merges r's handed-over bank, if any, and returns it as the
// spare. It reports whether there was one.
func (c *Collector) takeHandoff(r *Recorder) bool {
	b := r.handoff.Swap(nil)
	if b == nil {
		return false
	}
	c.absorb(b)
	b.reset()
	r.spare.Store(b)
	return true
}

// absorb merges a bank into the current interval's scratch histograms.
func (c *Collector) absorb(b *bank) {
	for s := range b.h {
		if b.h[s].TotalCount() != 0 {
			// Same geometry, so nothing can be dropped; count it anyway
			// rather than lose it silently.
			c.ivClamp[s] += c.iv[s].Merge(b.h[s])
		}
		c.ivClamp[s] += b.below[s] + b.above[s]
	}
}

// closeInterval moves the scratch histograms into the totals and the log.
func (c *Collector) closeInterval(end time.Time) (values int64) {
	startMs, endMs := c.ivStart.UnixMilli(), end.UnixMilli()
	for s := range c.iv {
		h := c.iv[s]
		n := h.TotalCount()
		c.clamped[s] += c.ivClamp[s]
		c.ivClamp[s] = 0
		if n == 0 {
			continue
		}
		values += n
		c.total[s].Merge(h)
		if payload, err := c.enc.encode(h); err == nil {
			c.appendLog(logEntry{startMs: startMs, endMs: endMs, stage: Stage(s), maxNs: h.Max(), payload: payload})
		}
		h.Reset()
	}
	c.ivStart = end
	return values
}

func (c *Collector) appendLog(e logEntry) {
	if len(c.log) >= c.opt.MaxIntervals {
		n := len(c.log) - c.opt.MaxIntervals + 1
		c.log = append(c.log[:0], c.log[n:]...)
		c.dropped += n
	}
	c.log = append(c.log, e)
}

// Run calls Collect every period until ctx is done, then once more so
// values from recorders closed at shutdown are included.
func (c *Collector) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Collect()
			return
		case <-t.C:
			c.Collect()
		}
	}
}

// Late returns how many hand-overs have missed FlipTimeout so far.
func (c *Collector) Late() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.late
}

// Summary is the percentile summary of one stage, in nanoseconds.
type Summary struct {
	Count   int64 `json:"count"`
	P50     int64 `json:"p50_ns"`
	P90     int64 `json:"p90_ns"`
	P99     int64 `json:"p99_ns"`
	P999    int64 `json:"p99_9_ns"`
	P9999   int64 `json:"p99_99_ns"`
	Max     int64 `json:"max_ns"`
	Clamped int64 `json:"clamped"` // values outside [0, 10 s], recorded at the bound
}

// summaryPercentiles are the percentiles of Summary, in field order.
var summaryPercentiles = []float64{50, 90, 99, 99.9, 99.99}

// Summarize returns the percentile summary of h (Clamped is left 0). Values
// are the highest value equivalent to the percentile's bucket, as
// HdrHistogram reports them.
func Summarize(h *hdr.Histogram) Summary {
	if h.TotalCount() == 0 {
		return Summary{}
	}
	v := h.ValueAtPercentilesSlice(summaryPercentiles)
	return Summary{
		Count: h.TotalCount(),
		P50:   v[0], P90: v[1], P99: v[2], P999: v[3], P9999: v[4],
		Max: h.Max(),
	}
}

// Percentiles returns the summary of stage s over everything collected so
// far (up to the last Collect).
func (c *Collector) Percentiles(s Stage) Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := Summarize(c.total[s])
	sum.Clamped = c.clamped[s]
	return sum
}

// Summaries returns the summary of every stage with values, keyed by stage
// name ("frame_to_wire", ...), for JSON output and metrics.
func (c *Collector) Summaries() map[string]Summary {
	out := map[string]Summary{}
	for s := Stage(0); s < NumStages; s++ {
		if sum := c.Percentiles(s); sum.Count != 0 || sum.Clamped != 0 {
			out[s.String()] = sum
		}
	}
	return out
}

// Totals returns a copy of the total histogram of stage s (up to the last
// Collect), for callers that need more than Percentiles.
func (c *Collector) Totals(s Stage) *hdr.Histogram {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total[s].Clone()
}
