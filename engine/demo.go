package engine

import (
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/config"
)

// DemoConfig is the configuration 'hotpath demo' (and the end-to-end
// tests) run against the built-in simulator at the given endpoints, in live
// mode with a funded test account.
//
// Sizing: the venue's $1 minimum per marketable order means a leg asked at
// $0.01 needs at least 100 shares, so a basket whose cheapest leg is that low
// costs about $100 however small the edge. The defaults ($50 per basket,
// 100 shares) would size such windows below the minimum (below_min_notional);
// the demo account holds $10,000, so the demo allows $500 per basket,
// 1,000 shares, $2,000 per event and 10 open baskets.
func DemoConfig(rest, wsMarket, wsUser, gamma, journalDir string) config.Config {
	cfg := config.Default()
	cfg.Mode = config.Demo
	cfg.Venue = config.Venue{CLOBURL: rest, WSMarketURL: wsMarket, WSUserURL: wsUser, GammaURL: gamma, ChainID: 137, AssetsPerConn: 500}
	cfg.Journal.Dir = journalDir
	cfg.Ops.MetricsAddr = ""
	cfg.Universe.Refresh = 0
	cfg.Strategy.MaxShares = config.Shares(1000 * book.Scale)
	cfg.Risk.MaxBasketNotional = config.Dollars(500 * book.Scale)
	cfg.Risk.MaxEventExposure = config.Dollars(2000 * book.Scale)
	cfg.Risk.MaxOpenBaskets = 10
	cfg.Risk.MaxDailyLoss = config.Dollars(200 * book.Scale)
	// The demo's makers quote baskets 0.5–3 % above payout: a pool band up
	// to 3.5 % arms every event (templates signed ahead at its asks).
	cfg.Strategy.PoolEnter = config.Ratio(1_035_000)
	cfg.Strategy.PoolLeave = config.Ratio(1_040_000)
	cfg.Live.Confirm = config.LiveConfirmation
	return cfg
}
