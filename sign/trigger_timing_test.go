package sign

import (
	"testing"
	"time"
)

// BenchmarkTakeAtOrAbove: a 0.001-tick leg dipped 43 ticks below its ask,
// served by the cheapest template of its trigger block (the template is put
// back after each take: benchmark plumbing).
func BenchmarkTakeAtOrAbove(b *testing.B) {
	p := testPool(b, SigEOA)
	if err := p.Apply(PoolEvent{Entered: true, Legs: triggerLegs(b)}); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		b.Fatal(err)
	}
	ns := now.UnixNano()
	tab := p.tables[2].Load()
	slot := &tab.slots[(5*len(p.cfg.Shares)+1)*p.cfg.PerKey]
	b.ReportAllocs()
	for b.Loop() {
		tpl := p.TakeAtOrAbove(2, 351_000, 365_000, 10_000_000, ns)
		if tpl == nil {
			b.Fatal("miss")
		}
		slot.Store(tpl)
	}
}
