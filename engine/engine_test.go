package engine

import (
	"strings"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/ops"
	"github.com/hotpath/hotpath/ops/metrics"
	"github.com/hotpath/hotpath/scan"
)

// paperEngine builds (without running) a paper engine over a test universe:
// nothing is dialled.
func paperEngine(t *testing.T, u *market.Universe) (*Engine, *[]string) {
	t.Helper()
	cfg := config.Default()
	cfg.Venue.WSMarketURL = "ws://127.0.0.1:1/ws/market" // never dialled: Run is not called
	cfg.Journal.Dir = t.TempDir()
	var alerts []string
	e, err := New(cfg, Options{Universe: u, AllowedCPUs: []int{0, 1}, OnAlert: func(k, m string) { alerts = append(alerts, k+": "+m) }})
	if err != nil {
		t.Fatal(err)
	}
	return e, &alerts
}

func TestNewSummary(t *testing.T) {
	e, _ := paperEngine(t, testUniverse(t, 3))
	s := e.Summary()
	for _, want := range []string{"mode        paper (orders: paper)", "1 events, 2 groups, 6 assets, 1 feed connections",
		"layout=compact wait=park", "2 usable cores", "limits      basket $50", "journal"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestNewRefusesEmptyUniverse(t *testing.T) {
	u := testUniverse(t, 3)
	u.Groups = nil
	cfg := config.Default()
	cfg.Journal.Dir = t.TempDir()
	if _, err := New(cfg, Options{Universe: u}); err == nil || !strings.Contains(err.Error(), "no tradeable group") {
		t.Fatalf("err %v", err)
	}
}

// feedStage drives the engine's own stage with decoded events (no socket).
func feedStage(s *stage, now *int64, a book.AssetIndex, ask book.Price) {
	*now += 1000
	evs := []feed.Event{
		{Kind: feed.KindBookBegin, Asset: a, RecvNs: *now},
		{Kind: feed.KindLevel, Asset: a, Side: book.Ask, Price: ask, Size: 100 * book.OneShare, Flags: feed.FlagSnapshot, RecvNs: *now},
		{Kind: feed.KindLevel, Asset: a, Side: book.Bid, Price: 10_000, Size: 100 * book.OneShare, Flags: feed.FlagSnapshot, RecvNs: *now},
		{Kind: feed.KindBookEnd, Asset: a, Flags: feed.FlagLast, RecvNs: *now},
	}
	for i := range evs {
		s.event(&evs[i])
	}
}

func TestApplyChanges(t *testing.T) {
	u := testUniverse(t, 3)
	e, alerts := paperEngine(t, u)
	now := int64(1e9)
	e.stage.now = func() int64 { return now }
	yes, no := e.plan.groups[0].Key, e.plan.groups[1].Key

	// A fee change on the YES basket's legs: a new scanner with the new
	// fee model, same groups.
	ng := u.Groups[0]
	ng.Legs = append([]market.Leg(nil), ng.Legs...)
	for i := range ng.Legs {
		ng.Legs[i].FeeRateMicros = 40_000
		ng.Legs[i].FeeExponent = 1
	}
	e.applyChanges([]market.Change{{Kind: market.GroupParamsChanged, Key: yes, New: &ng}})
	sw := e.stage.next.Load()
	if sw == nil || sw.removed[0] || sw.removed[1] {
		t.Fatalf("params change: swap %+v", sw)
	}
	// The NO basket leaves the universe; an unknown event joins it.
	e.applyChanges([]market.Change{
		{Kind: market.GroupRemoved, Key: no, Reasons: []market.Reason{market.ReasonEventClosed}},
		{Kind: market.GroupAdded, Key: market.GroupKey{Kind: market.KindYesBasket, ID: "new-event"}, New: &market.Group{EventID: "new-event"}, Detail: "joined"},
	})
	sw = e.stage.next.Load()
	if sw == nil || !sw.removed[1] || sw.removed[0] {
		t.Fatalf("removal: swap %+v", sw)
	}
	if len(e.pending) != 1 || len(*alerts) != 1 || !strings.Contains((*alerts)[0], "needs a restart") {
		t.Fatalf("pending %v alerts %v", e.pending, *alerts)
	}
	// The stage installs it at a frame boundary; the removed NO basket no
	// longer fires, the YES basket still does.
	e.stage.maybeSwap(now)
	if e.stage.sc != sw.sc || !e.stage.removed[1] {
		t.Fatal("swap not installed")
	}
	for a, p := range []book.Price{300_000, 100_000, 350_000, 100_000, 300_000, 100_000} { // Σ YES 0.95, Σ NO 0.30 of 2
		feedStage(e.stage, &now, book.AssetIndex(a), p)
	}
	var fired []uint32
	var fees int64
	for {
		o, ok := e.opps.Pop()
		if !ok {
			break
		}
		fired = append(fired, o.Group)
		fees += o.Fees
	}
	if len(fired) != 1 || fired[0] != 0 {
		t.Fatalf("fired %v, want only the YES basket", fired)
	}
	if e.st.Drops[DropRemoved].Load() == 0 {
		t.Fatal("removed group's opportunity not counted")
	}
	// The new scanner prices with the new fee model.
	if fees <= 0 {
		t.Fatalf("opportunity priced without the refreshed fee (fees %d)", fees)
	}
}

func TestController(t *testing.T) {
	e, _ := paperEngine(t, testUniverse(t, 3))
	var c ops.Controller = e.Controller()
	if s := c.Status(); s.State != ops.StateStarting || s.Groups != 2 || s.BooksTotal != 6 || s.Mode != "paper" {
		t.Fatalf("status %+v", s)
	}
	e.ready.Store(true)
	c.Pause("operator")
	if s := c.Status(); s.State != ops.StatePaused || !c.Limits().Paused {
		t.Fatalf("paused: %+v", s)
	}
	c.Resume()
	if s := c.Status(); s.State != ops.StateRunning {
		t.Fatalf("resumed: %+v", s)
	}
	ev := scan.PoolEvent{Group: 0, Event: scan.PoolEnter, N: 3, Payout: book.Scale}
	for i, a := range e.plan.groups[0].Legs {
		ev.Legs[i], ev.Asks[i], ev.Has[i] = a, 340_000, true
	}
	e.poolTab.apply(&ev)
	p := c.Pool()
	if len(p) != 1 || p[0].Basket != "YES" || p[0].Legs != 3 || p[0].CostMicros != 1_020_000 || p[0].PayoutMicros != book.Scale {
		t.Fatalf("pool %+v", p)
	}
	ev.Event = scan.PoolLeave
	e.poolTab.apply(&ev)
	if len(c.Pool()) != 0 {
		t.Fatal("left group still listed")
	}
	if l := c.Limits(); l.MaxBasketMicros != 50*book.Scale || l.MaxOpenBaskets != 3 {
		t.Fatalf("limits %+v", l)
	}
	c.Kill("test")
	if s := c.Status(); s.State != ops.StateKilled || !c.Limits().Killed {
		t.Fatalf("killed: %+v", s)
	}
	if e.Ready() == nil {
		t.Fatal("ready while killed")
	}
}

func TestRegisterMetrics(t *testing.T) {
	e, _ := paperEngine(t, testUniverse(t, 3))
	reg := metrics.NewRegistry()
	if err := e.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	e.st.Opportunities.Add(2)
	e.st.Drops[DropJump].Add(1)
	mfs, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
		if mf.GetName() == metrics.Opportunities && mf.GetMetric()[0].GetCounter().GetValue() != 2 {
			t.Errorf("opportunities %v", mf.GetMetric()[0])
		}
	}
	for _, want := range []string{metrics.Opportunities, metrics.OpportunitiesSkip, metrics.BooksExcluded, metrics.PoolSize,
		metrics.Baskets, metrics.Templates, "hotpath_opportunities_dropped_total", "hotpath_jump_guard_trips_total"} {
		if !got[want] {
			t.Errorf("metric %s not registered", want)
		}
	}
	if err := e.Ready(); err == nil || !strings.Contains(err.Error(), "starting") {
		t.Fatalf("ready before Run: %v", err)
	}
}
