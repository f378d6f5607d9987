package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
)

func writeConfig(t *testing.T, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hotpath.toml")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsValidate(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults must validate: %v", err)
	}
}

func TestLoadExactDecimals(t *testing.T) {
	p := writeConfig(t, `
mode = "paper"
[strategy]
margin = 0.1
pool_enter = "1.015"
pool_leave = 1.03
max_shares = 12.5
share_ladder = [5, "7.25"]
[risk]
max_basket_notional = "0.000001"
max_event_exposure = 10
`, 0o600)
	c, err := Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Strategy.Margin != 100_000 {
		t.Errorf("margin = %d micro-dollars, want 100000 (0.1 exactly)", c.Strategy.Margin)
	}
	if c.Strategy.PoolEnter != 1_015_000 || c.Strategy.PoolLeave != 1_030_000 {
		t.Errorf("pool bands = %d/%d", c.Strategy.PoolEnter, c.Strategy.PoolLeave)
	}
	if c.Strategy.MaxShares != Shares(12*book.Scale+500_000) {
		t.Errorf("max_shares = %d", c.Strategy.MaxShares)
	}
	if len(c.Strategy.ShareLadder) != 2 || c.Strategy.ShareLadder[1] != 7_250_000 {
		t.Errorf("ladder = %v", c.Strategy.ShareLadder)
	}
	if c.Risk.MaxBasketNotional != 1 {
		t.Errorf("max_basket_notional = %d, want 1 micro-dollar", c.Risk.MaxBasketNotional)
	}
}

func TestEnvOverrides(t *testing.T) {
	c, err := Load("", []string{
		"HOTPATH_MODE=demo",
		"HOTPATH_RISK_MAX_OPEN_BASKETS=7",
		"HOTPATH_STRATEGY_MARGIN=0.01",
		"HOTPATH_TOPOLOGY_CORES=2,3,4",
		"HOTPATH_UNIVERSE_REFRESH=90s",
		"HOTPATH_UNIVERSE_INCLUDE_BINARY=true",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != Demo || c.Risk.MaxOpenBaskets != 7 || c.Strategy.Margin != 10_000 {
		t.Errorf("overrides not applied: %+v %+v", c.Mode, c.Risk)
	}
	if len(c.Topology.Cores) != 3 || c.Topology.Cores[2] != 4 {
		t.Errorf("cores = %v", c.Topology.Cores)
	}
	if time.Duration(c.Universe.Refresh) != 90*time.Second || !c.Universe.IncludeBinary {
		t.Errorf("universe = %+v", c.Universe)
	}
}

func TestErrorsNameEveryKey(t *testing.T) {
	cases := []struct {
		name, body string
		env        []string
		want       []string
	}{
		{"bad mode", `mode = "yolo"`, nil, []string{"mode: must be paper, live, replay or demo"}},
		{"live without confirm", `mode = "live"`, nil, []string{"live.confirm"}},
		{"unknown key", "[risk]\nmax_open_basket = 3", nil, []string{"unknown key(s): risk.max_open_basket"}},
		{"secret in file", "[keys]\nprivate_key = \"0xabc\"", nil, []string{"keys.private_key looks like a secret", "HOTPATH_PRIVATE_KEY"}},
		{"syntax", "mode = ", nil, []string{"line 1"}},
		{"bands", "[strategy]\npool_enter = 1.03\npool_leave = 1.02", nil, []string{"strategy.pool_leave: must be above pool_enter"}},
		{"negative decimal", "[strategy]\nmargin = \"-1\"", nil, []string{"want a non-negative decimal"}},
		{"bad env", "", []string{"HOTPATH_RISK_MAX_OPEN_BASKETS=lots"}, []string{"risk.max_open_baskets: from HOTPATH_RISK_MAX_OPEN_BASKETS: want an integer"}},
		{"several", "[venue]\nchain_id = 1\nws_market_url = \"http://x\"\n[log]\nlevel = \"loud\"", nil,
			[]string{"3 problems", "venue.chain_id", "venue.ws_market_url: scheme must be ws or wss", "log.level"}},
		{"leg loss share", "[risk]\nleg_loss_share = \"1.5\"", nil, []string{"risk.leg_loss_share: must be between 0 and 1"}},
		{"canary too short", "[feed]\ncanary_silence = \"10ms\"", nil, []string{"feed.canary_silence: must be 100ms..5m"}},
		{"feed order", "[feed]\ncanary_silence = \"2s\"\nconn_stale = \"1s\"\nasset_stale = \"500ms\"", nil,
			[]string{"feed.conn_stale: must be >= canary_silence (2s)", "feed.asset_stale: must be >= conn_stale (1s)"}},
		{"feed duration syntax", "[feed]\nconn_stale = 5", nil, []string{"line 2: want a duration such as 10s"}},
		{"pinned needs cores", "[topology]\nlayout = \"pinned\"\ncores = [1, 1]", nil, []string{"topology.cores: the pinned layout needs 3 cores", "core 1 listed twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, tc.body, 0o600)
			_, err := Load(p, tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestRefusesFilesOthersCanRead(t *testing.T) {
	p := writeConfig(t, `mode = "paper"`, 0o644)
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("err = %v, want a chmod hint", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.toml"), nil); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("mode = \"paper\"\n[strategy]\nmargin = 0.002\n")
	f.Add("[risk]\nmax_open_baskets = 3\nmax_daily_loss = \"20\"\n")
	f.Add("[[x]]\n")
	f.Add("[topology]\ncores = [0, 1, 2]\nlayout = \"pinned\"\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(dir, "c.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, nil)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("Load accepted a config that does not validate: %v", verr)
			}
		}
	})
}

// The [feed] defaults are the feed package's (config imports no stage, so
// they are written twice); the keys load from the file and the environment.
func TestFeedStaleness(t *testing.T) {
	d := Default().Feed
	if time.Duration(d.CanarySilence) != feed.DefaultCanarySilence || time.Duration(d.ConnStale) != feed.DefaultConnStale ||
		time.Duration(d.AssetStale) != feed.DefaultAssetStale {
		t.Fatalf("config defaults %+v differ from feed's", d)
	}
	p := writeConfig(t, "[feed]\ncanary_silence = \"500ms\"\nconn_stale = \"3s\"\n", 0o600)
	c, err := Load(p, []string{"HOTPATH_FEED_ASSET_STALE=2m"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Feed != (Feed{CanarySilence: Duration(500 * time.Millisecond), ConnStale: Duration(3 * time.Second), AssetStale: Duration(2 * time.Minute)}) {
		t.Fatalf("feed = %+v", c.Feed)
	}
}
