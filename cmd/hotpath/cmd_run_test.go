package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpath/hotpath/sim"
)

// writeConfig writes a config file readable by its owner only (the
// loader refuses anything looser).
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hotpath.toml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// unsetenv removes environment variables for the test (restored after).
func unsetenv(t *testing.T, names ...string) {
	for _, n := range names {
		t.Setenv(n, "")
		os.Unsetenv(n)
	}
}

func TestRunConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		file string // config content ("" = no --config)
		args []string
		want string
	}{
		{"missing file", "", []string{"--config", "/nonexistent/hotpath.toml"}, "no such file"},
		{"bad toml", "mode = \n", nil, "config"},
		{"bad value", "[risk]\nmax_open_baskets = -1\n", nil, "max_open_baskets"},
		{"unknown key", "[risk]\nmax_baskets = 1\n", nil, "unknown key"},
		{"secret in file", "[keys]\nprivate_key = \"0xabc\"\n", nil, "secret"},
		{"live without confirmation", "", []string{"--mode", "live"}, "live.confirm"},
		{"live without confirmation in file", "mode = \"live\"\n", nil, "live.confirm"},
		{"bad mode flag", "", []string{"--mode", "sideways"}, "--mode"},
		{"demo mode", "mode = \"demo\"\n", nil, "hotpath demo"},
		{"bad flag", "", []string{"--frobnicate"}, "flag provided but not defined"},
		{"stray argument", "", []string{"extra"}, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			unsetenv(t, "HOTPATH_MODE")
			args := append([]string{"run"}, c.args...)
			if c.file != "" {
				args = append(args, "--config", writeConfig(t, c.file))
			}
			code, out, errOut := runCmd(args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q stderr %q", code, out, errOut)
			}
			if !strings.Contains(errOut, c.want) || !strings.HasPrefix(errOut, "hotpath run: ") {
				t.Fatalf("stderr %q, want it to mention %q", errOut, c.want)
			}
			if strings.Contains(errOut, "goroutine") || strings.Contains(errOut, "panic") {
				t.Fatalf("stack trace in %q", errOut)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	code, out, _ := runCmd("run", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"paper", "live", "replay", "--latency-out", "--duration", "Example"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestRunPaperAgainstSimulator runs 'hotpath run' in paper mode against a
// local simulator (its Gamma, CLOB and market channel) for a moment: the
// start-up summary names the mode, universe and topology, and the run ends
// cleanly at --duration with its latency files written.
func TestRunPaperAgainstSimulator(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := sim.Start(ctx, sim.Config{Scenario: "small", Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := srv.URLs()
	conf := fmt.Sprintf(`mode = "paper"
[venue]
clob_url = %q
ws_market_url = %q
ws_user_url = %q
gamma_url = %q
[journal]
dir = %q
[ops]
metrics_addr = "127.0.0.1:0"
`, u.REST, u.WSMarket, u.WSUser, u.Gamma, t.TempDir())
	unsetenv(t, "HOTPATH_MODE", "HOTPATH_PRIVATE_KEY", "HOTPATH_KEYSTORE")
	lat := t.TempDir()
	code, out, errOut := runCmd("run", "--config", writeConfig(t, conf), "--duration", "2s", "--latency-out", lat)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	for _, want := range []string{"mode        paper", "universe    1 events, 2 groups, 6 assets, 1 feed connections", "topology    layout=", "journal", "frames"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
