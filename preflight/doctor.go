// Package preflight holds the logic of hotpath's operations commands: the
// pre-flight checks of `hotpath doctor` (configuration, files, topology,
// venue, version, clock skew, geoblock, keys, API credentials, balances and
// allowances, heartbeat and WebSocket endpoints) and the small venue client
// `hotpath keys` uses for L1 key management.
//
// Every check yields one Result (PASS, WARN or FAIL with a one-line detail);
// a run passes when nothing FAILs. Checks never print or return a secret:
// keys, API secrets and passphrases are only ever sent to the venue.
// Nothing here is on the hot path.
//
// Checks are read-only on the venue. In particular the heartbeat probe is
// sent without credentials, so it cannot start a heartbeat chain (a chain
// that is then abandoned cancels every order of the API key 10 s later).
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/engine"
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/sign"
)

// Status is a check's verdict.
type Status uint8

// Verdicts.
const (
	Pass Status = iota // as it should be
	Warn               // works, but an operator should look
	Fail               // the engine must not trade like this
)

func (s Status) String() string {
	switch s {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// MarshalText writes PASS, WARN or FAIL.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Result is one check's verdict. Detail is one line and never holds a
// secret.
type Result struct {
	Status Status `json:"status"`
	Check  string `json:"check"`
	Detail string `json:"detail"`
}

// nameWidth pads check names so details line up.
const nameWidth = 29

// String is the report line: "PASS  check  detail".
func (r Result) String() string {
	return fmt.Sprintf("%s  %-*s  %s", r.Status, nameWidth, r.Check, r.Detail)
}

// Failed reports whether any result FAILs.
func Failed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == Fail {
			return true
		}
	}
	return false
}

// Check names, in the order Run reports them.
const (
	CheckConfig    = "config"
	CheckRisk      = "risk-limits"
	CheckTopology  = "topology"
	CheckFileModes = "file-modes"
	CheckJournal   = "journal"
	CheckSigner    = "signer"
	CheckFunder    = "funder"
	CheckVenue     = "venue"
	CheckVersion   = "version"
	CheckClock     = "clock-skew"
	CheckGamma     = "gamma"
	CheckCreds     = "api-creds"
	CheckBalance   = "balance"
	// Allowance checks are named CheckAllowance + "-" + the spender
	// ("allowance-negrisk-exchange-v2", "allowance-negrisk-adapter", …).
	CheckAllowance = "allowance"
	CheckHeartbeat = "heartbeat"
	CheckGeoblock  = "geoblock"
	CheckWSMarket  = "ws-market"
	CheckWSUser    = "ws-user"
)

// Secret environment variables of the API credentials (config.SecretEnv).
const (
	EnvAPIKey        = "HOTPATH_API_KEY"
	EnvAPISecret     = "HOTPATH_API_SECRET"
	EnvAPIPassphrase = "HOTPATH_API_PASSPHRASE"
)

// DefaultGeoblockURL is Polymarket's geoblock check (on polymarket.com, not
// the API hosts): {"blocked": bool, "ip", "country", "region"}.
const DefaultGeoblockURL = "https://polymarket.com/api/geoblock"

// SecretFunc looks a secret up by its environment variable name
// (ops/creds.Lookup: the environment, then the systemd credential).
type SecretFunc func(envVar string) (string, creds.Source, error)

// Options configure a run. The zero value checks the defaults against the
// live venue.
type Options struct {
	// ConfigPath is the TOML file ("" = defaults plus environment).
	ConfigPath string
	// Env is the environment in os.Environ() form, for config overrides
	// and non-secret variables (HOTPATH_KEYSTORE…).
	Env []string
	// Secret looks up secrets; nil looks in Env only.
	Secret SecretFunc
	// GeoblockURL is the geoblock endpoint; "" skips it, leaving a 403
	// from the CLOB as the only geoblock signal.
	GeoblockURL string
	// Timeout bounds each network step; default 5 s.
	Timeout time.Duration
	// WarnSkew and MaxSkew are the clock-skew thresholds (default 1 s and
	// 5 s): the check WARNs or FAILs only when the skew is certainly
	// beyond them, whatever the resolution of /time and the round trip.
	WarnSkew, MaxSkew time.Duration
	// Now is the local clock (default time.Now).
	Now func() time.Time
	// HTTPClient is used for every REST call (default: Timeout per call).
	HTTPClient *http.Client
	// AllowedCPUs lists usable CPUs (default ring.AllowedCPUs).
	AllowedCPUs func() ([]int, error)
	// Report, when set, receives each result as soon as it is known.
	Report func(Result)
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.WarnSkew <= 0 {
		o.WarnSkew = time.Second
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.Timeout}
	}
	if o.AllowedCPUs == nil {
		o.AllowedCPUs = ring.AllowedCPUs
	}
	if o.Secret == nil {
		env := o.Env
		o.Secret = func(name string) (string, creds.Source, error) {
			if v := envValue(env, name); v != "" {
				return v, creds.Env, nil
			}
			return "", creds.None, nil
		}
	}
}

// envValue returns the last value of name in an os.Environ()-style list.
func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			v = val
		}
	}
	return v
}

// run is one doctor run's state.
type run struct {
	o   Options
	out []Result

	cfg   config.Config
	cfgOK bool
	live  bool

	signer    *sign.Signer
	venue     *Venue
	venueOK   bool
	version   int
	creds     Credentials
	credsOK   bool
	skewed    bool // the clock is certainly beyond MaxSkew
	secretErr error
}

// Run performs every check in order and returns the results (also passed to
// o.Report one by one). It never returns early: a failed prerequisite turns
// the checks that need it into "not checked" lines.
func Run(ctx context.Context, o Options) []Result {
	o.defaults()
	r := &run{o: o, version: 2}
	r.checkConfig()
	if !r.cfgOK {
		for _, c := range []string{CheckRisk, CheckTopology, CheckFileModes, CheckJournal, CheckSigner, CheckFunder,
			CheckVenue, CheckVersion, CheckClock, CheckGamma, CheckCreds, CheckBalance, CheckAllowance,
			CheckHeartbeat, CheckGeoblock, CheckWSMarket, CheckWSUser} {
			r.add(Warn, c, "not checked: the configuration did not load")
		}
		return r.out
	}
	r.checkRisk()
	r.checkTopology()
	r.checkFileModes()
	r.checkJournal()
	r.checkSigner()
	r.checkFunder()
	r.checkVenue(ctx)
	r.checkVersion(ctx)
	r.checkClock(ctx)
	r.checkGamma(ctx)
	r.checkCreds(ctx)
	r.checkBalances(ctx)
	r.checkHeartbeat(ctx)
	r.checkGeoblock(ctx)
	r.checkWSMarket(ctx)
	r.checkWSUser(ctx)
	return r.out
}

func (r *run) add(s Status, check, format string, args ...any) {
	res := Result{Status: s, Check: check, Detail: oneLine(fmt.Sprintf(format, args...))}
	r.out = append(r.out, res)
	if r.o.Report != nil {
		r.o.Report(res)
	}
}

// needed is FAIL in live mode and WARN otherwise: keys and credentials are
// required only to trade.
func (r *run) needed() Status {
	if r.live {
		return Fail
	}
	return Warn
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// secret looks a secret up, remembering a credential read error.
func (r *run) secret(name string) (string, creds.Source) {
	v, src, err := r.o.Secret(name)
	if err != nil && r.secretErr == nil {
		r.secretErr = err
	}
	return v, src
}

// getenv is the lookup the signer loader uses: secrets through Secret,
// anything else from Env.
func (r *run) getenv(name string) string {
	switch name {
	case sign.EnvPrivateKey, sign.EnvKeystorePassword:
		v, _ := r.secret(name)
		return v
	}
	return envValue(r.o.Env, name)
}

func (r *run) checkConfig() {
	cfg, err := config.Load(r.o.ConfigPath, r.o.Env)
	if err != nil {
		r.add(Fail, CheckConfig, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
		return
	}
	r.cfg, r.cfgOK, r.live = cfg, true, cfg.Mode == config.Live
	src := r.o.ConfigPath
	if src == "" {
		src = "defaults + environment (no --config)"
	}
	r.add(Pass, CheckConfig, "%s: mode %s, chain %d, CLOB %s", src, cfg.Mode, cfg.Venue.ChainID, cfg.Venue.CLOBURL)
}

// checkRisk looks for limits that are each valid (config.Validate) but do
// not fit together.
func (r *run) checkRisk() {
	k, st := r.cfg.Risk, r.cfg.Strategy
	var warns []string
	if k.LegLossBudget > k.MaxDailyLoss {
		warns = append(warns, fmt.Sprintf("leg_loss_budget %s exceeds max_daily_loss %s: one partial basket may spend the whole day's loss limit", k.LegLossBudget, k.MaxDailyLoss))
	}
	for _, s := range st.ShareLadder {
		if s > st.MaxShares {
			warns = append(warns, fmt.Sprintf("share_ladder rung %s is above max_shares %s and will never be used", s, st.MaxShares))
		}
	}
	// A set pays $1, so a basket of n sets costs less than $n: a rung whose
	// sets' payout is below the notional cap always fits.
	if len(st.ShareLadder) > 0 {
		smallest := st.ShareLadder[0]
		for _, s := range st.ShareLadder[1:] {
			smallest = min(smallest, s)
		}
		// micro-shares × $1 per share = micro-dollars of payout (exact).
		if int64(smallest) > int64(k.MaxBasketNotional)*2 {
			warns = append(warns, fmt.Sprintf("max_basket_notional %s is under half the payout of the smallest share_ladder rung (%s sets): most baskets will be cut down or refused", k.MaxBasketNotional, smallest))
		}
	}
	if r.cfg.Rate.UnwindReserve == 0 {
		warns = append(warns, "rate.unwind_reserve is 0: no order budget is kept for unwinding a partial basket")
	}
	// Standard per-signer tier: 40 orders/s (protocol.md §10.2).
	if r.cfg.Rate.OrdersPer10s > 400 {
		warns = append(warns, fmt.Sprintf("rate.orders_per_10s %d is above the standard tier's 400 per 10 s; the venue will refuse orders unless the wallet's tier is higher", r.cfg.Rate.OrdersPer10s))
	}
	if len(warns) > 0 {
		r.add(Warn, CheckRisk, "%s", strings.Join(warns, "; "))
		return
	}
	r.add(Pass, CheckRisk, "basket ≤ %s, event ≤ %s, %d open baskets, daily loss ≤ %s, leg loss budget %s, %d orders/10s (%d kept for unwinds)",
		k.MaxBasketNotional, k.MaxEventExposure, k.MaxOpenBaskets, k.MaxDailyLoss, k.LegLossBudget, r.cfg.Rate.OrdersPer10s, r.cfg.Rate.UnwindReserve)
}

// keystorePath is the keystore the signer would use: the config's, else
// HOTPATH_KEYSTORE.
func (r *run) keystorePath() string {
	if r.cfg.Keys.KeystoreFile != "" {
		return r.cfg.Keys.KeystoreFile
	}
	return envValue(r.o.Env, sign.EnvKeystore)
}

// checkFileModes refuses key and config files other users can read or
// write, as config.Load does for the config file.
func (r *run) checkFileModes() {
	type file struct{ what, path string }
	var files []file
	if r.o.ConfigPath != "" {
		files = append(files, file{"config", r.o.ConfigPath})
	}
	if p := r.keystorePath(); p != "" {
		files = append(files, file{"keystore", p})
	}
	if p := envValue(r.o.Env, sign.EnvKeystorePassFile); p != "" {
		files = append(files, file{"keystore password file", p})
	}
	if len(files) == 0 {
		r.add(Pass, CheckFileModes, "no config, keystore or password file in use")
		return
	}
	var ok, bad []string
	for _, f := range files {
		st, err := os.Stat(f.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			bad = append(bad, fmt.Sprintf("%s %s: no such file", f.what, f.path))
		case err != nil:
			bad = append(bad, fmt.Sprintf("%s %s: %v", f.what, f.path, err))
		case !st.Mode().IsRegular():
			bad = append(bad, fmt.Sprintf("%s %s: not a regular file", f.what, f.path))
		case st.Mode().Perm()&0o077 != 0:
			bad = append(bad, fmt.Sprintf("%s %s: mode %04o lets other users read or write it; run: chmod 600 %s", f.what, f.path, st.Mode().Perm(), f.path))
		default:
			ok = append(ok, fmt.Sprintf("%s %04o", f.what, st.Mode().Perm()))
		}
	}
	if len(bad) > 0 {
		r.add(Fail, CheckFileModes, "%s", strings.Join(bad, "; "))
		return
	}
	r.add(Pass, CheckFileModes, "%s", strings.Join(ok, ", "))
}

// checkJournal proves the journal directory takes a synced write (or that
// its parent does, when it does not exist yet).
func (r *run) checkJournal() {
	dir := r.cfg.Journal.Dir
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		parent := filepath.Dir(filepath.Clean(dir))
		if err := probeWrite(parent); err != nil {
			r.add(Fail, CheckJournal, "%s does not exist and cannot be created: %v", dir, err)
			return
		}
		r.add(Pass, CheckJournal, "%s does not exist yet; %s is writable, so it will be created", dir, parent)
		return
	}
	if err != nil {
		r.add(Fail, CheckJournal, "%s: %v", dir, err)
		return
	}
	if !st.IsDir() {
		r.add(Fail, CheckJournal, "%s is not a directory", dir)
		return
	}
	if err := probeWrite(dir); err != nil {
		r.add(Fail, CheckJournal, "%s is not writable: %v", dir, err)
		return
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		r.add(Warn, CheckJournal, "%s is writable but mode %04o lets other users read it (it records money in flight); run: chmod 700 %s", dir, perm, dir)
		return
	}
	r.add(Pass, CheckJournal, "%s is writable (a synced test write succeeded)", dir)
}

// probeWrite creates, syncs and removes a file in dir.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".hotpath-doctor-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	name := f.Name()
	defer os.Remove(name)
	if _, err := f.Write([]byte("hotpath doctor\n")); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (r *run) checkSigner() {
	s, err := sign.SignerFromEnv(r.getenv, r.cfg.Keys.KeystoreFile)
	if r.secretErr != nil {
		r.add(Fail, CheckSigner, "reading a credential: %v", r.secretErr)
		return
	}
	switch {
	case errors.Is(err, sign.ErrNoKey):
		r.add(r.needed(), CheckSigner, "no signing key: set %s, or keys.keystore_file (or %s) with %s; 'hotpath keys import' writes a keystore (needed only in live mode)",
			sign.EnvPrivateKey, sign.EnvKeystore, sign.EnvKeystorePassword)
		return
	case err != nil:
		r.add(Fail, CheckSigner, "%v", err)
		return
	}
	r.signer = s
	from := "keystore " + r.keystorePath()
	if _, src := r.secret(sign.EnvPrivateKey); src != creds.None {
		from = sign.EnvPrivateKey + " (" + string(src) + ")"
	}
	r.add(Pass, CheckSigner, "%s from %s", s.Address().Hex(), from)
}

// SigTypeName names a signature type (protocol.md §6.3).
func SigTypeName(t uint8) string {
	switch t {
	case sign.SigEOA:
		return "EOA"
	case sign.SigProxy:
		return "proxy wallet"
	case sign.SigSafe:
		return "Safe"
	case sign.SigPoly1271:
		return "deposit wallet (POLY_1271)"
	}
	return "unknown"
}

// checkFunder checks the funder against the signature type: type 0 signs
// and pays from the EOA; types 1–3 pay from a wallet that is not the EOA.
func (r *run) checkFunder() {
	t, funder := r.cfg.Keys.SignatureType, r.cfg.Keys.Funder
	name := fmt.Sprintf("signature type %d (%s)", t, SigTypeName(t))
	var signer string
	if r.signer != nil {
		signer = r.signer.Address().Hex()
	}
	if t == sign.SigEOA {
		switch {
		case funder == "":
			if signer == "" {
				r.add(Pass, CheckFunder, "%s: the signer's own address is the maker", name)
				return
			}
			r.add(Pass, CheckFunder, "%s: maker = signer %s", name, signer)
		case signer != "" && strings.EqualFold(funder, signer):
			r.add(Pass, CheckFunder, "%s: maker = signer %s", name, signer)
		default:
			r.add(Fail, CheckFunder, "%s signs and pays from the key's own address, but keys.funder is %s: set keys.signature_type to the wallet's type (1 proxy, 2 Safe, 3 deposit wallet) or clear keys.funder", name, funder)
		}
		return
	}
	switch {
	case funder == "":
		r.add(r.needed(), CheckFunder, "%s needs keys.funder, the wallet holding the funds (the orders' maker)", name)
	case signer != "" && strings.EqualFold(funder, signer):
		r.add(Fail, CheckFunder, "%s: keys.funder is the signing key's own address; for this type the maker is the wallet, not the EOA (use signature type 0 for an EOA)", name)
	case t == sign.SigPoly1271:
		r.add(Pass, CheckFunder, "%s: maker = signer = wallet %s, signed by its owner %s", name, funder, orUnknown(signer))
	default:
		r.add(Pass, CheckFunder, "%s: maker %s, signer %s", name, funder, orUnknown(signer))
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(no key loaded)"
	}
	return s
}

// step bounds one network step.
func (r *run) step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.Timeout)
}

func (r *run) checkVenue(ctx context.Context) {
	v, err := NewVenue(r.cfg.Venue.CLOBURL, r.o.HTTPClient, r.o.Now)
	if err != nil {
		r.add(Fail, CheckVenue, "%v", err)
		return
	}
	r.venue = v
	c, cancel := r.step(ctx)
	defer cancel()
	start := time.Now()
	if _, err := v.Get(c, "/ok", nil); err != nil {
		r.add(Fail, CheckVenue, "%s unreachable: %v%s", r.cfg.Venue.CLOBURL, err, forbiddenHint(err))
		return
	}
	r.venueOK = true
	r.add(Pass, CheckVenue, "%s answered GET /ok in %s", r.cfg.Venue.CLOBURL, elapsed(time.Since(start)))
}

func forbiddenHint(err error) string {
	if StatusOf(err) == http.StatusForbidden {
		return " (403: geoblocked? see the geoblock line)"
	}
	return ""
}

func (r *run) notReachable(check string) {
	r.add(Warn, check, "not checked: the venue is unreachable")
}

func (r *run) checkVersion(ctx context.Context) {
	if !r.venueOK {
		r.notReachable(CheckVersion)
		return
	}
	c, cancel := r.step(ctx)
	defer cancel()
	body, err := r.venue.Get(c, "/version", nil)
	if err != nil {
		r.add(Fail, CheckVersion, "%v", err)
		return
	}
	n, present, err := ParseVersion(body)
	switch {
	case err != nil:
		r.add(Fail, CheckVersion, "%v", err)
	case !present:
		r.add(Warn, CheckVersion, "GET /version has no version field; the official client then assumes 2 and so does hotpath (CLOB V2 orders)")
	case n == 2:
		r.add(Pass, CheckVersion, "2: CLOB V2 orders (exchange domain \"2\"; Protocol-V2 position ids on ExchangeV3)")
	case n == 3:
		r.version = 3
		r.add(Warn, CheckVersion, "3: the venue asks for ExchangeV3 orders (domain \"3\") for every asset; hotpath will sign them so, but this build was validated against version 2 — place one small order by hand first")
	case n == 1:
		r.version = 1
		r.add(Warn, CheckVersion, "1: the venue reports the legacy V1 protocol; hotpath signs V1 orders only for reference values, so live orders will be rejected")
	default:
		r.add(Warn, CheckVersion, "%d: unknown protocol version; hotpath knows 1, 2 and 3 and will refuse to sign for it", n)
	}
}

func (r *run) checkClock(ctx context.Context) {
	if !r.venueOK {
		r.notReachable(CheckClock)
		return
	}
	c, cancel := r.step(ctx)
	defer cancel()
	t0 := r.o.Now()
	body, err := r.venue.Get(c, "/time", nil)
	t1 := r.o.Now()
	if err != nil {
		r.add(Fail, CheckClock, "%v", err)
		return
	}
	ms, res, err := ParseServerTime(body)
	if err != nil {
		r.add(Fail, CheckClock, "%v", err)
		return
	}
	sk := SkewBounds(time.UnixMilli(ms), res, t0, t1)
	switch {
	case sk.Min() > r.o.MaxSkew:
		r.skewed = true
		r.add(Fail, CheckClock, "%s (more than %s): signatures carry the local time and the venue may refuse them; sync the clock (chrony/systemd-timesyncd)", sk, r.o.MaxSkew)
	case sk.Min() > r.o.WarnSkew:
		r.add(Warn, CheckClock, "%s (more than %s); check NTP", sk, r.o.WarnSkew)
	default:
		r.add(Pass, CheckClock, "%s", sk)
	}
}

// Skew is the venue clock minus the local clock, known to lie in [Lo, Hi]
// (the width comes from the round trip and the resolution of /time).
type Skew struct{ Lo, Hi time.Duration }

// SkewBounds bounds the skew from a server time read with the given
// resolution (the server's clock was in [server, server+res) when it
// answered) between local times t0 (sent) and t1 (answered).
func SkewBounds(server time.Time, res time.Duration, t0, t1 time.Time) Skew {
	return Skew{Lo: server.Sub(t1), Hi: server.Add(res).Sub(t0)}
}

// Min is the smallest absolute skew consistent with the bounds.
func (s Skew) Min() time.Duration {
	switch {
	case s.Lo > 0:
		return s.Lo
	case s.Hi < 0:
		return -s.Hi
	}
	return 0
}

func (s Skew) String() string {
	mid := (s.Lo + s.Hi) / 2
	pm := ((s.Hi - s.Lo) / 2).Round(time.Millisecond)
	switch {
	case s.Min() == 0:
		return fmt.Sprintf("local clock within %s of the venue", max(-s.Lo, s.Hi).Round(time.Millisecond))
	case mid > 0:
		return fmt.Sprintf("local clock is %s behind the venue (±%s)", mid.Round(time.Millisecond), pm)
	}
	return fmt.Sprintf("local clock is %s ahead of the venue (±%s)", (-mid).Round(time.Millisecond), pm)
}

// checkGamma reads one event from Gamma: the universe comes from there.
func (r *run) checkGamma(ctx context.Context) {
	g, err := NewVenue(r.cfg.Venue.GammaURL, r.o.HTTPClient, r.o.Now)
	if err != nil {
		r.add(Fail, CheckGamma, "%v", err)
		return
	}
	c, cancel := r.step(ctx)
	defer cancel()
	start := time.Now()
	body, err := g.Get(c, "/events", url.Values{"limit": {"1"}, "closed": {"false"}})
	if err != nil {
		r.add(Fail, CheckGamma, "%s: %v", r.cfg.Venue.GammaURL, err)
		return
	}
	if b := strings.TrimSpace(string(body)); !strings.HasPrefix(b, "[") {
		r.add(Fail, CheckGamma, "%s: GET /events did not answer a JSON array", r.cfg.Venue.GammaURL)
		return
	}
	r.add(Pass, CheckGamma, "%s answered GET /events in %s", r.cfg.Venue.GammaURL, elapsed(time.Since(start)))
}

// checkTopology runs the engine's own layout choice against the CPUs this
// process may use, so a pinned layout that cannot work is caught here.
func (r *run) checkTopology() {
	cpus, err := r.o.AllowedCPUs()
	if err != nil {
		r.add(Fail, CheckTopology, "listing usable CPUs: %v", err)
		return
	}
	t, err := engine.ChooseTopology(r.cfg.Topology.Layout, r.cfg.Topology.Wait, r.cfg.Topology.Cores, cpus)
	if err != nil {
		r.add(Fail, CheckTopology, "%v (usable CPUs %v)", err, cpus)
		return
	}
	r.add(Pass, CheckTopology, "%s (usable CPUs %v)", t, cpus)
}

// elapsed rounds a measured duration for a report line (sub-millisecond
// times keep 10 µs).
func elapsed(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
