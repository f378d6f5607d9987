package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoJSON runs 'hotpath demo --json' in process for a short while and
// checks the report: every field is there, nothing false was traded, and
// the engine's P&L equals the venue ledger's exactly.
func TestDemoJSON(t *testing.T) {
	d := "8s"
	if testing.Short() {
		d = "3s"
	}
	lat := t.TempDir()
	code, out, errOut := runCmd("demo", "--json", "--duration", d, "--latency-out", lat)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"planted_windows", "windows_captured", "opportunities", "baskets_submitted", "baskets_filled",
		"partial_baskets", "unwinds", "false_baskets", "pnl_usd_engine", "pnl_usd_venue", "latency_us", "gc_cycles",
		"template_hits", "template_misses", "template_hits_above", "tradeable_windows", "capture_rate"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing %q", k)
		}
	}
	lat5, _ := m["latency_us"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat5[k]; !ok {
			t.Errorf("latency_us lacks %q", k)
		}
	}
	if m["false_baskets"].(float64) != 0 || m["traps_taken"].(float64) != 0 {
		t.Errorf("false baskets %v, traps taken %v", m["false_baskets"], m["traps_taken"])
	}
	if m["pnl_agree"] != true || m["pnl_usd_engine"] != m["pnl_usd_venue"] {
		t.Errorf("engine P&L %v, venue %v", m["pnl_usd_engine"], m["pnl_usd_venue"])
	}
	// Exact decimal text: the P&L numbers are written from integers.
	if strings.Contains(out, "e-") {
		t.Errorf("float formatting in %s", out)
	}
	if m["baskets_submitted"].(float64) > 0 {
		if _, err := os.Stat(filepath.Join(lat, "frame_to_wire.hgrm")); err != nil {
			t.Errorf("latency files: %v", err)
		}
	}
	t.Logf("%s", out)
}

func TestDemoFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--duration", "0s"}, "--duration must be positive"},
		{[]string{"--scenario", "nope"}, "scenario"},
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"--journal", "."}, "--journal . is not empty"},
	} {
		code, _, errOut := runCmd(append([]string{"demo"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d stderr %q", c.args, code, errOut)
		}
	}
	code, out, _ := runCmd("demo", "--help")
	if code != 0 || !strings.Contains(out, "tradeable") || !strings.Contains(out, "Example") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}
