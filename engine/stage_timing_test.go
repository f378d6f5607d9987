package engine

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
)

// BenchmarkStageFrame measures the book+scan loop body per frame: one
// price_change frame with two level changes on an 8-leg event (apply,
// integrity, best-ask detection, scanner, pool bookkeeping), no
// opportunity.
func BenchmarkStageFrame(b *testing.B) {
	ts := newTestStage(b, testUniverse(b, 8))
	for a := 0; a < 16; a += 2 {
		ts.snapshot(book.AssetIndex(a), 130_000, 100*book.OneShare)
		ts.snapshot(book.AssetIndex(a+1), 880_000, 100*book.OneShare)
	}
	frame := make([]feed.Event, 2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ts.now += 1000
		frame[0] = feed.Event{Kind: feed.KindLevel, Asset: 2, Side: book.Ask, Price: 140_000, Size: book.Size(i%50+1) * book.OneShare, RecvNs: ts.now}
		frame[1] = feed.Event{Kind: feed.KindLevel, Asset: 5, Side: book.Bid, Price: 20_000, Size: book.Size(i%7+1) * book.OneShare, RecvNs: ts.now, Flags: feed.FlagLast}
		ts.event(&frame[0])
		ts.event(&frame[1])
	}
}

// BenchmarkStageOpportunity measures two frames: one dips a leg into an
// arbitrage (apply, scan, size the 8-leg basket, hand it to the executor's
// ring; popped at once and the group released), the next removes the dip.
func BenchmarkStageOpportunity(b *testing.B) {
	ts := newTestStage(b, testUniverse(b, 8))
	for a := 0; a < 16; a += 2 {
		ts.snapshot(book.AssetIndex(a), 130_000, 100*book.OneShare)
		ts.snapshot(book.AssetIndex(a+1), 880_000, 100*book.OneShare)
	}
	frame := make([]feed.Event, 2)
	b.ReportAllocs()
	b.ResetTimer()
	fired := 0
	for i := 0; i < b.N; i++ {
		ts.now += 1000
		frame[0] = feed.Event{Kind: feed.KindLevel, Asset: 0, Side: book.Ask, Price: 50_000, Size: 100 * book.OneShare, RecvNs: ts.now, Flags: feed.FlagLast}
		frame[1] = feed.Event{Kind: feed.KindLevel, Asset: 0, Side: book.Ask, Price: 50_000, Size: 0, RecvNs: ts.now, Flags: feed.FlagLast}
		ts.event(&frame[0])
		if o, ok := ts.opps.Pop(); ok {
			fired++
			ts.done(o.Group, ts.now-int64(time.Second))
		}
		ts.event(&frame[1])
	}
	if fired != b.N {
		b.Fatalf("%d opportunities in %d frames", fired, b.N)
	}
}
