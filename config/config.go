// Package config loads hotpath's configuration: one TOML file, then
// environment overrides, then validation that names every bad value.
//
// Secrets are never read from the file: the private key, keystore password,
// API credentials and Telegram token come from the environment (or a
// go-ethereum keystore file / systemd credential), and the loader refuses a
// file that sets them.
//
// Money is exact: dollar and share amounts are written as decimal strings
// ("0.002", "50") and parsed into micro-units with the book parsers.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/hotpath/hotpath/book"
)

// Mode is how the engine runs.
type Mode string

// Modes (design §7).
const (
	Paper  Mode = "paper"  // live data, fills simulated against the live books, nothing sent
	Live   Mode = "live"   // real orders; needs keys and LiveConfirmation
	Replay Mode = "replay" // a recorded capture through the same code
	Demo   Mode = "demo"   // against the built-in simulator
)

// LiveConfirmation is the exact text [live] confirm must hold for live mode.
const LiveConfirmation = "I understand hotpath will trade real money"

// Config is the whole configuration. Field tags name the TOML keys; the
// environment override of a key is HOTPATH_<SECTION>_<KEY> in upper case
// (HOTPATH_RISK_MAX_OPEN_BASKETS), and HOTPATH_MODE for the top-level mode.
type Config struct {
	Mode     Mode     `toml:"mode"`
	Venue    Venue    `toml:"venue"`
	Keys     Keys     `toml:"keys"`
	Live     LiveCfg  `toml:"live"`
	Universe Universe `toml:"universe"`
	Feed     Feed     `toml:"feed"`
	Strategy Strategy `toml:"strategy"`
	Risk     Risk     `toml:"risk"`
	Rate     Rate     `toml:"rate"`
	Topology Topology `toml:"topology"`
	Journal  Journal  `toml:"journal"`
	Latency  Latency  `toml:"latency"`
	Ops      Ops      `toml:"ops"`
	Log      Log      `toml:"log"`
	Replay   ReplayCf `toml:"replay"`
}

// Venue holds the endpoints and chain.
type Venue struct {
	CLOBURL     string `toml:"clob_url"`
	WSMarketURL string `toml:"ws_market_url"`
	WSUserURL   string `toml:"ws_user_url"`
	GammaURL    string `toml:"gamma_url"`
	ChainID     uint64 `toml:"chain_id"`
	// AssetsPerConn caps the assets on one market WebSocket (venue: ~500).
	AssetsPerConn int `toml:"assets_per_connection"`
}

// Keys says where the signing identity comes from. No secret lives here.
type Keys struct {
	// KeystoreFile is a go-ethereum keystore JSON; its password comes from
	// HOTPATH_KEYSTORE_PASSWORD. Without it the key comes from
	// HOTPATH_PRIVATE_KEY.
	KeystoreFile  string `toml:"keystore_file"`
	SignatureType uint8  `toml:"signature_type"` // 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet
	Funder        string `toml:"funder"`         // maker address for types 1-3
}

// LiveCfg guards live mode.
type LiveCfg struct {
	Confirm string `toml:"confirm"`
}

// Universe filters what is traded.
type Universe struct {
	IncludeBinary bool     `toml:"include_binary"`
	Refresh       Duration `toml:"refresh"`
	MaxEvents     int      `toml:"max_events"`
	Events        []string `toml:"events"` // slugs or ids; empty = all that pass the gate
}

// Feed tunes the market-data staleness checks (feed.IntegrityConfig, whose
// doc comments explain them). A stalled connection's books are excluded
// from scanning, so nothing is traded on them, and it is reconnected.
type Feed struct {
	// CanarySilence sets how soon a silent connection is caught: stalled
	// after 4× its longest gap between messages over the last
	// 5 × CanarySilence, at least CanarySilence/4; its canary (the busiest
	// asset with 50 updates or more and never silent for more than
	// CanarySilence/4 in that window) for 4× its own longest gap.
	CanarySilence Duration `toml:"canary_silence"`
	// ConnStale caps a connection's silence limit (connections too quiet
	// for a tighter one); trips in a row back off 2× each, up to 16×.
	ConnStale Duration `toml:"conn_stale"`
	// AssetStale: one asset without any update for this long is resynced
	// (not scanned until its snapshot).
	AssetStale Duration `toml:"asset_stale"`
}

// Strategy holds the trading thresholds.
type Strategy struct {
	Margin    Dollars `toml:"margin"`     // required edge per set, in dollars
	PoolEnter Ratio   `toml:"pool_enter"` // cost/payout at or below which a group is hot
	PoolLeave Ratio   `toml:"pool_leave"` // cost/payout above which it leaves the pool
	MaxShares Shares  `toml:"max_shares"` // per basket
	// TemplateTicks is how many ticks below the ask templates are pre-signed.
	TemplateTicks int      `toml:"template_ticks"`
	ShareLadder   []Shares `toml:"share_ladder"`
}

// Risk limits (design §5).
type Risk struct {
	MaxBasketNotional Dollars `toml:"max_basket_notional"`
	MaxEventExposure  Dollars `toml:"max_event_exposure"`
	MaxOpenBaskets    int     `toml:"max_open_baskets"`
	MaxDailyLoss      Dollars `toml:"max_daily_loss"`
	// A partial basket may lose up to the larger of LegLossBudget and
	// LegLossShare × its entry notional to close (complete or unwind,
	// whichever loses less); beyond that it is held and alerted.
	LegLossBudget Dollars `toml:"leg_loss_budget"`
	LegLossShare  Ratio   `toml:"leg_loss_share"`
}

// Rate is the shared order budget.
type Rate struct {
	OrdersPer10s  int `toml:"orders_per_10s"`
	UnwindReserve int `toml:"unwind_reserve"` // orders kept back for unwinds
}

// Topology selects stages, cores and wait strategies (design §4).
type Topology struct {
	Layout string `toml:"layout"` // auto | pinned | compact | fused
	Cores  []int  `toml:"cores"`  // for pinned: feed, book+scan, exec
	Wait   string `toml:"wait"`   // auto | spin | park
}

// Journal is the append-only record of intents and outcomes.
type Journal struct {
	Dir string `toml:"dir"`
}

// Latency is where histograms are written.
type Latency struct {
	OutDir   string   `toml:"out_dir"`
	Interval Duration `toml:"interval"`
}

// Ops configures metrics, health, pprof and Telegram.
type Ops struct {
	MetricsAddr   string  `toml:"metrics_addr"`
	Pprof         bool    `toml:"pprof"`
	TelegramChats []int64 `toml:"telegram_chats"` // allow-list; token from HOTPATH_TELEGRAM_TOKEN
	TelegramAPI   string  `toml:"telegram_api"`
}

// Log configures structured logs.
type Log struct {
	Level string `toml:"level"`
	File  string `toml:"file"` // empty = stderr (journald under systemd)
}

// ReplayCf configures replay mode.
type ReplayCf struct {
	File  string  `toml:"file"`
	Speed float64 `toml:"speed"` // 0 = as fast as possible; a pacing factor, not money
}

// Default returns the configuration used when a key is not set.
func Default() Config {
	return Config{
		Mode: Paper,
		Venue: Venue{
			CLOBURL:       "https://clob.polymarket.com",
			WSMarketURL:   "wss://ws-subscriptions-clob.polymarket.com/ws/market",
			WSUserURL:     "wss://ws-subscriptions-clob.polymarket.com/ws/user",
			GammaURL:      "https://gamma-api.polymarket.com",
			ChainID:       137,
			AssetsPerConn: 500,
		},
		Universe: Universe{Refresh: Duration(60 * time.Second)},
		// The same values as feed.DefaultCanarySilence, DefaultConnStale and
		// DefaultAssetStale (config imports no stage; a test keeps them equal).
		Feed: Feed{CanarySilence: Duration(time.Second), ConnStale: Duration(5 * time.Second), AssetStale: Duration(5 * time.Minute)},
		Strategy: Strategy{
			Margin:        Dollars(2_000),           // $0.002 per set
			PoolEnter:     Ratio(1_020_000),         // 1.02
			PoolLeave:     Ratio(1_025_000),         // 1.025
			MaxShares:     Shares(100 * book.Scale), // 100 shares
			TemplateTicks: 2,                        //
			ShareLadder:   []Shares{Shares(5 * book.Scale), Shares(10 * book.Scale), Shares(25 * book.Scale)},
		},
		Risk: Risk{
			MaxBasketNotional: Dollars(50 * book.Scale),
			MaxEventExposure:  Dollars(200 * book.Scale),
			MaxOpenBaskets:    3,
			MaxDailyLoss:      Dollars(20 * book.Scale),
			LegLossBudget:     Dollars(1 * book.Scale),
			LegLossShare:      Ratio(100_000), // 10 %
		},
		Rate:     Rate{OrdersPer10s: 300, UnwindReserve: 30},
		Topology: Topology{Layout: "auto", Wait: "auto"},
		Journal:  Journal{Dir: "hotpath-journal"},
		Latency:  Latency{Interval: Duration(10 * time.Second)},
		Ops:      Ops{MetricsAddr: "127.0.0.1:9464", TelegramAPI: "https://api.telegram.org"},
		Log:      Log{Level: "info"},
	}
}

// Load reads path (if not empty) over the defaults, applies environment
// overrides from env (os.Environ() form), and validates. The error lists
// every problem found, one per line, each naming the key.
func Load(path string, env []string) (Config, error) {
	c := Default()
	if path != "" {
		if err := checkFileMode(path); err != nil {
			return c, err
		}
		md, err := toml.DecodeFile(path, &c)
		if err != nil {
			return c, fmt.Errorf("config %s: %w", path, cleanTOMLError(err))
		}
		if und := md.Undecoded(); len(und) > 0 {
			keys := make([]string, len(und))
			for i, k := range und {
				keys[i] = k.String()
			}
			sort.Strings(keys)
			for _, k := range keys {
				if looksSecret(k) {
					return c, fmt.Errorf("config %s: %s looks like a secret; secrets are never read from the config file — set it in the environment (%s)", path, k, strings.Join(secretEnv, ", "))
				}
			}
			return c, fmt.Errorf("config %s: unknown key(s): %s", path, strings.Join(keys, ", "))
		}
	}
	if err := applyEnv(&c, env); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// checkFileMode refuses a config file that other users may read or write:
// it names the wallet, funder and limits, and a writable one could redirect
// the engine.
func checkFileMode(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("config %s: no such file", path)
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("config %s: is a directory", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("config %s: mode %04o lets other users read or write it; run: chmod 600 %s", path, perm, path)
	}
	return nil
}

func cleanTOMLError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %s", pe.Position.Line, pe.Message)
	}
	return err
}

// Validate checks every value and returns all problems at once.
func (c *Config) Validate() error {
	var p problems
	switch c.Mode {
	case Paper, Live, Replay, Demo:
	default:
		p.add("mode", "must be paper, live, replay or demo (got %q)", c.Mode)
	}
	if c.Mode == Live && c.Live.Confirm != LiveConfirmation {
		p.add("live.confirm", "live mode needs live.confirm = %q", LiveConfirmation)
	}
	if c.Mode == Replay && c.Replay.File == "" {
		p.add("replay.file", "replay mode needs a capture file")
	}
	if c.Replay.Speed < 0 {
		p.add("replay.speed", "must be >= 0 (0 = as fast as possible)")
	}
	for key, u := range map[string]string{
		"venue.clob_url": c.Venue.CLOBURL, "venue.gamma_url": c.Venue.GammaURL,
	} {
		checkURL(&p, key, u, "http", "https")
	}
	for key, u := range map[string]string{
		"venue.ws_market_url": c.Venue.WSMarketURL, "venue.ws_user_url": c.Venue.WSUserURL,
	} {
		checkURL(&p, key, u, "ws", "wss")
	}
	if c.Venue.ChainID != 137 && c.Venue.ChainID != 80002 {
		p.add("venue.chain_id", "must be 137 (Polygon) or 80002 (Amoy), got %d", c.Venue.ChainID)
	}
	if c.Venue.AssetsPerConn < 1 || c.Venue.AssetsPerConn > 500 {
		p.add("venue.assets_per_connection", "must be 1..500 (the venue stops updates past ~500), got %d", c.Venue.AssetsPerConn)
	}
	if c.Keys.SignatureType > 3 {
		p.add("keys.signature_type", "must be 0 (EOA), 1 (proxy), 2 (Safe) or 3 (deposit wallet), got %d", c.Keys.SignatureType)
	}
	if c.Keys.SignatureType != 0 && c.Mode == Live && c.Keys.Funder == "" {
		p.add("keys.funder", "signature type %d needs the funder (maker) address", c.Keys.SignatureType)
	}
	if c.Keys.Funder != "" && !isHexAddress(c.Keys.Funder) {
		p.add("keys.funder", "must be a 0x-prefixed 20-byte hex address")
	}
	if c.Universe.Refresh < Duration(5*time.Second) {
		p.add("universe.refresh", "must be at least 5s (Gamma rate limits), got %s", c.Universe.Refresh)
	}
	if c.Universe.MaxEvents < 0 {
		p.add("universe.max_events", "must be >= 0")
	}
	f := c.Feed
	if f.CanarySilence < Duration(100*time.Millisecond) || f.CanarySilence > Duration(5*time.Minute) {
		p.add("feed.canary_silence", "must be 100ms..5m (shorter trips on scheduling noise), got %s", f.CanarySilence)
	}
	if f.ConnStale < f.CanarySilence {
		p.add("feed.conn_stale", "must be >= canary_silence (%s): the canary is one of the connection's assets, got %s", f.CanarySilence, f.ConnStale)
	}
	if f.AssetStale < f.ConnStale {
		p.add("feed.asset_stale", "must be >= conn_stale (%s): one asset is quieter than its connection, got %s", f.ConnStale, f.AssetStale)
	}
	if c.Strategy.Margin < 0 {
		p.add("strategy.margin", "must be >= 0")
	}
	if c.Strategy.PoolEnter < Ratio(book.Scale) {
		p.add("strategy.pool_enter", "must be >= 1 (a ratio of cost to payout), got %s", c.Strategy.PoolEnter)
	}
	if c.Strategy.PoolLeave <= c.Strategy.PoolEnter {
		p.add("strategy.pool_leave", "must be above pool_enter (%s) so groups do not flap, got %s", c.Strategy.PoolEnter, c.Strategy.PoolLeave)
	}
	if c.Strategy.MaxShares <= 0 {
		p.add("strategy.max_shares", "must be > 0")
	}
	if c.Strategy.TemplateTicks < 0 || c.Strategy.TemplateTicks > 20 {
		p.add("strategy.template_ticks", "must be 0..20, got %d", c.Strategy.TemplateTicks)
	}
	for i, s := range c.Strategy.ShareLadder {
		if s <= 0 {
			p.add(fmt.Sprintf("strategy.share_ladder[%d]", i), "must be > 0")
		}
	}
	if c.Risk.MaxBasketNotional <= 0 {
		p.add("risk.max_basket_notional", "must be > 0")
	}
	if c.Risk.MaxEventExposure < c.Risk.MaxBasketNotional {
		p.add("risk.max_event_exposure", "must be >= max_basket_notional")
	}
	if c.Risk.MaxOpenBaskets < 1 {
		p.add("risk.max_open_baskets", "must be >= 1")
	}
	if c.Risk.MaxDailyLoss <= 0 {
		p.add("risk.max_daily_loss", "must be > 0")
	}
	if c.Risk.LegLossBudget < 0 {
		p.add("risk.leg_loss_budget", "must be >= 0")
	}
	if c.Risk.LegLossShare < 0 || c.Risk.LegLossShare > Ratio(book.Scale) {
		p.add("risk.leg_loss_share", "must be between 0 and 1")
	}
	if c.Rate.OrdersPer10s < 1 {
		p.add("rate.orders_per_10s", "must be >= 1")
	}
	if c.Rate.UnwindReserve < 0 || c.Rate.UnwindReserve >= c.Rate.OrdersPer10s {
		p.add("rate.unwind_reserve", "must be in [0, orders_per_10s)")
	}
	switch c.Topology.Layout {
	case "auto", "pinned", "compact", "fused":
	default:
		p.add("topology.layout", "must be auto, pinned, compact or fused, got %q", c.Topology.Layout)
	}
	switch c.Topology.Wait {
	case "auto", "spin", "park":
	default:
		p.add("topology.wait", "must be auto, spin or park, got %q", c.Topology.Wait)
	}
	if c.Topology.Layout == "pinned" && len(c.Topology.Cores) < 3 {
		p.add("topology.cores", "the pinned layout needs 3 cores (feed, book+scan, exec), got %d", len(c.Topology.Cores))
	}
	seen := map[int]bool{}
	for _, core := range c.Topology.Cores {
		if core < 0 {
			p.add("topology.cores", "core %d is negative", core)
		}
		if seen[core] {
			p.add("topology.cores", "core %d listed twice", core)
		}
		seen[core] = true
	}
	if c.Latency.Interval < Duration(time.Second) {
		p.add("latency.interval", "must be at least 1s")
	}
	if c.Ops.MetricsAddr != "" && !strings.Contains(c.Ops.MetricsAddr, ":") {
		p.add("ops.metrics_addr", "must be host:port, got %q", c.Ops.MetricsAddr)
	}
	checkURL(&p, "ops.telegram_api", c.Ops.TelegramAPI, "http", "https")
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		p.add("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	return p.err()
}

func checkURL(p *problems, key, raw string, schemes ...string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		p.add(key, "must be an absolute URL, got %q", raw)
		return
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return
		}
	}
	p.add(key, "scheme must be %s, got %q", strings.Join(schemes, " or "), u.Scheme)
}

func isHexAddress(s string) bool {
	if len(s) != 42 || s[:2] != "0x" {
		return false
	}
	for _, c := range s[2:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, key+": "+fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	sort.Strings(p)
	return &Error{Problems: p}
}

// Error lists every invalid value.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "config: " + e.Problems[0]
	}
	return "config: " + strconv.Itoa(len(e.Problems)) + " problems:\n  " + strings.Join(e.Problems, "\n  ")
}

// secretEnv lists environment variables that hold secrets. They are read by
// the packages that need them, never stored in Config, never logged.
var secretEnv = []string{
	"HOTPATH_PRIVATE_KEY", "HOTPATH_KEYSTORE_PASSWORD", "HOTPATH_API_KEY",
	"HOTPATH_API_SECRET", "HOTPATH_API_PASSPHRASE", "HOTPATH_TELEGRAM_TOKEN",
}

func looksSecret(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"private", "secret", "passphrase", "password", "token", "mnemonic"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// SecretEnv returns the names of the environment variables that carry
// secrets, so callers can register their values for log redaction.
func SecretEnv() []string { return append([]string(nil), secretEnv...) }

// applyEnv walks the Config struct and sets any field whose
// HOTPATH_<SECTION>_<KEY> variable is present.
func applyEnv(c *Config, env []string) error {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "HOTPATH_") {
			vars[k] = v
		}
	}
	var p problems
	walk(reflect.ValueOf(c).Elem(), "", func(key string, f reflect.Value) {
		name := "HOTPATH_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		v, ok := vars[name]
		if !ok {
			return
		}
		if err := setFromString(f, v); err != nil {
			p.add(key, "from %s: %v", name, err)
		}
	})
	return p.err()
}

func walk(v reflect.Value, prefix string, fn func(key string, f reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("toml")
		if tag == "" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != reflect.TypeOf(Duration(0)) {
			walk(f, key, fn)
			continue
		}
		fn(key, f)
	}
}

// setFromString parses an environment value into a field, using the same
// text forms as the TOML file (lists are comma-separated).
func setFromString(f reflect.Value, s string) error {
	if u, ok := f.Addr().Interface().(interface{ UnmarshalText([]byte) error }); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer, got %q", s)
		}
		f.SetInt(n)
	case reflect.Uint8, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a non-negative integer, got %q", s)
		}
		f.SetUint(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("want a number, got %q", s)
		}
		f.SetFloat(x)
	case reflect.Slice:
		parts := strings.Split(s, ",")
		out := reflect.MakeSlice(f.Type(), 0, len(parts))
		for _, part := range parts {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			e := reflect.New(f.Type().Elem()).Elem()
			if err := setFromString(e, part); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		f.Set(out)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
