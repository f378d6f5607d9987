package scan

import (
	"fmt"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// benchFixture: a YES basket of n legs at 0.087 (Σ 0.87) with `levels` ask
// levels of 20 shares each, one tick apart, fee 0.04·p(1−p); plus a binary
// pair (asset 0 and an extra NO asset n at 0.95) so asset 0 is in two
// groups. The basket sizes through every level of every leg.
func benchFixture(tb testing.TB, n, levels int) *fixture {
	tb.Helper()
	legs := make([]legSpec, n+1)
	for i := 0; i < n; i++ {
		ls := legSpec{tick: book.Tick0_001, fee: FeeModel{Rate: 40_000, Exponent: 1}}
		for k := 0; k < levels; k++ {
			ls.asks = append(ls.asks, fmt.Sprintf("0.%03d:20", 87+k))
		}
		legs[i] = ls
	}
	legs[n] = legSpec{asks: []string{"0.95:100"}}
	groups := basket(n)
	groups = append(groups, GroupSpec{Kind: BinaryPair, Legs: []book.AssetIndex{0, book.AssetIndex(n)}})
	cfg := DefaultConfig()
	cfg.MaxNotional = 10_000 * book.Scale
	return build(tb, cfg, legs, groups)
}

// BenchmarkScanUpdate: one best-ask change of an asset in two groups (a
// 10-leg basket and a pair), staying outside the pool and the trigger (the
// common case). ns/group is the design §10 budget (≤ 30 ns per group).
func BenchmarkScanUpdate(b *testing.B) {
	f := benchFixture(b, 10, 1)
	f.s.OnBestAsk(1, 600_000, true) // basket far above 1: quiet
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.s.OnBestAsk(0, book.Price(87_000+(i&7)*1_000), true)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2, "ns/group")
}

// BenchmarkScanUpdateHot: every change crosses the pool bands (an event
// into the ring each time, popped by the same goroutine) and queues the
// basket; Next is not called, so no sizing is included.
func BenchmarkScanUpdateHot(b *testing.B) {
	f := benchFixture(b, 10, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.s.OnBestAsk(0, book.Price(87_000+(i&1)*200_000), true) // Σ 0.87 ↔ 1.07
		f.pool.Pop()
	}
}

// BenchmarkSizeOpportunity: checks and sizes a 10-leg basket through 5
// levels per leg (fees on every level).
func BenchmarkSizeOpportunity(b *testing.B) {
	f := benchFixture(b, 10, 5)
	var o Opportunity
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.s.Evaluate(0, &o)
	}
	b.StopTimer()
	if o.Reason != OK || o.Legs[0].Levels != 5 {
		b.Fatalf("reason %v levels %d", o.Reason, o.Legs[0].Levels)
	}
}

func BenchmarkFeeUp(b *testing.B) {
	for _, m := range []FeeModel{{Rate: 40_000, Exponent: 1}, {Rate: 250_000, Exponent: 2}} {
		b.Run(fmt.Sprintf("e%d", m.Exponent), func(b *testing.B) {
			b.ReportAllocs()
			var sink int64
			for i := 0; i < b.N; i++ {
				sink += m.FeeMicroUp(book.Price(470_000+i&1023), 123*share, 5)
			}
			_ = sink
		})
	}
}
