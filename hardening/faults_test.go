package hardening

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// demoReport is the part of `hotpath demo --json` the fault drill checks.
type demoReport struct {
	BasketsSubmitted     int              `json:"baskets_submitted"`
	PartialBaskets       int              `json:"partial_baskets"`
	Unwinds              int              `json:"unwinds"`
	FalseBaskets         int              `json:"false_baskets"`
	TrapsTaken           int              `json:"traps_taken"`
	PnLEngine            json.Number      `json:"pnl_usd_engine"`
	PnLVenue             json.Number      `json:"pnl_usd_venue"`
	PnLAgree             bool             `json:"pnl_agree"`
	PnLWithinFeeRounding bool             `json:"pnl_within_fee_rounding"`
	StaleBookBaskets     int              `json:"stale_book_baskets"`
	UnresolvedPartials   int              `json:"unresolved_partials"`
	PositionsAgree       bool             `json:"positions_agree"`
	FailedTrades         int              `json:"failed_trades"`
	RecoveryMs           map[string]int64 `json:"recovery_ms"`
	Faults               []struct {
		Kind       string `json:"kind"`
		AtMs       int64  `json:"at_ms"`
		RecoveryMs int64  `json:"recovery_ms"`
		Unmeasured bool   `json:"unmeasured"`
	} `json:"faults"`
}

// TestFaultsDrill runs `hotpath demo` on the faults scenario: connections
// dropped and silently stalled, malformed and oversized frames, a tick size
// change, orders answered 425/429/500, slowly and "delayed", FOK legs
// killed as windows close, trades settled FAILED, a jump. Every run must
// keep money and positions equal to the venue's, take no trap and recover
// from every feed fault; and it must trade no false basket, no basket on a
// stale book and leave no partial basket unresolved (the demo's exit
// status). In make test: the compressed scenario; those last three depend
// on timing (a decision in flight when a fault lands, leg risk racing the
// end of the run), so a run that misses them is logged and repeated once on
// the next seed, and fails if that one misses too. With HOTPATH_SOAK=1: the
// full-length scenario on three seeds, no second chances.
func TestFaultsDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine against the simulator for 12 s or more")
	}
	hotpath := binaries(t)["hotpath"]
	type run struct {
		scenario string
		seed     uint64
		duration string
	}
	runs := []run{{"testdata/faults-short.toml", drillSeed(t, 1), "12s"}}
	tries := 2
	if soak() {
		seed := drillSeed(t, 20260429)
		runs, tries = nil, 1
		for i := range uint64(3) {
			runs = append(runs, run{"faults", seed + i, "30s"})
		}
	}
	for _, r := range runs {
		for try := 1; ; try++ {
			strict := faultsRun(t, hotpath, r.scenario, r.seed, r.duration)
			if strict == "" {
				break
			}
			if try == tries {
				t.Error(strict)
				break
			}
			t.Logf("seed %d missed, once more on seed %d: %s", r.seed, r.seed+1, strict)
			r.seed++
		}
	}
}

// faultsRun runs one drill, reports broken invariants with t.Error and
// returns what broke of the timing-dependent properties ("" when nothing).
func faultsRun(t *testing.T, hotpath, scenario string, seed uint64, duration string) string {
	t.Helper()
	if filepath.Ext(scenario) == ".toml" {
		abs, err := filepath.Abs(scenario)
		if err != nil {
			t.Fatal(err)
		}
		scenario = abs
	}
	args := []string{"demo", "--scenario", scenario, "--duration", duration, "--json", "--seed", strconv.FormatUint(seed, 10)}
	res := Run{Bin: hotpath, Args: args, Timeout: 3 * time.Minute}.Exec()
	if res.TimedOut {
		t.Fatalf("%v timed out", args)
	}
	var d demoReport
	if err := json.Unmarshal(res.Stdout, &d); err != nil {
		t.Fatalf("%v: exit %d, not JSON (%v):\n%s\n%s", args, res.ExitCode, err, res.Stdout, res.Stderr)
	}
	t.Logf("%s seed %d: exit %d, %d baskets, %d partial, %d unwound, %d false, %d stale, %d unresolved, %d FAILED trades, P&L engine %s venue %s, recovery %v",
		scenario, seed, res.ExitCode, d.BasketsSubmitted, d.PartialBaskets, d.Unwinds, d.FalseBaskets, d.StaleBookBaskets,
		d.UnresolvedPartials, d.FailedTrades, d.PnLEngine, d.PnLVenue, d.RecoveryMs)
	if !d.PnLAgree {
		t.Errorf("seed %d: engine P&L %s, venue ledger %s", seed, d.PnLEngine, d.PnLVenue)
	}
	if !d.PositionsAgree {
		t.Errorf("seed %d: engine positions differ from the venue ledger", seed)
	}
	if d.TrapsTaken > 0 {
		t.Errorf("seed %d: %d augmented traps taken", seed, d.TrapsTaken)
	}
	if len(d.Faults) < 10 {
		t.Errorf("seed %d: only %d faults scheduled", seed, len(d.Faults))
	}
	for _, f := range d.Faults {
		if f.RecoveryMs < 0 {
			t.Errorf("seed %d: %s at %d ms: never recovered", seed, f.Kind, f.AtMs)
		}
	}
	if d.FalseBaskets > 0 || d.StaleBookBaskets > 0 || d.UnresolvedPartials > 0 || res.ExitCode != 0 {
		return fmt.Sprintf("seed %d: exit %d, false baskets %d, baskets on a stale book %d, unresolved partial baskets %d (stderr tail: %s)",
			seed, res.ExitCode, d.FalseBaskets, d.StaleBookBaskets, d.UnresolvedPartials, tailLines(res.Stderr, 12))
	}
	return ""
}

func tailLines(b []byte, n int) string {
	end := len(b)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' && i < end-1 {
			if n--; n == 0 {
				return string(b[i+1:])
			}
		}
	}
	return string(b)
}
