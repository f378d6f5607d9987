package exec

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/hist"
)

// BenchmarkSubmitTemplateHit: opportunity → three pre-signed FOK orders →
// journal → one POST /orders written on a warm loopback connection →
// response read and parsed → journal → accounting. ns/op includes the
// loopback round trip (Submit returns once the response is parsed); the
// hist stages split it: build-p50 is decision → request bytes ready (risk,
// budget, templates, journaled intent, body, HMAC), write-p50 the write
// itself, ack-p50 written → response parsed and journaled. Pool refills
// run outside the timer.
func BenchmarkSubmitTemplateHit(b *testing.B) {
	const perKey = 64
	col := hist.NewCollector(hist.Options{})
	rec := col.NewRecorder("exec")
	f := newHitFixture(b, perKey, rec)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%perKey == perKey-1 {
			b.StopTimer()
			if _, err := f.pool.Refill(time.Now()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		f.submit(b)
	}
	b.StopTimer()
	rec.Close()
	col.Collect()
	b.ReportMetric(float64(col.Percentiles(hist.Build).P50), "build-p50-ns")
	b.ReportMetric(float64(col.Percentiles(hist.Write).P50), "write-p50-ns")
	b.ReportMetric(float64(col.Percentiles(hist.Ack).P50), "ack-p50-ns")
}
