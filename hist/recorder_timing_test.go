package hist

import (
	"testing"
	"time"
)

func BenchmarkRecord(b *testing.B) {
	c := NewCollector(Options{})
	r := c.NewRecorder("bench")
	b.ReportAllocs()
	v := int64(1)
	for b.Loop() {
		v = v*1103515245 + 12345
		r.Record(FrameToWire, (v>>8)&0xFFFFF) // up to ~1 ms, spread over buckets
	}
}

func BenchmarkRecordSameValue(b *testing.B) {
	c := NewCollector(Options{})
	r := c.NewRecorder("bench")
	b.ReportAllocs()
	for b.Loop() {
		r.Record(Decode, 350)
	}
}

func BenchmarkFlipIdle(b *testing.B) {
	c := NewCollector(Options{})
	r := c.NewRecorder("bench")
	b.ReportAllocs()
	for b.Loop() {
		r.Flip()
	}
}

// BenchmarkCollect is the collector's cost per round for one recorder
// holding a thousand values in each stage (off the hot path). The owner has
// flipped before Collect; FlipTimeout is 1 ns so the re-request Collect makes
// for the next interval does not wait.
func BenchmarkCollect(b *testing.B) {
	c := NewCollector(Options{FlipTimeout: time.Nanosecond})
	r := c.NewRecorder("bench")
	b.ReportAllocs()
	for b.Loop() {
		for s := Stage(0); s < NumStages; s++ {
			for v := int64(1); v <= 1000; v++ {
				r.Record(s, v*37)
			}
		}
		r.want.Store(true) // as Collect does; Flip here so Collect never waits
		r.Flip()
		c.Collect()
	}
}

func BenchmarkNow(b *testing.B) {
	b.ReportAllocs()
	var sink int64
	for b.Loop() {
		sink += Now()
	}
	_ = sink
}
