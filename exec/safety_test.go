package exec

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// TestTimeoutIsQueriedNeverResent: the venue does not answer within the
// request timeout. The outcome is unknown: the executor queries, never
// resends; the order was never placed, so after the grace period the
// basket ends with nothing bought.
func TestTimeoutIsQueriedNeverResent(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", func(c *Config) {
		c.RequestTimeout = 200 * time.Millisecond
		c.UnknownGrace = 400 * time.Millisecond
	})
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))
	s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Delay: time.Second, Count: 1})
	o := h.opp(10_000_000)
	out := x.Submit(&o)
	if out.Kind != OutPending || out.Unknown != 3 {
		t.Fatalf("outcome %+v", out)
	}
	h.poll("unknown orders resolved", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.BasketsFailed != 1 || snap.Queries < 3 || snap.Unknowns != 3 {
		t.Fatalf("%+v", snap)
	}
	if n := h.ourTrades(); n != 0 {
		t.Fatalf("%d trades", n)
	}
	h.checkLedger(before)
	// the order connection recovers for the next basket
	o = h.opp(10_000_000)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("after the timeout: %+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	h.checkLedger(before)
}

func TestHaltRejectionPausesAndAlerts(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Status: 401, Count: 1})
	o := h.opp(10_000_000)
	out := x.Submit(&o)
	if out.Kind != OutKilled || out.Reject != RejectAuth || out.Action != ActHalt {
		t.Fatalf("outcome %+v", out)
	}
	if out := x.Submit(&o); out.Kind != OutVetoed || out.Veto != VetoPaused {
		t.Fatalf("after a halt: %+v", out)
	}
	if len(h.alerts) == 0 || !strings.HasPrefix(h.alerts[0], "halt") {
		t.Fatalf("alerts %v", h.alerts)
	}
	x.Resume()
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("after resume: %+v", out)
	}
	x.Kill("operator")
	if out := x.Submit(&o); out.Veto != VetoKilled {
		t.Fatalf("after kill: %+v", out)
	}
	x.Resume()
	if out := x.Submit(&o); out.Veto != VetoKilled {
		t.Fatalf("resume undid a kill: %+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	if snap := x.Snapshot(); !snap.Killed || snap.Reason != "operator" || snap.BasketsSettled != 1 {
		t.Fatalf("%+v", snap)
	}
}

// TestTemplatesAndSnapping runs the pool path against the sim (real
// signature checks): an exact hit, a snap of Q down to the ladder, and the
// spot-signing fallback when no ladder size meets the venue minimums.
func TestTemplatesAndSnapping(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	ladder := []book.Size{1_000_000, 10_000_000, 20_000_000}
	pool, err := sign.NewPool(sign.TemplateConfig{Signer: h.cfg.Signer, ChainID: 137, CLOBVersion: 2, Owner: h.cfg.Creds.APIKey,
		Shares: ladder, PerKey: 2, MaxAge: time.Hour, MaxAssets: h.reg.Len()})
	if err != nil {
		t.Fatal(err)
	}
	o := h.opp(20_000_000)
	var hot []sign.HotLeg
	for i := 0; i < int(o.N); i++ {
		id, _ := sign.ParseTokenID(h.tokens[i])
		hot = append(hot, sign.HotLeg{Asset: o.Legs[i].Asset, TokenID: id, Ask: o.Legs[i].Limit, Tick: book.Tick0_01, NegRisk: true})
	}
	if err := pool.Apply(sign.PoolEvent{Entered: true, Legs: hot}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Refill(time.Now()); err != nil {
		t.Fatal(err)
	}
	h.cfg.Pool, h.cfg.Ladder = pool, ladder
	x := h.start()
	before := s.Ledger(sim.HardhatAddress(0))

	if out := x.Submit(&o); out.Kind != OutFilled || out.Hits != 3 || out.Q != 20_000_000 {
		t.Fatalf("exact hit: %+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	o = h.opp(30_000_000) // no 30-share templates: snapped to 20
	if out := x.Submit(&o); out.Kind != OutFilled || out.Hits != 3 || out.Q != 20_000_000 {
		t.Fatalf("snap: %+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	o = h.opp(8_000_000) // only the 1-share size is below 8, and it breaks the minimum size: sign on the spot
	if out := x.Submit(&o); out.Kind != OutFilled || out.Hits != 0 || out.Q != 8_000_000 {
		t.Fatalf("spot signing: %+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	snap := x.Snapshot()
	if snap.TemplateHits != 6 || snap.TemplateSnaps != 1 || snap.TemplateMisses < 3 || snap.BasketsSettled != 3 {
		t.Fatalf("%+v", snap)
	}
	h.checkLedger(before)
}

// TestHeartbeatsAfterARestingOrder: once an order of ours is seen resting
// (here: found by the restart's reconciliation), the heartbeat loop runs.
func TestHeartbeatsAfterARestingOrder(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	if x.liveSeen.Load() {
		t.Fatal("heartbeats armed without a resting order")
	}
	x.liveSeen.Store(true) // as a "live" response or user-channel event would
	deadline := time.Now().Add(3 * time.Second)
	for x.hb.Sent.Load() < 1 {
		x.Poll(x.cfg.Now())
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat sent")
		}
		time.Sleep(10 * time.Millisecond)
	}
	x.Shutdown(t.Context()) // stops the loop: its state is ours to read
	if x.hb.id == "" {
		t.Fatal("heartbeat id not kept")
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{APIKey: "key-uuid", Secret: "c2VjcmV0LXNlY3JldA==", Passphrase: "pass-phrase"}
	for _, s := range []string{c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v", c, c, c), fmt.Sprint(Config{Creds: c})} {
		if strings.Contains(s, c.Secret) || strings.Contains(s, c.Passphrase) {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestClassifyMarketableMinimum(t *testing.T) {
	msg := []byte("invalid amount for a marketable BUY order ($0.9), min size: $1")
	if r := Classify(msg); r != RejectMinSize || ActionFor(r) != ActInvalidate {
		t.Fatalf("%v", r)
	}
}

// TestLateAndUnknownTrades: a trade reported after its basket ended is
// accounted once (and survives a restart); a trade of an order that is not
// ours is alerted and not accounted. The reports are injected as the user
// channel would deliver them.
func TestLateAndUnknownTrades(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", func(c *Config) { c.WSUserURL = "" })
	x := h.start()
	o := h.opp(10_000_000)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("%+v", out)
	}
	h.poll("settlement", 5*time.Second, h.idle)
	base := x.Snapshot()
	var hash [32]byte
	for _, c := range x.closed {
		if c.basket != 0 && c.leg.asset == 0 {
			hash = c.leg.hash
		}
	}
	late := venueEvent{trade: true, order: hash, tradeID: "late-1", status: tradeConfirmed, price: 300_000, size: 1_000_000, hasFee: true, fee: 8_400}
	x.pushEvent(late)
	x.pushEvent(late) // the same report twice
	x.pushEvent(venueEvent{trade: true, order: [32]byte{9}, tradeID: "other", status: tradeMatched, price: 500_000, size: 1_000_000})
	x.Poll(x.cfg.Now())
	snap := x.Snapshot()
	if got := snap.Positions[0].Shares - base.Positions[0].Shares; got != 1_000_000 {
		t.Fatalf("late fill accounted %d shares", got)
	}
	if got := base.Cash - snap.Cash; got != 300_000+8_400 {
		t.Fatalf("late fill cost %d", got)
	}
	var lateAlerts, unknown int
	for _, a := range h.alerts {
		if strings.HasPrefix(a, "late_fill") {
			lateAlerts++
		}
		if strings.HasPrefix(a, "unknown_trade") {
			unknown++
		}
	}
	if lateAlerts != 1 || unknown != 1 {
		t.Fatalf("alerts %v", h.alerts)
	}
	x.Shutdown(t.Context())
	h2 := newHarness(t, s, h.cfg.JournalDir, func(c *Config) { c.WSUserURL = "" })
	x2 := h2.start()
	if s2 := x2.Snapshot(); s2.Cash != snap.Cash || s2.Positions[0].Shares != snap.Positions[0].Shares {
		t.Fatalf("after replay %+v, want cash %d pos %d", s2, snap.Cash, snap.Positions[0].Shares)
	}
}
