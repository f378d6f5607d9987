package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/engine"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// busyRate is the assumed message rate of the venue's market channel at a
// busy moment for a universe of this size (~600 assets): the load drill's
// headline step is 100× it.
const busyRate = 300

// simBooks fetches the simulator's books of every token of every market
// (POST /books, 500 tokens a request).
func simBooks(t *testing.T, srv *sim.Server) []LoadAsset {
	t.Helper()
	var assets []LoadAsset
	byTok := map[string]*sim.Market{}
	var toks []string
	for _, m := range srv.Exchange().Markets() {
		for _, tok := range []string{m.YesToken, m.NoToken} {
			byTok[tok] = m
			toks = append(toks, tok)
		}
	}
	sort.Strings(toks)
	for len(toks) > 0 {
		n := min(len(toks), 500)
		var req []map[string]string
		for _, tok := range toks[:n] {
			req = append(req, map[string]string{"token_id": tok})
		}
		toks = toks[n:]
		body, _ := json.Marshal(req)
		resp, err := http.Post(srv.URLs().REST+"/books", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var books []struct {
			AssetID    string `json:"asset_id"`
			Bids, Asks []struct{ Price, Size string }
		}
		err = json.NewDecoder(resp.Body).Decode(&books)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range books {
			m := byTok[b.AssetID]
			a := LoadAsset{Token: b.AssetID, Market: m.ConditionID, Tick: m.Tick, MinSize: m.MinSize, NegRisk: m.NegRisk}
			parse := func(ls []struct{ Price, Size string }) []LoadLevel {
				var out []LoadLevel
				for _, l := range ls {
					p, err1 := book.ParsePrice([]byte(l.Price))
					s, err2 := book.ParseSize([]byte(l.Size))
					if err1 != nil || err2 != nil {
						t.Fatalf("sim book %s: %q %q", b.AssetID, l.Price, l.Size)
					}
					out = append(out, LoadLevel{p, s})
				}
				return out
			}
			a.Bids, a.Asks = parse(b.Bids), parse(b.Asks)
			assets = append(assets, a)
		}
	}
	return assets
}

// sameBook compares two books level by level.
func sameBook(a, b *book.Book) string {
	walk := func(bk *book.Book) (out []LoadLevel) {
		for p, s, ok := bk.BestBid(); ok; p, s, ok = bk.NextBid(p) {
			out = append(out, LoadLevel{p, s})
		}
		out = append(out, LoadLevel{}) // separator
		for p, s, ok := bk.BestAsk(); ok; p, s, ok = bk.NextAsk(p) {
			out = append(out, LoadLevel{p, s})
		}
		return out
	}
	x, y := walk(a), walk(b)
	if fmt.Sprint(x) != fmt.Sprint(y) {
		return fmt.Sprintf("%v\n  vs %v", x, y)
	}
	return ""
}

// loadStep is one offered rate's measurements.
type loadStep struct {
	Offered        float64
	Sent           int64
	Achieved       float64 // messages per second actually sent
	MeanBytes      int64
	Frames         uint64 // frames the engine read during the step
	DrainMs        int64  // after the last send, until the engine stopped reading
	Late           LoadStats
	DecodeP50      int64 // ns
	DecodeP99      int64
	BookScanP50    int64
	BookScanP99    int64
	GCCycles       uint32
	AllocsPerMsg   float64
	AllocsPerSec   float64 // the same, per second: background work (template signing) shows here
	HeapInuseMaxMB float64
	SysMB          float64
	BooksChecked   int
	BooksDiffer    int
}

// runLoadStep starts a simulator (REST, Gamma, user channel) and an
// engine whose market channel is a LoadFeed at rate, streams for d, stops
// on a cycle boundary, lets the engine drain, stops it and compares every
// book with the simulator's.
func runLoadStep(t *testing.T, scenario string, rate float64, d time.Duration) loadStep {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Rate 0 with the scenario's rate 0: the makers quote their ladders,
	// then nothing moves (a negative rate would leave the books empty).
	srv, err := sim.Start(ctx, sim.Config{Scenario: scenario, Rate: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	assets := simBooks(t, srv)
	lf, err := NewLoadFeed(assets, rate, uint64(rate))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	u := srv.URLs()
	cfg := engine.DemoConfig(u.REST, lf.URL(), u.WSUser, u.Gamma, filepath.Join(t.TempDir(), "journal"))
	signer, err := sign.NewSigner(sim.HardhatKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(cfg, engine.Options{Signer: signer, ShutdownTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st := loadStep{Offered: rate}
	var ms0, ms1 runtime.MemStats
	var frames0 uint64
	var heapMax uint64
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- eng.Run(rctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("engine stopped before ready: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("engine not ready within 60 s")
	}
	// Let the snapshots land, then measure from a collected heap.
	time.Sleep(300 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	frames0 = eng.Stats().Frames
	lf.Start()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		heapMax = max(heapMax, m.HeapInuse)
	}
	lf.Stop()
	stopAt := time.Now()
	last, lastChange := eng.Stats().Frames, time.Now()
	for time.Since(lastChange) < 300*time.Millisecond && time.Since(stopAt) < 30*time.Second {
		time.Sleep(10 * time.Millisecond)
		if f := eng.Stats().Frames; f != last {
			last, lastChange = f, time.Now()
		}
	}
	st.DrainMs = lastChange.Sub(stopAt).Milliseconds()
	runtime.ReadMemStats(&ms1)
	stop()
	if err := <-done; err != nil && ctx.Err() == nil && rctx.Err() == nil {
		t.Errorf("engine run: %v", err)
	}
	st.Late = lf.Stats()
	st.Sent = st.Late.Sent
	st.Achieved = st.Late.Achieved
	if st.Late.Elapsed > 0 {
		st.AllocsPerSec = float64(ms1.Mallocs-ms0.Mallocs) / st.Late.Elapsed.Seconds()
	}
	if st.Sent > 0 {
		st.MeanBytes = st.Late.Bytes / st.Sent
		st.AllocsPerMsg = float64(ms1.Mallocs-ms0.Mallocs) / float64(st.Sent)
	}
	st.Frames = last - frames0
	st.GCCycles = ms1.NumGC - ms0.NumGC
	st.HeapInuseMaxMB = float64(max(heapMax, ms1.HeapInuse)) / (1 << 20)
	st.SysMB = float64(ms1.Sys) / (1 << 20)
	coll := eng.Collector()
	dp, bp := coll.Percentiles(hist.Decode), coll.Percentiles(hist.BookScan)
	st.DecodeP50, st.DecodeP99, st.BookScanP50, st.BookScanP99 = dp.P50, dp.P99, bp.P50, bp.P99
	// Books: the engine's, the feed's and the simulator's must agree.
	final := map[string]LoadAsset{}
	for _, a := range simBooks(t, srv) {
		final[a.Token] = a
	}
	for _, a := range assets {
		want := NewBookOf(final[a.Token])
		st.BooksChecked++
		eb := eng.FinalBook(a.Token)
		if eb == nil {
			st.BooksDiffer++
			t.Errorf("engine has no book of …%s", tail(a.Token))
			continue
		}
		if diff := sameBook(eb, want); diff != "" {
			st.BooksDiffer++
			if st.BooksDiffer <= 3 {
				t.Errorf("engine book of …%s differs from the simulator's: %s", tail(a.Token), diff)
			}
		}
		if diff := sameBook(lf.Book(a.Token), want); diff != "" {
			t.Errorf("load feed did not restore …%s: %s", tail(a.Token), diff)
		}
	}
	return st
}

// NewBookOf builds a valid book from a LoadAsset's levels.
func NewBookOf(a LoadAsset) *book.Book {
	b := book.NewBook(a.Tick)
	b.BeginSnapshot()
	for _, l := range a.Bids {
		_ = b.SetLevel(book.Bid, l.Price, l.Size)
	}
	for _, l := range a.Asks {
		_ = b.SetLevel(book.Ask, l.Price, l.Size)
	}
	b.EndSnapshot()
	return b
}

func (s loadStep) String() string {
	return fmt.Sprintf("offered %6.0f/s sent %7d (%6.0f/s, %d B/msg) engine frames %7d drain %4d ms | late µs p50 %d p99 %d p99.9 %d max %d | decode p50/p99 %.1f/%.1f µs book+scan %.1f/%.1f µs | GC %d, %.3f allocs/msg (%.0f/s), heap ≤ %.0f MB, sys %.0f MB | books %d/%d equal",
		s.Offered, s.Sent, s.Achieved, s.MeanBytes, s.Frames, s.DrainMs,
		s.Late.LateP50, s.Late.LateP99, s.Late.LateP999, s.Late.LateMax,
		float64(s.DecodeP50)/1e3, float64(s.DecodeP99)/1e3, float64(s.BookScanP50)/1e3, float64(s.BookScanP99)/1e3,
		s.GCCycles, s.AllocsPerMsg, s.AllocsPerSec, s.HeapInuseMaxMB, s.SysMB, s.BooksChecked-s.BooksDiffer, s.BooksChecked)
}

// TestLoad replays a generated venue-shaped feed through the full engine
// (against the simulator for everything but the market channel). In make
// test: one short step on a small universe (≤ 5 s with start-up). With
// HOTPATH_SOAK=1: rising offered rates on ~600 assets until the knee (the
// feed falls behind its schedule or the engine cannot drain), then 100× a
// busy real rate sustained for several minutes. Every step must end with
// the engine's books equal to the simulator's; GC cycles, allocations per
// message and memory are reported (docs/reliability.md), never timed.
func TestLoad(t *testing.T) {
	if !soak() {
		st := runLoadStep(t, "testdata/load-small.toml", 2000, 1500*time.Millisecond)
		t.Log(st)
		if st.Sent == 0 || st.Frames == 0 {
			t.Errorf("nothing flowed: %v", st)
		}
		return
	}
	step := 20 * time.Second
	if s := os.Getenv("HOTPATH_LOAD_STEP"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			step = d
		}
	}
	var steps []loadStep
	for _, r := range []float64{1000, 3000, 10000, 30000, 60000, 100000, 200000} {
		st := runLoadStep(t, "testdata/load.toml", r, step)
		t.Log(st)
		steps = append(steps, st)
		// The knee: the engine no longer keeps up. On a shared machine the
		// tail is noise; a median lateness of 10 ms means a standing queue.
		if st.Achieved < 0.9*r || st.Late.LateP50 > 10_000 || st.DrainMs > 5000 {
			t.Logf("knee: at %.0f/s offered the engine fell behind (achieved %.0f/s, median lateness %d µs, drain %d ms)",
				r, st.Achieved, st.Late.LateP50, st.DrainMs)
			break
		}
	}
	sustain := 5 * time.Minute
	if s := os.Getenv("HOTPATH_LOAD_SUSTAIN"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			sustain = d
		}
	}
	st := runLoadStep(t, "testdata/load.toml", 100*busyRate, sustain)
	t.Logf("sustained %v at 100× a busy rate: %v", sustain, st)
	if first := steps[0]; st.GCCycles > 0 && first.GCCycles == 0 && float64(st.GCCycles)/sustain.Seconds() > 1 {
		t.Errorf("GC cycles grow with load: %d in %v at %.0f/s (0 at %.0f/s)", st.GCCycles, sustain, st.Offered, first.Offered)
	}
}
