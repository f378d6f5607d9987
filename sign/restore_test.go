package sign

import (
	"testing"
	"time"
)

func TestPoolRestore(t *testing.T) {
	p := testPool(t, SigEOA)
	legs := testLegs(t)[:2]
	if err := p.Apply(PoolEvent{Entered: true, Legs: legs}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	ns := now.UnixNano()
	leg := legs[0]
	tpl := p.Take(leg.Asset, leg.Ask, 5_000_000, ns)
	if tpl == nil {
		t.Fatal("miss")
	}
	if !p.Restore(tpl, ns) {
		t.Fatal("restore refused a fresh, unsent template")
	}
	if got := p.Take(leg.Asset, leg.Ask, 5_000_000, ns); got != tpl {
		t.Fatal("restored template not handed out again")
	}
	// Slot taken again by the cold side: the restored one is dropped.
	if _, err := p.Refill(now); err != nil {
		t.Fatal(err)
	}
	if p.Restore(tpl, ns) {
		t.Fatal("restore overwrote a refilled slot")
	}

	cases := []struct {
		name  string
		spoil func(tpl *Template) int64 // returns the clock to restore at
	}{
		{"epoch", func(*Template) int64 { p.InvalidateAll(); return ns }},
		{"too old", func(*Template) int64 { return ns + int64(time.Hour) }},
		{"budget", func(tpl *Template) int64 { p.SetBalance(int64(tpl.Order.MakerAmount) - 1); return ns }},
		{"left the pool", func(*Template) int64 {
			_ = p.Apply(PoolEvent{Entered: false, Legs: legs[1:2]})
			return ns
		}},
		{"moved", func(*Template) int64 {
			_ = p.Apply(PoolEvent{Entered: true, Legs: legs[1:2]}) // new table, same asks
			return ns
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.SetBalance(-1)
			_ = p.Apply(PoolEvent{Entered: true, Legs: legs})
			if _, err := p.Refill(time.Now()); err != nil {
				t.Fatal(err)
			}
			l := legs[1]
			tpl := p.Take(l.Asset, l.Ask, 10_000_000, time.Now().UnixNano())
			if tpl == nil {
				t.Fatal("miss")
			}
			if p.Restore(tpl, c.spoil(tpl)) {
				t.Fatal("restored an invalid template")
			}
		})
	}
	if p.Restore(nil, ns) {
		t.Fatal("restored nil")
	}
}
