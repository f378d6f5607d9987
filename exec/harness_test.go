package exec

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
	"github.com/hotpath/hotpath/sim/simtest"
)

// arbScenario is a quiet venue whose one neg-risk event is an arbitrage at
// rest: the makers quote its YES basket at 0.95 (plus 4% fees ≈ 0.977),
// two levels of exactly 100 shares each.
var arbScenario = simtest.Arb{Name: "exec-arb", Seed: 11, Accounts: [2]int{0, 3}, Cash: "1000"}.TOML()

type harness struct {
	t      *testing.T
	s      *sim.Server
	reg    *book.Registry
	tokens []string
	cfg    Config
	x      *Executor
	alerts []string
}

func startSim(t *testing.T, mod func(*sim.Config)) *sim.Server {
	t.Helper()
	return startScenario(t, arbScenario, mod)
}

func startScenario(t *testing.T, scenario string, mod func(*sim.Config)) *sim.Server {
	t.Helper()
	sc, err := sim.ParseScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.Config{Spec: sc, Rate: 0, MinedDelay: 20 * time.Millisecond, ConfirmDelay: 40 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := sim.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newHarness builds the executor's configuration for the sim's event
// (hardhat account 0, its derived API key). mod may change the config
// before New.
func newHarness(t *testing.T, s *sim.Server, dir string, mod func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, s: s, reg: book.NewRegistry()}
	var legs []book.AssetIndex
	var fees []scan.FeeModel
	for _, e := range s.Exchange().Events() {
		for _, m := range e.Markets {
			a, err := h.reg.Add(book.AssetInfo{TokenID: m.YesToken, Market: m.ConditionID, Tick: m.Tick, MinSize: m.MinSize, NegRisk: m.NegRisk, Outcome: m.Outcome})
			if err != nil {
				t.Fatal(err)
			}
			legs = append(legs, a)
			h.tokens = append(h.tokens, m.YesToken)
			fees = append(fees, scan.FeeModel{Rate: uint32(m.Fee.Rate), Exponent: uint8(m.Fee.Exponent)})
		}
	}
	signer, err := sign.NewSigner(sim.HardhatKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	cr := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	if dir == "" {
		dir = t.TempDir()
	}
	h.cfg = Config{
		Mode: Live, CLOBURL: s.URLs().REST, WSUserURL: s.URLs().WSUser, ChainID: 137, Signer: signer,
		Creds:    Credentials{APIKey: cr.APIKey, Secret: cr.Secret, Passphrase: cr.Passphrase},
		Registry: h.reg, Groups: []GroupInfo{{EventIndex: 0, Kind: scan.YesBasket, Payout: 1_000_000, Legs: legs}},
		NumEvents: 1, Fees: fees, JournalDir: dir,
		Limits:       Limits{MaxBasketNotional: 500e6, MaxEventExposure: 1000e6, MaxOpenBaskets: 10, MaxDailyLoss: 50e6},
		OrdersPer10s: 300, UnwindReserve: 30, LegLossBudget: 1_000_000, LegLossShare: 50_000,
		LegRiskAttempts: 3, LegRiskRetry: 50 * time.Millisecond, QueryEvery: 30 * time.Millisecond, UnknownGrace: 2 * time.Second,
		TLSConfig: &tls.Config{InsecureSkipVerify: true},
		OnAlert:   func(kind, msg string) { h.alerts = append(h.alerts, kind+": "+msg) },
	}
	if mod != nil {
		mod(&h.cfg)
	}
	return h
}

func (h *harness) start() *Executor {
	h.t.Helper()
	x, err := New(h.cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := x.Start(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.x = x
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = x.Shutdown(ctx)
	})
	return x
}

// opp prices the event's YES basket for q shares from the sim's books, as
// the scanner would (levels walked, costs and fees rounded up).
func (h *harness) opp(q book.Size) scan.Opportunity {
	h.t.Helper()
	g := h.cfg.Groups[0]
	o := scan.Opportunity{Group: 0, Kind: scan.YesBasket, Reason: scan.OK, N: uint8(len(g.Legs)), Q: q, Payout: g.Payout, TS: hist.Now()}
	for i, a := range g.Legs {
		_, asks, ok := h.s.Exchange().Book(h.tokens[i])
		if !ok {
			h.t.Fatal("no book")
		}
		lg := scan.Leg{Asset: a, Tick: h.reg.Info(a).Tick, Size: q}
		left := q
		for _, lv := range asks {
			take := min(left, lv.Size)
			lg.Cost += book.CostUp(lv.Price, take)
			lg.Fee += h.cfg.Fees[a].FeeMicroUp(lv.Price, take, 5)
			lg.Limit = lv.Price
			lg.Levels++
			left -= take
			if left == 0 {
				break
			}
		}
		if left > 0 {
			h.t.Fatalf("leg %d: not enough depth for %v", i, q)
		}
		lg.Amount = book.CostUp(lg.Limit, q)
		o.Legs[i] = lg
		o.Cost += lg.Cost + lg.Fee
		o.Fees += lg.Fee
	}
	o.Proceeds = proceeds(o.Payout, q)
	o.Edge = o.Proceeds - o.Cost
	return o
}

// poll runs Poll until cond holds or the timeout passes.
func (h *harness) poll(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	// The timeout is how long to wait before calling it a failure; a
	// loaded CI machine (race detector, other packages in parallel) can be
	// many times slower than a quiet one, so never wait less than 30 s.
	timeout = max(timeout, 30*time.Second)
	deadline := time.Now().Add(timeout)
	for {
		h.x.Poll(hist.Now())
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			s := h.x.Snapshot()
			h.t.Fatalf("timed out waiting for %s; snapshot %+v; alerts %v", what, s, h.alerts)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) idle() bool { return len(h.x.Snapshot().Open) == 0 }

// checkLedger compares the executor's cash and positions with the sim's
// ledger change since before.
func (h *harness) checkLedger(before sim.AccountSnapshot) {
	h.t.Helper()
	after := h.s.Ledger(sim.HardhatAddress(0))
	s := h.x.Snapshot()
	if got, want := s.Cash, after.Cash-before.Cash; got != want {
		h.t.Errorf("cash: executor %d, ledger %d", got, want)
	}
	if got, want := s.Fees, after.Fees-before.Fees; got != want {
		h.t.Errorf("fees: executor %d, ledger %d", got, want)
	}
	pos := map[string]int64{}
	for _, p := range s.Positions {
		pos[p.TokenID] = p.Shares
	}
	for _, tok := range h.tokens {
		if got, want := pos[tok], after.Positions[tok]-before.Positions[tok]; got != want {
			h.t.Errorf("position %s…: executor %d, ledger %d", tok[:8], got, want)
		}
	}
}

// ourOrders counts the orders of our API key the venue has seen.
func (h *harness) ourTrades() int {
	n := 0
	for _, tr := range h.s.Exchange().Trades() {
		if tr.TakerAddr == sim.HardhatAddress(0) {
			n++
		}
	}
	return n
}
