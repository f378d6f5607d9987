package exec

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// crashChildEnv carries the child's instructions (JSON of crashSpec).
const crashChildEnv = "HOTPATH_EXEC_CRASH_CHILD"

type crashSpec struct {
	Point   string // testHook point at which the child stops and waits to be killed
	Dir     string
	REST    string
	WS      string
	Tokens  []string
	FeeRate uint32
	Opp     scan.Opportunity
}

// TestCrashChild is the child process of TestCrashMidBasket: it submits
// one basket and, at the requested point, tells the parent and waits to be
// SIGKILLed. It does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv(crashChildEnv)
	if raw == "" {
		t.Skip("child process of TestCrashMidBasket")
	}
	var sp crashSpec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		t.Fatal(err)
	}
	reg := book.NewRegistry()
	var legs []book.AssetIndex
	var fees []scan.FeeModel
	for _, tok := range sp.Tokens {
		a, _ := reg.Add(book.AssetInfo{TokenID: tok, Tick: book.Tick0_01, MinSize: 5_000_000, NegRisk: true})
		legs = append(legs, a)
		fees = append(fees, scan.FeeModel{Rate: sp.FeeRate, Exponent: 1})
	}
	signer, _ := sign.NewSigner(sim.HardhatKeys[0])
	cr := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	x, err := New(Config{
		Mode: Live, CLOBURL: sp.REST, WSUserURL: sp.WS, ChainID: 137, Signer: signer,
		Creds:    Credentials{APIKey: cr.APIKey, Secret: cr.Secret, Passphrase: cr.Passphrase},
		Registry: reg, Groups: []GroupInfo{{EventIndex: 0, Kind: scan.YesBasket, Payout: 1_000_000, Legs: legs}},
		NumEvents: 1, Fees: fees, JournalDir: sp.Dir, JournalSyncEvery: true,
		Limits:    Limits{MaxBasketNotional: 500e6, MaxEventExposure: 1000e6, MaxOpenBaskets: 10, MaxDailyLoss: 50e6},
		TLSConfig: &tls.Config{InsecureSkipVerify: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	testHookFn = func(p string) {
		if p == sp.Point {
			fmt.Println("CRASHPOINT " + p)
			time.Sleep(time.Minute) // the parent kills us here
		}
	}
	x.Submit(&sp.Opp)
	fmt.Println("CRASHPOINT never reached")
	time.Sleep(time.Minute)
}

// TestCrashMidBasket kills a child executor with SIGKILL after it has
// journaled a basket's intent — before the request is written, after it
// is written but before the response is read, and after the response is
// journaled — then restarts an executor on the same journal: it must
// reconcile with the venue without buying anything twice, account for
// every fill, and leave nothing resting.
func TestCrashMidBasket(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, tc := range []struct {
		point  string
		trades int // our trades on the venue afterwards
	}{
		{"intent", 0}, // journaled, never sent
		{"sent", 3},   // sent, response never read
		{"resp", 3},   // response journaled, settlement never followed
	} {
		t.Run(tc.point, func(t *testing.T) {
			s := startSim(t, nil)
			dir := t.TempDir()
			h := newHarness(t, s, dir, func(c *Config) { c.UnknownGrace = 500 * time.Millisecond })
			before := s.Ledger(sim.HardhatAddress(0))
			sp := crashSpec{Point: tc.point, Dir: dir, REST: s.URLs().REST, WS: s.URLs().WSUser, Tokens: h.tokens,
				FeeRate: h.cfg.Fees[0].Rate, Opp: h.opp(10_000_000)}
			spec, _ := json.Marshal(sp)
			cmd := osexec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+string(spec))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			got := make(chan string, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "CRASHPOINT") {
						got <- sc.Text()
						return
					}
				}
				got <- "child exited"
			}()
			select {
			case line := <-got:
				if line != "CRASHPOINT "+tc.point {
					cmd.Process.Kill()
					t.Fatalf("child: %s", line)
				}
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("child never reached the crash point")
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if tc.point == "sent" {
				// let the venue finish the request the dead child wrote
				time.Sleep(100 * time.Millisecond)
			}

			x := h.start() // replay + reconcile
			h.poll("reconciliation", 5*time.Second, h.idle)
			snap := x.Snapshot()
			if n := h.ourTrades(); n != tc.trades {
				t.Fatalf("%d trades on the venue, want %d (nothing may be resent)", n, tc.trades)
			}
			h.checkLedger(before)
			if tc.trades > 0 && (len(snap.Positions) != 3 || snap.SetsValue != 10_000_000) {
				t.Fatalf("fills unaccounted: %+v", snap)
			}
			if tc.trades == 0 && (len(snap.Positions) != 0 || snap.Cash != 0) {
				t.Fatalf("phantom fills: %+v", snap)
			}
			kinds := journalKinds(t, dir)
			recon := false
			for _, k := range kinds {
				recon = recon || k == "recon"
			}
			if !recon || kinds[len(kinds)-1] != "final" {
				t.Fatalf("journal after restart: %v", kinds)
			}
		})
	}
}

// TestReconcileCancelsRestingOrders leaves a GTC order of ours resting at
// the venue; a restarted executor must cancel it.
func TestReconcileCancelsRestingOrders(t *testing.T) {
	s := startSim(t, nil)
	h := newHarness(t, s, "", nil)
	x := h.start()
	// a GTC BUY far below the market: it rests
	l := leg{role: roleComplete, side: sign.Buy, asset: 0, limit: 10_000, shares: 100_000_000}
	maker, taker, err := sign.LimitAmounts(sign.Buy, l.limit, l.shares, book.Tick0_01)
	if err != nil {
		t.Fatal(err)
	}
	l.maker, l.taker = maker, taker
	x.envFAK.OrderType = sign.GTC
	tpl, err := x.signLeg(&l, time.Now().UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	body := append(append([]byte{'['}, tpl.Envelope...), ']')
	resp, err := x.coldDo("POST", "/orders", "", body)
	if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), `"live"`) {
		t.Fatalf("placing a resting order: %v %s", err, resp.Body)
	}
	id := hash0x(&tpl.OrderHash)
	x.Shutdown(t.Context())

	h2 := newHarness(t, s, h.cfg.JournalDir, nil)
	x2 := h2.start()
	if o, ok := s.Exchange().Order(id); !ok || o.Status != sim.StatusCanceled {
		t.Fatalf("resting order not cancelled at start: %+v", o)
	}
	if snap := x2.Snapshot(); snap.Cancels != 1 {
		t.Fatalf("cancels %d", snap.Cancels)
	}
}
