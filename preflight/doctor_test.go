package preflight

import (
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
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/sign"
	"github.com/hotpath/hotpath/sim"
)

// venueFixture is a running simulator, a front proxy that can override
// single endpoints, and a geoblock endpoint.
type venueFixture struct {
	sim       *sim.Server
	front     *httptest.Server
	overrides map[string]http.HandlerFunc // path → handler (set before Run)
	geo       *httptest.Server
	geoBody   string
}

func startVenue(t *testing.T) *venueFixture {
	t.Helper()
	s, err := sim.Start(context.Background(), sim.Config{Scenario: "small", Rate: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &venueFixture{sim: s, overrides: map[string]http.HandlerFunc{}, geoBody: `{"blocked":false,"ip":"127.0.0.1","country":"IE","region":"L"}`}
	target, _ := url.Parse(s.URLs().REST)
	proxy := httputil.NewSingleHostReverseProxy(target)
	f.front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := f.overrides[r.URL.Path]; ok {
			h(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(f.front.Close)
	f.geo = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, f.geoBody)
	}))
	t.Cleanup(f.geo.Close)
	return f
}

// setup is one doctor run's inputs, editable by a test case.
type setup struct {
	t       *testing.T
	dir     string
	toml    map[string]string // "section.key" → TOML value
	secrets map[string]string
	env     []string
	opts    Options
}

func (f *venueFixture) setup(t *testing.T, hardhat int) *setup {
	u := f.sim.URLs()
	dir := t.TempDir()
	addr := sim.HardhatAddress(hardhat)
	c := f.sim.Credentials(addr, 0)
	return &setup{
		t:   t,
		dir: dir,
		toml: map[string]string{
			"mode":                "\"live\"",
			"venue.clob_url":      fmt.Sprintf("%q", f.front.URL),
			"venue.ws_market_url": fmt.Sprintf("%q", u.WSMarket),
			"venue.ws_user_url":   fmt.Sprintf("%q", u.WSUser),
			"venue.gamma_url":     fmt.Sprintf("%q", u.Gamma),
			"live.confirm":        fmt.Sprintf("%q", config.LiveConfirmation),
			"journal.dir":         fmt.Sprintf("%q", filepath.Join(dir, "journal")),
		},
		secrets: map[string]string{
			sign.EnvPrivateKey: sim.HardhatKeys[hardhat],
			EnvAPIKey:          c.APIKey,
			EnvAPISecret:       c.Secret,
			EnvAPIPassphrase:   c.Passphrase,
		},
		opts: Options{
			GeoblockURL: f.geo.URL,
			Timeout:     3 * time.Second,
			AllowedCPUs: func() ([]int, error) { return []int{0, 1}, nil },
		},
	}
}

// writeConfig renders the TOML (sections in order) to a 0600 file.
func (s *setup) writeConfig() string {
	sections := map[string][]string{}
	var top []string
	for k, v := range s.toml {
		if sec, key, ok := strings.Cut(k, "."); ok {
			sections[sec] = append(sections[sec], key+" = "+v)
		} else {
			top = append(top, k+" = "+v)
		}
	}
	var b strings.Builder
	for _, l := range top {
		b.WriteString(l + "\n")
	}
	for sec, lines := range sections {
		b.WriteString("[" + sec + "]\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	p := filepath.Join(s.dir, "hotpath.toml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *setup) run() []Result {
	s.t.Helper()
	o := s.opts
	if o.ConfigPath == "" {
		o.ConfigPath = s.writeConfig()
	}
	o.Env = s.env
	secrets := s.secrets
	o.Secret = func(name string) (string, creds.Source, error) {
		if v := secrets[name]; v != "" {
			return v, "environment", nil
		}
		return "", "", nil
	}
	return Run(context.Background(), o)
}

func byCheck(rs []Result) map[string]Result {
	m := make(map[string]Result, len(rs))
	for _, r := range rs {
		m[r.Check] = r
	}
	return m
}

func dump(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

var allChecks = []string{
	CheckConfig, CheckRisk, CheckTopology, CheckFileModes, CheckJournal, CheckSigner, CheckFunder,
	CheckVenue, CheckVersion, CheckClock, CheckGamma, CheckCreds, CheckBalance,
	"allowance-negrisk-exchange-v2", "allowance-exchange-v2", "allowance-negrisk-adapter",
	CheckHeartbeat, CheckGeoblock, CheckWSMarket, CheckWSUser,
}

func TestDoctorAllPass(t *testing.T) {
	f := startVenue(t)
	s := f.setup(t, 3)
	rs := s.run()
	if len(rs) != len(allChecks) {
		t.Fatalf("%d results, want %d:\n%s", len(rs), len(allChecks), dump(rs))
	}
	for i, r := range rs {
		if r.Check != allChecks[i] || r.Status != Pass {
			t.Errorf("line %d: %s (want PASS %s)", i, r, allChecks[i])
		}
	}
	if Failed(rs) {
		t.Fatalf("failed:\n%s", dump(rs))
	}
	m := byCheck(rs)
	addr := sim.HardhatAddress(3).Hex()
	for check, want := range map[string]string{
		CheckSigner:   addr + " from HOTPATH_PRIVATE_KEY (environment)",
		CheckCreds:    "accepted for signer " + addr,
		CheckBalance:  "$1000 pUSD for signature type 0",
		CheckVersion:  "2: CLOB V2",
		CheckJournal:  "does not exist yet",
		CheckFunder:   "maker = signer " + addr,
		CheckWSUser:   "auth frame accepted",
		CheckGeoblock: "not blocked (country IE, region L)",
	} {
		if !strings.Contains(m[check].Detail, want) {
			t.Errorf("%s: %q lacks %q", check, m[check].Detail, want)
		}
	}
	// No secret in any line.
	for _, sec := range s.secrets {
		if strings.Contains(dump(rs), sec) || strings.Contains(dump(rs), strings.TrimPrefix(sec, "0x")) {
			t.Fatalf("a secret leaked into the report:\n%s", dump(rs))
		}
	}
	// The heartbeat probe did not start a chain: a first heartbeat with an
	// empty id is still accepted (a running chain would want its id).
	v, _ := NewVenue(f.sim.URLs().REST, nil, nil)
	c := f.sim.Credentials(sim.HardhatAddress(3), 0)
	body, err := v.L2(context.Background(), Auth{Address: sim.HardhatAddress(3), Creds: Credentials{c.APIKey, c.Secret, c.Passphrase}},
		http.MethodPost, "/v1/heartbeats", nil, []byte(`{"heartbeat_id":""}`))
	if err != nil || !strings.Contains(string(body), "heartbeat_id") {
		t.Fatalf("a heartbeat chain was left running: %v %s", err, body)
	}
}

func TestDoctorReportsAsItGoes(t *testing.T) {
	f := startVenue(t)
	s := f.setup(t, 3)
	var seen []Result
	s.opts.Report = func(r Result) { seen = append(seen, r) }
	rs := s.run()
	if len(seen) != len(rs) {
		t.Fatalf("reported %d of %d", len(seen), len(rs))
	}
}

// want is one expected report line: status, check, and part of the detail.
type want struct {
	check  string
	status Status
	detail string
}

func TestDoctorFailures(t *testing.T) {
	f := startVenue(t)
	cases := []struct {
		name  string
		edit  func(*setup)
		wants []want
	}{
		{"wrong passphrase", func(s *setup) { s.secrets[EnvAPIPassphrase] = "00" + s.secrets[EnvAPIPassphrase][2:] }, []want{
			{CheckCreds, Fail, "rejected"}, {CheckBalance, Fail, "not checked"}, {CheckWSUser, Fail, "not checked"},
		}},
		{"credentials of another address", func(s *setup) {
			c := f.sim.Credentials(sim.HardhatAddress(4), 0)
			s.secrets[EnvAPIKey], s.secrets[EnvAPISecret], s.secrets[EnvAPIPassphrase] = c.APIKey, c.Secret, c.Passphrase
		}, []want{{CheckCreds, Fail, "belongs to another address than the signer " + sim.HardhatAddress(3).Hex()}}},
		{"secret not base64", func(s *setup) { s.secrets[EnvAPISecret] = "not base64!" }, []want{{CheckCreds, Fail, "is not base64"}}},
		{"half the credentials", func(s *setup) { delete(s.secrets, EnvAPIPassphrase) }, []want{{CheckCreds, Fail, "HOTPATH_API_PASSPHRASE not set"}}},
		{"no credentials in live mode", func(s *setup) {
			delete(s.secrets, EnvAPIKey)
			delete(s.secrets, EnvAPISecret)
			delete(s.secrets, EnvAPIPassphrase)
		}, []want{{CheckCreds, Fail, "no API credentials"}, {CheckWSUser, Fail, "not checked"}}},
		{"no key in live mode", func(s *setup) { delete(s.secrets, sign.EnvPrivateKey) }, []want{{CheckSigner, Fail, "no signing key"}, {CheckCreds, Fail, "no signing key"}}},
		{"bad key", func(s *setup) { s.secrets[sign.EnvPrivateKey] = "0x1234" }, []want{{CheckSigner, Fail, "32 bytes of hex"}}},
		{"clock 30 s behind", func(s *setup) { s.opts.Now = func() time.Time { return time.Now().Add(-30 * time.Second) } }, []want{{CheckClock, Fail, "behind the venue"}}},
		{"refused credentials with a skewed clock", func(s *setup) {
			s.opts.Now = func() time.Time { return time.Now().Add(-30 * time.Second) }
			s.secrets[EnvAPIPassphrase] = "wrong"
		}, []want{{CheckCreds, Fail, "or the clock skew above makes POLY_TIMESTAMP unacceptable"}}},
		{"clock 3 s ahead", func(s *setup) { s.opts.Now = func() time.Time { return time.Now().Add(3 * time.Second) } }, []want{{CheckClock, Warn, "ahead of the venue"}}},
		{"unreachable CLOB", func(s *setup) {
			s.toml["venue.clob_url"] = fmt.Sprintf("%q", deadURL(t))
			s.opts.GeoblockURL = ""
		}, []want{
			{CheckVenue, Fail, "unreachable"}, {CheckVersion, Warn, "not checked"}, {CheckClock, Warn, "not checked"},
			{CheckCreds, Warn, "not checked"}, {CheckHeartbeat, Warn, "not checked"}, {CheckGeoblock, Warn, "not checked"},
		}},
		{"unreachable WebSockets", func(s *setup) {
			d := strings.Replace(deadURL(t), "http", "ws", 1)
			s.toml["venue.ws_market_url"] = fmt.Sprintf("%q", d+"/ws/market")
			s.toml["venue.ws_user_url"] = fmt.Sprintf("%q", d+"/ws/user")
		}, []want{{CheckWSMarket, Fail, "handshake"}, {CheckWSUser, Fail, "handshake"}}},
		{"unreachable Gamma", func(s *setup) { s.toml["venue.gamma_url"] = fmt.Sprintf("%q", deadURL(t)) }, []want{{CheckGamma, Fail, ""}}},
		{"geoblocked by the endpoint", func(s *setup) { f.geoBody = `{"blocked":true,"ip":"1.2.3.4","country":"US","region":"NY"}` }, []want{{CheckGeoblock, Fail, "blocked from placing orders (country US, region NY)"}}},
		{"geoblock endpoint down", func(s *setup) { s.opts.GeoblockURL = deadURL(t) }, []want{{CheckGeoblock, Warn, "unavailable"}}},
		{"CLOB answers 403", func(s *setup) {
			s.opts.GeoblockURL = ""
			f.sim.Faults().Inject(sim.FaultRule{Path: "/ok", Status: 403})
		}, []want{{CheckVenue, Fail, "403: geoblocked?"}, {CheckGeoblock, Fail, "geoblocked"}}},
		{"CLOB answers 403 on a trading call", func(s *setup) {
			f.sim.Faults().Inject(sim.FaultRule{Path: "/auth/api-keys", Status: 403})
		}, []want{{CheckCreds, Fail, "rejected"}, {CheckGeoblock, Fail, "403 Forbidden although the geoblock endpoint says not blocked"}}},
		{"heartbeat route missing", func(s *setup) {
			f.sim.Faults().Inject(sim.FaultRule{Path: "/v1/heartbeats", Status: 404})
		}, []want{{CheckHeartbeat, Fail, "not served"}}},
		{"version 3", func(s *setup) { f.overrides["/version"] = jsonHandler(`{"version":3}`) }, []want{{CheckVersion, Warn, "ExchangeV3"}, {"allowance-exchange-v3", Fail, "no pUSD allowance"}}},
		{"version missing", func(s *setup) { f.overrides["/version"] = jsonHandler(`{}`) }, []want{{CheckVersion, Warn, "assumes 2"}}},
		{"time in a bad format", func(s *setup) { f.overrides["/time"] = jsonHandler(`"soon"`) }, []want{{CheckClock, Fail, "not a unix time"}}},
		{"time in milliseconds", func(s *setup) { f.overrides["/time"] = jsonHandler(fmt.Sprint(time.Now().UnixMilli())) }, []want{{CheckClock, Pass, "of the venue"}}},
		{"no neg-risk allowance", func(s *setup) {
			f.overrides["/balance-allowance"] = jsonHandler(`{"balance":"500000000","allowances":{"` + sim.ExchangeV2 + `":"100"}}`)
		}, []want{
			{"allowance-negrisk-exchange-v2", Fail, "no pUSD allowance"}, {"allowance-exchange-v2", Warn, "below"}, {"allowance-negrisk-adapter", Warn, "no pUSD allowance"},
		}},
		{"binary markets need the standard exchange", func(s *setup) {
			s.toml["universe.include_binary"] = "true"
			f.overrides["/balance-allowance"] = jsonHandler(`{"balance":"500000000","allowances":{"` + sim.ExchangeV2NegRisk + `":"50000000"}}`)
		}, []want{{"allowance-negrisk-exchange-v2", Pass, "50000000 micro-dollars"}, {"allowance-exchange-v2", Fail, "no pUSD allowance"}}},
		{"V1-style allowance", func(s *setup) {
			f.overrides["/balance-allowance"] = jsonHandler(`{"balance":"500000000","allowance":"7"}`)
		}, []want{{"allowance-negrisk-exchange-v2", Warn, "single V1-style allowance"}}},
		{"low balance", func(s *setup) {
			s.toml["risk.max_basket_notional"] = `"2000"`
			s.toml["risk.max_event_exposure"] = `"4000"`
		}, []want{{CheckBalance, Warn, "below risk.max_basket_notional $2000"}}},
		{"journal is a file", func(s *setup) {
			p := filepath.Join(s.dir, "jfile")
			os.WriteFile(p, nil, 0o600)
			s.toml["journal.dir"] = fmt.Sprintf("%q", p)
		}, []want{{CheckJournal, Fail, "not a directory"}}},
		{"journal readable by others", func(s *setup) {
			p := filepath.Join(s.dir, "j")
			os.Mkdir(p, 0o755)
			os.Chmod(p, 0o755)
			s.toml["journal.dir"] = fmt.Sprintf("%q", p)
		}, []want{{CheckJournal, Warn, "mode 0755"}}},
		{"keystore readable by others", func(s *setup) {
			p := filepath.Join(s.dir, "ks.json")
			os.WriteFile(p, []byte("{}"), 0o644)
			os.Chmod(p, 0o644)
			s.env = append(s.env, sign.EnvKeystore+"="+p)
		}, []want{{CheckFileModes, Fail, "keystore {dir}/ks.json: mode 0644"}}},
		{"funder with an EOA signature type", func(s *setup) { s.toml["keys.funder"] = fmt.Sprintf("%q", sim.HardhatAddress(5).Hex()) }, []want{{CheckFunder, Fail, "signs and pays from the key's own address"}}},
		{"funder is the signer for a Safe", func(s *setup) {
			s.toml["keys.signature_type"] = "2"
			s.toml["keys.funder"] = fmt.Sprintf("%q", sim.HardhatAddress(3).Hex())
		}, []want{{CheckFunder, Fail, "is the signing key's own address"}}},
		{"config readable by others", func(s *setup) {
			p := s.writeConfig()
			os.Chmod(p, 0o644)
			s.opts.ConfigPath = p
		}, []want{{CheckConfig, Fail, "lets other users read"}, {CheckVenue, Warn, "configuration did not load"}}},
		{"risk limits that do not fit", func(s *setup) {
			s.toml["risk.leg_loss_budget"] = `"30"`
			s.toml["rate.unwind_reserve"] = "0"
			s.toml["strategy.share_ladder"] = `["5", "500"]`
		}, []want{{CheckRisk, Warn, "leg_loss_budget $30 exceeds max_daily_loss $20"}, {CheckRisk, Warn, "rung 500 is above max_shares 100"}, {CheckRisk, Warn, "unwind_reserve is 0"}}},
		{"impossible topology", func(s *setup) {
			s.toml["topology.layout"] = `"pinned"`
			s.toml["topology.cores"] = "[1, 2, 3]"
		}, []want{{CheckTopology, Fail, ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.overrides = map[string]http.HandlerFunc{}
			f.geoBody = `{"blocked":false,"ip":"127.0.0.1","country":"IE","region":"L"}`
			f.sim.Faults().Clear()
			s := f.setup(t, 3)
			tc.edit(s)
			rs := s.run()
			if !Failed(rs) && hasFail(tc.wants) {
				t.Errorf("run did not fail")
			}
			m := byCheck(rs)
			for _, w := range tc.wants {
				r, ok := m[w.check]
				detail := strings.ReplaceAll(w.detail, "{dir}", s.dir)
				if !ok || r.Status != w.status || !strings.Contains(r.Detail, detail) {
					t.Errorf("want %s %s …%s…, got %s\n%s", w.status, w.check, detail, r, dump(rs))
				}
			}
			for _, sec := range s.secrets {
				if len(sec) > 8 && strings.Contains(dump(rs), sec) {
					t.Fatalf("a secret leaked:\n%s", dump(rs))
				}
			}
		})
	}
}

func hasFail(ws []want) bool {
	for _, w := range ws {
		if w.status == Fail {
			return true
		}
	}
	return false
}

func jsonHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

// deadURL is an http URL on 127.0.0.1 where nothing listens.
func deadURL(t *testing.T) string {
	s := httptest.NewServer(http.NotFoundHandler())
	u := s.URL
	s.Close()
	return u
}

func TestDoctorPaperModeWithoutKeys(t *testing.T) {
	f := startVenue(t)
	s := f.setup(t, 3)
	s.toml["mode"] = `"paper"`
	s.secrets = map[string]string{}
	rs := s.run()
	if Failed(rs) {
		t.Fatalf("paper mode without keys failed:\n%s", dump(rs))
	}
	m := byCheck(rs)
	for _, c := range []string{CheckSigner, CheckCreds, CheckBalance, CheckWSUser} {
		if m[c].Status != Warn {
			t.Errorf("%s: %s", c, m[c])
		}
	}
	if m[CheckVenue].Status != Pass || m[CheckWSMarket].Status != Pass {
		t.Fatalf("public checks:\n%s", dump(rs))
	}
}

func TestDoctorFundedFreshAccount(t *testing.T) {
	f := startVenue(t)
	s := f.setup(t, 3)
	key := "0x" + strings.Repeat("11", 32)
	sg, err := sign.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	addr := sg.Address()
	c := f.sim.Credentials(addr, 0)
	s.secrets = map[string]string{sign.EnvPrivateKey: key, EnvAPIKey: c.APIKey, EnvAPISecret: c.Secret, EnvAPIPassphrase: c.Passphrase}
	if got := byCheck(s.run())[CheckBalance]; got.Status != Fail || !strings.Contains(got.Detail, "no pUSD collateral") {
		t.Fatalf("unfunded: %s", got)
	}
	f.sim.Exchange().Fund(addr, 20_000_000) // $20 < the default $50 basket cap
	if got := byCheck(s.run())[CheckBalance]; got.Status != Warn || !strings.Contains(got.Detail, "$20 pUSD") {
		t.Fatalf("$20: %s", got)
	}
	f.sim.Exchange().Fund(addr, 80_000_000)
	if got := byCheck(s.run())[CheckBalance]; got.Status != Pass || !strings.Contains(got.Detail, "$100 pUSD") {
		t.Fatalf("$100: %s", got)
	}
}

func TestSkew(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name     string
		server   time.Time
		res      time.Duration
		t0, t1   time.Time
		min      time.Duration
		contains string
	}{
		{"in sync", base, time.Second, base.Add(100 * time.Millisecond), base.Add(200 * time.Millisecond), 0, "within"},
		{"local behind", base.Add(10 * time.Second), time.Second, base, base.Add(100 * time.Millisecond), 9900 * time.Millisecond, "behind"},
		{"local ahead", base, time.Second, base.Add(10 * time.Second), base.Add(10*time.Second + 50*time.Millisecond), 9 * time.Second, "ahead"},
		{"ms resolution", base, time.Millisecond, base.Add(-3 * time.Second), base.Add(-3 * time.Second), 3 * time.Second, "3.001s behind the venue (±1ms)"},
	}
	for _, tc := range cases {
		sk := SkewBounds(tc.server, tc.res, tc.t0, tc.t1)
		if sk.Min() != tc.min || !strings.Contains(sk.String(), tc.contains) {
			t.Errorf("%s: min %s %q", tc.name, sk.Min(), sk)
		}
	}
}

func TestResultLine(t *testing.T) {
	r := Result{Status: Warn, Check: "clock-skew", Detail: "x"}
	if got := r.String(); !strings.HasPrefix(got, "WARN  clock-skew  ") || !strings.HasSuffix(got, "  x") {
		t.Fatalf("%q", got)
	}
	b, _ := json.Marshal(r)
	if string(b) != `{"status":"WARN","check":"clock-skew","detail":"x"}` {
		t.Fatalf("%s", b)
	}
}
