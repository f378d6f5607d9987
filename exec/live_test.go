package exec

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sim"
	"github.com/hotpath/hotpath/sim/simtest"
)

func journalKinds(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := journal.Replay(dir, func(p []byte) error {
		s := string(p)
		i := strings.Index(s, `"k":"`)
		j := strings.Index(s[i+5:], `"`)
		out = append(out, s[i+5:i+5+j])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCleanArbitrage(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		noWS bool
	}{{"ws", false, false}, {"trades-poll-fallback", false, true}, {"tls", true, false}} {
		t.Run(tc.name, func(t *testing.T) { testCleanArbitrage(t, tc.tls, tc.noWS) })
	}
}

func testCleanArbitrage(t *testing.T, tlsOn, noWS bool) {
	s := startSim(t, func(c *sim.Config) { c.TLS = tlsOn })
	h := newHarness(t, s, "", func(c *Config) {
		if noWS {
			c.WSUserURL = ""
		}
	})
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	o := h.opp(10_000_000)
	if o.Edge <= 0 {
		t.Fatalf("scenario is not an arbitrage: %+v", o)
	}
	out := x.Submit(&o)
	if out.Kind != OutFilled || out.Filled != 3 || out.Basket == 0 {
		t.Fatalf("outcome %+v alerts %v", out, h.alerts)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if !noWS && x.ws.sessions.Load() == 0 {
		t.Fatal("the user channel never connected")
	}
	if noWS && snap.Queries == 0 {
		t.Fatal("settled without the socket and without polling trades")
	}
	if snap.BasketsSubmitted != 1 || snap.BasketsFilled != 1 || snap.BasketsSettled != 1 || snap.FalseBaskets != 0 || snap.BasketsPartial != 0 {
		t.Fatalf("counters %+v", snap)
	}
	if snap.SetsValue != 10_000_000 || snap.PnL != 10_000_000+snap.Cash || snap.PnL <= 0 || snap.Locked != snap.PnL {
		t.Fatalf("P&L: %+v", snap)
	}
	if len(snap.Positions) != 3 || snap.Positions[0].Shares != 10_000_000 {
		t.Fatalf("positions %+v", snap.Positions)
	}
	// the fills cost what the opportunity said (fees as the venue charged)
	if -snap.Cash != o.Cost {
		t.Errorf("cash %d, opportunity cost %d", -snap.Cash, o.Cost)
	}
	h.checkLedger(before)
	k := journalKinds(t, h.cfg.JournalDir)
	if len(k) < 4 || k[0] != "recon" || k[1] != "intent" || k[2] != "resp" || k[len(k)-1] != "final" {
		t.Fatalf("journal %v", k)
	}
}

func TestPaperFillsAtExpectedCost(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", func(c *Config) { c.Mode = Paper })
	x := h.start()
	o := h.opp(20_000_000)
	out := x.Submit(&o)
	if out.Kind != OutFilled {
		t.Fatalf("%+v", out)
	}
	x.Poll(0)
	snap := x.Snapshot()
	if snap.Cash != -o.Cost || snap.Fees != o.Fees || snap.PnL != o.Edge || snap.BasketsSettled != 1 || len(snap.Open) != 0 {
		t.Fatalf("paper accounting %+v vs opp cost %d edge %d", snap, o.Cost, o.Edge)
	}
	if h.ourTrades() != 0 {
		t.Fatal("paper mode traded")
	}
	// a restart replays the journal into the same books
	x.Shutdown(t.Context())
	h2 := newHarness(t, s, h.cfg.JournalDir, func(c *Config) { c.Mode = Paper })
	x2 := h2.start()
	if s2 := x2.Snapshot(); s2.Cash != snap.Cash || s2.PnL != snap.PnL || len(s2.Positions) != 3 {
		t.Fatalf("after replay %+v, want %+v", s2, snap)
	}
}

// killLeg makes leg i of o unfillable: its limit one tick under the ask.
func killLeg(o *scan.Opportunity, i int) {
	o.Legs[i].Limit -= 10_000
	o.Legs[i].Amount = book.CostUp(o.Legs[i].Limit, o.Q)
}

func TestKilledLegIsCompleted(t *testing.T) {
	h, _, before := partialBasket(t, 1)
	x := h.x
	h.poll("completion and settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsPartial != 1 || snap.BasketsCompleted != 1 || snap.BasketsSettled != 1 || snap.LegRiskActions == 0 {
		t.Fatalf("counters %+v alerts %v", snap, h.alerts)
	}
	for _, p := range snap.Positions {
		if p.Shares != 10_000_000 {
			t.Fatalf("positions %+v", snap.Positions)
		}
	}
	h.checkLedger(before)
	found := false
	for _, k := range journalKinds(t, h.cfg.JournalDir) {
		found = found || k == "legrisk"
	}
	if !found {
		t.Fatal("leg-risk decision not journaled")
	}
}

// TestKilledLegIsUnwound: the killed leg's asks jump to 0.99 (completing
// would lose most of what the basket spent) while the filled legs can be
// sold one tick under what they cost: unwinding loses less, within the cap.
func TestKilledLegIsUnwound(t *testing.T) {
	h, o, before := partialBasket(t, 0)
	x := h.x
	h.requote(0, false, 990_000, 1000_000_000)
	for i := 1; i < 3; i++ {
		h.requote(i, true, o.Legs[i].Limit-10_000, 1000_000_000)
	}
	h.poll("unwind and settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsUnwound != 1 || len(snap.Positions) != 0 || snap.Realised != snap.Cash || snap.Realised >= 0 {
		t.Fatalf("unwind: %+v alerts %v", snap, h.alerts)
	}
	if loss := -snap.Realised; loss > h.cfg.LegLossBudget {
		t.Fatalf("unwind lost %d, over the cap %d", loss, h.cfg.LegLossBudget)
	}
	if buys, sells := h.ourSides(); buys != 2 || sells != 2 {
		t.Fatalf("trades: %d buys (2 at entry), %d sells (2 to unwind)", buys, sells)
	}
	h.checkLedger(before)
}

func TestFailedSettlementReopensTheLeg(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	s.Faults().FailNextTrades(1) // the first leg's trade will FAIL after matching
	o := h.opp(10_000_000)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("outcome %+v", out)
	}
	h.poll("failure, completion and settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsPartial != 1 || snap.BasketsCompleted != 1 || snap.BasketsSettled != 1 {
		t.Fatalf("counters %+v alerts %v", snap, h.alerts)
	}
	for _, p := range snap.Positions {
		if p.Shares != 10_000_000 {
			t.Fatalf("positions %+v", snap.Positions)
		}
	}
	h.checkLedger(before)
	failed := false
	for _, a := range h.alerts {
		failed = failed || strings.HasPrefix(a, "trade_failed")
	}
	if !failed {
		t.Fatalf("no trade_failed alert: %v", h.alerts)
	}
}

// TestDelayedResponseIsQueried: "delayed" is neither filled nor dead. The
// venue matches later than UnknownGrace here: an order the venue accepted
// is never written off because it cannot be found yet.
func TestDelayedResponseIsQueried(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", func(c *Config) { c.UnknownGrace = 50 * time.Millisecond })
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	s.Faults().DelayMatching(3, 300*time.Millisecond)
	o := h.opp(10_000_000)
	out := x.Submit(&o)
	if out.Kind != OutPending || out.Unknown != 3 {
		t.Fatalf("outcome %+v", out)
	}
	h.poll("delayed matching and settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsSettled != 1 || snap.Queries == 0 {
		t.Fatalf("%+v", snap)
	}
	if h.ourTrades() != 3 {
		t.Fatalf("%d trades: something was resent", h.ourTrades())
	}
	h.checkLedger(before)
}

func TestRateLimitedBasketIsNotResent(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Status: 429, RetryAfter: 2, Count: 1})
	o := h.opp(10_000_000)
	out := x.Submit(&o)
	if out.Kind != OutKilled || out.Reject != RejectRateLimited || out.Action != ActBackoff {
		t.Fatalf("outcome %+v", out)
	}
	// the Retry-After blocks the next basket before anything is sent
	out = x.Submit(&o)
	if out.Kind != OutVetoed || out.Veto != VetoRateBudget {
		t.Fatalf("second submit during Retry-After: %+v", out)
	}
	h.poll("closing", 2*time.Second, h.idle)
	if n := h.ourTrades(); n != 0 {
		t.Fatalf("%d trades after a 429", n)
	}
	snap := x.Snapshot()
	if snap.BasketsFailed != 1 || snap.Rejects["rate_limited"] != 1 || snap.Vetoes["rate_budget"] != 1 {
		t.Fatalf("%+v", snap)
	}
}

// TestVersionMismatchResignsOnce puts a proxy in front of the sim that
// answers the first POST /orders with order_version_mismatch.
func TestVersionMismatchResignsOnce(t *testing.T) {
	s := startSim(t, nil)
	target, _ := url.Parse(s.URLs().REST)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var posts, versions atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			versions.Add(1)
		}
		if r.Method == "POST" && r.URL.Path == "/orders" && posts.Add(1) == 1 {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"order_version_mismatch"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	h := newHarness(t, s, "", func(c *Config) { c.CLOBURL = front.URL })
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	v0 := versions.Load()
	o := h.opp(10_000_000)
	out := x.Submit(&o)
	if out.Kind != OutFilled || posts.Load() != 2 || versions.Load() != v0+1 {
		t.Fatalf("outcome %+v posts %d version reads %d", out, posts.Load(), versions.Load()-v0)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	h.checkLedger(before)
	if h.ourTrades() != 3 {
		t.Fatalf("%d trades", h.ourTrades())
	}
}

// TestNoBasketRecordsConversion: a complete NO basket journals its
// convertPositions intent (the on-chain call is out of scope).
func TestNoBasketRecordsConversion(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", func(c *Config) {
		c.Mode = Paper
		c.Groups[0].Kind, c.Groups[0].Payout = scan.NoBasket, 2_000_000
	})
	x := h.start()
	o := h.opp(10_000_000) // priced on the YES books: paper does not care which token
	o.Kind, o.Payout = scan.NoBasket, 2_000_000
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("%+v", out)
	}
	x.Poll(0)
	if snap := x.Snapshot(); snap.Conversions != 1 || snap.SetsValue != 20_000_000 {
		t.Fatalf("%+v", snap)
	}
	k := journalKinds(t, h.cfg.JournalDir)
	if k[len(k)-2] != "convert" || k[len(k)-1] != "final" {
		t.Fatalf("journal %v", k)
	}
}

// TestSeventeenLegsGoInTwoBatches: more than 15 legs are split into two
// POST /orders written back to back on the same connection.
func TestSeventeenLegsGoInTwoBatches(t *testing.T) {
	sc := simtest.Arb{Name: "exec-arb", Seed: 11, Accounts: [2]int{0, 3}, Cash: "1000", Outcomes: 17}.TOML()
	s := startScenario(t, sc, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	o := h.opp(50_000_000) // ≥ $1 on the cheapest leg
	if o.N != 17 || o.Edge <= 0 {
		t.Fatalf("scenario: %d legs, edge %d", o.N, o.Edge)
	}
	dials := x.hot.Stats.Dials
	out := x.Submit(&o)
	if out.Kind != OutFilled || out.Filled != 17 {
		t.Fatalf("outcome %+v alerts %v", out, h.alerts)
	}
	if x.hot.Stats.Dials != dials {
		t.Fatal("the second batch needed a new connection")
	}
	h.poll("settlement", 5*time.Second, h.idle)
	h.checkLedger(before)
	if snap := x.Snapshot(); snap.BasketsSettled != 1 || snap.SetsValue != 50_000_000 {
		t.Fatalf("%+v", snap)
	}
}

// TestShutdownWaitsForSettlement: a graceful stop right after a basket
// filled, while its trades are still MATCHED and one of them is going to
// FAIL. Shutdown must follow the settlement (and the leg risk the failure
// starts) before it returns, so the journal's books end equal to the
// venue's ledger; stopping at once left them apart.
func TestShutdownWaitsForSettlement(t *testing.T) {
	s := startSim(t, func(c *sim.Config) { c.MinedDelay, c.ConfirmDelay = 100*time.Millisecond, 200*time.Millisecond })
	h := newHarness(t, s, "", nil)
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	s.Faults().FailNextTrades(1)
	o := h.opp(10_000_000)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("outcome %+v", out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("shutdown ran out of time")
	}
	snap := x.Snapshot()
	if snap.BasketsPartial != 1 || snap.BasketsCompleted != 1 || len(snap.Open) != 0 {
		t.Fatalf("after shutdown %+v alerts %v", snap, h.alerts)
	}
	h.checkLedger(before)
}
