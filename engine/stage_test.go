package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
)

// testUniverse is one neg-risk event of n markets (YES and NO tokens,
// tick 0.01, min size 5, no fees): a YES basket (group 0) and a NO basket
// (group 1).
func testUniverse(t testing.TB, n int) *market.Universe {
	t.Helper()
	reg := book.NewRegistry()
	yes := market.Group{Kind: market.KindYesBasket, EventID: "ev1", Title: "Test event", Slug: "test-event", Payout: book.Scale}
	no := market.Group{Kind: market.KindNoBasket, EventID: "ev1", Title: "Test event", Slug: "test-event", Payout: int64(n-1) * book.Scale}
	for i := 0; i < n; i++ {
		cid := fmt.Sprintf("0x%064x", i+1)
		y, err := reg.Add(book.AssetInfo{TokenID: fmt.Sprint(1000 + 2*i), Market: cid, Tick: book.Tick0_01, MinSize: 5 * book.OneShare, NegRisk: true, Outcome: "Yes"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := reg.Add(book.AssetInfo{TokenID: fmt.Sprint(1001 + 2*i), Market: cid, Tick: book.Tick0_01, MinSize: 5 * book.OneShare, NegRisk: true, Outcome: "No"})
		if err != nil {
			t.Fatal(err)
		}
		reg.Pair(y, o)
		leg := func(a book.AssetIndex, out string) market.Leg {
			info := reg.Info(a)
			return market.Leg{Asset: a, TokenID: info.TokenID, Market: cid, Outcome: out, Tick: book.Tick0_01, MinSize: 5 * book.OneShare, NegRisk: true}
		}
		yes.Legs = append(yes.Legs, leg(y, "Yes"))
		no.Legs = append(no.Legs, leg(o, "No"))
	}
	return &market.Universe{Groups: []market.Group{yes, no}, Registry: reg}
}

type testStage struct {
	*stage
	opps *ring.Ring[scan.Opportunity]
	pool *ring.Ring[scan.PoolEvent]
	coll *hist.Collector
	now  int64
}

func newTestStage(t testing.TB, u *market.Universe) *testStage {
	t.Helper()
	p, err := newPlan(u, false)
	if err != nil {
		t.Fatal(err)
	}
	in := feed.NewIntegrity(feed.IntegrityConfig{Registry: u.Registry, Hash: feed.HashOff})
	poolSelf := ring.MustNew[scan.PoolEvent](256)
	cfg := scan.DefaultConfig()
	cfg.MaxShares = 100 * book.OneShare
	cfg.MaxNotional = 500 * book.Scale
	sc, err := scan.New(cfg, p.scanAssets(in.Book), p.specs, poolSelf)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testStage{opps: ring.MustNew[scan.Opportunity](64), pool: ring.MustNew[scan.PoolEvent](256), coll: hist.NewCollector(hist.Options{})}
	ts.now = 1_000_000_000
	ts.stage = newStage(stageConfig{p: p, in: in, sc: sc, opps: ts.opps, obell: newBell(), poolSelf: poolSelf, poolOut: ts.pool,
		rec: ts.coll.NewRecorder("bookscan"), now: func() int64 { return ts.now }, st: &stageStats{},
		jumpMove: DefaultJumpMove, jumpWin: DefaultJumpWindow, cooldown: DefaultJumpCooldown, holdOff: 100 * time.Millisecond})
	return ts
}

// snapshot feeds a full book for asset a: one ask level at ask with size,
// one bid at 0.01.
func (ts *testStage) snapshot(a book.AssetIndex, ask book.Price, size book.Size) {
	ts.now += 1000
	evs := []feed.Event{
		{Kind: feed.KindBookBegin, Asset: a},
		{Kind: feed.KindLevel, Asset: a, Side: book.Ask, Price: ask, Size: size, Flags: feed.FlagSnapshot},
		{Kind: feed.KindLevel, Asset: a, Side: book.Bid, Price: 10_000, Size: size, Flags: feed.FlagSnapshot},
		{Kind: feed.KindBookEnd, Asset: a, Flags: feed.FlagLast},
	}
	for i := range evs {
		evs[i].RecvNs = ts.now
		ts.event(&evs[i])
	}
}

// delta sets one level of asset a in its own frame.
func (ts *testStage) delta(a book.AssetIndex, side book.Side, p book.Price, s book.Size) {
	ts.now += 1000
	e := feed.Event{Kind: feed.KindLevel, Asset: a, Side: side, Price: p, Size: s, RecvNs: ts.now, Flags: feed.FlagLast}
	ts.event(&e)
}

func (ts *testStage) popOpps() []scan.Opportunity {
	var out []scan.Opportunity
	for {
		o, ok := ts.opps.Pop()
		if !ok {
			return out
		}
		out = append(out, o)
	}
}

// loadBooks gives the 3-market event YES asks 0.30/0.35/0.40 (Σ 1.05) and
// NO asks 0.75/0.70/0.65 (Σ 2.10 against a payout of 2).
func (ts *testStage) loadBooks() {
	asks := []book.Price{300_000, 750_000, 350_000, 700_000, 400_000, 650_000}
	for a, p := range asks {
		ts.snapshot(book.AssetIndex(a), p, 100*book.OneShare)
	}
}

func TestStageForwardsOnlyOK(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 3))
	ts.loadBooks()
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatalf("no arbitrage yet, got %d opportunities", len(got))
	}
	// The YES basket is in the near-miss pool (1.05 > 1.02: not yet).
	// Dip YES of market 0 to 0.20: Σ 0.95 < 1.
	ts.delta(0, book.Ask, 200_000, 50*book.OneShare)
	opps := ts.popOpps()
	if len(opps) != 1 {
		t.Fatalf("got %d opportunities, want 1", len(opps))
	}
	o := opps[0]
	if o.Reason != scan.OK || o.Group != 0 || o.Kind != scan.YesBasket || o.N != 3 || o.TS != ts.now {
		t.Fatalf("opportunity %+v", o)
	}
	if o.Q <= 0 || o.Q > 50*book.OneShare {
		t.Fatalf("Q %d outside the dipped depth", o.Q)
	}
	// In flight: more changes do not fire it again.
	ts.delta(2, book.Ask, 340_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatalf("group in flight fired again: %d", len(got))
	}
	if ts.st.Drops[DropInFlight].Load() == 0 {
		t.Fatal("in-flight drop not counted")
	}
	// Done, then the hold-off, then it may fire again.
	ts.done(0, ts.now)
	ts.delta(2, book.Ask, 330_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatal("fired during the hold-off")
	}
	ts.now += int64(200 * time.Millisecond)
	ts.delta(2, book.Ask, 320_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 1 {
		t.Fatalf("after the hold-off: %d opportunities, want 1", len(got))
	}
}

func TestStageInvalidBookNeverTraded(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 3))
	ts.loadBooks()
	// A resync (lost connection) on leg 1, then the dip: no opportunity.
	ts.now += 1000
	e := feed.Event{Kind: feed.KindResync, Asset: 2, RecvNs: ts.now, Flags: feed.FlagLast}
	ts.event(&e)
	ts.delta(0, book.Ask, 200_000, 50*book.OneShare)
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatalf("traded with an invalid leg: %+v", got[0])
	}
	// A crossed book (bid above ask) is excluded by integrity.
	ts.snapshot(2, 350_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 1 {
		t.Fatalf("after the fresh snapshot: %d opportunities, want 1", len(got))
	}
}

func TestStageJumpGuard(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 3))
	ts.loadBooks()
	// Leg 1 jumps from 0.35 to 0.05 at once: the event pauses.
	ts.delta(2, book.Ask, 50_000, 100*book.OneShare)
	if ts.st.Jumps.Load() != 1 {
		t.Fatalf("jumps %d", ts.st.Jumps.Load())
	}
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatal("traded during the jump cool-down")
	}
	if ts.st.Drops[DropJump].Load() == 0 {
		t.Fatal("jump drop not counted")
	}
	ts.now += int64(DefaultJumpCooldown) + 1
	ts.delta(0, book.Ask, 290_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 1 {
		t.Fatalf("after the cool-down: %d opportunities, want 1", len(got))
	}
	// market_resolved takes the event out for good.
	ts.done(0, 0)
	ts.now += 1000
	e := feed.Event{Kind: feed.KindResolved, Asset: 4, RecvNs: ts.now, Flags: feed.FlagLast}
	ts.event(&e)
	ts.now += int64(time.Hour)
	ts.delta(0, book.Ask, 280_000, 100*book.OneShare)
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatal("traded a resolved event")
	}
	if ts.st.Resolved.Load() != 1 || ts.st.Drops[DropResolved].Load() == 0 {
		t.Fatalf("resolved %d, drops %d", ts.st.Resolved.Load(), ts.st.Drops[DropResolved].Load())
	}
}

func TestStagePoolMarksHotLegs(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 3))
	ts.loadBooks()
	// Σ YES 1.05: above the 1.02 band. Bring it to 1.01: the group enters.
	ts.delta(4, book.Ask, 360_000, 100*book.OneShare)
	var evs []scan.PoolEvent
	for {
		ev, ok := ts.pool.Pop()
		if !ok {
			break
		}
		evs = append(evs, ev)
	}
	if len(evs) != 1 || evs[0].Event != scan.PoolEnter || evs[0].Group != 0 {
		t.Fatalf("pool events %+v", evs)
	}
	for _, a := range []book.AssetIndex{0, 2, 4} {
		if ts.hot[a] != 1 {
			t.Fatalf("asset %d hot %d", a, ts.hot[a])
		}
	}
	if ts.st.PoolSize.Load() != 1 {
		t.Fatalf("pool size %d", ts.st.PoolSize.Load())
	}
	// A hot leg's ask moves: the signer hears the new asks.
	ts.delta(2, book.Ask, 340_000, 100*book.OneShare)
	ev, ok := ts.pool.Pop()
	if !ok || ev.Event != scan.PoolEnter || ev.Asks[1] != 340_000 {
		t.Fatalf("refresh %+v %v", ev, ok)
	}
	// Leaving (Σ 0.30+0.34+0.40 = 1.04 > 1.025): the legs cool down.
	ts.delta(4, book.Ask, 360_000, 0)
	ev, ok = ts.pool.Pop()
	if !ok || ev.Event != scan.PoolLeave {
		t.Fatalf("leave %+v %v", ev, ok)
	}
	if ts.hot[0] != 0 || ts.st.PoolSize.Load() != 0 {
		t.Fatalf("hot %d pool %d", ts.hot[0], ts.st.PoolSize.Load())
	}
}

func TestStageSwapKeepsGroupsAndRemoves(t *testing.T) {
	ts := newTestStage(t, testUniverse(t, 3))
	ts.loadBooks()
	sc, err := scan.New(ts.sc.Config(), ts.p.scanAssets(ts.in.Book), ts.p.specs, ts.poolSelf)
	if err != nil {
		t.Fatal(err)
	}
	removed := make([]bool, len(ts.p.groups))
	removed[0] = true
	ts.next.Store(&swap{sc: sc, removed: removed})
	ts.maybeSwap(ts.now)
	if ts.sc != sc || ts.st.Swaps.Load() != 1 {
		t.Fatal("scanner not swapped")
	}
	if st := sc.Group(0); st.Missing != 0 || st.Sum != 1_050_000 {
		t.Fatalf("new scanner not told the asks: %+v", st)
	}
	ts.delta(0, book.Ask, 200_000, 50*book.OneShare)
	if got := ts.popOpps(); len(got) != 0 {
		t.Fatal("a removed group fired")
	}
	if ts.st.Drops[DropRemoved].Load() != 1 {
		t.Fatalf("removed drops %d", ts.st.Drops[DropRemoved].Load())
	}
}
