package hardening

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/hotpath/hotpath/sim"
)

// Fake secrets, chosen so that their JSON escaping differs from the raw
// value (quotes, <, &, backslash) and so that they are long enough for the
// middle-slice form.
const (
	fakePrivateKey   = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	fakeAPIKey       = "11111111-2222-3333-4444-555555555555"
	fakeAPISecret    = "c2VjcmV0LWZha2UtYXBpLXNlY3JldC0wMTIzNDU2Nzg5YQ=="
	fakePassphrase   = `pass"phrase<fake>&\0123456789abcdef`
	fakeTelegram     = "123456789:AAFakeTelegramTokenForTests_0123456789"
	fakeKeystorePass = `keystore-"pass"<fake>-9f8e7d6c5b4a`
)

// fakeSecrets are the secrets every run gets in its environment.
func fakeSecrets() []Secret {
	return []Secret{
		{"HOTPATH_PRIVATE_KEY", fakePrivateKey},
		{"HOTPATH_API_SECRET", fakeAPISecret},
		{"HOTPATH_API_PASSPHRASE", fakePassphrase},
		{"HOTPATH_TELEGRAM_TOKEN", fakeTelegram},
		{"HOTPATH_KEYSTORE_PASSWORD", fakeKeystorePass},
	}
}

func fakeEnv() []string {
	env := []string{"HOTPATH_API_KEY=" + fakeAPIKey}
	for _, s := range fakeSecrets() {
		env = append(env, s.Name+"="+s.Value)
	}
	return env
}

func TestFormsAndScan(t *testing.T) {
	f := Forms(fakePassphrase)
	want := []string{fakePassphrase, `pass\"phrase\u003cfake\u003e\u0026\\0123456789abcdef`, `pass\"phrase<fake>&\\0123456789abcdef`}
	for _, w := range want {
		found := false
		for _, x := range f {
			found = found || x == w
		}
		if !found {
			t.Errorf("Forms(%q) lacks %q", fakePassphrase, w)
		}
	}
	hexForms := Forms(fakePrivateKey)
	a := Artifacts{
		"clean":   []byte("nothing to see " + fakeAPIKey),
		"json":    []byte(`{"err":"` + f[1] + `"}`),
		"upper":   []byte("key=" + strings.ToUpper(fakePrivateKey[2:])),
		"partial": []byte("key=…" + fakePrivateKey[20:50] + "…"),
		"b64":     []byte("Authorization: " + hexForms[4]),
	}
	leaks := a.Scan(fakeSecrets())
	got := map[string]bool{}
	for _, l := range leaks {
		got[l.Artifact] = true
		if strings.Contains(l.String(), l.Form) {
			t.Errorf("Leak.String repeats the secret: %s", l)
		}
	}
	for _, w := range []string{"json", "upper", "partial", "b64"} {
		if !got[w] {
			t.Errorf("leak in %q not found (leaks: %v)", w, leaks)
		}
	}
	if got["clean"] {
		t.Errorf("false positive in clean artifact")
	}
}

// writeKeystore writes the fake private key encrypted with pass.
func writeKeystore(t *testing.T, dir, pass string, mode os.FileMode) string {
	t.Helper()
	raw, err := crypto.HexToECDSA(strings.TrimPrefix(fakePrivateKey, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	k := &keystore.Key{Id: uuid.New(), Address: crypto.PubkeyToAddress(raw.PublicKey), PrivateKey: raw}
	blob, err := keystore.EncryptKey(k, pass, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "key.json")
	if err := os.WriteFile(p, blob, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSignNeverLeaksSecrets runs `hotpath sign` with the fake secrets in its
// environment on good and bad inputs and greps everything it wrote.
func TestSignNeverLeaksSecrets(t *testing.T) {
	hotpath := binaries(t)["hotpath"]
	dir := t.TempDir()
	ks := writeKeystore(t, dir, fakeKeystorePass, 0o600)
	wrongKs := filepath.Join(dir, "wrong")
	if err := os.Mkdir(wrongKs, 0o700); err != nil {
		t.Fatal(err)
	}
	wrongKs = writeKeystore(t, wrongKs, "another passphrase", 0o600)
	openDir := filepath.Join(dir, "open")
	if err := os.Mkdir(openDir, 0o700); err != nil {
		t.Fatal(err)
	}
	openKs := writeKeystore(t, openDir, fakeKeystorePass, 0o644)
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte(fakeKeystorePass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badKey := strings.Replace(fakePrivateKey, "0883", "z883", 1)

	order := `{"op":"order","chainId":137,"tokenId":"1234","makerAmount":"1000000","takerAmount":"2000000","side":"BUY","salt":1,"timestamp":1}`
	build := `{"op":"build","kind":"market","side":"BUY","price":"0.56","amount":"100","tickSize":"0.01","chainId":137,"negRisk":true,"salt":1,"timestamp":1710000000000,"tokenId":"1234"}`
	l1 := `{"op":"l1","chainId":137,"timestamp":"1","nonce":0}`
	l2 := func(secret string) string {
		b, _ := json.Marshal(map[string]string{"op": "l2", "secret": secret, "timestamp": "1", "method": "POST", "path": "/orders", "body": "{}"})
		return string(b)
	}
	without := func(drop ...string) []string {
		var env []string
	next:
		for _, kv := range fakeEnv() {
			for _, d := range drop {
				if strings.HasPrefix(kv, d+"=") {
					continue next
				}
			}
			env = append(env, kv)
		}
		return env
	}
	noKey := without("HOTPATH_PRIVATE_KEY")
	cases := []struct {
		name     string
		args     []string
		env      []string
		stdin    string
		wantExit int
		extra    []Secret // secrets beyond the environment's for this case
	}{
		{"order with env key", nil, fakeEnv(), order, 0, nil},
		{"build with env key", nil, fakeEnv(), build, 0, nil},
		{"l1 with env key", nil, fakeEnv(), l1, 0, nil},
		{"array of good and bad", nil, fakeEnv(), "[" + order + `,{"op":"order"},` + l1 + "]", 1, nil},
		{"l2 with the api secret", nil, fakeEnv(), l2(fakeAPISecret), 0, nil},
		{"l2 with a malformed secret", nil, fakeEnv(), l2(fakePassphrase), 1, nil},
		{"malformed env key", nil, append(noKey, "HOTPATH_PRIVATE_KEY="+badKey), order, 1, []Secret{{"bad key", badKey}}},
		{"malformed key in input", nil, noKey, strings.Replace(order, `"op":"order"`, `"op":"order","privateKey":"`+badKey+`"`, 1), 1, []Secret{{"bad key", badKey}}},
		{"keystore, passphrase in env", []string{"--keystore", ks}, noKey, order, 0, nil},
		{"keystore, passphrase file", []string{"--keystore", ks}, append(without("HOTPATH_PRIVATE_KEY", "HOTPATH_KEYSTORE_PASSWORD"), "HOTPATH_KEYSTORE_PASSWORD_FILE="+passFile), l1, 0, nil},
		{"keystore, wrong passphrase", []string{"--keystore", wrongKs}, noKey, order, 1, nil},
		{"keystore readable by others", []string{"--keystore", openKs}, noKey, order, 1, nil},
		{"garbage input", nil, fakeEnv(), "\x00\xff" + fakePassphrase, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Run{Bin: hotpath, Args: append([]string{"sign"}, c.args...), Env: c.env, Stdin: []byte(c.stdin), Dir: dir}.Exec()
			if res.ExitCode != c.wantExit {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", res.ExitCode, c.wantExit, res.Stdout, res.Stderr)
			}
			a := Artifacts{}
			a.AddResult("", res)
			if err := a.AddDir(dir); err != nil {
				t.Fatal(err)
			}
			// The inputs the test wrote hold secrets on purpose.
			for _, own := range []string{ks, wrongKs, openKs, passFile} {
				delete(a, own)
			}
			for _, l := range a.Scan(append(fakeSecrets(), c.extra...)) {
				t.Error(l)
			}
		})
	}
}

// freePort returns a loopback address nothing listens on right now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRunNeverLeaksSecrets runs `hotpath run` live against simclob with the
// signing key, a Telegram token (whose API is unreachable, so its error
// paths run) and the API credentials it derives through L1, then greps
// stdout, stderr, the log file, the journal and a metrics/health scrape.
func TestRunNeverLeaksSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the engine for several seconds")
	}
	b := binaries(t)
	scenario, err := filepath.Abs("testdata/crash.toml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := StartSimclob(b["simclob"], "--scenario", scenario)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	dir := t.TempDir()
	jdir, logFile, metricsAddr := filepath.Join(dir, "journal"), filepath.Join(dir, "hotpath.log"), freePort(t)
	cfgText := strings.Replace(EngineConfig(sc.URLs, jdir), `metrics_addr = "127.0.0.1:0"`,
		fmt.Sprintf("metrics_addr = %q\npprof = true\ntelegram_chats = [42]\ntelegram_api = %q", metricsAddr, "http://"+freePort(t)), 1)
	cfgText += fmt.Sprintf("\n[log]\nlevel = \"debug\"\nfile = %q\n", logFile)
	cfg := filepath.Join(dir, "hotpath.toml")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	secrets := []Secret{
		{"HOTPATH_PRIVATE_KEY", sim.HardhatKeys[0]},
		{"HOTPATH_TELEGRAM_TOKEN", fakeTelegram},
		{"derived API secret", creds.Secret},
		{"derived API passphrase", creds.Passphrase},
	}
	e, err := StartEngine(b["hotpath"], cfg, []string{"HOTPATH_PRIVATE_KEY=" + sim.HardhatKeys[0], "HOTPATH_TELEGRAM_TOKEN=" + fakeTelegram}, "--duration", "6s")
	if err != nil {
		t.Fatal(err)
	}
	// The log goes to the file: readiness comes from /readyz.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + metricsAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-e.Done():
			so, se := e.Output()
			t.Fatalf("engine exited (%d) before ready:\n%s\n%s", e.ExitCode(), so, se)
		default:
		}
		if time.Now().After(deadline) {
			e.Kill()
			t.Fatal("engine not ready within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // trade a little
	a := Artifacts{}
	for _, p := range []string{"/metrics", "/healthz", "/readyz", "/debug/pprof/cmdline"} {
		if err := a.AddScrape("http://" + metricsAddr + p); err != nil {
			t.Errorf("scrape %s: %v", p, err)
		}
	}
	select {
	case <-e.Done():
	case <-time.After(60 * time.Second):
		e.Kill()
		t.Fatal("engine did not stop")
	}
	so, se := e.Output()
	a["stdout"], a["stderr"] = []byte(so), []byte(se)
	if err := a.AddDir(dir); err != nil {
		t.Fatal(err)
	}
	delete(a, cfg)
	if _, ok := a[logFile]; !ok {
		t.Errorf("no log file written at %s", logFile)
	}
	if len(a[jdir+"/journal-000001.log"]) == 0 {
		t.Logf("journal empty (no basket in the run)")
	}
	for _, l := range a.Scan(secrets) {
		t.Error(l)
	}
	if !strings.Contains(string(a["http://"+metricsAddr+"/metrics"]), "hotpath_") {
		t.Errorf("metrics scrape has no hotpath_ series")
	}
}

// TestDemoNeverLeaksSecrets runs `hotpath demo` with every fake secret in
// its environment and greps its output, with the Hardhat key and API
// credentials the demo itself uses.
func TestDemoNeverLeaksSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	hotpath := binaries(t)["hotpath"]
	creds := sim.DeriveCredentials(sim.HardhatAddress(0), 0)
	secrets := append(fakeSecrets(), Secret{"demo key", sim.HardhatKeys[0]},
		Secret{"demo API secret", creds.Secret}, Secret{"demo API passphrase", creds.Passphrase})
	for _, args := range [][]string{{"demo", "--duration", "3s"}, {"demo", "--duration", "3s", "--json"}} {
		res := Run{Bin: hotpath, Args: args, Env: fakeEnv(), Timeout: 90 * time.Second}.Exec()
		if res.TimedOut {
			t.Fatalf("%v timed out", args)
		}
		a := Artifacts{}
		a.AddResult(strings.Join(args, " ")+" ", res)
		for _, l := range a.Scan(secrets) {
			t.Error(l)
		}
	}
}
