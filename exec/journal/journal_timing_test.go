package journal

import (
	"testing"
	"time"
)

var benchRec = []byte(`{"k":"intent","basket":123,"legs":[{"asset":1,"price":"0.31","size":"10"}]}`)

func benchAppend(b *testing.B, mode SyncMode) {
	j, err := Open(b.TempDir(), Options{Sync: mode})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchRec) + 10))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := j.Append(benchRec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppend is the cost the executor pays per record before acting
// when records come back to back, durable against a process crash.
func BenchmarkAppend(b *testing.B) { benchAppend(b, SyncBackground) }

// BenchmarkAppendSyncEvery adds an fdatasync per record (machine-crash
// durability on every append), for the ratio.
func BenchmarkAppendSyncEvery(b *testing.B) { benchAppend(b, SyncEvery) }

// BenchmarkAppendAfterSync is the executor's usual case: baskets are sparse,
// so the background flusher has written the segment out (and the kernel has
// cleaned its pages) before the next record comes. Each iteration flushes
// untimed, then times one Append; append-ns is that time alone (ns/op
// includes the flush).
func BenchmarkAppendAfterSync(b *testing.B) {
	j, err := Open(b.TempDir(), Options{Sync: SyncBackground, SyncInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		if err := j.Sync(); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := j.Append(benchRec); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "append-ns")
}

// BenchmarkAppendSparse: records 1 ms apart with the background flusher
// running every 200 µs, so every record finds its segment flushed. Each
// iteration sleeps untimed; append-ns is the Append alone.
func BenchmarkAppendSparse(b *testing.B) {
	j, err := Open(b.TempDir(), Options{Sync: SyncBackground, SyncInterval: 200 * time.Microsecond})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Millisecond)
		t0 := time.Now()
		if err := j.Append(benchRec); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "append-ns")
}
