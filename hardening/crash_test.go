package hardening

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hotpath/hotpath/sim"
)

// soak reports whether the long versions of the drills were asked for
// (make soak sets HOTPATH_SOAK=1).
func soak() bool { return os.Getenv("HOTPATH_SOAK") != "" }

// drillSeed is HOTPATH_DRILL_SEED, else def: a failing run is replayed by
// setting the seed it logged.
func drillSeed(t *testing.T, def uint64) uint64 {
	if s := os.Getenv("HOTPATH_DRILL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("HOTPATH_DRILL_SEED: %v", err)
		}
		return v
	}
	return def
}

func dirSize(dir string) int64 {
	ents, _ := os.ReadDir(dir)
	var n int64
	for _, e := range ents {
		if fi, err := e.Info(); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestCrashLoop kills a `hotpath run` engine trading live against an
// out-of-process simclob with SIGKILL at random points — right after it
// journals a record (mid-basket: between intent, request and response), or
// at a random moment — restarts it on the same journal, and at the end
// checks that the journal and the venue reconcile: every fill on the
// venue is accounted for in the journal, no order was bought twice, and
// nothing rests on the book.
func TestCrashLoop(t *testing.T) {
	iters := 6
	switch {
	case soak():
		iters = 60
	case testing.Short():
		iters = 2
	}
	seed := drillSeed(t, 20261121)
	t.Logf("seed %d (HOTPATH_DRILL_SEED), %d kills", seed, iters)
	rng := rand.New(rand.NewPCG(seed, 0x13))
	b := binaries(t)
	scenario, err := filepath.Abs("testdata/crash.toml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := StartSimclob(b["simclob"], "--scenario", scenario, "--seed", strconv.FormatUint(seed, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	addr := sim.HardhatAddress(0).Hex()
	start, err := sc.Ledger(addr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jdir := filepath.Join(dir, "journal")
	cfg := filepath.Join(dir, "hotpath.toml")
	if err := os.WriteFile(cfg, []byte(EngineConfig(sc.URLs, jdir)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOTPATH_PRIVATE_KEY=" + sim.HardhatKeys[0]}
	startEngine := func(what string, extra ...string) *Engine {
		t.Helper()
		e, err := StartEngine(b["hotpath"], cfg, env, extra...)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-e.Ready():
		case <-e.Done():
			_, se := e.Output()
			t.Fatalf("%s: engine exited (%d) before it was ready:\n%s", what, e.ExitCode(), se)
		case <-time.After(60 * time.Second):
			e.Kill()
			_, se := e.Output()
			t.Fatalf("%s: engine not ready within 60 s:\n%s", what, se)
		}
		return e
	}
	var afterRecord, atRandom, noRecord, inFlight int
	for i := range iters {
		e := startEngine("run " + strconv.Itoa(i+1))
		if rng.IntN(3) > 0 {
			// Kill right after the journal grows: an intent, a response
			// or a trade was just appended, so a basket is in flight.
			size := dirSize(jdir)
			deadline := time.Now().Add(8 * time.Second)
			for dirSize(jdir) == size && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if dirSize(jdir) == size {
				noRecord++
			} else {
				afterRecord++
			}
			time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
		} else {
			atRandom++
			time.Sleep(time.Duration(rng.IntN(2500)) * time.Millisecond)
		}
		e.Kill()
		if a, err := AuditJournal(jdir); err != nil {
			t.Fatalf("journal after kill %d: %v", i+1, err)
		} else if a.Unanswered() > 0 {
			inFlight++
		}
	}
	// A last run that stops cleanly: reconciliation of whatever the last
	// kill left unresolved, then a graceful stop.
	e := startEngine("final run", "--duration", "3s")
	select {
	case <-e.Done():
	case <-time.After(90 * time.Second):
		e.Kill()
		t.Fatal("final run did not stop within 90 s")
	}
	so, se := e.Output()
	if e.ExitCode() != 0 {
		t.Errorf("final run exit %d:\n%s\n%s", e.ExitCode(), so, se)
	}
	ledger, err := sc.Ledger(addr)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := AuditJournal(jdir)
	if err != nil {
		t.Fatalf("journal after %d kills: %v", iters, err)
	}
	t.Logf("kills: %d right after a journal record, %d at a random time, %d waiting for a record that never came; %d left orders with an unknown outcome",
		afterRecord, atRandom, noRecord, inFlight)
	t.Logf("journal: %d records, %d baskets, %d finished, %d unknown outcomes; venue: %d tokens held, cash %d → %d µ$",
		audit.Records, audit.Baskets, audit.Finals, audit.Unknown, len(ledger.Positions), start.Cash, ledger.Cash)
	for _, p := range audit.Check(ledger, start.Positions) {
		t.Error(p)
	}
	if audit.Baskets == 0 {
		t.Error("no basket was ever sent: the drill killed nothing in flight")
	}
}
