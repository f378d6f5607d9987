package sim

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestConformanceOfficialClient drives the simulator with Polymarket's own
// @polymarket/clob-client-v2 (conformance/sim_client.js): L1 key
// derivation, market data, limit/FOK/FAK orders on standard and neg-risk
// markets, batches, cancels, queries, and the venue's rejections.
func TestConformanceOfficialClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is required in CI")
		}
		t.Skip("node not installed")
	}
	script, _ := filepath.Abs("../conformance/sim_client.js")
	if _, err := os.Stat("../conformance/node_modules/@polymarket/clob-client-v2"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("conformance/node_modules missing: run make conformance-deps")
		}
		t.Skip("conformance/node_modules missing (make conformance-deps)")
	}
	s := startSmall(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, s.URLs().REST)
	cmd.Dir = filepath.Dir(script)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("sim_client.js: %v", err)
	}
}
