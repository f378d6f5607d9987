package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/preflight"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// opsVenue is a simulator behind a front proxy whose /time can be skewed.
type opsVenue struct {
	sim   *sim.Server
	front *httptest.Server
	skew  time.Duration // added to the venue's /time answer
}

func startOpsVenue(t *testing.T) *opsVenue {
	t.Helper()
	s, err := sim.Start(context.Background(), sim.Config{Scenario: "small", Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	v := &opsVenue{sim: s}
	target, _ := url.Parse(s.URLs().REST)
	proxy := httputil.NewSingleHostReverseProxy(target)
	v.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/time" && v.skew != 0 {
			fmt.Fprint(w, time.Now().Add(v.skew).Unix())
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(v.front.Close)
	return v
}

// opsEnv clears every variable the commands read, so the developer's own
// environment cannot leak into a test.
func opsEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "HOTPATH_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("CREDENTIALS_DIRECTORY", "")
}

// writeOpsConfig writes a live-mode config for the venue (mode 0600).
func writeOpsConfig(t *testing.T, v *opsVenue, dir string, extra string) string {
	u := v.sim.URLs()
	body := fmt.Sprintf(`mode = "live"
[venue]
clob_url = %q
ws_market_url = %q
ws_user_url = %q
gamma_url = %q
chain_id = 137
[live]
confirm = %q
[journal]
dir = %q
%s`, v.front.URL, u.WSMarket, u.WSUser, u.Gamma, config.LiveConfirmation, filepath.Join(dir, "journal"), extra)
	p := filepath.Join(dir, "hotpath.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = dispatch(args, &o, &e)
	return code, o.String(), e.String()
}

// readEnvFile reads KEY=value lines.
func readEnvFile(t *testing.T, p string) map[string]string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			m[k] = v
		}
	}
	return m
}

// TestDoctorEndToEnd imports a Hardhat key into a keystore, derives API
// credentials from the simulator with it, and runs doctor: every line
// PASSes and no secret is printed anywhere. Then it breaks one thing at a
// time.
func TestDoctorEndToEnd(t *testing.T) {
	opsEnv(t)
	v := startOpsVenue(t)
	dir := t.TempDir()
	const hh = 6
	key, addr := sim.HardhatKeys[hh], sim.HardhatAddress(hh)
	v.sim.Exchange().Fund(addr, 250_000_000) // on top of the scenario's $1000

	// keys import → keystore
	ks := filepath.Join(dir, "keystore.json")
	t.Setenv(sign.EnvKeystorePassword, "correct horse battery staple")
	keysStdin = strings.NewReader(key + "\n")
	defer func() { keysStdin = os.Stdin }()
	if code, out, errOut := runCLI("keys", "import", "--keystore", ks, "--light"); code != 0 || !strings.Contains(out, addr.Hex()) {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	cfg := writeOpsConfig(t, v, dir, fmt.Sprintf("[keys]\nkeystore_file = %q\n", ks))

	// keys derive → credentials file
	credFile := filepath.Join(dir, "api.env")
	code, out, errOut := runCLI("keys", "derive", "--config", cfg, "--out", credFile)
	if code != 0 {
		t.Fatalf("derive: %d %s %s", code, out, errOut)
	}
	c := readEnvFile(t, credFile)
	want := sim.DeriveCredentials(addr, 0)
	if c[preflight.EnvAPIKey] != want.APIKey || c[preflight.EnvAPISecret] != want.Secret || c[preflight.EnvAPIPassphrase] != want.Passphrase {
		t.Fatalf("derived %v, want %+v", c, want)
	}
	for k, val := range c {
		t.Setenv(k, val)
	}
	secrets := []string{key, strings.TrimPrefix(key, "0x"), want.Secret, want.Passphrase, "correct horse battery staple"}

	code, out, errOut = runCLI("doctor", "--config", cfg, "--geoblock-url", "none")
	if code != 0 {
		t.Fatalf("doctor exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 18 {
		t.Fatalf("only %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "PASS  ") {
			t.Errorf("not PASS: %s", l)
		}
	}
	for _, check := range []string{"file-modes", "signer", "api-creds", "balance", "heartbeat", "geoblock", "ws-user", "clock-skew"} {
		if !strings.Contains(out, "  "+check+" ") {
			t.Errorf("no %s line", check)
		}
	}
	if !strings.Contains(out, "keystore 0600") || !strings.Contains(out, "$1250 pUSD") || !strings.Contains(out, addr.Hex()+" from keystore") {
		t.Errorf("details:\n%s", out)
	}
	if !strings.Contains(errOut, "0 failed") {
		t.Errorf("summary %q", errOut)
	}
	noSecrets(t, out+errOut, secrets)

	// --json (the key from the environment from here on: it takes
	// precedence over the keystore, which is still checked for its mode, and
	// scrypt under -race costs a second per run)
	t.Setenv(sign.EnvPrivateKey, key)
	code, out, _ = runCLI("doctor", "--config", cfg, "--geoblock-url", "none", "--json")
	var rep struct {
		OK     bool
		Checks []struct{ Status, Check, Detail string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.OK || len(rep.Checks) != len(lines) {
		t.Fatalf("json: %d %v %+v", code, err, rep)
	}
	noSecrets(t, out, secrets)

	// Break one thing at a time.
	cases := []struct {
		name  string
		setup func(t *testing.T)
		args  []string
		fail  string // the expected FAIL line's check and detail fragment
	}{
		{"wrong passphrase", func(t *testing.T) { t.Setenv(preflight.EnvAPIPassphrase, "wrong") }, nil, "FAIL  api-creds"},
		{"another key's credentials", func(t *testing.T) {
			o := sim.DeriveCredentials(sim.HardhatAddress(7), 0)
			v.sim.Credentials(sim.HardhatAddress(7), 0)
			t.Setenv(preflight.EnvAPIKey, o.APIKey)
			t.Setenv(preflight.EnvAPISecret, o.Secret)
			t.Setenv(preflight.EnvAPIPassphrase, o.Passphrase)
		}, nil, "belongs to another address than the signer " + addr.Hex()},
		{"wrong keystore password", func(t *testing.T) {
			t.Setenv(sign.EnvPrivateKey, "")
			t.Setenv(sign.EnvKeystorePassword, "wrong")
		}, nil, "FAIL  signer"},
		{"clock 20 s skewed", func(t *testing.T) { v.skew = 20 * time.Second; t.Cleanup(func() { v.skew = 0 }) }, nil, "FAIL  clock-skew"},
		{"unreachable CLOB", func(t *testing.T) {
			d := httptest.NewServer(http.NotFoundHandler())
			d.Close()
			t.Setenv("HOTPATH_VENUE_CLOB_URL", d.URL)
		}, nil, "FAIL  venue"},
		{"unreachable market WebSocket", func(t *testing.T) { t.Setenv("HOTPATH_VENUE_WS_MARKET_URL", "ws://127.0.0.1:1/ws/market") }, nil, "FAIL  ws-market"},
		{"CLOB answers 403", func(t *testing.T) {
			v.sim.Faults().Inject(sim.FaultRule{Path: "/ok", Status: 403})
			t.Cleanup(v.sim.Faults().Clear)
		}, nil, "FAIL  geoblock"},
		{"keystore readable by others", func(t *testing.T) {
			os.Chmod(ks, 0o644)
			t.Cleanup(func() { os.Chmod(ks, 0o600) })
		}, nil, "mode 0644 lets other users read or write it"},
		{"unreachable geoblock endpoint alone is a warning", func(t *testing.T) {}, []string{"--geoblock-url", "http://127.0.0.1:1/api/geoblock"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			args := append([]string{"doctor", "--config", cfg, "--timeout", "2s"}, tc.args...)
			if len(tc.args) == 0 {
				args = append(args, "--geoblock-url", "none")
			}
			code, out, errOut := runCLI(args...)
			noSecrets(t, out+errOut, secrets)
			if tc.fail == "" {
				if code != 0 || !strings.Contains(out, "WARN  geoblock") {
					t.Fatalf("exit %d\n%s", code, out)
				}
				return
			}
			if code != 1 || !strings.Contains(out, tc.fail) {
				t.Fatalf("exit %d, want 1 with %q:\n%s%s", code, tc.fail, out, errOut)
			}
		})
	}
}

func noSecrets(t *testing.T, s string, secrets []string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Fatalf("a secret appears in the output:\n%s", s)
		}
	}
}

func TestDoctorBadFlags(t *testing.T) {
	opsEnv(t)
	for _, args := range [][]string{
		{"doctor", "--timeout", "-1s"},
		{"doctor", "--warn-skew", "10s", "--max-skew", "5s"},
		{"doctor", "--geoblock-url", "ftp://x"},
		{"doctor", "extra"},
		{"doctor", "--nope"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "hotpath doctor: ") {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI("doctor", "--help")
	if code != 0 || !strings.Contains(out, "PASS|WARN|FAIL") || !strings.Contains(out, "Examples:") {
		t.Fatalf("help: %d %s", code, out)
	}
}

func TestDoctorMissingConfig(t *testing.T) {
	opsEnv(t)
	code, out, _ := runCLI("doctor", "--config", filepath.Join(t.TempDir(), "nope.toml"), "--geoblock-url", "none")
	if code != 1 || !strings.HasPrefix(out, "FAIL  config") || !strings.Contains(out, "no such file") {
		t.Fatalf("%d\n%s", code, out)
	}
}
