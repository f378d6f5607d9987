package hist

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// within reports whether got is the HDR-equivalent of want at 3 digits
// (relative error below 0.1%).
func within(got, want int64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d*1000 <= want
}

// flipper runs Flip in a parked loop (never spinning) until stop closes, so a
// single-goroutine test can Collect while "the owner" answers.
func flipper(r *Recorder, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		r.Flip()
		time.Sleep(20 * time.Microsecond)
	}
}

func TestRecordCollectPercentiles(t *testing.T) {
	c := NewCollector(Options{})
	r := c.NewRecorder("t")
	for v := int64(1); v <= 1000; v++ {
		r.Record(Decode, v*1000) // 1 µs .. 1 ms uniformly
	}
	r.Record(Write, 42)
	r.RecordSpan(Ack, 100, 350)

	// Nothing is visible before the owner hands over.
	if got := c.Percentiles(Decode).Count; got != 0 {
		t.Fatalf("count before Collect = %d", got)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go flipper(r, stop, &wg)
	st := c.Collect()
	close(stop)
	wg.Wait()
	if st.Late != 0 || st.Values != 1002 || st.Recorders != 1 {
		t.Fatalf("stats = %+v", st)
	}

	tests := []struct {
		name string
		got  int64
		want int64
	}{
		{"p50", c.Percentiles(Decode).P50, 500_000},
		{"p90", c.Percentiles(Decode).P90, 900_000},
		{"p99", c.Percentiles(Decode).P99, 990_000},
		{"p99.9", c.Percentiles(Decode).P999, 999_000},
		{"p99.99", c.Percentiles(Decode).P9999, 1_000_000},
		{"max", c.Percentiles(Decode).Max, 1_000_000},
		{"write max", c.Percentiles(Write).Max, 42},
		{"ack p50", c.Percentiles(Ack).P50, 250},
	}
	for _, tc := range tests {
		if !within(tc.got, tc.want) {
			t.Errorf("%s = %d, want ~%d", tc.name, tc.got, tc.want)
		}
	}
	if got := c.Percentiles(Decode).Count; got != 1000 {
		t.Errorf("count = %d", got)
	}
	if got := c.Percentiles(Decide); got != (Summary{}) {
		t.Errorf("empty stage summary = %+v", got)
	}
	sums := c.Summaries()
	if len(sums) != 3 || sums["decode"] != c.Percentiles(Decode) || sums["ack"].Count != 1 {
		t.Errorf("Summaries = %+v", sums)
	}
}

func TestClampedValuesAreCountedNotDropped(t *testing.T) {
	c := NewCollector(Options{})
	r := c.NewRecorder("t")
	r.Record(Build, -5)
	r.Record(Build, HighestValue+1)
	r.Record(Build, 1<<62)
	r.Record(Build, HighestValue) // in range: not clamped
	r.Record(Build, 0)            // in range: not clamped
	r.Close()
	c.Collect()
	s := c.Percentiles(Build)
	if s.Count != 5 || s.Clamped != 3 {
		t.Fatalf("summary = %+v; want count 5, clamped 3", s)
	}
	if !within(s.Max, HighestValue) {
		t.Errorf("max = %d, want ~%d", s.Max, int64(HighestValue))
	}
	h := c.Totals(Build)
	if h.Min() != 0 {
		t.Errorf("min = %d, want 0 (negative clamped to 0)", h.Min())
	}
}

func TestLateOwnerIsCountedAndDrainedOnClose(t *testing.T) {
	c := NewCollector(Options{FlipTimeout: 2 * time.Millisecond})
	r := c.NewRecorder("parked")
	r.Record(Decide, 7)
	st := c.Collect() // owner never calls Flip: late
	if st.Late != 1 || c.Percentiles(Decide).Count != 0 {
		t.Fatalf("stats %+v, count %d; want late 1, count 0", st, c.Percentiles(Decide).Count)
	}
	r.Record(Decide, 8)
	r.Flip() // answers the outstanding request
	r.Record(Decide, 9)
	st = c.Collect() // takes the late bank; owner still does not flip again
	if st.Late != 1 || c.Percentiles(Decide).Count != 2 {
		t.Fatalf("stats %+v, count %d; want late 1, count 2", st, c.Percentiles(Decide).Count)
	}
	r.Close()
	st = c.Collect()
	if st.Recorders != 0 || st.Late != 0 || c.Percentiles(Decide).Count != 3 {
		t.Fatalf("after Close: stats %+v, count %d; want 0 recorders, count 3", st, c.Percentiles(Decide).Count)
	}
	if c.Late() != 2 {
		t.Errorf("Late() = %d, want 2", c.Late())
	}
}

func TestFlipThenCloseKeepsBothBanks(t *testing.T) {
	c := NewCollector(Options{FlipTimeout: time.Millisecond})
	r := c.NewRecorder("t")
	r.Record(Write, 1)
	c.Collect() // late: want stays set
	r.Flip()    // hands bank with value 1
	r.Record(Write, 2)
	r.Close() // last bank with value 2
	c.Collect()
	if got := c.Percentiles(Write).Count; got != 2 {
		t.Fatalf("count = %d, want 2", got)
	}
}

// TestConcurrentOwnersAndCollector runs two owners recording and flipping
// while a collector collects and readers query, under -race in `make test`.
// Every value must be accounted for exactly once.
func TestConcurrentOwnersAndCollector(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	c := NewCollector(Options{FlipTimeout: time.Millisecond})
	owners := []*Recorder{c.NewRecorder("a"), c.NewRecorder("b")}
	var wg sync.WaitGroup
	for i, r := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range n {
				r.Record(Stage(v%int(NumStages)), int64(v%5000+1))
				if v%64 == 0 {
					r.Flip()
				}
				if i == 1 && v%4096 == 0 {
					time.Sleep(10 * time.Microsecond) // a second, slower owner
				}
			}
			r.Close()
		}()
	}
	done := make(chan struct{})
	var cw sync.WaitGroup
	cw.Add(1)
	go func() {
		defer cw.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			c.Collect()
			_ = c.Percentiles(Decode)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	wg.Wait()
	close(done)
	cw.Wait()
	c.Collect() // drains the closed recorders
	var total int64
	for s := Stage(0); s < NumStages; s++ {
		total += c.Percentiles(s).Count
	}
	if want := int64(2 * n); total != want {
		t.Fatalf("collected %d values, want %d", total, want)
	}
	// The interval log holds the same values as the totals.
	var buf bytes.Buffer
	if err := c.WriteHlog(&buf); err != nil {
		t.Fatal(err)
	}
	if got := countHlog(t, &buf); got != int64(2*n) {
		t.Fatalf("hlog holds %d values, want %d", got, 2*n)
	}
}

func countHlog(t *testing.T, r io.Reader) int64 {
	t.Helper()
	lr := hdr.NewHistogramLogReader(r)
	var n int64
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("read hlog: %v", err)
		}
		if h == nil {
			return n
		}
		n += h.TotalCount()
	}
}

func TestRun(t *testing.T) {
	c := NewCollector(Options{FlipTimeout: time.Millisecond})
	r := c.NewRecorder("t")
	r.Record(PoolTime, 123)
	r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, time.Hour); close(done) }()
	cancel()
	<-done
	if got := c.Percentiles(PoolTime).Count; got != 1 {
		t.Fatalf("count after Run = %d, want 1 (final Collect)", got)
	}
}

func TestWriteDir(t *testing.T) {
	clock := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	c := NewCollector(Options{Now: now, FlipTimeout: time.Millisecond, Conditions: []string{"msg 300 B, 100k msg/s"}})
	r := c.NewRecorder("t")
	for round := range 3 {
		for v := int64(1); v <= 100; v++ {
			r.Record(FrameToWire, v*1000*int64(round+1))
		}
		r.Record(Decode, 500)
		r.Close()
		c.Collect()
		r = c.NewRecorder("t")
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got, want := strings.Join(names, " "), "decode.hgrm frame_to_wire.hgrm latency.hlog"; got != want {
		t.Fatalf("files = %q, want %q", got, want)
	}

	hgrm, err := os.ReadFile(filepath.Join(dir, "frame_to_wire.hgrm"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(hgrm)
	for _, want := range []string{"Value", "Percentile", "TotalCount", "1/(1-Percentile)", "#[Mean", "Total count    =          300", "#[Clamped =            0"} {
		if !strings.Contains(text, want) {
			t.Errorf("hgrm lacks %q:\n%s", want, text)
		}
	}
	// Values are in µs: the max is 300 µs.
	if !strings.Contains(text, "#[Max     =      300.") {
		t.Errorf("hgrm max not in µs:\n%s", text[strings.Index(text, "#[Mean"):])
	}

	f, err := os.Open(filepath.Join(dir, HlogName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	log := string(raw)
	for _, want := range []string{"#[Histogram log format version 1.3]", "#[StartTime: 1795251601.000 (seconds since epoch), 2026-11-21T09:00:01Z]", "#[BaseTime: ", `"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"`, "Tag=frame_to_wire,0.000,1.000,0.100,HIST", "Tag=decode,2.000,1.000,0.001,HIST",
		"#[Conditions: go1.", "GOMAXPROCS=", "#[Conditions: msg 300 B, 100k msg/s]"} {
		if !strings.Contains(log, want) {
			t.Errorf("hlog lacks %q:\n%s", want, log)
		}
	}
	lr := hdr.NewHistogramLogReader(strings.NewReader(log))
	counts := map[string]int64{}
	var maxes []int64
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		counts[h.Tag()] += h.TotalCount()
		if h.Tag() == "frame_to_wire" {
			maxes = append(maxes, h.Max())
		}
	}
	if counts["frame_to_wire"] != 300 || counts["decode"] != 3 || len(counts) != 2 {
		t.Errorf("hlog counts = %v", counts)
	}
	if len(maxes) != 3 || !within(maxes[0], 100_000) || !within(maxes[2], 300_000) {
		t.Errorf("interval maxes = %v, want ~100µs, 200µs, 300µs", maxes)
	}
}

func TestMaxIntervalsDropsOldestAndSaysSo(t *testing.T) {
	c := NewCollector(Options{MaxIntervals: 2, FlipTimeout: time.Millisecond})
	for range 5 {
		r := c.NewRecorder("t")
		r.Record(Ack, 10)
		r.Close()
		c.Collect()
	}
	var buf bytes.Buffer
	if err := c.WriteHlog(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "#[Dropped 3 oldest interval entries") {
		t.Errorf("hlog does not report the dropped entries:\n%s", buf.String())
	}
	if got := strings.Count(buf.String(), "Tag=ack,"); got != 2 {
		t.Errorf("%d entries, want 2", got)
	}
	if c.Percentiles(Ack).Count != 5 {
		t.Errorf("totals must keep every value: %d", c.Percentiles(Ack).Count)
	}
}

func TestWriteHgrmRejectsBadRatio(t *testing.T) {
	if err := WriteHgrm(io.Discard, newHistogram(), 0); err == nil {
		t.Fatal("ratio 0 accepted")
	}
}

func TestNowIsMonotonic(t *testing.T) {
	a := Now()
	time.Sleep(time.Millisecond)
	b := Now()
	if b-a < int64(time.Millisecond) {
		t.Fatalf("Now advanced %d ns over a 1 ms sleep", b-a)
	}
}
