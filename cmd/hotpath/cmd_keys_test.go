package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpath/hotpath/preflight"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// oneErrorLine checks the shape of a bad-input answer: a non-zero exit,
// nothing on stdout, exactly one line on stderr naming the command.
func oneErrorLine(t *testing.T, what string, code int, out, errOut, prefix string) {
	t.Helper()
	if code == 0 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, prefix) {
		t.Errorf("%s: exit %d stdout %q stderr %q", what, code, out, errOut)
	}
}

func TestKeysDeriveAndCreate(t *testing.T) {
	opsEnv(t)
	v := startOpsVenue(t)
	dir := t.TempDir()
	cfg := writeOpsConfig(t, v, dir, "")
	const hh = 2
	key, addr := sim.HardhatKeys[hh], sim.HardhatAddress(hh)
	t.Setenv(sign.EnvPrivateKey, key)

	// --show-secrets prints them; nonce selects the key.
	want := sim.DeriveCredentials(addr, 5)
	code, out, errOut := runCLI("keys", "create", "--config", cfg, "--nonce", "5", "--show-secrets")
	if code != 0 || !strings.Contains(out, "api key     "+want.APIKey) || !strings.Contains(out, "secret      "+want.Secret) ||
		!strings.Contains(out, "passphrase  "+want.Passphrase) || !strings.Contains(out, addr.Hex()) {
		t.Fatalf("create --show-secrets: %d\n%s%s", code, out, errOut)
	}
	noSecrets(t, out+errOut, []string{key, strings.TrimPrefix(key, "0x")})

	// --out: the secret goes to a 0600 file only.
	want = sim.DeriveCredentials(addr, 0)
	credFile := filepath.Join(dir, "api.env")
	code, out, errOut = runCLI("keys", "derive", "--config", cfg, "--out", credFile)
	if code != 0 || !strings.Contains(out, want.APIKey) {
		t.Fatalf("derive --out: %d\n%s%s", code, out, errOut)
	}
	noSecrets(t, out+errOut, []string{key, strings.TrimPrefix(key, "0x"), want.Secret, want.Passphrase})
	if st, err := os.Stat(credFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credential file mode: %v %v", st, err)
	}
	if c := readEnvFile(t, credFile); c[preflight.EnvAPISecret] != want.Secret || c[preflight.EnvAPIPassphrase] != want.Passphrase || c[preflight.EnvAPIKey] != want.APIKey {
		t.Fatalf("file holds %v", c)
	}
	// An existing file is kept unless --force.
	code, out, errOut = runCLI("keys", "derive", "--config", cfg, "--out", credFile)
	oneErrorLine(t, "existing --out", code, out, errOut, "hotpath keys derive: ")
	if !strings.Contains(errOut, "exists") {
		t.Fatalf("%q", errOut)
	}
	if code, _, errOut = runCLI("keys", "derive", "--config", cfg, "--nonce", "1", "--out", credFile, "--force"); code != 0 {
		t.Fatalf("--force: %s", errOut)
	}
	if c := readEnvFile(t, credFile); c[preflight.EnvAPIKey] != sim.DeriveCredentials(addr, 1).APIKey {
		t.Fatalf("--force did not replace: %v", c)
	}

	// --credentials-dir: one 0600 file per systemd credential.
	cd := filepath.Join(dir, "credentials")
	os.Mkdir(cd, 0o700)
	code, out, errOut = runCLI("keys", "derive", "--config", cfg, "--credentials-dir", cd)
	if code != 0 {
		t.Fatalf("--credentials-dir: %d %s", code, errOut)
	}
	noSecrets(t, out+errOut, []string{want.Secret, want.Passphrase})
	for name, val := range map[string]string{"api_key": want.APIKey, "api_secret": want.Secret, "api_passphrase": want.Passphrase} {
		b, err := os.ReadFile(filepath.Join(cd, name))
		st, _ := os.Stat(filepath.Join(cd, name))
		if err != nil || string(b) != val || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %q %v %v", name, b, st.Mode(), err)
		}
	}
}

func TestKeysBadInputs(t *testing.T) {
	opsEnv(t)
	v := startOpsVenue(t)
	dir := t.TempDir()
	cfg := writeOpsConfig(t, v, dir, "")
	dead := writeOpsConfig(t, v, t.TempDir(), "")
	b, _ := os.ReadFile(dead)
	os.WriteFile(dead, []byte(strings.Replace(string(b), v.front.URL, "http://127.0.0.1:1", 1)), 0o600)
	badKey := "0x" + strings.Repeat("zz", 32)

	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		prefix string
		has    string
	}{
		{"no subcommand", nil, []string{"keys"}, "hotpath keys: ", "missing subcommand"},
		{"unknown subcommand", nil, []string{"keys", "rotate"}, "hotpath keys: ", "unknown subcommand"},
		{"no destination", map[string]string{sign.EnvPrivateKey: sim.HardhatKeys[1]}, []string{"keys", "derive", "--config", cfg}, "hotpath keys derive: ", "--show-secrets"},
		{"no key", nil, []string{"keys", "derive", "--config", cfg, "--show-secrets"}, "hotpath keys derive: ", "no signing key"},
		{"bad key", map[string]string{sign.EnvPrivateKey: badKey}, []string{"keys", "derive", "--config", cfg, "--show-secrets"}, "hotpath keys derive: ", "32 bytes of hex"},
		{"bad nonce", nil, []string{"keys", "derive", "--nonce", "-1"}, "hotpath keys derive: ", "invalid value"},
		{"unreachable CLOB", map[string]string{sign.EnvPrivateKey: sim.HardhatKeys[1]}, []string{"keys", "create", "--config", dead, "--show-secrets", "--timeout", "2s"}, "hotpath keys create: ", "POST /auth/api-key"},
		{"missing config", nil, []string{"keys", "show", "--config", filepath.Join(dir, "nope.toml")}, "hotpath keys show: ", "no such file"},
		{"credentials dir missing", map[string]string{sign.EnvPrivateKey: sim.HardhatKeys[1]}, []string{"keys", "derive", "--config", cfg, "--credentials-dir", filepath.Join(dir, "nope")}, "hotpath keys derive: ", "not a directory"},
		{"show with a bad keystore password", map[string]string{sign.EnvKeystore: filepath.Join(dir, "nope.json"), sign.EnvKeystorePassword: "x"}, []string{"keys", "show", "--config", cfg}, "hotpath keys show: ", "keystore"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, val := range tc.env {
				t.Setenv(k, val)
			}
			code, out, errOut := runCLI(tc.args...)
			oneErrorLine(t, tc.name, code, out, errOut, tc.prefix)
			if !strings.Contains(errOut, tc.has) {
				t.Errorf("stderr %q lacks %q", errOut, tc.has)
			}
			if strings.Contains(errOut, strings.TrimPrefix(badKey, "0x")) {
				t.Errorf("the key was echoed")
			}
		})
	}
}

func TestKeysImportRoundTrip(t *testing.T) {
	opsEnv(t)
	dir := t.TempDir()
	key, addr := sim.HardhatKeys[4], sim.HardhatAddress(4)
	const pass = "pa55 w0rd"
	t.Setenv(sign.EnvKeystorePassword, pass)
	defer func() { keysStdin = os.Stdin }()

	ks := filepath.Join(dir, "ks.json")
	keysStdin = strings.NewReader("  " + strings.TrimPrefix(key, "0x") + "\n")
	code, out, errOut := runCLI("keys", "import", "--keystore", ks, "--light")
	if code != 0 || !strings.Contains(out, addr.Hex()) || !strings.Contains(out, "mode 0600") {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	noSecrets(t, out+errOut, []string{key, strings.TrimPrefix(key, "0x"), pass})
	if st, err := os.Stat(ks); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st, err)
	}
	s, err := sign.SignerFromKeystore(ks, pass)
	if err != nil || s.Address() != addr {
		t.Fatalf("round trip: %v %v", s, err)
	}

	// show reads the keystore and prints no secret.
	code, out, errOut = runCLI("keys", "show", "--keystore", ks)
	if code != 0 || !strings.Contains(out, "signer           "+addr.Hex()+" from keystore "+ks) ||
		!strings.Contains(out, "signature type   0 (EOA)") || !strings.Contains(out, "maker            "+addr.Hex()) ||
		!strings.Contains(out, "0xe2222d279d744050d28e00520010520000310F59") || !strings.Contains(out, "API credentials  not set") {
		t.Fatalf("show: %d\n%s%s", code, out, errOut)
	}
	noSecrets(t, out+errOut, []string{strings.TrimPrefix(key, "0x"), pass})

	// --keystore is required.
	code, out, errOut = runCLI("keys", "import")
	oneErrorLine(t, "no --keystore", code, out, errOut, "hotpath keys import: ")
	// Import refuses to replace, and bad input is one line that does not echo it.
	keysStdin = strings.NewReader(key)
	code, out, errOut = runCLI("keys", "import", "--keystore", ks, "--light")
	oneErrorLine(t, "existing keystore", code, out, errOut, "hotpath keys import: ")
	for _, in := range []string{"", "not a key at all", strings.Repeat("ab", 31), strings.Repeat("0", 64), strings.Repeat("g", 64), strings.Repeat("a", 5000)} {
		keysStdin = strings.NewReader(in)
		code, out, errOut = runCLI("keys", "import", "--keystore", filepath.Join(dir, "new.json"), "--light")
		oneErrorLine(t, fmt.Sprintf("input %.10q", in), code, out, errOut, "hotpath keys import: ")
		if len(in) > 4 && strings.Contains(errOut, in) {
			t.Errorf("input echoed: %q", errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new.json")); err == nil {
		t.Fatal("a keystore was written for bad input")
	}
	// No password and no terminal: refused.
	t.Setenv(sign.EnvKeystorePassword, "")
	keysStdin = strings.NewReader(key)
	code, out, errOut = runCLI("keys", "import", "--keystore", filepath.Join(dir, "new.json"), "--light")
	oneErrorLine(t, "no password", code, out, errOut, "hotpath keys import: ")
	if testing.Short() {
		return // the password-file import below costs another scrypt round trip
	}
	// The password file works.
	pf := filepath.Join(dir, "pw")
	os.WriteFile(pf, []byte(pass+"\n"), 0o600)
	t.Setenv(sign.EnvKeystorePassFile, pf)
	keysStdin = strings.NewReader(key)
	if code, _, errOut = runCLI("keys", "import", "--keystore", filepath.Join(dir, "new.json"), "--light"); code != 0 {
		t.Fatalf("password file: %s", errOut)
	}
	if s, err := sign.SignerFromKeystore(filepath.Join(dir, "new.json"), pass); err != nil || s.Address() != addr {
		t.Fatalf("password file round trip: %v", err)
	}
}

func TestKeysShow(t *testing.T) {
	opsEnv(t)
	dir := t.TempDir()
	funder := "0x1111111111111111111111111111111111111111"
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(fmt.Sprintf("[keys]\nsignature_type = 3\nfunder = %q\n[venue]\nchain_id = 80002\n", funder)), 0o600)
	key := sim.HardhatKeys[0]
	t.Setenv(sign.EnvPrivateKey, key)
	t.Setenv(preflight.EnvAPIKey, "11111111-2222-3333-4444-555555555555")
	code, out, errOut := runCLI("keys", "show", "--config", p, "--json")
	if code != 0 {
		t.Fatalf("%d %s", code, errOut)
	}
	noSecrets(t, out, []string{strings.TrimPrefix(key, "0x"), "11111111-2222-3333-4444-555555555555"})
	var r keysShow
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Signer != sim.HardhatAddress(0).Hex() || r.Maker != funder || r.SignatureType != 3 || r.ChainID != 80002 ||
		r.APICredentials != "set (environment)" || !strings.HasPrefix(r.SignerSource, "HOTPATH_PRIVATE_KEY") {
		t.Fatalf("%+v", r)
	}
	v3 := map[uint64]string{}
	for _, e := range r.Exchanges {
		if e.Name == "CTF Exchange V3" {
			v3[e.ChainID] = e.Address
			if e.Configured != (e.ChainID == 80002) {
				t.Fatalf("configured mark %+v", e)
			}
		}
	}
	if v3[137] != sim.ExchangeV3Polygon || v3[80002] != sim.ExchangeV3Amoy {
		t.Fatalf("V3 exchanges %v", v3)
	}
	// Without a key, show still works and says so.
	t.Setenv(sign.EnvPrivateKey, "")
	code, out, _ = runCLI("keys", "show")
	if code != 0 || !strings.Contains(out, "signer           not configured") || !strings.Contains(out, "maker            unknown") {
		t.Fatalf("%d\n%s", code, out)
	}
	if code, out, _ = runCLI("keys", "--help"); code != 0 || !strings.Contains(out, "derive") {
		t.Fatalf("help %d %s", code, out)
	}
	if code, out, _ = runCLI("keys", "import", "--help"); code != 0 || !strings.Contains(out, "--light") {
		t.Fatalf("import help %d %s", code, out)
	}
}
