package metrics

import (
	"errors"
	"sync/atomic"

	"github.com/hotpath/hotpath/ops"
)

// Metric family names registered by RegisterEngine. Dashboards and alert
// rules depend on them: rename only with a changelog entry.
const (
	FeedUp            = "hotpath_feed_up"                       // gauge {conn}: 1 connected, 0 not
	FeedState         = "hotpath_feed_state"                    // gauge {conn,state}: 1 for the current state
	FeedMessages      = "hotpath_feed_messages_total"           // counter {type}
	FeedDecodeErrors  = "hotpath_feed_decode_errors_total"      // counter {reason}
	BooksExcluded     = "hotpath_books_excluded_total"          // counter {reason}: exclusions started
	BooksExcludedNow  = "hotpath_books_excluded"                // gauge: books excluded right now
	PoolSize          = "hotpath_pool_size"                     // gauge: groups in the near-miss pool
	Opportunities     = "hotpath_opportunities_total"           // counter
	OpportunitiesSkip = "hotpath_opportunities_not_taken_total" // counter {reason}
	Baskets           = "hotpath_baskets_total"                 // counter {outcome}
	PnL               = "hotpath_pnl_micro_usd"                 // gauge {kind}: realized, unrealized, fees, today
	Exposure          = "hotpath_exposure_micro_usd"            // gauge
	RateBudget        = "hotpath_rate_budget_remaining"         // gauge: requests left in the window
	Templates         = "hotpath_template_lookups_total"        // counter {result}: hit, miss
	Latency           = "hotpath_latency_seconds"               // summary {stage,quantile} + _max
	TelegramIgnored   = "hotpath_telegram_unauthorized_total"   // counter: updates from chats not allowed
	TelegramAlerts    = "hotpath_telegram_alerts_total"         // counter {result}
	TelegramCommands  = "hotpath_telegram_commands_total"       // counter {command}
	LogDropped        = "hotpath_log_dropped_total"             // counter: log lines dropped by the non-blocking writer
	ReadyGauge        = "hotpath_ready"                         // gauge: 1 when /readyz is 200
)

// Reasons is a counter array owned by the engine: Counts[i] counts Names[i].
// Both slices usually alias package-level arrays indexed by a reason enum.
type Reasons struct {
	Names  []string
	Counts []atomic.Uint64
}

// FeedConn is one feed connection's state at scrape time.
type FeedConn struct {
	Name  string // connection id, e.g. "0" or "market-0"
	Up    bool   // socket connected and subscribed
	State string // free-form state name: "connecting", "syncing", "live", "stale", ...
}

// EngineSources are the engine's well-known metric sources. Every field is
// optional: a nil func, nil pointer or empty Reasons registers nothing.
type EngineSources struct {
	Feeds          func() []FeedConn // FeedUp, FeedState
	Messages       Reasons           // FeedMessages by message type
	DecodeErrors   Reasons           // FeedDecodeErrors by reason
	BooksExcluded  Reasons           // BooksExcluded by reason
	ExcludedNow    func() int64      // BooksExcludedNow
	PoolSize       func() int64      // PoolSize
	Opportunities  *atomic.Uint64    // Opportunities
	NotTaken       Reasons           // OpportunitiesSkip by reason
	Baskets        Reasons           // Baskets by outcome
	PnL            func() ops.PnL    // PnL by kind
	Exposure       func() int64      // Exposure, micro-dollars
	RateBudget     func() int64      // RateBudget
	TemplateHits   *atomic.Uint64    // Templates{result="hit"}
	TemplateMisses *atomic.Uint64    // Templates{result="miss"}
	Latency        func() []Snapshot // Latency
}

// RegisterEngine registers every family whose source is set. It stops at the
// first registration error (a duplicate name or a names/counts mismatch) and
// returns it; families after it are not registered.
func (r *Registry) RegisterEngine(src EngineSources) error {
	var regs []func() error
	add := func(f func() error) { regs = append(regs, f) }
	if src.Feeds != nil {
		add(func() error {
			return r.GaugeVec(FeedUp, "Feed connection up (1) or down (0).", []string{"conn"}, func(emit func(int64, ...string)) {
				for _, c := range src.Feeds() {
					emit(b2i(c.Up), c.Name)
				}
			})
		})
		add(func() error {
			return r.GaugeVec(FeedState, "Feed connection state: 1 for the current state.", []string{"conn", "state"}, func(emit func(int64, ...string)) {
				for _, c := range src.Feeds() {
					emit(1, c.Name, c.State)
				}
			})
		})
	}
	reasons := []struct {
		rs                Reasons
		name, help, label string
	}{
		{src.Messages, FeedMessages, "Feed messages decoded, by message type.", "type"},
		{src.DecodeErrors, FeedDecodeErrors, "Feed frames rejected by the decoder, by reason.", "reason"},
		{src.BooksExcluded, BooksExcluded, "Books excluded from scanning, by reason.", "reason"},
		{src.NotTaken, OpportunitiesSkip, "Opportunities not traded, by reason.", "reason"},
		{src.Baskets, Baskets, "Baskets by outcome.", "outcome"},
	}
	for _, rr := range reasons {
		if len(rr.rs.Names) == 0 && len(rr.rs.Counts) == 0 {
			continue
		}
		add(func() error { return r.CounterArray(rr.name, rr.help, rr.label, rr.rs.Names, rr.rs.Counts) })
	}
	if src.ExcludedNow != nil {
		add(func() error {
			return r.Gauge(BooksExcludedNow, "Books excluded from scanning right now.", src.ExcludedNow)
		})
	}
	if src.PoolSize != nil {
		add(func() error { return r.Gauge(PoolSize, "Groups in the near-miss pool.", src.PoolSize) })
	}
	if src.Opportunities != nil {
		add(func() error { return r.Counter(Opportunities, "Opportunities detected.", src.Opportunities) })
	}
	if src.PnL != nil {
		add(func() error {
			return r.GaugeVec(PnL, "Profit and loss in micro-dollars, by kind.", []string{"kind"}, func(emit func(int64, ...string)) {
				p := src.PnL()
				emit(p.RealizedMicros, "realized")
				emit(p.UnrealizedMicros, "unrealized")
				emit(p.FeesMicros, "fees")
				emit(p.TodayMicros, "today")
			})
		})
	}
	if src.Exposure != nil {
		add(func() error { return r.Gauge(Exposure, "Open exposure in micro-dollars.", src.Exposure) })
	}
	if src.RateBudget != nil {
		add(func() error {
			return r.Gauge(RateBudget, "Order requests left in the current rate window.", src.RateBudget)
		})
	}
	if src.TemplateHits != nil || src.TemplateMisses != nil {
		if src.TemplateHits == nil || src.TemplateMisses == nil {
			return errors.New("metrics: TemplateHits and TemplateMisses must be set together")
		}
		hits, misses := src.TemplateHits, src.TemplateMisses
		add(func() error {
			return r.CounterSet(Templates, "Pre-signed order template lookups, by result.", "result",
				[]string{"hit", "miss"}, []*atomic.Uint64{hits, misses})
		})
	}
	if src.Latency != nil {
		add(func() error { return r.Latency(Latency, "Stage latency in seconds, from HDR histograms.", src.Latency) })
	}
	for _, f := range regs {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
