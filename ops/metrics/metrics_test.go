package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/hotpath/hotpath/ops"
)

// engine mimics an engine's counters: plain atomics owned by their stage.
type engine struct {
	msgs       [3]atomic.Uint64
	decodeErr  [2]atomic.Uint64
	excluded   [2]atomic.Uint64
	notTaken   [2]atomic.Uint64
	baskets    [3]atomic.Uint64
	opps       atomic.Uint64
	hits, miss atomic.Uint64
	pool       atomic.Int64
	up         atomic.Bool
	synced     atomic.Bool
	killed     atomic.Bool
}

func (e *engine) sources(t testing.TB) EngineSources {
	h := hdrhistogram.New(1, int64(time.Second), 3)
	for i := int64(1); i <= 1000; i++ {
		if err := h.RecordValue(i * 1000); err != nil { // 1..1000 µs
			t.Fatal(err)
		}
	}
	return EngineSources{
		Feeds: func() []FeedConn {
			return []FeedConn{{Name: "0", Up: e.up.Load(), State: "live"}, {Name: "1", Up: false, State: "connecting"}}
		},
		Messages:      Reasons{Names: []string{"book", "price_change", "tick_size_change"}, Counts: e.msgs[:]},
		DecodeErrors:  Reasons{Names: []string{"syntax", "unknown_asset"}, Counts: e.decodeErr[:]},
		BooksExcluded: Reasons{Names: []string{"stale", "crossed"}, Counts: e.excluded[:]},
		ExcludedNow:   func() int64 { return 2 },
		PoolSize:      e.pool.Load,
		Opportunities: &e.opps,
		NotTaken:      Reasons{Names: []string{"paused", "limit"}, Counts: e.notTaken[:]},
		Baskets:       Reasons{Names: []string{"complete", "partial", "unwound"}, Counts: e.baskets[:]},
		PnL: func() ops.PnL {
			return ops.PnL{RealizedMicros: 12_345_678, UnrealizedMicros: -1, FeesMicros: 250_000, TodayMicros: 1_000_000}
		},
		Exposure:       func() int64 { return 99_000_000 },
		RateBudget:     func() int64 { return 57 },
		TemplateHits:   &e.hits,
		TemplateMisses: &e.miss,
		Latency:        func() []Snapshot { return []Snapshot{{Stage: "decode", Hist: h}, {Stage: "empty"}} },
	}
}

func scrape(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestMetricsScrapeReadsAtomics(t *testing.T) {
	e := &engine{}
	reg := NewRegistry()
	if err := reg.RegisterEngine(e.sources(t)); err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(ServerConfig{}, reg, ReadyCheck(e.up.Load, e.synced.Load, e.killed.Load))
	if err != nil {
		t.Fatal(err)
	}
	// The "hot path": plain atomic adds, no client_golang.
	e.msgs[1].Add(41)
	e.msgs[1].Add(1)
	e.decodeErr[0].Add(3)
	e.excluded[1].Add(1)
	e.notTaken[0].Add(5)
	e.baskets[0].Add(7)
	e.baskets[2].Add(1)
	e.opps.Add(9)
	e.hits.Add(100)
	e.miss.Add(2)
	e.pool.Store(4)
	e.up.Store(true)

	code, body := scrape(t, s.Handler(), "/metrics")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	want := []string{
		`hotpath_feed_up{conn="0"} 1`,
		`hotpath_feed_up{conn="1"} 0`,
		`hotpath_feed_state{conn="1",state="connecting"} 1`,
		`hotpath_feed_messages_total{type="price_change"} 42`,
		`hotpath_feed_messages_total{type="book"} 0`,
		`hotpath_feed_decode_errors_total{reason="syntax"} 3`,
		`hotpath_books_excluded_total{reason="crossed"} 1`,
		`hotpath_books_excluded 2`,
		`hotpath_pool_size 4`,
		`hotpath_opportunities_total 9`,
		`hotpath_opportunities_not_taken_total{reason="paused"} 5`,
		`hotpath_baskets_total{outcome="complete"} 7`,
		`hotpath_baskets_total{outcome="unwound"} 1`,
		`hotpath_pnl_micro_usd{kind="realized"} 1.2345678e+07`,
		`hotpath_pnl_micro_usd{kind="unrealized"} -1`,
		`hotpath_pnl_micro_usd{kind="fees"} 250000`,
		`hotpath_exposure_micro_usd 9.9e+07`,
		`hotpath_rate_budget_remaining 57`,
		`hotpath_template_lookups_total{result="hit"} 100`,
		`hotpath_template_lookups_total{result="miss"} 2`,
		`hotpath_latency_seconds{stage="decode",quantile="0.5"} 0.0005`,
		`hotpath_latency_seconds{stage="decode",quantile="0.99"} 0.00099`,
		`hotpath_latency_seconds_count{stage="decode"} 1000`,
		`hotpath_latency_seconds_max{stage="decode"} 0.001`,
		`hotpath_ready 0`, // books not synced
		`# TYPE hotpath_baskets_total counter`,
		`# TYPE hotpath_latency_seconds summary`,
		`go_goroutines`,
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if strings.Contains(body, `stage="empty"`) {
		t.Error("nil histogram exported")
	}
	if t.Failed() {
		t.Log(body)
	}

	// Values move with the atomics, scrape after scrape.
	e.opps.Add(1)
	e.synced.Store(true)
	_, body = scrape(t, s.Handler(), "/metrics")
	for _, w := range []string{`hotpath_opportunities_total 10`, `hotpath_ready 1`} {
		if !strings.Contains(body, w) {
			t.Errorf("second scrape lacks %q", w)
		}
	}
}

func TestCounterArrayGeneric(t *testing.T) {
	var counts [2]atomic.Uint64
	names := [2]string{"a", "b"}
	reg := NewRegistry()
	if err := reg.CounterArray("x_total", "help", "reason", names[:], counts[:]); err != nil {
		t.Fatal(err)
	}
	if err := reg.CounterArray("x_total", "help", "reason", names[:], counts[:]); err == nil {
		t.Error("duplicate registration accepted")
	}
	if err := reg.CounterArray("y_total", "help", "reason", names[:1], counts[:]); !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	if err := reg.CounterSet("z_total", "help", "r", []string{"a"}, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("set mismatch: %v", err)
	}
	if err := reg.RegisterEngine(EngineSources{TemplateHits: &counts[0]}); err == nil {
		t.Error("hits without misses accepted")
	}
	counts[1].Add(3)
	s, err := NewServer(ServerConfig{}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, body := scrape(t, s.Handler(), "/metrics")
	if !strings.Contains(body, `x_total{reason="b"} 3`) {
		t.Errorf("got:\n%s", body)
	}
}

func TestGaugeVecBadLabels(t *testing.T) {
	reg := NewRegistry()
	err := reg.GaugeVec("g", "help", []string{"a"}, func(emit func(int64, ...string)) { emit(1, "x", "extra") })
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewServer(ServerConfig{}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// ContinueOnError: the bad series is reported, the rest still served.
	code, body := scrape(t, s.Handler(), "/metrics")
	if code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("code %d body %q", code, body)
	}
}

func TestHealthReadyTransitions(t *testing.T) {
	var up, synced, killed atomic.Bool
	s, err := NewServer(ServerConfig{}, nil, ReadyCheck(up.Load, synced.Load, killed.Load))
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	steps := []struct {
		name                  string
		set                   func()
		healthCode, readyCode int
		readyBody             string
	}{
		{"start", func() {}, 200, 503, "not ready: feed not connected\n"},
		{"feed up", func() { up.Store(true) }, 200, 503, "not ready: books not synced\n"},
		{"synced", func() { synced.Store(true) }, 200, 200, "ready\n"},
		{"feed lost", func() { up.Store(false) }, 200, 503, "not ready: feed not connected\n"},
		{"back", func() { up.Store(true) }, 200, 200, "ready\n"},
		{"killed", func() { killed.Store(true) }, 200, 503, "not ready: kill switch tripped\n"},
		{"dying", func() { s.SetAlive(false) }, 503, 503, "not ready: kill switch tripped\n"},
	}
	for _, st := range steps {
		st.set()
		if code, _ := scrape(t, h, "/healthz"); code != st.healthCode {
			t.Errorf("%s: healthz %d, want %d", st.name, code, st.healthCode)
		}
		code, body := scrape(t, h, "/readyz")
		if code != st.readyCode || body != st.readyBody {
			t.Errorf("%s: readyz %d %q, want %d %q", st.name, code, body, st.readyCode, st.readyBody)
		}
	}
	// No readiness source: never ready.
	s2, _ := NewServer(ServerConfig{}, nil, nil)
	if code, _ := scrape(t, s2.Handler(), "/readyz"); code != 503 {
		t.Errorf("nil ready: %d", code)
	}
}

func TestPprofOffByDefault(t *testing.T) {
	off, err := NewServer(ServerConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := scrape(t, off.Handler(), p); code != 404 {
			t.Errorf("pprof off: %s = %d, want 404", p, code)
		}
	}
	on, err := NewServer(ServerConfig{Pprof: true}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	code, body := scrape(t, on.Handler(), "/debug/pprof/")
	if code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof on: %d", code)
	}
	if code, _ := scrape(t, on.Handler(), "/debug/pprof/cmdline"); code != 200 {
		t.Errorf("pprof cmdline: %d", code)
	}
}

func TestBindAddress(t *testing.T) {
	s, err := NewServer(ServerConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr() != "127.0.0.1:9464" || DefaultAddr != "127.0.0.1:9464" {
		t.Errorf("default addr %q", s.Addr())
	}
	tests := []struct {
		addr  string
		allow bool
		ok    bool
	}{
		{"127.0.0.1:9464", false, true},
		{"localhost:9464", false, true},
		{"[::1]:9464", false, true},
		{"127.0.0.2:1", false, true},
		{"0.0.0.0:9464", false, false},
		{":9464", false, false},
		{"10.0.0.5:9464", false, false},
		{"[::]:9464", false, false},
		{"0.0.0.0:9464", true, true},
		{":9464", true, true},
		{"nonsense", true, false},
	}
	for _, tt := range tests {
		_, err := NewServer(ServerConfig{Addr: tt.addr, AllowNonLocal: tt.allow}, nil, nil)
		if (err == nil) != tt.ok {
			t.Errorf("%q allow=%v: err=%v, want ok=%v", tt.addr, tt.allow, err, tt.ok)
		}
		if !tt.ok && !tt.allow && err != nil && !errors.Is(err, ErrNonLocal) {
			t.Errorf("%q: %v is not ErrNonLocal", tt.addr, err)
		}
	}
}

func TestServeOverTCP(t *testing.T) {
	var c [1]atomic.Uint64
	reg := NewRegistry()
	if err := reg.CounterArray("tcp_total", "h", "r", []string{"x"}, c[:]); err != nil {
		t.Fatal(err)
	}
	c[0].Add(5)
	s, err := NewServer(ServerConfig{Addr: "127.0.0.1:0"}, reg, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	}()
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("listening on %s", s.Addr())
	}
	for path, want := range map[string]string{"/metrics": `tcp_total{r="x"} 5`, "/readyz": "ready", "/healthz": "ok"} {
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %q", path, resp.StatusCode, b)
		}
	}
}
