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
	// Templates are signed for a ladder of share counts, and a basket whose
	// Q is not on it is snapped down to the largest size that still meets
	// the minimums (exec.snapQ). The $1 minimum means a basket with a leg
	// asked at $0.01–0.03 needs 34–100 shares, and the demo's windows offer
	// 2–4 such baskets at the dip: the default ladder (5, 10, 25) can never
	// serve them, and every leg would be signed on the spot. A ratio of 2
	// between sizes keeps a snapped Q at least half the offered Q, so it
	// always covers the $1 minimum of the cheapest leg (and leaves the
	// dipped level room for a spend-all fill at a raised limit).
	cfg.Strategy.ShareLadder = []config.Shares{5 * book.Scale, 10 * book.Scale, 20 * book.Scale, 40 * book.Scale,
		80 * book.Scale, 160 * book.Scale, 320 * book.Scale}
	// The demo's makers quote baskets 0.5–3 % above payout: a pool band up
	// to 3.5 % arms every event (templates signed ahead at its asks).
	cfg.Strategy.PoolEnter = config.Ratio(1_035_000)
	cfg.Strategy.PoolLeave = config.Ratio(1_040_000)
	cfg.Live.Confirm = config.LiveConfirmation
	return cfg
}
