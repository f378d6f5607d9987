package bench

import (
	"sync"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The in-process benchmarks. Every one builds its pipeline (snapshots loaded,
// templates signed for the hot legs) outside the timer.
//
// Template plumbing, honestly: a template is single-use, and signing one
// costs ~50 µs, so replaying the same opportunity b.N times needs the
// templates back. The pipeline runs with Replay: after a basket's request
// bytes are written, its templates are put back with sign.Pool.Restore
// (one table load, a few compares and a CAS per leg). That restore is
// inside ns/op but outside the frame-to-wire span (wire-ns/trade, p50-ns,
// p99-ns), which ends when the bytes are written.

var (
	benchOnce   sync.Once
	benchMkt    *Market
	benchMktErr error
)

func benchMarket(b *testing.B) *Market {
	benchOnce.Do(func() { benchMkt, benchMktErr = NewMarket(MarketConfig{}) })
	if benchMktErr != nil {
		b.Fatal(benchMktErr)
	}
	return benchMkt
}

// reportLatency adds the frame-to-wire distribution of the trading frames.
func reportLatency(b *testing.B, h *hdr.Histogram, legs int64) {
	b.ReportMetric(h.Mean(), "wire-ns/trade")
	b.ReportMetric(float64(h.ValueAtQuantile(50)), "p50-ns")
	b.ReportMetric(float64(h.ValueAtQuantile(99)), "p99-ns")
	b.ReportMetric(float64(legs)/float64(b.N), "legs/trade")
}

// BenchmarkTickToTrade: one op is a frame that dips one leg's ask and opens
// its event's YES basket (3–10 legs, rotating over the events), decoded,
// applied to the books with the hash check, scanned, sized, one template
// taken per leg, batch body + L2 HMAC, request bytes written to the sink;
// then the frame that closes the basket again (no trade). wire-ns/trade,
// p50-ns and p99-ns are the trading frame alone, from the frame's clock read
// to the bytes written.
func BenchmarkTickToTrade(b *testing.B) {
	m := benchMarket(b)
	p := testPipeline(b, m, true)
	h := hdr.New(1, 10_000_000_000, 3)
	var legs int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr := &m.Trades[i%len(m.Trades)]
		if p.Frame(tr[0].Msg) != 1 {
			b.Fatalf("no trade: %+v", p.Stats)
		}
		_ = h.RecordValue(p.LastWireNs - p.LastRecvNs)
		legs += int64(p.opp.N)
		p.Frame(tr[1].Msg)
	}
	b.StopTimer()
	if p.Stats.Misses != 0 || p.Stats.RestoreFailed != 0 {
		b.Fatalf("template misses: %+v", p.Stats)
	}
	reportLatency(b, h, legs)
}

// BenchmarkFrameNoTrade: one op is one frame that trades nothing (the
// common case): level changes on both sides, the best ask moving a tick,
// through decode, books (hash check on hot legs), scan.
func BenchmarkFrameNoTrade(b *testing.B) {
	m := benchMarket(b)
	p := testPipeline(b, m, true)
	b.SetBytes(int64(avgLen(m.Noise)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if p.Frame(m.Noise[i%len(m.Noise)].Msg) != 0 {
			b.Fatal("a noise frame traded")
		}
	}
}

// BenchmarkStream: one op is one frame of the full cycle (1 in 18 frames
// opens a basket, the next closes it).
func BenchmarkStream(b *testing.B) {
	m := benchMarket(b)
	p := testPipeline(b, m, true)
	b.SetBytes(int64(avgLen(m.Cycle)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Frame(m.Cycle[i%len(m.Cycle)].Msg)
	}
	b.StopTimer()
	b.ReportMetric(float64(p.Stats.Trades)/float64(b.N), "trades/frame")
}

func avgLen(fs []Frame) int {
	n := 0
	for _, f := range fs {
		n += len(f.Msg)
	}
	return n / len(fs)
}

func baseline(b *testing.B, m *Market) *Baseline {
	bl, err := NewBaseline(m, "")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range m.Snapshots {
		if _, err := bl.Frame(s); err != nil {
			b.Fatal(err)
		}
	}
	return bl
}

// BenchmarkBaselineTickToTrade is BenchmarkTickToTrade done the typical
// bot's way (baseline.go): same frames, same baskets.
func BenchmarkBaselineTickToTrade(b *testing.B) {
	m := benchMarket(b)
	bl := baseline(b, m)
	h := hdr.New(1, 10_000_000_000, 3)
	var legs int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr := &m.Trades[i%len(m.Trades)]
		if n, err := bl.Frame(tr[0].Msg); n != 1 || err != nil {
			b.Fatalf("no trade (%v)", err)
		}
		_ = h.RecordValue(bl.LastWire.Sub(bl.LastRecv).Nanoseconds())
		legs += int64(len(bl.LastOrders))
		if _, err := bl.Frame(tr[1].Msg); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportLatency(b, h, legs)
}

// BenchmarkBaselineFrameNoTrade is BenchmarkFrameNoTrade the typical way.
func BenchmarkBaselineFrameNoTrade(b *testing.B) {
	m := benchMarket(b)
	bl := baseline(b, m)
	b.SetBytes(int64(avgLen(m.Noise)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, err := bl.Frame(m.Noise[i%len(m.Noise)].Msg); n != 0 || err != nil {
			b.Fatalf("noise frame: %d baskets (%v)", n, err)
		}
	}
}

// BenchmarkBaselineStream is BenchmarkStream the typical way.
func BenchmarkBaselineStream(b *testing.B) {
	m := benchMarket(b)
	bl := baseline(b, m)
	b.SetBytes(int64(avgLen(m.Cycle)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := bl.Frame(m.Cycle[i%len(m.Cycle)].Msg); err != nil {
			b.Fatal(err)
		}
	}
}
