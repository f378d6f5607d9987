package scan

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/ring"
)

// TestSumsInvariant drives random best-ask changes through overlapping
// groups and checks after every one that each group's sum and missing count
// equal a recomputation from scratch.
func TestSumsInvariant(t *testing.T) {
	const assets = 12
	legs := make([]legSpec, assets)
	for i := range legs {
		legs[i] = legSpec{asks: []string{"0.5:10"}}
	}
	groups := []GroupSpec{
		{Kind: YesBasket, Legs: []book.AssetIndex{0, 2, 4, 6}},
		{Kind: NoBasket, Legs: []book.AssetIndex{1, 3, 5, 7}},
		{Kind: BinaryPair, Legs: []book.AssetIndex{0, 1}},
		{Kind: BinaryPair, Legs: []book.AssetIndex{2, 3}},
		{Kind: YesBasket, Legs: []book.AssetIndex{8, 9, 10, 11, 0}},
	}
	f := build(t, DefaultConfig(), legs, groups)
	ask := make([]book.Price, assets)
	has := make([]bool, assets)
	for i := range ask {
		ask[i], has[i] = 500_000, true
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for step := 0; step < 5000; step++ {
		a := rng.IntN(assets)
		p := book.Price(rng.IntN(100)+1) * 10_000
		present := rng.IntN(8) != 0
		f.s.OnBestAsk(book.AssetIndex(a), p, present)
		ask[a], has[a] = p, present
		for gi, sp := range groups {
			var sum int64
			missing := 0
			for _, l := range sp.Legs {
				if has[l] {
					sum += int64(ask[l])
				} else {
					missing++
				}
			}
			g := f.s.Group(gi)
			if g.Sum != sum || g.Missing != missing {
				t.Fatalf("step %d group %d: sum %d missing %d, want %d %d", step, gi, g.Sum, g.Missing, sum, missing)
			}
			// Pool membership follows the bands.
			if missing > 0 && g.InPool {
				t.Fatalf("step %d group %d in pool with a missing leg", step, gi)
			}
		}
		if f.s.Pending() > len(groups) {
			t.Fatalf("pending %d > groups", f.s.Pending())
		}
		if step%50 == 0 {
			var o Opportunity
			for f.s.Next(&o) {
			}
			f.drainPool()
		}
	}
}

// TestMultipleMembership: a YES token sits in its event's YES basket and in
// its market's binary pair; one best-ask change updates both.
func TestMultipleMembership(t *testing.T) {
	// assets: 0 YES_A, 1 NO_A, 2 YES_B
	legs := []legSpec{
		{asks: []string{"0.40:100"}},
		{asks: []string{"0.62:100"}},
		{asks: []string{"0.55:100"}},
	}
	groups := []GroupSpec{
		{Kind: YesBasket, Event: "ev", Legs: []book.AssetIndex{0, 2}},
		{Kind: BinaryPair, Event: "mkt A", Legs: []book.AssetIndex{0, 1}},
	}
	f := build(t, DefaultConfig(), legs, groups)
	if g := f.s.Group(0); g.Sum != 950_000 || g.Missing != 0 {
		t.Fatalf("basket %+v", g)
	}
	if g := f.s.Group(1); g.Sum != 1_020_000 || g.Missing != 0 {
		t.Fatalf("pair %+v", g)
	}
	// The basket (0.95 ≤ 0.999) is pending; the pair (1.02) is not.
	var o Opportunity
	if !f.s.Next(&o) || o.Group != 0 || o.Reason != OK || o.Q != 100*share {
		t.Fatalf("first Next: %+v", o)
	}
	if f.s.Next(&o) {
		t.Fatalf("unexpected second opportunity %+v", o)
	}
	// YES_A drops to 0.35 on the venue: both groups move by −0.05.
	if err := f.books[0].SetLevel(book.Ask, 350_000, 50*share); err != nil {
		t.Fatal(err)
	}
	f.s.OnBestAsk(0, 350_000, true)
	if g := f.s.Group(0); g.Sum != 900_000 {
		t.Fatalf("basket sum %d", g.Sum)
	}
	if g := f.s.Group(1); g.Sum != 970_000 {
		t.Fatalf("pair sum %d", g.Sum)
	}
	// Both are pending now; the pair is an integrity alarm, the basket
	// trades 100: 50 at 0.35 then 50 at 0.40 on YES_A, all at 0.55 on YES_B.
	got := map[uint32]Reason{}
	for f.s.Next(&o) {
		got[o.Group] = o.Reason
		if o.Group == 0 && (o.Q != 100*share || o.Legs[0].Limit != 400_000 || o.Legs[0].Levels != 2 || o.Legs[0].Cost != 37_500_000) {
			t.Errorf("basket sized %+v", o)
		}
	}
	if got[0] != OK || got[1] != PairCrossed || len(got) != 2 {
		t.Fatalf("reasons %v", got)
	}
	// YES_A loses every ask: both groups miss a leg.
	f.s.OnBestAsk(0, 0, false)
	if f.s.Group(0).Missing != 1 || f.s.Group(1).Missing != 1 || f.s.Group(0).Sum != 550_000 {
		t.Fatalf("after removal: %+v %+v", f.s.Group(0), f.s.Group(1))
	}
	if f.s.Pending() != 0 {
		t.Fatalf("pending with a missing leg")
	}
}

// TestPoolHysteresis: enter at ≤ 1.02 × payout, leave above 1.025, no
// flapping inside the band, leave when a leg disappears; events carry the
// legs, asks and time in pool.
func TestPoolHysteresis(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.6:10"}}, {asks: []string{"0.43:10"}}}
	f := build(t, DefaultConfig(), legs, basket(2)) // sum 1.03: outside
	if g := f.s.Group(0); g.InPool {
		t.Fatalf("in pool at 1.03")
	}
	steps := []struct {
		ts      int64
		a       book.AssetIndex
		p       book.Price
		present bool
		in      bool
		event   PoolEventKind // 0: none
	}{
		{100, 1, 420_000, true, true, PoolEnter},  // 1.02 → enter (≤)
		{200, 1, 424_000, true, true, 0},          // 1.024 → stay
		{300, 1, 425_000, true, true, 0},          // 1.025 → stay (leave is >)
		{400, 1, 426_000, true, false, PoolLeave}, // 1.026 → leave after 300 ns
		{500, 1, 421_000, true, false, 0},         // 1.021 → not yet
		{600, 1, 419_000, true, true, PoolEnter},  // 1.019 → enter
		{700, 0, 100_000, true, true, 0},          // 0.519: an opportunity, still hot
		{900, 0, 0, false, false, PoolLeave},      // leg gone → leave after 300 ns
		{1000, 0, 500_000, true, true, PoolEnter}, // 0.919 → enter
	}
	for i, st := range steps {
		f.s.SetTime(st.ts)
		f.s.OnBestAsk(st.a, st.p, st.present)
		g := f.s.Group(0)
		if g.InPool != st.in {
			t.Fatalf("step %d: in pool %v, want %v (sum %d)", i, g.InPool, st.in, g.Sum)
		}
		ev := f.drainPool()
		if st.event == 0 {
			if len(ev) != 0 {
				t.Fatalf("step %d: unexpected events %+v", i, ev)
			}
			continue
		}
		if len(ev) != 1 || ev[0].Event != st.event || ev[0].TS != st.ts || ev[0].Group != 0 || ev[0].N != 2 || ev[0].Kind != YesBasket {
			t.Fatalf("step %d: events %+v", i, ev)
		}
		e := ev[0]
		if e.Legs[0] != 0 || e.Legs[1] != 1 || e.Sum != g.Sum || e.Payout != book.Scale {
			t.Fatalf("step %d: event legs %+v", i, e)
		}
		if st.event == PoolLeave && e.InPool != 300 {
			t.Fatalf("step %d: in pool %d ns, want 300", i, e.InPool)
		}
		if st.present && (e.Asks[st.a] != st.p || !e.Has[st.a]) {
			t.Fatalf("step %d: event asks %+v", i, e.Asks[:2])
		}
	}
	g := f.s.Group(0)
	if g.PoolEntries != 3 || g.PoolTime != 600 {
		t.Fatalf("entries %d time %d; want 3, 600", g.PoolEntries, g.PoolTime)
	}
	if f.s.Stats.PoolEnters != 3 || f.s.Stats.PoolLeaves != 2 || f.s.Stats.PoolDropped != 0 {
		t.Fatalf("stats %+v", f.s.Stats)
	}
}

// TestPoolRingFull: a full ring drops events, counts them, and never blocks.
func TestPoolRingFull(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.6:10"}}, {asks: []string{"0.43:10"}}}
	f := build(t, DefaultConfig(), legs, basket(2))
	for i := 0; i < 100; i++ { // 64-slot ring
		f.s.OnBestAsk(1, 410_000, true)
		f.s.OnBestAsk(1, 430_000, true)
	}
	if f.s.Stats.PoolDropped == 0 || f.s.Stats.PoolEnters != 100 || f.s.Stats.PoolLeaves != 100 {
		t.Fatalf("stats %+v", f.s.Stats)
	}
	if n := len(f.drainPool()); n != 64 {
		t.Fatalf("%d events in the ring", n)
	}
}

// TestStaleAndNoAsk: the scanner refuses to price a book that disagrees
// with what it was told, and a group with a missing leg.
func TestStaleAndNoAsk(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}}
	f := build(t, DefaultConfig(), legs, basket(2))
	// The book moves without OnBestAsk.
	if err := f.books[0].SetLevel(book.Ask, 390_000, share); err != nil {
		t.Fatal(err)
	}
	var o Opportunity
	if r := f.s.Evaluate(0, &o); r != StaleAsk {
		t.Fatalf("reason %v, want stale_ask", r)
	}
	f.s.OnBestAsk(0, 390_000, true)
	if r := f.s.Evaluate(0, &o); r != OK || o.Q != 100*share || o.Legs[0].Levels != 2 {
		t.Fatalf("reason %v Q %v, want ok 100 shares over 2 levels", r, o.Q)
	}
	f.s.OnBestAsk(1, 0, false)
	if r := f.s.Evaluate(0, &o); r != NoAsk {
		t.Fatalf("reason %v, want no_ask", r)
	}
	if f.s.Stats.Reasons[StaleAsk] != 1 || f.s.Stats.Reasons[OK] != 1 || f.s.Stats.Reasons[NoAsk] != 1 || f.s.Stats.Evaluations != 3 {
		t.Fatalf("stats %+v", f.s.Stats)
	}
}

// TestNextQueue: a group is queued once however many changes it sees, and
// re-queued by a change after it was evaluated.
func TestNextQueue(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.40:100"}}, {asks: []string{"0.50:100"}}}
	f := build(t, DefaultConfig(), legs, basket(2))
	f.s.OnBestAsk(0, 400_000, true)
	f.s.OnBestAsk(1, 500_000, true)
	if f.s.Pending() != 1 {
		t.Fatalf("pending %d", f.s.Pending())
	}
	var o Opportunity
	f.s.SetTime(42)
	if !f.s.Next(&o) || o.TS != 42 || o.Reason != OK {
		t.Fatalf("next %+v", o)
	}
	if f.s.Next(&o) {
		t.Fatal("queue not empty")
	}
	f.s.OnBestAsk(0, 400_000, true) // same price, e.g. depth changed
	if !f.s.Next(&o) {
		t.Fatal("not re-queued")
	}
}

func TestNewRejects(t *testing.T) {
	b := book.NewBook(book.Tick0_01)
	assets := []Asset{{Book: b}, {Book: b}, {}, {Book: b, Fee: FeeModel{Rate: 2_000_000}}}
	cfgBad := DefaultConfig()
	cfgBad.LeavePPM = cfgBad.EnterPPM - 1
	cases := []struct {
		name string
		cfg  Config
		g    GroupSpec
	}{
		{"one leg", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0}}},
		{"pair of 3", DefaultConfig(), GroupSpec{Kind: BinaryPair, Legs: []book.AssetIndex{0, 1, 0}}},
		{"duplicate", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0, 0}}},
		{"out of range", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0, 9}}},
		{"no book", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0, 2}}},
		{"bad fee", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0, 3}}},
		{"payout too big", DefaultConfig(), GroupSpec{Kind: NoBasket, Legs: []book.AssetIndex{0, 1}, Payout: 2 * book.Scale}},
		{"kind", DefaultConfig(), GroupSpec{Kind: 9, Legs: []book.AssetIndex{0, 1}}},
		{"bands", cfgBad, GroupSpec{Kind: YesBasket, Legs: []book.AssetIndex{0, 1}}},
		{"too many legs", DefaultConfig(), GroupSpec{Kind: YesBasket, Legs: make([]book.AssetIndex, MaxLegs+1)}},
	}
	for _, c := range cases {
		if _, err := New(c.cfg, assets, []GroupSpec{c.g}, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrConfig", c.name, err)
		}
	}
	// A lower payout is allowed (conservative).
	if _, err := New(DefaultConfig(), assets, []GroupSpec{{Kind: NoBasket, Legs: []book.AssetIndex{0, 1}, Payout: 900_000}}, nil); err != nil {
		t.Errorf("lower payout refused: %v", err)
	}
}

func TestStrings(t *testing.T) {
	for r := Reason(0); r < NumReasons; r++ {
		if s := r.String(); s == "" || s == "reason?" {
			t.Errorf("reason %d has no name", r)
		}
	}
	if NumReasons.String() != "reason?" || Kind(0).String() != "kind?" || PoolEventKind(0).String() != "pool?" {
		t.Error("unknown values")
	}
	if YesBasket.String() != "yes_basket" || PoolLeave.String() != "leave" {
		t.Error("names")
	}
	if NoBasket.Payout(5) != 4*book.Scale || BinaryPair.Payout(2) != book.Scale {
		t.Error("payouts")
	}
}

// TestPoolRingConsumer: the intended wiring, a signer goroutine consuming
// pool events (parked, as on a shared machine) while the scanner produces.
// Per group, events alternate enter/leave starting with enter, and every
// event not dropped arrives.
func TestPoolRingConsumer(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.6:10"}}, {asks: []string{"0.43:10"}}, {asks: []string{"0.45:10"}}}
	groups := []GroupSpec{
		{Kind: YesBasket, Legs: []book.AssetIndex{0, 1}},
		{Kind: YesBasket, Legs: []book.AssetIndex{0, 2}},
	}
	f := build(t, DefaultConfig(), legs, groups)
	pool := ring.MustNew[PoolEvent](8192) // holds every event of the run: none dropped
	s, err := New(DefaultConfig(), f.s.assets, groups, pool)
	if err != nil {
		t.Fatal(err)
	}
	type tally struct {
		events int
		last   [2]PoolEventKind
		bad    bool
	}
	done := make(chan tally)
	go func() {
		var tl tally
		for pool.Wait(ring.Park) {
			e, _ := pool.Pop()
			tl.events++
			want := PoolEnter
			if tl.last[e.Group] == PoolEnter {
				want = PoolLeave
			}
			if e.Event != want {
				tl.bad = true
			}
			tl.last[e.Group] = e.Event
		}
		done <- tl
	}()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		s.SetTime(int64(i))
		a := book.AssetIndex(rng.IntN(3))
		s.OnBestAsk(a, book.Price(480_000+rng.IntN(80)*1_000), rng.IntN(50) != 0) // sums 0.96 .. 1.12
	}
	pool.Close()
	tl := <-done
	st := s.Stats
	if uint64(tl.events) != st.PoolEnters+st.PoolLeaves-st.PoolDropped {
		t.Fatalf("consumer saw %d events; stats %+v", tl.events, st)
	}
	if st.PoolDropped != 0 || tl.bad {
		t.Fatalf("dropped %d, out of order %v", st.PoolDropped, tl.bad)
	}
	t.Logf("stats %+v, consumer saw %d", st, tl.events)
	if st.PoolEnters < 1000 {
		t.Fatalf("too few pool changes: %+v", st)
	}
}

// TestPoolBandsByKind: binary pairs stay out of the pool unless traded;
// absolute bands tighten a NO basket's ratio bands.
func TestPoolBandsByKind(t *testing.T) {
	// A pair at 0.50 + 0.51 = 1.01 (a one-tick spread): within 1.02, but a
	// pair is an alarm, not a trade.
	pairLegs := []legSpec{{asks: []string{"0.50:10"}}, {asks: []string{"0.51:10"}}}
	pair := []GroupSpec{{Kind: BinaryPair, Legs: []book.AssetIndex{0, 1}}}
	if f := build(t, DefaultConfig(), pairLegs, pair); f.s.Group(0).InPool || len(f.drainPool()) != 0 {
		t.Fatal("binary pair entered the pool")
	}
	cfg := DefaultConfig()
	cfg.TradePairs = true
	if f := build(t, cfg, pairLegs, pair); !f.s.Group(0).InPool {
		t.Fatal("traded pair not in the pool")
	}

	// NO basket of 10 legs at 0.905: Σ 9.05 against a payout of 9.
	// Ratio bands: enter ≤ 9.18, so it is hot. With EnterAbs 0.02 /
	// LeaveAbs 0.025: enter ≤ 9.02 → not hot; at Σ 9.02 hot; leaves above 9.025.
	legs := make([]legSpec, 10)
	ids := make([]book.AssetIndex, 10)
	for i := range legs {
		legs[i] = legSpec{tick: book.Tick0_001, asks: []string{"0.905:10"}}
		ids[i] = book.AssetIndex(i)
	}
	no := []GroupSpec{{Kind: NoBasket, Legs: ids}}
	if f := build(t, DefaultConfig(), legs, no); !f.s.Group(0).InPool {
		t.Fatal("ratio bands: NO basket at 9.05/9 not hot")
	}
	cfg = DefaultConfig()
	cfg.EnterAbs, cfg.LeaveAbs = 20_000, 25_000
	f := build(t, cfg, legs, no)
	if f.s.Group(0).InPool {
		t.Fatal("absolute bands: NO basket at 9.05 hot")
	}
	f.s.OnBestAsk(0, 875_000, true) // Σ 9.02
	if !f.s.Group(0).InPool {
		t.Fatal("absolute bands: NO basket at 9.02 not hot")
	}
	f.s.OnBestAsk(1, 910_000, true) // Σ 9.025: stays
	if !f.s.Group(0).InPool {
		t.Fatal("absolute bands: left at 9.025")
	}
	f.s.OnBestAsk(1, 911_000, true) // Σ 9.026: leaves
	if f.s.Group(0).InPool {
		t.Fatal("absolute bands: still hot at 9.026")
	}
	cfg.LeaveAbs = 0
	if _, err := New(cfg, f.s.assets, no, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("one absolute band accepted: %v", err)
	}
}

// TestReemitPool: after drops, ReemitPool repeats an enter for every hot
// group so the consumer can rebuild its view.
func TestReemitPool(t *testing.T) {
	legs := []legSpec{{asks: []string{"0.6:10"}}, {asks: []string{"0.41:10"}}, {asks: []string{"0.45:10"}}, {asks: []string{"0.7:10"}}}
	groups := []GroupSpec{
		{Kind: YesBasket, Legs: []book.AssetIndex{0, 1}}, // 1.01: hot
		{Kind: YesBasket, Legs: []book.AssetIndex{2, 3}}, // 1.15: not
		{Kind: YesBasket, Legs: []book.AssetIndex{1, 2}}, // 0.86: hot
	}
	f := build(t, DefaultConfig(), legs, groups)
	f.drainPool() // the consumer lost these
	f.s.SetTime(99)
	if n := f.s.ReemitPool(); n != 2 {
		t.Fatalf("re-emitted %d, want 2", n)
	}
	ev := f.drainPool()
	if len(ev) != 2 || ev[0].Group != 0 || ev[1].Group != 2 || ev[0].Event != PoolEnter || ev[1].TS != 99 {
		t.Fatalf("events %+v", ev)
	}
	if f.s.Stats.PoolEnters != 2 || f.s.Group(0).PoolEntries != 1 {
		t.Fatalf("re-emission counted as entries: %+v", f.s.Stats)
	}
}
