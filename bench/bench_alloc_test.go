//go:build !race

package bench

import "testing"

// The tick-to-trade path allocates nothing per frame in steady state: not
// for frames that only move the books, not for frames that open a basket
// and write its request.
func TestAllocTickToTrade(t *testing.T) {
	m := testMarket(t)
	p := testPipeline(t, m, true)
	cases := []struct {
		name   string
		frames []Frame
	}{
		{"no trade", m.Noise},
		{"trade and restore", append(append([]Frame(nil), m.Trades[0][:]...), m.Trades[len(m.Trades)-1][:]...)},
		{"whole cycle", m.Cycle},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i := 0
			allocs := testing.AllocsPerRun(len(c.frames)*3, func() {
				p.Frame(c.frames[i%len(c.frames)].Msg)
				i++
			})
			if allocs != 0 {
				t.Fatalf("%v allocations per frame", allocs)
			}
		})
	}
	if p.Stats.Trades == 0 || p.Stats.Misses != 0 || p.Stats.RestoreFailed != 0 {
		t.Fatalf("stats %+v", p.Stats)
	}
}
