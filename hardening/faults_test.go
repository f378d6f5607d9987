package hardening

import (
	"encoding/json"
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
// killed as windows close, trades settled FAILED, a jump. In make test: the
// compressed scenario once, checking what must hold on every run (money
// and positions agree with the venue, traps never taken, every feed fault
// recovered from). With HOTPATH_SOAK=1: the full-length scenario on
// several seeds, also requiring zero false baskets, zero baskets on a stale
// book and every partial basket resolved — the demo's own exit status.
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
	runs := []run{{"testdata/faults-short.toml", 0, "12s"}}
	if soak() {
		seed := drillSeed(t, 20260429)
		runs = nil
		for i := range uint64(3) {
			runs = append(runs, run{"faults", seed + i, "30s"})
		}
	}
	for _, r := range runs {
		scenario := r.scenario
		if filepath.Ext(scenario) == ".toml" {
			abs, err := filepath.Abs(scenario)
			if err != nil {
				t.Fatal(err)
			}
			scenario = abs
		}
		args := []string{"demo", "--scenario", scenario, "--duration", r.duration, "--json", "--seed", strconv.FormatUint(r.seed, 10)}
		res := Run{Bin: hotpath, Args: args, Timeout: 3 * time.Minute}.Exec()
		if res.TimedOut {
			t.Fatalf("%v timed out", args)
		}
		var d demoReport
		if err := json.Unmarshal(res.Stdout, &d); err != nil {
			t.Fatalf("%v: exit %d, not JSON (%v):\n%s\n%s", args, res.ExitCode, err, res.Stdout, res.Stderr)
		}
		t.Logf("%s seed %d: exit %d, %d baskets, %d partial, %d unwound, %d false, %d stale, %d unresolved, %d FAILED trades, P&L engine %s venue %s, recovery %v",
			r.scenario, r.seed, res.ExitCode, d.BasketsSubmitted, d.PartialBaskets, d.Unwinds, d.FalseBaskets, d.StaleBookBaskets,
			d.UnresolvedPartials, d.FailedTrades, d.PnLEngine, d.PnLVenue, d.RecoveryMs)
		if !d.PnLAgree && !d.PnLWithinFeeRounding {
			t.Errorf("engine P&L %s, venue ledger %s", d.PnLEngine, d.PnLVenue)
		}
		if !d.PositionsAgree {
			t.Error("engine positions differ from the venue ledger")
		}
		if d.TrapsTaken > 0 {
			t.Errorf("%d augmented traps taken", d.TrapsTaken)
		}
		if len(d.Faults) < 10 {
			t.Errorf("only %d faults scheduled", len(d.Faults))
		}
		for _, f := range d.Faults {
			if f.RecoveryMs < 0 {
				t.Errorf("%s at %d ms: never recovered", f.Kind, f.AtMs)
			}
		}
		if soak() {
			if d.FalseBaskets > 0 || d.StaleBookBaskets > 0 || d.UnresolvedPartials > 0 {
				t.Errorf("false baskets %d, baskets on a stale book %d, unresolved partial baskets %d (stderr tail: %s)",
					d.FalseBaskets, d.StaleBookBaskets, d.UnresolvedPartials, tailLines(res.Stderr, 12))
			}
			if res.ExitCode != 0 {
				t.Errorf("demo exit %d", res.ExitCode)
			}
		}
	}
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
