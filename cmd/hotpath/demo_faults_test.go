package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/hotpath/hotpath/sim"
)

// TestFaultSchedule: every timed fault of a scenario becomes one instance
// per occurrence, sorted, named by kind.
func TestFaultSchedule(t *testing.T) {
	sc, err := sim.LoadScenario("faults")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	fs := schedule(sc, start, start.Add(30*time.Second))
	want := []string{"rest_425", "bad_frame_malformed", "rest_429", "drop_market", "rest_500", "delayed", "bad_frame_oversized",
		"stall", "tick_change", "rest_slow", "drop_all", "jump"}
	if len(fs) != len(want) {
		t.Fatalf("%d faults, want %d: %+v", len(fs), len(want), fs)
	}
	for i, f := range fs {
		if f.Kind != want[i] {
			t.Errorf("fault %d is %s, want %s", i, f.Kind, want[i])
		}
		if i > 0 && f.AtMs < fs[i-1].AtMs {
			t.Errorf("not sorted at %d", i)
		}
	}
	repeat := &sim.Scenario{Stalls: []sim.TimedAction{{At: "1s", Every: "2s", Duration: "1s"}}}
	if n := len(schedule(repeat, start, start.Add(6*time.Second))); n != 3 {
		t.Errorf("every 2s from 1s to 6s: %d instances, want 3", n)
	}
}

// TestFeedRecovery: recovery from a dip in valid books, from a gap in the
// frames, and nothing for a fault the engine shrugged off; -1 when it never
// recovers.
func TestFeedRecovery(t *testing.T) {
	t0 := time.Unix(1000, 0)
	build := func(n int, f func(i int) (int64, uint64)) *faultWatch {
		w := &faultWatch{}
		for i := range n {
			v, fr := f(i)
			w.samples = append(w.samples, faultSample{at: t0.Add(time.Duration(i) * 5 * time.Millisecond), booksValid: v, frames: fr})
		}
		return w
	}
	const total = 10
	cases := []struct {
		name string
		w    *faultWatch
		want time.Duration
		ok   bool
	}{
		{"dip 100..300 ms", build(200, func(i int) (int64, uint64) {
			if i >= 20 && i < 60 {
				return 4, uint64(i)
			}
			return total, uint64(i)
		}), 300 * time.Millisecond, true},
		{"frames stop 50..1050 ms", build(400, func(i int) (int64, uint64) {
			if i >= 10 && i < 210 {
				return total, 10
			}
			return total, uint64(i)
		}), 1050 * time.Millisecond, true},
		{"shrugged off", build(100, func(i int) (int64, uint64) { return total, uint64(i) }), 0, true},
		{"never recovers", build(100, func(i int) (int64, uint64) {
			if i >= 10 {
				return 3, uint64(i)
			}
			return total, uint64(i)
		}), 0, false},
	}
	for _, c := range cases {
		d, ok := c.w.feedRecovery(t0, time.Time{}, total)
		if d != c.want || ok != c.ok {
			t.Errorf("%s: %v %v, want %v %v", c.name, d, ok, c.want, c.ok)
		}
	}
	// A dip that starts after the next feed fault is that fault's: a
	// fault shrugged off 50 ms before it recovers at once.
	if d, ok := cases[0].w.feedRecovery(t0, t0.Add(50*time.Millisecond), total); d != 0 || !ok {
		t.Errorf("dip after the next fault: %v %v, want 0 true", d, ok)
	}
}

// TestAttributeREST: REST rules are met in injection order, a later rule
// waiting until the earlier one is used up, as the simulator matches them.
func TestAttributeREST(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	fs := []faultInstance{
		{Kind: "rest_425", at: at(6), count: 2},
		{Kind: "rest_429", at: at(8), count: 2},
		{Kind: "delayed", at: at(9.5)},
		{Kind: "rest_500", at: at(30), count: 1},
	}
	attributeREST(fs, []time.Time{at(5), at(7), at(9), at(10), at(11), at(12)})
	want := [][3]time.Time{{at(7), at(9), at(12)}, {at(10), at(11), at(12)}, {at(10), at(10), {}}, {}}
	for i, f := range fs {
		if f.firstHit != want[i][0] || f.lastHit != want[i][1] || f.clear != want[i][2] {
			t.Errorf("%s: hits %v..%v clear %v, want %v", f.Kind, f.firstHit.Sub(t0), f.lastHit.Sub(t0), f.clear.Sub(t0), want[i])
		}
	}
}

// TestUnseenUpdate: a basket is on a stale book when an update of its
// market was withheld more than the grace before it and no snapshot of the
// market was sent since.
func TestUnseenUpdate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	m := withheldByMarket([]sim.Delivery{
		{Market: "a", At: ms(100)}, {Market: "a", At: ms(150)},
		{Market: "a", At: ms(400), Snapshot: true},
		{Market: "a", At: ms(900)},
		{Market: "b", At: ms(120), Snapshot: true},
	})
	cases := []struct {
		market     string
		sent       int
		stale      bool
		withheldAt int
	}{
		{"a", 90, false, 0},   // before anything was withheld
		{"a", 120, false, 0},  // withheld 20 ms before: within the grace
		{"a", 200, true, 150}, // the later of the two, no snapshot since
		{"a", 400, false, 0},  // the snapshot covers both
		{"a", 800, false, 0},
		{"a", 930, true, 900},
		{"b", 500, false, 0},
		{"c", 500, false, 0},
	}
	for _, c := range cases {
		at, stale := m[c.market].unseen(ms(c.sent).Add(-staleGrace), ms(c.sent))
		if stale != c.stale || stale && !at.Equal(ms(c.withheldAt)) {
			t.Errorf("%s sent at %d ms: stale %v (withheld %v), want %v (%d ms)", c.market, c.sent, stale, at.Sub(t0), c.stale, c.withheldAt)
		}
	}
}

// TestApplyFired: the simulator's fired actions replace the scheduled
// times, matched per kind in order.
func TestApplyFired(t *testing.T) {
	sc, err := sim.LoadScenario("faults")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	fs := schedule(sc, start, start.Add(30*time.Second))
	late := 37 * time.Millisecond
	var fired []sim.FiredFault
	for i, r := range sc.Faults.REST {
		at, _ := time.ParseDuration(r.At)
		fired = append(fired, sim.FiredFault{Kind: "rest:" + strconv.Itoa(i), At: start.Add(at + late)})
	}
	fired = append(fired, sim.FiredFault{Kind: "stall:", At: start.Add(14*time.Second + late)},
		sim.FiredFault{Kind: "drop:all", At: start.Add(23*time.Second + late)},
		sim.FiredFault{Kind: "bad:oversized", At: start.Add(13*time.Second + late)})
	applyFired(fs, fired, sc, start)
	moved := 0
	for _, f := range fs {
		switch f.Kind {
		case "rest_425", "rest_429", "rest_500", "rest_slow", "stall", "drop_all", "bad_frame_oversized":
			if f.AtMs%1000 != late.Milliseconds() {
				t.Errorf("%s at %d ms, want %d ms past the second", f.Kind, f.AtMs, late.Milliseconds())
			}
			moved++
		default:
			if f.AtMs%1000 != 0 {
				t.Errorf("%s moved to %d ms without firing", f.Kind, f.AtMs)
			}
		}
	}
	if moved < 7 {
		t.Fatalf("%d instances matched", moved)
	}
}
