package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"golang.org/x/term"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/preflight"
	"github.com/hotpath/hotpath/sign"
)

func init() {
	register(&command{
		name:    "keys",
		summary: "key management: derive/create API credentials, import a key into a keystore, show the identity",
		run:     runKeys,
	})
}

const keysHelp = `
Manages hotpath's signing identity. Subcommands:

  derive   L1-sign ClobAuth and GET /auth/derive-api-key: recover the API
           credentials of the signing key (deterministic per --nonce).
  create   L1-sign ClobAuth and POST /auth/api-key: create new credentials.
  import   read a private key from stdin (not echoed on a terminal) and write
           it into an encrypted go-ethereum keystore file (scrypt), mode 0600.
  show     print the signer address, funder, signature type and the exchange
           contracts per chain and version. No secrets.

derive and create print the API key; the secret and passphrase go to a mode
0600 file (--out, HOTPATH_API_*=… lines usable as a systemd EnvironmentFile;
or --credentials-dir, one file per systemd credential: api_key, api_secret,
api_passphrase), or to stdout only with --show-secrets.

The signing key comes from HOTPATH_PRIVATE_KEY, or a keystore (--keystore,
keys.keystore_file or HOTPATH_KEYSTORE) with HOTPATH_KEYSTORE_PASSWORD (or
HOTPATH_KEYSTORE_PASSWORD_FILE); under systemd the credentials private_key and
keystore_password work too.

Examples:
  hotpath keys derive --config hotpath.toml --out /etc/hotpath/api.env
  hotpath keys create --nonce 1 --credentials-dir /etc/hotpath/credentials
  hotpath keys import --keystore /var/lib/hotpath/keystore.json
  hotpath keys show --config hotpath.toml`

// keysStdin is where import reads the private key (and prompts); tests
// replace it.
var keysStdin io.Reader = os.Stdin

func runKeys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "hotpath keys: missing subcommand: derive, create, import or show (see 'hotpath keys --help')")
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "Usage: hotpath keys derive|create|import|show [flags]\n\n%s\n\nRun 'hotpath keys <subcommand> --help' for its flags.\n", strings.TrimSpace(keysHelp))
		return 0
	case "derive":
		return runKeysAPI(args[1:], false, stdout, stderr)
	case "create":
		return runKeysAPI(args[1:], true, stdout, stderr)
	case "import":
		return runKeysImport(args[1:], stdout, stderr)
	case "show":
		return runKeysShow(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "hotpath keys: unknown subcommand %q: want derive, create, import or show\n", args[0])
	return 2
}

// parseSub parses a subcommand's flags; done reports that the caller must
// return code (help printed or a bad flag).
func parseSub(fs *flag.FlagSet, args []string, name, synopsis, help string, stdout, stderr io.Writer) (code int, done bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("keys "+name, synopsis, help, stdout, fs.PrintDefaults)()
			return 0, true
		}
		fmt.Fprintf(stderr, "hotpath keys %s: %v (see 'hotpath keys %s --help')\n", name, err, name)
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath keys %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2, true
	}
	return 0, false
}

// secretGetenv reads secrets through ops/creds (environment, then systemd
// credential) and everything else from the environment: the lookup
// sign.SignerFromEnv needs.
func secretGetenv(name string) string {
	switch name {
	case sign.EnvPrivateKey, sign.EnvKeystorePassword:
		v, _, _ := creds.Lookup(name)
		return v
	}
	return os.Getenv(name)
}

// loadKeysConfig loads the configuration for a keys subcommand.
func loadKeysConfig(path string) (config.Config, error) {
	c, err := config.Load(path, os.Environ())
	if err != nil {
		return c, errors.New(strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return c, nil
}

const apiHelp = `
L1-signs the EIP-712 ClobAuth message with the signing key and asks the CLOB
for API credentials: derive (GET /auth/derive-api-key) returns the existing
credentials of (key, nonce); create (POST /auth/api-key) makes new ones.

The API key is printed. The secret and passphrase are written to a new file of
mode 0600 (--out: HOTPATH_API_KEY=…, HOTPATH_API_SECRET=…,
HOTPATH_API_PASSPHRASE=… lines; --credentials-dir: files api_key, api_secret,
api_passphrase for systemd LoadCredential=) and printed only with
--show-secrets. Existing files are kept unless --force.

Examples:
  hotpath keys derive --config hotpath.toml --out api.env
  hotpath keys create --nonce 1 --credentials-dir /etc/hotpath/credentials`

func runKeysAPI(args []string, create bool, stdout, stderr io.Writer) int {
	name := "derive"
	if create {
		name = "create"
	}
	fs := flag.NewFlagSet("keys "+name, flag.ContinueOnError)
	cfgPath := fs.String("config", "", "configuration `FILE` (CLOB URL and chain; default: defaults plus environment)")
	ksPath := fs.String("keystore", "", "keystore `FILE` of the signing key (default keys.keystore_file or $HOTPATH_KEYSTORE)")
	nonce := fs.Uint64("nonce", 0, "ClobAuth nonce (each nonce is a separate key)")
	out := fs.String("out", "", "write the credentials to this new `FILE` (mode 0600) as HOTPATH_API_*=… lines")
	credDir := fs.String("credentials-dir", "", "write api_key, api_secret, api_passphrase (mode 0600) into `DIR`")
	show := fs.Bool("show-secrets", false, "print the secret and passphrase on stdout")
	force := fs.Bool("force", false, "replace existing credential files")
	timeout := fs.Duration("timeout", 10*time.Second, "limit for the request")
	if code, done := parseSub(fs, args, name, "[--nonce N] (--out FILE | --credentials-dir DIR | --show-secrets)", apiHelp, stdout, stderr); done {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "hotpath keys %s: %s\n", name, fmt.Sprintf(format, a...))
		return 1
	}
	if *out == "" && *credDir == "" && !*show {
		fmt.Fprintf(stderr, "hotpath keys %s: say where the secret goes: --out FILE or --credentials-dir DIR (written with mode 0600), or --show-secrets\n", name)
		return 2
	}
	if !*force {
		for _, p := range credTargets(*out, *credDir) {
			if _, err := os.Lstat(p); err == nil {
				return fail("%s exists; remove it or pass --force", p)
			}
		}
	}
	if *credDir != "" {
		if st, err := os.Stat(*credDir); err != nil || !st.IsDir() {
			return fail("--credentials-dir %s is not a directory", *credDir)
		}
	}
	cfg, err := loadKeysConfig(*cfgPath)
	if err != nil {
		return fail("%v", err)
	}
	ks := *ksPath
	if ks == "" {
		ks = cfg.Keys.KeystoreFile
	}
	signer, err := sign.SignerFromEnv(secretGetenv, ks)
	if err != nil {
		return fail("%v", err)
	}
	v, err := preflight.NewVenue(cfg.Venue.CLOBURL, nil, nil)
	if err != nil {
		return fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	c, err := v.APIKey(ctx, signer, cfg.Venue.ChainID, *nonce, create)
	if err != nil {
		hint := ""
		if create {
			hint = " (if credentials already exist for this nonce, 'hotpath keys derive' returns them)"
		} else if preflight.StatusOf(err) != 0 {
			hint = " (no credentials for this key and nonce yet? 'hotpath keys create' makes them)"
		}
		return fail("%v%s", err, hint)
	}
	fmt.Fprintf(stdout, "address     %s\n", signer.Address().Hex())
	fmt.Fprintf(stdout, "nonce       %d\n", *nonce)
	fmt.Fprintf(stdout, "api key     %s\n", c.APIKey)
	if *out != "" {
		body := fmt.Sprintf("# hotpath API credentials of %s (nonce %d, chain %d, %s), written by 'hotpath keys %s' at %s\n%s=%s\n%s=%s\n%s=%s\n",
			signer.Address().Hex(), *nonce, cfg.Venue.ChainID, cfg.Venue.CLOBURL, name, time.Now().UTC().Format(time.RFC3339),
			preflight.EnvAPIKey, c.APIKey, preflight.EnvAPISecret, c.Secret, preflight.EnvAPIPassphrase, c.Passphrase)
		if err := writeSecretFile(*out, []byte(body), *force); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "secret and passphrase written to %s (mode 0600; a systemd EnvironmentFile, or 'set -a; . %s')\n", *out, *out)
	}
	if *credDir != "" {
		for _, f := range []struct{ env, v string }{{preflight.EnvAPIKey, c.APIKey}, {preflight.EnvAPISecret, c.Secret}, {preflight.EnvAPIPassphrase, c.Passphrase}} {
			if err := writeSecretFile(filepath.Join(*credDir, creds.Name(f.env)), []byte(f.v), *force); err != nil {
				return fail("%v", err)
			}
		}
		fmt.Fprintf(stdout, "credentials written to %s/{api_key,api_secret,api_passphrase} (mode 0600; systemd LoadCredential=)\n", *credDir)
	}
	if *show {
		fmt.Fprintf(stdout, "secret      %s\n", c.Secret)
		fmt.Fprintf(stdout, "passphrase  %s\n", c.Passphrase)
	}
	return 0
}

// credTargets lists the files derive/create would write.
func credTargets(out, dir string) []string {
	var ps []string
	if out != "" {
		ps = append(ps, out)
	}
	if dir != "" {
		for _, e := range []string{preflight.EnvAPIKey, preflight.EnvAPISecret, preflight.EnvAPIPassphrase} {
			ps = append(ps, filepath.Join(dir, creds.Name(e)))
		}
	}
	return ps
}

// writeSecretFile writes data to path with mode 0600 through a synced
// temporary file in the same directory: a reader never sees a partial file,
// and without force an existing path is never replaced (link fails).
func writeSecretFile(path string, data []byte, force bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".hotpath-secret-*") // mode 0600
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, errors.Unwrap(err))
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if force {
		err = os.Rename(tmp, path)
	} else {
		err = os.Link(tmp, path)
	}
	if err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the new name survives a crash
		d.Close()
	}
	return nil
}

const importHelp = `
Reads a private key (64 hex digits, optional 0x) from stdin, without echo
when stdin is a terminal, and writes it into a new go-ethereum keystore file
(scrypt-encrypted JSON, mode 0600). The password comes from
HOTPATH_KEYSTORE_PASSWORD (or HOTPATH_KEYSTORE_PASSWORD_FILE), or is prompted
for twice on the terminal. The file is decrypted again before it is kept, and
its address printed. Point keys.keystore_file at it and give hotpath the
password through HOTPATH_KEYSTORE_PASSWORD or the systemd credential
keystore_password.

--light uses go-ethereum's light scrypt parameters (fast; for tests only).

Examples:
  hotpath keys import --keystore /var/lib/hotpath/keystore.json
  pass show polymarket/key | HOTPATH_KEYSTORE_PASSWORD_FILE=/run/pw hotpath keys import --keystore ks.json`

// maxKeyInput bounds what import reads from stdin.
const maxKeyInput = 4096

func runKeysImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keys import", flag.ContinueOnError)
	out := fs.String("keystore", "", "keystore `FILE` to create (mode 0600)")
	light := fs.Bool("light", false, "light scrypt parameters (tests only: weak against brute force)")
	force := fs.Bool("force", false, "replace an existing keystore file")
	if code, done := parseSub(fs, args, "import", "--keystore FILE [--light]", importHelp, stdout, stderr); done {
		return code
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "hotpath keys import: %s\n", fmt.Sprintf(format, a...))
		return 1
	}
	if *out == "" {
		fmt.Fprintln(stderr, "hotpath keys import: --keystore FILE is required (the file to create)")
		return 2
	}
	if _, err := os.Lstat(*out); err == nil && !*force {
		return fail("%s exists; remove it or pass --force", *out)
	}
	tty := terminalFd(keysStdin)
	var raw []byte
	var err error
	if tty >= 0 {
		fmt.Fprint(stderr, "private key (hex, not echoed): ")
		raw, err = term.ReadPassword(tty)
		fmt.Fprintln(stderr)
	} else {
		raw, err = io.ReadAll(io.LimitReader(keysStdin, maxKeyInput+1))
		if err == nil && len(raw) > maxKeyInput {
			err = errors.New("input longer than a private key")
		}
	}
	defer clear(raw)
	if err != nil {
		return fail("reading the private key from stdin: %v", err)
	}
	key, err := parsePrivateKey(raw)
	if err != nil {
		return fail("%v", err)
	}
	pass, err := keystorePassword(tty, stderr)
	if err != nil {
		return fail("%v", err)
	}
	n, p, strength := keystore.StandardScryptN, keystore.StandardScryptP, "standard"
	if *light {
		n, p, strength = keystore.LightScryptN, keystore.LightScryptP, "light (tests only)"
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return fail("%v", err)
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	blob, err := keystore.EncryptKey(&keystore.Key{Id: id, Address: addr, PrivateKey: key}, pass, n, p)
	if err != nil {
		return fail("encrypting: %v", err)
	}
	if k, err := keystore.DecryptKey(blob, pass); err != nil || k.Address != addr {
		return fail("the keystore did not decrypt back to %s; nothing written", addr.Hex())
	}
	if err := writeSecretFile(*out, blob, *force); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(stdout, "address   %s\nkeystore  %s (mode 0600, scrypt %s)\n", addr.Hex(), *out, strength)
	fmt.Fprintf(stdout, "use it with keys.keystore_file = %q and %s (or the systemd credential keystore_password)\n", *out, sign.EnvKeystorePassword)
	return 0
}

// errKeyInput never echoes what was read.
var errKeyInput = errors.New("stdin does not hold a private key: want 64 hex digits (optional 0x), nothing else")

// parsePrivateKey reads one hex secp256k1 key, surrounding whitespace
// allowed. Its error never contains the input.
func parsePrivateKey(raw []byte) (*ecdsa.PrivateKey, error) {
	s := bytes.TrimSpace(raw)
	s = bytes.TrimPrefix(bytes.TrimPrefix(s, []byte("0x")), []byte("0X"))
	if len(s) != 64 {
		return nil, errKeyInput
	}
	b := make([]byte, 32)
	defer clear(b)
	for i := range 32 {
		hi, lo := unhex(s[2*i]), unhex(s[2*i+1])
		if hi < 0 || lo < 0 {
			return nil, errKeyInput
		}
		b[i] = byte(hi<<4 | lo)
	}
	k, err := crypto.ToECDSA(b)
	if err != nil {
		return nil, errors.New("stdin holds 32 bytes that are not a valid secp256k1 private key")
	}
	return k, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// keystorePassword takes the password from the environment (or its file, or
// the systemd credential), else prompts twice on the terminal.
func keystorePassword(tty int, stderr io.Writer) (string, error) {
	if v := secretGetenv(sign.EnvKeystorePassword); v != "" {
		return v, nil
	}
	if f := os.Getenv(sign.EnvKeystorePassFile); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", sign.EnvKeystorePassFile, err)
		}
		if v := strings.TrimRight(string(b), "\r\n"); v != "" {
			return v, nil
		}
		return "", fmt.Errorf("%s names an empty file", sign.EnvKeystorePassFile)
	}
	if tty < 0 {
		return "", fmt.Errorf("no keystore password: set %s or %s (stdin is not a terminal to prompt on)", sign.EnvKeystorePassword, sign.EnvKeystorePassFile)
	}
	fmt.Fprint(stderr, "keystore password: ")
	a, err := term.ReadPassword(tty)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	fmt.Fprint(stderr, "again: ")
	b, err := term.ReadPassword(tty)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	switch {
	case len(a) == 0:
		return "", errors.New("empty password refused")
	case !bytes.Equal(a, b):
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

// terminalFd returns r's file descriptor when r is a terminal, else -1.
func terminalFd(r io.Reader) int {
	if f, ok := r.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return int(f.Fd())
	}
	return -1
}

const showHelp = `
Prints the identity hotpath trades with, without secrets: the signer address
(loaded from HOTPATH_PRIVATE_KEY or the keystore), the signature type, the
funder and the resulting order maker, whether API credentials are set, and
the exchange contracts orders are signed for on each chain and CLOB version
(the configured chain is marked).

Examples:
  hotpath keys show --config hotpath.toml
  hotpath keys show --json`

// keysShow is the --json document of keys show.
type keysShow struct {
	Signer         string         `json:"signer,omitempty"`
	SignerSource   string         `json:"signer_source"`
	SignatureType  uint8          `json:"signature_type"`
	SignatureName  string         `json:"signature_type_name"`
	Funder         string         `json:"funder,omitempty"`
	Maker          string         `json:"maker,omitempty"`
	ChainID        uint64         `json:"chain_id"`
	APICredentials string         `json:"api_credentials"`
	Exchanges      []showExchange `json:"exchanges"`
}

type showExchange struct {
	ChainID    uint64 `json:"chain_id"`
	Configured bool   `json:"configured"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	Use        string `json:"use"`
}

func runKeysShow(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keys show", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "configuration `FILE` (default: defaults plus environment)")
	ksPath := fs.String("keystore", "", "keystore `FILE` (default keys.keystore_file or $HOTPATH_KEYSTORE)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	if code, done := parseSub(fs, args, "show", "[--config FILE] [--json]", showHelp, stdout, stderr); done {
		return code
	}
	cfg, err := loadKeysConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "hotpath keys show: %v\n", err)
		return 1
	}
	ks := *ksPath
	if ks == "" {
		ks = cfg.Keys.KeystoreFile
	}
	if ks == "" {
		ks = os.Getenv(sign.EnvKeystore)
	}
	t := cfg.Keys.SignatureType
	r := keysShow{SignatureType: t, SignatureName: preflight.SigTypeName(t), Funder: cfg.Keys.Funder, ChainID: cfg.Venue.ChainID}
	signer, err := sign.SignerFromEnv(secretGetenv, ks)
	switch {
	case errors.Is(err, sign.ErrNoKey):
		r.SignerSource = "not configured (" + sign.EnvPrivateKey + " or a keystore)"
	case err != nil:
		fmt.Fprintf(stderr, "hotpath keys show: %v\n", err)
		return 1
	default:
		r.Signer = signer.Address().Hex()
		if _, src, _ := creds.Lookup(sign.EnvPrivateKey); src != creds.None {
			r.SignerSource = sign.EnvPrivateKey + " (" + string(src) + ")"
		} else {
			r.SignerSource = "keystore " + ks
		}
	}
	switch {
	case t != sign.SigEOA:
		r.Maker = cfg.Keys.Funder
	case r.Signer != "":
		r.Maker = r.Signer
	}
	r.APICredentials = "not set"
	if _, src, _ := creds.Lookup(preflight.EnvAPIKey); src != creds.None {
		r.APICredentials = "set (" + string(src) + ")"
	}
	for _, chain := range []uint64{sign.ChainPolygon, sign.ChainAmoy} {
		for _, x := range []struct {
			name, use string
			version   int
			negRisk   bool
		}{
			{"CTF Exchange V2", "standard markets (CLOB version 2)", 2, false},
			{"Neg-risk CTF Exchange V2", "neg-risk markets: every basket leg (CLOB version 2)", 2, true},
			{"CTF Exchange V3", "Protocol-V2 position ids; every asset when /version is 3", 3, false},
		} {
			e, err := sign.ExchangeFor(chain, x.version, x.negRisk, nil)
			if err != nil {
				continue
			}
			r.Exchanges = append(r.Exchanges, showExchange{chain, chain == cfg.Venue.ChainID, x.name, e.Address.Hex(), x.use})
		}
		r.Exchanges = append(r.Exchanges, showExchange{chain, chain == cfg.Venue.ChainID, "Neg-risk adapter", preflight.NegRiskAdapter.Hex(), "NO conversion and redemption (pUSD allowance)"})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintf(stderr, "hotpath keys show: %v\n", err)
			return 1
		}
		return 0
	}
	signerLine := r.SignerSource
	if r.Signer != "" {
		signerLine = r.Signer + " from " + r.SignerSource
	}
	fmt.Fprintf(stdout, "signer           %s\n", signerLine)
	fmt.Fprintf(stdout, "signature type   %d (%s)\n", t, r.SignatureName)
	fmt.Fprintf(stdout, "funder           %s\n", orNone(r.Funder, "none: the signer is the maker"))
	fmt.Fprintf(stdout, "maker            %s\n", orNone(r.Maker, "unknown (no key loaded)"))
	fmt.Fprintf(stdout, "chain            %d\n", r.ChainID)
	fmt.Fprintf(stdout, "API credentials  %s\n", r.APICredentials)
	fmt.Fprintln(stdout, "exchanges:")
	for _, e := range r.Exchanges {
		mark := " "
		if e.Configured {
			mark = "*"
		}
		fmt.Fprintf(stdout, " %s chain %-5d  %-25s %s  %s\n", mark, e.ChainID, e.Name, e.Address, e.Use)
	}
	fmt.Fprintln(stdout, "(* = the configured chain)")
	return 0
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
