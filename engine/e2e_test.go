package engine

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// e2e is the engine running in live mode against an in-process simulator
// over real sockets on 127.0.0.1.
type e2e struct {
	t      *testing.T
	srv    *sim.Server
	eng    *Engine
	cfg    config.Config
	cancel context.CancelFunc
	done   chan error
	addr   common.Address
	cash0  int64 // venue cash before the engine started
	alerts struct {
		sync.Mutex
		list []string
	}
}

type e2eOptions struct {
	scenario string
	spec     *sim.Scenario
	simCfg   func(*sim.Config)
	cfg      func(*config.Config)
	journal  string
	key      int               // Hardhat account index
	setup    func(*sim.Server) // runs before the engine starts (faults)
	srv      *sim.Server       // an already running simulator (restart tests)
	cash0    int64             // with srv: our venue cash before the first engine
}

func startE2E(t *testing.T, o e2eOptions) *e2e {
	t.Helper()
	srv := o.srv
	if srv == nil {
		srv = startSim(t, o)
	}
	u := srv.URLs()
	if o.journal == "" {
		o.journal = t.TempDir()
	}
	cfg := DemoConfig(u.REST, u.WSMarket, u.WSUser, u.Gamma, o.journal)
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	signer, err := sign.NewSigner(sim.HardhatKeys[o.key])
	if err != nil {
		t.Fatal(err)
	}
	x := &e2e{t: t, srv: srv, cfg: cfg, done: make(chan error, 1), addr: sim.HardhatAddress(o.key)}
	x.cash0 = srv.Ledger(x.addr).Cash
	if o.srv != nil {
		x.cash0 = o.cash0
	}
	if o.setup != nil {
		o.setup(srv)
	}
	eng, err := New(cfg, Options{Signer: signer, OnAlert: func(kind, msg string) {
		x.alerts.Lock()
		x.alerts.list = append(x.alerts.list, kind+": "+msg)
		x.alerts.Unlock()
	}, ShutdownTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	x.eng = eng
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	ready := make(chan struct{})
	go func() { x.done <- eng.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-x.done:
		t.Fatalf("engine stopped before ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("engine not ready")
	}
	t.Cleanup(x.stop)
	return x
}

func startSim(t *testing.T, o e2eOptions) *sim.Server {
	t.Helper()
	if o.scenario == "" && o.spec == nil {
		o.scenario = "demo"
	}
	sctx, scancel := context.WithCancel(context.Background())
	scfg := sim.Config{Scenario: o.scenario, Spec: o.spec}
	if o.simCfg != nil {
		o.simCfg(&scfg)
	}
	srv, err := sim.Start(sctx, scfg)
	if err != nil {
		scancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { scancel(); _ = srv.Close() })
	return srv
}

// stop shuts the engine down (idempotent) and returns Run's error.
func (x *e2e) stop() {
	if x.cancel == nil {
		return
	}
	x.cancel()
	x.cancel = nil
	select {
	case err := <-x.done:
		if err != nil && !strings.Contains(err.Error(), "context canceled") {
			x.t.Errorf("engine run: %v", err)
		}
	case <-time.After(40 * time.Second):
		x.t.Error("engine did not shut down")
	}
}

// waitFor polls cond until it holds or the deadline passes.
func (x *e2e) waitFor(what string, d time.Duration, cond func() bool) {
	x.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			x.t.Fatalf("%s: not within %v (snapshot %+v)", what, d, x.eng.x.Snapshot())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (x *e2e) snapshot() exec.Snapshot { return x.eng.x.Snapshot() }

// alerted reports whether an alert of kind was raised.
func (x *e2e) alerted(kind string) bool {
	x.alerts.Lock()
	defer x.alerts.Unlock()
	for _, a := range x.alerts.list {
		if strings.HasPrefix(a, kind) {
			return true
		}
	}
	return false
}

// venuePnL is the venue ledger's view of our P&L: cash since the start
// plus the complete sets held, valued like the engine values its own.
func (x *e2e) venuePnL() int64 {
	l := x.srv.Ledger(x.addr)
	return l.Cash - x.cash0 + x.eng.SetsValue(l.Positions)
}

// checkBooks asserts the invariants every run must keep: no false basket,
// no trap window taken, engine P&L equal to the venue's.
func (x *e2e) checkBooks() {
	x.t.Helper()
	s := x.snapshot()
	if s.FalseBaskets != 0 {
		x.t.Errorf("%d false baskets", s.FalseBaskets)
	}
	for _, w := range x.srv.Windows() {
		if w.Augmented && slices.Contains(w.TakenBy, x.addr.Hex()) {
			x.t.Errorf("traded the augmented trap window %d (%s)", w.ID, w.Event)
		}
	}
	// Exact: the user channel carries no fee amount (protocol.md §3), but
	// the executor books each trade's fee as the venue rounds it
	// (exec.Config.FeeRounding, half-up at 5 decimals like the simulator)
	// and takes the venue's own amount from /data/trades when it has it.
	if v := x.venuePnL(); v != s.PnL {
		x.t.Errorf("engine P&L %d µ$, venue ledger %d µ$ (%d trades)", s.PnL, v, x.ourTrades())
	}
	l := x.srv.Ledger(x.addr)
	for _, p := range s.Positions {
		if l.Positions[p.TokenID] != p.Shares {
			x.t.Errorf("position %s: engine %d, venue %d", p.TokenID, p.Shares, l.Positions[p.TokenID])
		}
	}
	for tok, sh := range l.Positions {
		if sh != 0 && !slices.ContainsFunc(s.Positions, func(p exec.Position) bool { return p.TokenID == tok }) {
			x.t.Errorf("venue holds %d of %s, the engine nothing", sh, tok)
		}
	}
}

// TestE2EDemoCapturesWindows runs the demo scenario for a few seconds:
// windows are planted, the engine captures them, never trades the
// augmented trap, and its P&L equals the venue ledger's.
func TestE2EDemoCapturesWindows(t *testing.T) {
	x := startE2E(t, e2eOptions{})
	d := 12 * time.Second
	if testing.Short() {
		d = 6 * time.Second
	}
	time.Sleep(d)
	x.stop()
	s := x.snapshot()
	ws := x.srv.Windows()
	t.Logf("windows %d, snapshot %+v", len(ws), s)
	st := x.eng.Stats()
	t.Logf("stage: opps %d drops %v notTaken %v", st.Opportunities, st.Dropped, st.NotTaken)
	for _, w := range ws {
		t.Logf("window %d %s aug=%v %v..%v price %v was %v depth %v cost %d edge %d fees %d taken %v by %v", w.ID, w.Event, w.Augmented, w.Start.Format("05.000"), w.End.Format("05.000"), w.Price, w.WasPrice, w.Depth, w.Cost, w.Edge, w.Fees, w.Taken, w.TakenBy)
	}
	for _, a := range x.alerts.list {
		t.Log("alert:", a)
	}
	x.checkBooks()
	tradeable := 0
	for _, w := range ws {
		if !w.Augmented && w.Net > int64(x.cfg.Strategy.Margin) && !w.End.IsZero() {
			tradeable++
		}
	}
	if tradeable > 0 && s.BasketsSubmitted == 0 {
		t.Errorf("%d tradeable windows, no basket submitted", tradeable)
	}
}
