package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/sim"
	"github.com/hotpath/hotpath/sim/simtest"
)

// arbAtRest is a quiet venue (no background flow) whose neg-risk event is
// an arbitrage at rest: its YES basket is quoted at 0.95 (+ 4 % fees ≈
// 0.977), two levels of 100 shares. extra is appended (more events,
// scheduled trouble).
func arbAtRest(t *testing.T, overround string, extra string) *sim.Scenario {
	t.Helper()
	sc, err := sim.ParseScenario(simtest.Arb{Name: "engine-e2e", Seed: 11, Accounts: [2]int{0, 3}, Cash: "2000", Overround: overround, Extra: extra}.TOML())
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func fastSettle(c *sim.Config) {
	c.MinedDelay, c.ConfirmDelay = 20*time.Millisecond, 40*time.Millisecond
}

// ourTrades counts the venue's trades with us as the taker.
func (x *e2e) ourTrades() int {
	n := 0
	for _, t := range x.srv.Exchange().Trades() {
		if t.TakerAddr == x.addr {
			n++
		}
	}
	return n
}

// idle reports whether the executor has nothing open and submitted at
// least n baskets.
func (x *e2e) idle(n uint64) func() bool {
	return func() bool {
		s := x.snapshot()
		return s.BasketsSubmitted >= n && len(s.Open) == 0
	}
}

// yesToken returns the token id of leg i of group 0 (the YES basket).
func (x *e2e) yesToken(i int) string {
	return x.eng.plan.u.Registry.Info(x.eng.plan.groups[0].Legs[i]).TokenID
}

func TestE2ECleanArbitrage(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle})
	x.waitFor("basket filled and settled", 10*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsSettled >= 1 && len(s.Open) == 0
	})
	time.Sleep(300 * time.Millisecond) // let any second basket through
	x.waitFor("idle", 10*time.Second, x.idle(1))
	s := x.snapshot()
	if s.BasketsFilled == 0 || s.BasketsPartial != 0 || s.BasketsUnwound != 0 {
		t.Fatalf("%+v", s)
	}
	if s.PnL <= 0 {
		t.Fatalf("P&L %d on an arbitrage", s.PnL)
	}
	x.stop()
	x.checkBooks()
}

func TestE2EKilledLegIsUnwound(t *testing.T) {
	// The basket's request reaches the venue 400 ms late; meanwhile
	// someone else takes the first leg's whole ask side: that FOK is
	// killed, the other two legs fill, and the leg-risk policy must act.
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, setup: func(s *sim.Server) {
		s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Delay: 400 * time.Millisecond, Count: 1})
	}})
	x.waitFor("basket submitted", 10*time.Second, func() bool { return x.snapshot().BasketsSubmitted >= 1 })
	time.Sleep(50 * time.Millisecond)
	if _, _, err := x.srv.Exchange().PlaceBot(sim.HardhatAddress(3), x.yesToken(0), sim.Buy, 990_000, 1000*book.OneShare, sim.FAK); err != nil {
		t.Fatal(err)
	}
	x.waitFor("leg risk resolved", 15*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsPartial >= 1 && s.BasketsUnwound+s.BasketsCompleted >= 1 && len(s.Open) == 0
	})
	s := x.snapshot()
	if s.BasketsPartial != 1 || s.BasketsUnwound+s.BasketsCompleted != 1 || s.LegRiskActions == 0 {
		t.Fatalf("%+v", s)
	}
	x.stop()
	x.checkBooks()
}

func TestE2EFailedSettlementIsReopened(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, setup: func(s *sim.Server) {
		s.Faults().FailNextTrades(1)
	}})
	x.waitFor("settled", 15*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsSettled >= 1 && len(s.Open) == 0
	})
	s := x.snapshot()
	if s.BasketsPartial == 0 || s.BasketsCompleted == 0 {
		t.Fatalf("a FAILED trade must reopen the leg and be completed: %+v", s)
	}
	x.stop()
	x.checkBooks()
	if !x.alerted("trade_failed") {
		t.Errorf("no trade_failed alert: %v", x.alerts.list)
	}
}

func TestE2EDelayedResponse(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, setup: func(s *sim.Server) {
		s.Faults().DelayMatching(3, 150*time.Millisecond)
	}})
	x.waitFor("delayed basket resolved", 15*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsSettled >= 1 && len(s.Open) == 0
	})
	s := x.snapshot()
	if s.Queries == 0 || s.BasketsPartial != 0 {
		t.Fatalf("%+v", s)
	}
	x.stop()
	x.checkBooks()
}

func TestE2ERateLimited(t *testing.T) {
	start := time.Now()
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, setup: func(s *sim.Server) {
		s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Status: 429, RetryAfter: 1, Count: 1})
	}})
	x.waitFor("filled after the Retry-After", 15*time.Second, func() bool { return x.snapshot().BasketsFilled >= 1 })
	s := x.snapshot()
	if s.Rejects["rate_limited"] != 1 {
		t.Fatalf("%+v", s)
	}
	for _, tr := range x.srv.Exchange().Trades() {
		if tr.TakerAddr == x.addr && tr.MatchTime.Sub(start) < time.Second {
			t.Fatalf("traded %v after the start, inside the 1 s Retry-After", tr.MatchTime.Sub(start))
		}
	}
	x.waitFor("idle", 10*time.Second, x.idle(1))
	x.stop()
	x.checkBooks()
}

func TestE2EDroppedFeedDuringBasket(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, setup: func(s *sim.Server) {
		s.Faults().DelayMatching(3, 300*time.Millisecond)
	}})
	x.waitFor("basket submitted", 10*time.Second, func() bool { return x.snapshot().BasketsSubmitted >= 1 })
	x.srv.Faults().DropMarketConnections()
	x.waitFor("basket resolved", 15*time.Second, x.idle(1))
	x.waitFor("books resynced", 10*time.Second, func() bool {
		st := x.eng.Stats()
		return st.Exclusions["disconnected"] > 0 && st.BooksValid == int64(len(x.eng.plan.assets))
	})
	x.stop()
	x.checkBooks()
}

func TestE2EAugmentedNeverTraded(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", `
[[events]]
count = 1
outcomes = [3, 3]
augmented = true
tick = "0.01"
min_size = "5"
fee_rate = "0.04"
title = "Augmented {n}"
`), simCfg: fastSettle})
	x.waitFor("the complete event traded", 10*time.Second, func() bool { return x.snapshot().BasketsSettled >= 1 })
	x.waitFor("idle", 10*time.Second, x.idle(1))
	time.Sleep(300 * time.Millisecond)
	x.stop()
	for _, e := range x.srv.Exchange().Events() {
		if !e.Augmented {
			continue
		}
		for _, m := range e.Markets {
			for _, tr := range x.srv.Exchange().Trades() {
				if tr.TakerAddr == x.addr && (tr.AssetID == m.YesToken || tr.AssetID == m.NoToken) {
					t.Fatalf("traded the augmented event %q", e.Title)
				}
			}
			if _, ok := x.eng.plan.u.Registry.Lookup([]byte(m.YesToken)); ok {
				for _, g := range x.eng.plan.groups {
					if g.Key.ID == e.ID {
						t.Fatalf("augmented event %q is in the scanned universe", e.Title)
					}
				}
			}
		}
	}
	x.checkBooks()
}

func TestE2ETickSizeChange(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "1.02", ""), simCfg: fastSettle})
	x.waitFor("books valid", 10*time.Second, func() bool {
		return x.eng.Stats().BooksValid == int64(len(x.eng.plan.assets))
	})
	// Mid-run, the first market moves from tick 0.01 to 0.001.
	m0, _, _ := x.srv.Exchange().MarketByToken(x.yesToken(0))
	if !x.srv.Exchange().SetTick(m0.ConditionID, book.Tick0_001) {
		t.Fatal("SetTick refused")
	}
	x.waitFor("tick change seen", 10*time.Second, func() bool { return x.eng.Stats().Exclusions["tick_change"] > 0 })
	x.waitFor("books valid again", 10*time.Second, func() bool {
		return x.eng.Stats().BooksValid == int64(len(x.eng.plan.assets))
	})
	// Find the market now on the 0.001 grid and dip its YES ask off the old
	// grid: only an engine that follows the tick can trade it.
	var token string
	var asks []sim.Level
	for i := 0; i < 3; i++ {
		tok := x.yesToken(i)
		if m, ok, _ := x.srv.Exchange().MarketByToken(tok); ok && m.Tick == book.Tick0_001 {
			token = tok
			_, asks, _ = x.srv.Exchange().Book(tok)
		}
	}
	if token == "" || len(asks) == 0 {
		t.Fatal("no leg moved to tick 0.001")
	}
	// Pull the market's bids (YES bids, and NO asks, their mirror) so the
	// dip rests instead of crossing them.
	m, _, _ := x.srv.Exchange().MarketByToken(token)
	x.srv.Exchange().CancelWhere("", func(o *sim.Order) bool {
		return o.Market == m && (o.Yes && o.Side == sim.Buy || !o.Yes && o.Side == sim.Sell)
	})
	dip := asks[0].Price - 57_000 // e.g. 0.44 → 0.383: on the new grid only
	if _, _, err := x.srv.Exchange().PlaceBot(sim.HardhatAddress(3), token, sim.Sell, dip, 200*book.OneShare, sim.GTC); err != nil {
		t.Fatal(err)
	}
	x.waitFor("the dip traded", 10*time.Second, func() bool { return x.snapshot().BasketsFilled >= 1 })
	x.waitFor("idle", 10*time.Second, x.idle(1))
	s := x.snapshot()
	if s.Rejects["tick"] != 0 || s.BasketsPartial != 0 {
		t.Fatalf("%+v", s)
	}
	x.stop()
	x.checkBooks()
	if !strings.Contains(x.eng.Report(), "tick_change") {
		t.Errorf("report does not count the tick change:\n%s", x.eng.Report())
	}
}

// TestE2EFusedLayout runs the clean arbitrage with book+scan fused into the
// single feed reader (feed.Config.Notify): same outcome, no stage hop.
func TestE2EFusedLayout(t *testing.T) {
	x := startE2E(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: fastSettle, cfg: func(c *config.Config) {
		c.Topology.Layout = "fused"
	}})
	if x.eng.topo.Layout != Fused {
		t.Fatalf("layout %v", x.eng.topo)
	}
	x.waitFor("basket filled and settled", 10*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsSettled >= 1 && len(s.Open) == 0
	})
	x.stop()
	x.checkBooks()
	if st := x.eng.Stats(); st.Frames == 0 || st.BooksValid != int64(len(x.eng.plan.assets)) {
		t.Fatalf("stats %+v", st)
	}
}
