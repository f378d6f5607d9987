package engine

import (
	"context"
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

const crashChildEnv = "HOTPATH_ENGINE_CRASH_CHILD"

type crashSpec struct{ REST, WSMarket, WSUser, Gamma, Journal string }

// TestE2ECrashChild is the child process of TestE2ECrashMidBasket: the
// whole engine, trading against the parent's simulator until it is
// SIGKILLed. It does nothing in a normal test run.
func TestE2ECrashChild(t *testing.T) {
	raw := os.Getenv(crashChildEnv)
	if raw == "" {
		t.Skip("child process of TestE2ECrashMidBasket")
	}
	var sp crashSpec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		t.Fatal(err)
	}
	cfg := DemoConfig(sp.REST, sp.WSMarket, sp.WSUser, sp.Gamma, sp.Journal)
	signer, err := sign.NewSigner(sim.HardhatKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(cfg, Options{Signer: signer})
	if err != nil {
		t.Fatal(err)
	}
	_ = eng.Run(context.Background(), nil) // runs until the parent kills us
}

// TestE2ECrashMidBasket runs the engine in a child process, SIGKILLs it
// once a basket's response is journaled but before its trades settle, and
// restarts the engine on the same journal: the journal and the venue must
// reconcile (the basket is followed to settlement), nothing is bought
// twice, and the P&L agrees with the venue's ledger.
func TestE2ECrashMidBasket(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	srv := startSim(t, e2eOptions{spec: arbAtRest(t, "0.95", ""), simCfg: func(c *sim.Config) {
		// Slow settlement: the kill lands between the match and CONFIRMED.
		c.MinedDelay, c.ConfirmDelay = 500*time.Millisecond, 1500*time.Millisecond
	}})
	cash0 := srv.Ledger(sim.HardhatAddress(0)).Cash
	dir := t.TempDir()
	u := srv.URLs()
	spec, _ := json.Marshal(crashSpec{REST: u.REST, WSMarket: u.WSMarket, WSUser: u.WSUser, Gamma: u.Gamma, Journal: dir})
	cmd := osexec.Command(os.Args[0], "-test.run=^TestE2ECrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(spec))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !journalHas(t, dir, `"k":"resp"`) {
		if time.Now().After(deadline) {
			t.Fatal("the child never journaled a response")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed = true
	if journalHas(t, dir, `"k":"final"`) {
		t.Log("the basket closed before the kill landed; the restart still must not trade it again")
	}
	// Take the rest of the arbitrage away (leg 0's asks): whatever the
	// restarted engine buys could only be the crashed basket again.
	var leg0 string
	for _, e := range srv.Exchange().Events() {
		leg0 = e.Markets[0].YesToken
	}
	m0, _, _ := srv.Exchange().MarketByToken(leg0)
	srv.Exchange().CancelWhere("", func(o *sim.Order) bool {
		return o.Market == m0 && (o.Yes && o.Side == sim.Sell || !o.Yes && o.Side == sim.Buy)
	})
	trades := 0
	for _, tr := range srv.Exchange().Trades() {
		if tr.TakerAddr == sim.HardhatAddress(0) {
			trades++
		}
	}

	// Restart on the same journal.
	x := startE2E(t, e2eOptions{srv: srv, cash0: cash0, journal: dir})
	x.waitFor("the basket followed to settlement", 20*time.Second, func() bool {
		s := x.snapshot()
		return s.BasketsSettled >= 1 && len(s.Open) == 0
	})
	time.Sleep(300 * time.Millisecond)
	if n := x.ourTrades(); n != trades {
		t.Fatalf("%d trades before the restart, %d after: something was bought again", trades, n)
	}
	x.stop()
	x.checkBooks()
}

// journalHas reports whether any journal segment in dir contains s.
func journalHas(t *testing.T, dir, s string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "journal-*.log"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}
