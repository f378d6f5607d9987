package exec

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/hist"
)

// BenchmarkSubmitDippedLeg: a basket whose leg 1 dipped to 0.20, three legs
// against the loopback venue. "above": the dipped leg is served by its
// trigger block's 0.23 template (edge, depth and risk re-checked);
// "signed": no room at the dip for a raised limit, so the leg is signed on
// the spot at 0.20 (the path every dipped leg took before trigger anchors).
// build-p50 is decision → request bytes ready.
func BenchmarkSubmitDippedLeg(b *testing.B) {
	for _, c := range []struct {
		name  string
		depth int64
	}{{"above", 30_000_000}, {"signed", aboveQ}} {
		b.Run(c.name, func(b *testing.B) {
			const perKey = 64
			col := hist.NewCollector(hist.Options{})
			rec := col.NewRecorder("exec")
			f := newAboveFixture(b, nil, false, perKey, func(cfg *Config) { cfg.Recorder = rec })
			f.opp.Legs[1].DepthAtLimit = book.Size(c.depth)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%perKey == perKey-1 {
					b.StopTimer()
					if _, err := f.x.cfg.Pool.Refill(time.Now()); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				f.opp.TS = hist.Now()
				if out := f.x.Submit(&f.opp); out.Kind != OutFilled {
					b.Fatalf("outcome %+v", out)
				}
				f.release()
			}
			b.StopTimer()
			rec.Close()
			col.Collect()
			b.ReportMetric(float64(col.Percentiles(hist.Build).P50), "build-p50-ns")
		})
	}
}
