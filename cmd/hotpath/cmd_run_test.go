package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/feed/capture"
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
	// The metrics line names the port bound, not the configured 0.
	_, line, _ := strings.Cut(out, "metrics     http://")
	hostPort, _, _ := strings.Cut(line, "/metrics")
	if _, port, err := net.SplitHostPort(hostPort); err != nil || port == "0" || port == "" {
		t.Errorf("metrics address %q (%v) is not the bound one:\n%s", hostPort, err, out)
	}
}

// TestRunReplay replays a capture of a 2-outcome neg-risk event whose YES
// basket is an arbitrage through 'hotpath run --mode replay': the same
// stages, a paper executor, no network.
func TestRunReplay(t *testing.T) {
	unsetenv(t, "HOTPATH_MODE", "HOTPATH_PRIVATE_KEY", "HOTPATH_KEYSTORE")
	events := writeTemp(t, "events.json", tradeableEventsJSON())
	capPath := filepath.Join(t.TempDir(), "cap.hpcap")
	f, err := os.Create(capPath)
	if err != nil {
		t.Fatal(err)
	}
	toks := []string{"9001", "9002", "9011", "9012"} // YES/NO of market 0, YES/NO of market 1
	w, err := capture.NewWriter(f, capture.Header{Created: time.Now(), URL: "ws://replay", Assets: toks})
	if err != nil {
		t.Fatal(err)
	}
	asks := map[string]string{"9001": "0.45", "9002": "0.58", "9011": "0.50", "9012": "0.53"} // Σ YES 0.95
	ts := time.Now().Add(-time.Hour).UnixNano()                                               // an old capture: judged on its own clock, not stale
	for i, tok := range toks {
		cid := fmt.Sprintf("0x%064x", 7000+i/2)
		msg := fmt.Sprintf(`{"event_type":"book","asset_id":%q,"market":%q,"bids":[{"price":"0.01","size":"100"}],"asks":[{"price":%q,"size":"100"}],"timestamp":"%d","hash":""}`,
			tok, cid, asks[tok], ts/1e6)
		if err := w.Write(ts+int64(i)*1000, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	conf := writeConfig(t, fmt.Sprintf("[journal]\ndir = %q\n[ops]\nmetrics_addr = \"\"\n", t.TempDir()))
	code, out, errOut := runCmd("run", "--mode", "replay", "--config", conf, "--capture", capPath, "--events", events, "--duration", "20s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	for _, want := range []string{"mode        replay (orders: paper)", "1 events, 2 groups, 4 assets", "baskets     1 submitted, 1 filled"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Without the universe file replay refuses to guess.
	code, _, errOut = runCmd("run", "--mode", "replay", "--config", conf, "--capture", capPath)
	if code != 2 || !strings.Contains(errOut, "--events") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
}
