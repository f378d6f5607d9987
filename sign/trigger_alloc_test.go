//go:build !race

package sign

import (
	"testing"
	"time"
)

// TakeAtOrAbove allocates nothing, on a hit (the template is put back
// into its slot after each run: test plumbing only) or a miss.
func TestTakeAtOrAboveAllocs(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := triggerLegs(t)
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	ns := now.UnixNano()
	tab := p.tables[2].Load()
	hit := func() {
		tpl := p.TakeAtOrAbove(2, 351_000, 365_000, 10_000_000, ns)
		if tpl == nil {
			t.Fatal("miss")
		}
		// put it back where it came from: price index 5 (0.358), shares index 1
		tab.slots[(5*len(p.cfg.Shares)+1)*p.cfg.PerKey].Store(tpl)
	}
	miss := func() { _ = p.TakeAtOrAbove(2, 100_000, 200_000, 10_000_000, ns) }
	for name, fn := range map[string]func(){"hit": hit, "miss": miss} {
		fn()
		if n := testing.AllocsPerRun(200, fn); n != 0 {
			t.Errorf("TakeAtOrAbove %s: %v allocs/op, want 0", name, n)
		}
	}
}
