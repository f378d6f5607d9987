//go:build !race

package engine

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
)

// TestStageZeroAlloc feeds decoded events through the book+scan loop body
// (apply, best-ask detection, scanner, pool bookkeeping, opportunity
// hand-off, histogram records) and checks that steady state allocates
// nothing, with and without opportunities firing.
func TestStageZeroAlloc(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 8))
	for a := 0; a < 16; a += 2 {
		ts.snapshot(book.AssetIndex(a), 130_000, 100*book.OneShare)   // YES: Σ 1.04 of 1
		ts.snapshot(book.AssetIndex(a+1), 880_000, 100*book.OneShare) // NO: Σ 7.04 of 7
	}
	frame := make([]feed.Event, 5)
	i := 0
	step := func() {
		i++
		ts.now += 1000
		// Leg 0 YES moves between 0.12 and 0.10 (Σ 1.03 .. 1.01: in and out
		// of the pool), and every 4th frame dips to 0.05 (an opportunity).
		p := book.Price(120_000)
		switch {
		case i%4 == 0:
			p = 50_000
		case i%2 == 0:
			p = 100_000
		}
		for j, q := range []book.Price{50_000, 100_000, 120_000} {
			frame[j] = feed.Event{Kind: feed.KindLevel, Asset: 0, Side: book.Ask, Price: q, RecvNs: ts.now}
		}
		frame[3] = feed.Event{Kind: feed.KindLevel, Asset: 0, Side: book.Ask, Price: p, Size: 100 * book.OneShare, RecvNs: ts.now}
		frame[4] = feed.Event{Kind: feed.KindLevel, Asset: 3, Side: book.Bid, Price: 20_000, Size: book.Size(i%7+1) * book.OneShare, RecvNs: ts.now, Flags: feed.FlagLast}
		for j := range frame {
			ts.event(&frame[j])
		}
		// The executor's side: take the opportunity, finish at once.
		if o, ok := ts.opps.Pop(); ok {
			ts.done(o.Group, ts.now-int64(time.Second))
		}
		for {
			if _, ok := ts.pool.Pop(); !ok {
				break
			}
		}
		if i%100 == 0 {
			ts.periodic(ts.now)
		}
	}
	for k := 0; k < 1000; k++ {
		step()
	}
	fired := ts.st.Opportunities.Load()
	if n := testing.AllocsPerRun(2000, step); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
	if ts.st.Opportunities.Load() == fired {
		t.Fatal("no opportunity fired during the measurement")
	}
	if ts.st.PoolSize.Load() < 0 {
		t.Fatal("pool size went negative")
	}
}
