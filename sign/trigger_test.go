package sign

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

// triggerLegs are testLegs with trigger anchors: leg 0 far below its ask,
// leg 1 overlapping its ask's block, leg 2 (0.001 tick) dozens of ticks
// below.
func triggerLegs(t testing.TB) []HotLeg {
	legs := testLegs(t)
	legs[0].Trigger = 270_000 // ask 0.33
	legs[1].Trigger = 240_000 // ask 0.25: 0.24 and 0.23 are already in the ask's block
	legs[2].Trigger = 360_000 // ask 0.401
	return legs
}

func TestPoolTriggerLayout(t *testing.T) {
	p := testPool(t, SigEOA) // TicksBelow 2, shares 5 and 10
	legs := triggerLegs(t)
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		t.Fatal(err)
	}
	want := [][]book.Price{
		{330_000, 320_000, 310_000, 270_000, 260_000, 250_000},
		{250_000, 240_000, 230_000, 220_000},
		{401_000, 400_000, 399_000, 360_000, 359_000, 358_000},
	}
	total := 0
	for i, leg := range legs {
		got := p.tables[leg.Asset].Load().prices
		if !slices.Equal(got, want[i]) {
			t.Errorf("leg %d prices %v, want %v", i, got, want[i])
		}
		total += len(want[i]) * 2
	}
	n, err := p.Refill(time.Now())
	if err != nil || n != total {
		t.Fatalf("signed %d (%v), want %d", n, err, total)
	}
	// A trigger at or above the ask, or none, lays out the ask's block only.
	for _, trig := range []book.Price{0, 330_000, 350_000} {
		leg := legs[0]
		leg.Trigger = trig
		if err := p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{leg}}); err != nil {
			t.Fatal(err)
		}
		if got := p.tables[leg.Asset].Load().prices; !slices.Equal(got, want[0][:3]) {
			t.Errorf("trigger %d: prices %v", trig, got)
		}
	}
	// Near the bottom of the grid the block stops at one tick.
	leg := legs[0]
	leg.Trigger = 10_000
	_ = p.Apply(PoolEvent{Entered: true, Legs: []HotLeg{leg}})
	if got := p.tables[leg.Asset].Load().prices; !slices.Equal(got, []book.Price{330_000, 320_000, 310_000, 10_000}) {
		t.Errorf("trigger at one tick: prices %v", got)
	}
}

func TestPoolTakeAtOrAbove(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := triggerLegs(t)
	_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	ns := now.UnixNano()
	const sh = 10_000_000
	cases := []struct {
		name     string
		asset    book.AssetIndex
		min, max book.Price
		shares   book.Size
		want     book.Price // 0 = nil
	}{
		{"dip below the trigger block: the cheapest at or above it", 0, 255_000, 300_000, sh, 260_000},
		{"again: the next one up", 0, 255_000, 300_000, sh, 270_000},
		{"block used up below max", 0, 255_000, 300_000, sh, 0},
		{"range reaching the ask's block", 0, 255_000, 315_000, sh, 310_000},
		{"exact bound", 0, 250_000, 250_000, sh, 250_000},
		{"max below every price", 0, 100_000, 240_000, sh, 0},
		{"min above every price", 0, 340_000, 900_000, sh, 0},
		{"empty range", 0, 300_000, 290_000, sh, 0},
		{"share count not on the ladder", 0, 250_000, 330_000, 7_000_000, 0},
		{"0.001 tick, dozens of ticks below the ask", 2, 351_000, 365_000, sh, 358_000},
		{"other shares untouched", 0, 255_000, 300_000, 5_000_000, 260_000},
		{"asset not hot", 5, 0, 1_000_000, sh, 0},
		{"asset beyond MaxAssets", 99, 0, 1_000_000, sh, 0},
	}
	seen := map[*Template]bool{}
	for _, c := range cases {
		tpl := p.TakeAtOrAbove(c.asset, c.min, c.max, c.shares, ns)
		switch {
		case c.want == 0 && tpl != nil:
			t.Errorf("%s: got %d, want nil", c.name, tpl.Price)
		case c.want != 0 && tpl == nil:
			t.Errorf("%s: nil, want %d", c.name, c.want)
		case tpl != nil:
			if tpl.Price != c.want || tpl.Shares != c.shares || tpl.Asset != c.asset {
				t.Errorf("%s: template %d/%d/%d", c.name, tpl.Asset, tpl.Price, tpl.Shares)
			}
			if m, _, _ := MarketBuyAmounts(tpl.Price, tpl.Shares, legs[c.asset].Tick); tpl.Order.MakerAmount != m {
				t.Errorf("%s: maker amount %d, want %d", c.name, tpl.Order.MakerAmount, m)
			}
			if seen[tpl] {
				t.Errorf("%s: template handed out twice", c.name)
			}
			seen[tpl] = true
		}
	}
	st := p.Stats()
	if st.HitsAbove != 6 || st.MissesAbove != 7 || st.Hits != 0 || st.Misses != 0 {
		t.Errorf("stats %+v", st)
	}
	// Exact Take still serves the trigger's prices.
	if tpl := p.Take(2, 360_000, sh, ns); tpl == nil || tpl.Price != 360_000 {
		t.Errorf("Take at the trigger: %v", tpl)
	}
	// Stale templates are dropped on the way up, not handed out.
	p.InvalidateAll()
	if tpl := p.TakeAtOrAbove(2, 350_000, 401_000, sh, ns); tpl != nil {
		t.Errorf("stale template handed out at %d", tpl.Price)
	}
	if p.Stats().Stale == 0 {
		t.Error("no stale template counted")
	}
	// Too old.
	_, _ = p.Refill(now)
	if tpl := p.TakeAtOrAbove(2, 350_000, 401_000, sh, ns+int64(2*time.Minute)); tpl != nil {
		t.Errorf("expired template handed out at %d", tpl.Price)
	}
}

// A cold goroutine re-anchoring the trigger and refilling while the hot
// goroutine takes with TakeAtOrAbove: no template is handed out twice,
// every one is within the range asked and signed for the asset. Run with
// -race.
func TestPoolTakeAtOrAboveConcurrent(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := triggerLegs(t)
	_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
	_, _ = p.Refill(time.Now())
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; !stop.Load(); k++ {
			moved := slices.Clone(legs)
			moved[2].Trigger = 360_000 - book.Price(k%3)*1_000 // re-anchor by a tick or two
			if err := p.Apply(PoolEvent{Entered: true, Legs: moved}); err != nil {
				t.Error(err)
				return
			}
			if _, err := p.Refill(time.Now()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	seen := map[*Template]bool{}
	deadline := time.Now().Add(300 * time.Millisecond)
	if testing.Short() {
		deadline = time.Now().Add(100 * time.Millisecond)
	}
	for time.Now().Before(deadline) {
		for _, leg := range legs {
			lo, hi := leg.Trigger-book.Price(5*leg.Tick), leg.Ask
			tpl := p.TakeAtOrAbove(leg.Asset, lo, hi, 10_000_000, time.Now().UnixNano())
			if tpl == nil {
				continue
			}
			if seen[tpl] {
				t.Fatal("template handed out twice")
			}
			if tpl.Price < lo || tpl.Price > hi || tpl.Asset != leg.Asset || tpl.Order.TokenID != leg.TokenID {
				t.Fatalf("template %d at %d outside [%d, %d] or for another asset", tpl.Asset, tpl.Price, lo, hi)
			}
			seen[tpl] = true
		}
		time.Sleep(50 * time.Microsecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(seen) < 3 {
		t.Fatalf("only %d templates taken", len(seen))
	}
}
