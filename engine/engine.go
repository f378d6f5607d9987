package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/hist"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// Options are the engine's dependencies besides the configuration: what
// the binary (or a test, or the demo) has already resolved.
type Options struct {
	// Universe, when set, is used instead of discovering one (the demo
	// discovers from the simulator first; replay loads a saved one).
	Universe *market.Universe
	// Discover refreshes the universe (market.Watcher). Nil: the engine
	// discovers from cfg.Venue's Gamma and CLOB URLs, and refreshes every
	// cfg.Universe.Refresh unless Universe was given.
	Discover market.DiscoverFunc
	// Signer and Creds trade (live, demo); Signer alone pre-signs templates
	// in paper mode. Creds are derived through L1 when Signer is set and
	// Creds are empty in live mode.
	Signer *sign.Signer
	Creds  exec.Credentials
	// Collector receives the histograms (nil: the engine makes one).
	Collector *hist.Collector
	// AllowedCPUs overrides ring.AllowedCPUs (tests).
	AllowedCPUs []int
	// Capture is the replay input (mode replay).
	Capture io.Reader
	// OnAlert receives alerts from the executor and the engine (cold).
	OnAlert func(kind, msg string)
	// TLSConfig for the venue's https/wss (a self-signed simulator).
	TLSConfig *tls.Config
	// Jump guard; zero values take the Default* constants, a negative
	// JumpMove turns it off.
	JumpMove     int64
	JumpWindow   time.Duration
	JumpCooldown time.Duration
	// HoldOff keeps a group from firing again after its basket finished
	// [500ms]. Our fills show on the books within milliseconds; the longer
	// wait is about the dip itself: a second basket on a transient dip is
	// the one likeliest to race its end (one leg killed, the set completed
	// at a loss), so each group takes a dip once and then waits.
	HoldOff time.Duration
	// ShutdownTimeout bounds the executor's wind-down [30s].
	ShutdownTimeout time.Duration
	// Version is the build version for status.
	Version string
}

// Engine is the whole hot path for one configuration: discovery, books,
// scanner, template pool, executor, feed client and their goroutines.
// Build it with New, run it with Run.
type Engine struct {
	cfg  config.Config
	opt  Options
	mode exec.Mode
	plan *plan
	topo Topology
	why  string // layout adjustments (fused needs one connection)

	in      *feed.Integrity
	client  *feed.Client
	sc      *scan.Scanner
	stage   *stage
	opps    *ring.Ring[scan.Opportunity]
	obell   *bell
	poolOut *ring.Ring[scan.PoolEvent]
	pool    *sign.Pool
	ladder  []book.Size
	x       *exec.Executor
	creds   exec.Credentials

	coll                      *hist.Collector
	recScan, recExec, recPool *hist.Recorder

	st      stageStats
	xs      execStats
	poolTab poolTable

	started    time.Time
	ready      atomic.Bool // executor started, feed running
	stopping   atomic.Bool
	paused     atomic.Bool
	killed     atomic.Bool
	lastExec   atomic.Int64
	refreshMu  sync.Mutex
	pending    []market.Change // group additions waiting for a restart
	removedSet []bool          // refresh goroutine's view of removed groups
	refFees    []scan.FeeModel // fee models as of the last refresh
	refMin     []book.Size     // minimum sizes as of the last refresh

	sbell     *bell        // the stage's doorbell (compact, pinned, replay)
	fusedHook func(uint16) // the fused layout's consumer, run by the feed reader
	closeOnce sync.Once
	tradeLog  trades
	held      []uint32 // groups with a partial or pending basket (exec goroutine)
}

// execStats are the exec stage's counters of Submit outcomes.
type execStats struct {
	Outcomes [5]atomic.Uint64 // by exec.OutcomeKind
	Vetoes   atomic.Uint64
	Hits     atomic.Uint64 // legs served by a pre-signed template
	Misses   atomic.Uint64 // legs signed on the spot
	Legs     atomic.Uint64 // legs sent
	Handed   atomic.Uint64 // legs handed to the executor (counted before Submit: decision time)
	Stopped  atomic.Uint64 // opportunities discarded during shutdown
}

// Now is the engine's clock: feed.Now, the receive clock the frames are
// stamped with, so every span from a frame's read time is on one clock.
func Now() int64 { return feed.Now() }

// New builds the engine: universe (discovered unless given), plan, books
// and integrity, scanner, rings, template pool, executor and feed client.
// Nothing is dialled or started until Run.
func New(cfg config.Config, opt Options) (*Engine, error) {
	e := &Engine{cfg: cfg, opt: opt, started: time.Now()}
	switch cfg.Mode {
	case config.Live, config.Demo:
		e.mode = exec.Live
	default:
		e.mode = exec.Paper
	}
	if e.opt.HoldOff <= 0 {
		e.opt.HoldOff = 500 * time.Millisecond
	}
	if e.opt.ShutdownTimeout <= 0 {
		e.opt.ShutdownTimeout = 30 * time.Second
	}
	if e.opt.JumpMove == 0 {
		e.opt.JumpMove = DefaultJumpMove
	}
	if e.opt.JumpWindow <= 0 {
		e.opt.JumpWindow = DefaultJumpWindow
	}
	if e.opt.JumpCooldown <= 0 {
		e.opt.JumpCooldown = DefaultJumpCooldown
	}

	allowed := opt.AllowedCPUs
	if len(allowed) == 0 {
		var err error
		if allowed, err = ring.AllowedCPUs(); err != nil || len(allowed) == 0 {
			allowed = make([]int, runtime.NumCPU())
			for i := range allowed {
				allowed[i] = i
			}
		}
	}
	topo, err := ChooseTopology(cfg.Topology.Layout, cfg.Topology.Wait, cfg.Topology.Cores, allowed)
	if err != nil {
		return nil, err
	}
	e.topo = topo

	u := opt.Universe
	if u == nil {
		if cfg.Mode == config.Replay {
			return nil, errors.New("engine: replay needs a universe (a saved Gamma /events response)")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		u, err = e.discover()(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("engine: discovery: %w", err)
		}
	}
	u = filterUniverse(u, cfg.Universe.Events, cfg.Universe.MaxEvents)
	p, err := newPlan(u, cfg.Universe.IncludeBinary)
	if err != nil {
		return nil, err
	}
	if len(p.groups) == 0 {
		return nil, errors.New("engine: the universe has no tradeable group (see 'hotpath markets')")
	}
	e.plan = p

	// Executor credentials.
	e.creds = opt.Creds
	if e.mode == exec.Live {
		if opt.Signer == nil {
			return nil, errors.New("engine: live trading needs a signing key (" + sign.EnvPrivateKey + " or a keystore)")
		}
		if e.creds.APIKey == "" {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			e.creds, err = DeriveCredentials(ctx, cfg.Venue.CLOBURL, opt.Signer, cfg.Venue.ChainID, nil)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("engine: %w", err)
			}
		}
	}

	// Histograms: one recorder per recording goroutine.
	e.coll = opt.Collector
	if e.coll == nil {
		e.coll = hist.NewCollector(hist.Options{Conditions: []string{"topology " + topo.String()}})
	}
	e.recScan = e.coll.NewRecorder("bookscan")
	e.recExec = e.coll.NewRecorder("exec")
	e.recPool = e.coll.NewRecorder("pool")

	// Rings.
	e.opps = ring.MustNew[scan.Opportunity](64)
	e.obell = newBell()
	e.sbell = newBell()
	poolSelf := ring.MustNew[scan.PoolEvent](1024)
	e.poolOut = ring.MustNew[scan.PoolEvent](1024)

	// Feed client (not in replay) and books.
	if cfg.Mode != config.Replay {
		layout := topo.Layout
		fcfg := feed.Config{URL: cfg.Venue.WSMarketURL, Registry: u.Registry, Assets: p.assets,
			MaxAssetsPerConn: cfg.Venue.AssetsPerConn, Notify: e.notify}
		if layout == Fused {
			fcfg.RingSize = 1 << 18 // the fused consumer drains after each message: hold one message's events
		}
		if e.client, err = feed.NewClient(fcfg); err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		if layout == Fused && len(e.client.Conns()) > 1 {
			e.topo.Layout = Compact
			e.why = fmt.Sprintf("fused needs one connection, the universe needs %d: compact instead", len(e.client.Conns()))
		}
	}
	icfg := feed.IntegrityConfig{Registry: u.Registry, Hash: feed.HashHot, CanarySilence: time.Duration(cfg.Feed.CanarySilence),
		ConnStale: time.Duration(cfg.Feed.ConnStale), AssetStale: time.Duration(cfg.Feed.AssetStale)}
	if e.client != nil {
		icfg.Control = e.client
	}
	if cfg.Mode == config.Replay {
		icfg.Hash = feed.HashAll
	}
	e.in = feed.NewIntegrity(icfg)

	scfg := scan.DefaultConfig()
	scfg.Margin = int64(cfg.Strategy.Margin)
	scfg.EnterPPM = uint32(cfg.Strategy.PoolEnter)
	scfg.LeavePPM = uint32(cfg.Strategy.PoolLeave)
	scfg.MaxShares = book.Size(cfg.Strategy.MaxShares)
	scfg.MaxNotional = int64(cfg.Risk.MaxBasketNotional)
	if e.sc, err = scan.New(scfg, p.scanAssets(e.in.Book), p.specs, poolSelf); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.stage = newStage(stageConfig{p: p, in: e.in, sc: e.sc, opps: e.opps, obell: e.obell, poolSelf: poolSelf,
		poolOut: e.poolOut, rec: e.recScan, now: Now, st: &e.st, jumpMove: e.opt.JumpMove, jumpWin: e.opt.JumpWindow,
		cooldown: e.opt.JumpCooldown, holdOff: e.opt.HoldOff, checkEach: icfg.CheckEvery()})
	if cfg.Mode == config.Replay {
		// A replay runs on the capture's clock: staleness, jump windows and
		// cool-downs are judged by the recorded receive times, as they were
		// live (and stage latencies are not measured: they would be the
		// capture's age).
		st := e.stage
		st.now = func() int64 { return st.frameTs }
	}

	// Template pool (needs a key; paper mode without one signs nothing).
	for _, s := range cfg.Strategy.ShareLadder {
		e.ladder = append(e.ladder, book.Size(s))
	}
	if opt.Signer != nil && len(e.ladder) > 0 && cfg.Mode != config.Replay {
		var funder common.Address
		if cfg.Keys.Funder != "" {
			funder = common.HexToAddress(cfg.Keys.Funder)
		}
		e.pool, err = sign.NewPool(sign.TemplateConfig{Signer: opt.Signer, ChainID: cfg.Venue.ChainID, CLOBVersion: 2,
			Funder: funder, SignatureType: cfg.Keys.SignatureType, Owner: e.creds.APIKey,
			TicksBelow: cfg.Strategy.TemplateTicks, Shares: e.ladder, MaxAge: 5 * time.Minute, MaxAssets: u.Registry.Len()})
		if err != nil {
			return nil, fmt.Errorf("engine: template pool: %w", err)
		}
	}

	// Executor.
	xcfg := exec.Config{Mode: e.mode, CLOBURL: cfg.Venue.CLOBURL, WSUserURL: cfg.Venue.WSUserURL, ChainID: cfg.Venue.ChainID,
		Signer: opt.Signer, Creds: e.creds, SignatureType: cfg.Keys.SignatureType, Registry: u.Registry,
		NumEvents: len(p.events), Fees: p.fees, JournalDir: cfg.Journal.Dir,
		Limits: exec.Limits{MaxBasketNotional: int64(cfg.Risk.MaxBasketNotional), MaxEventExposure: int64(cfg.Risk.MaxEventExposure),
			MaxOpenBaskets: cfg.Risk.MaxOpenBaskets, MaxDailyLoss: int64(cfg.Risk.MaxDailyLoss)},
		OrdersPer10s: cfg.Rate.OrdersPer10s, UnwindReserve: cfg.Rate.UnwindReserve, LegLossBudget: int64(cfg.Risk.LegLossBudget), LegLossShare: int64(cfg.Risk.LegLossShare),
		TLSConfig: opt.TLSConfig, Now: Now, OnAlert: opt.OnAlert, Recorder: e.recExec}
	if cfg.Keys.Funder != "" {
		xcfg.Funder = common.HexToAddress(cfg.Keys.Funder)
	}
	if e.pool != nil {
		xcfg.Pool, xcfg.Ladder, xcfg.Margin = e.pool, e.ladder, int64(cfg.Strategy.Margin)
	}
	xcfg.Groups = make([]exec.GroupInfo, len(p.groups))
	for i, g := range p.groups {
		xcfg.Groups[i] = exec.GroupInfo{EventIndex: g.EventIndex, Kind: g.Kind, Payout: g.Payout, Legs: g.Legs}
	}
	if e.x, err = exec.New(xcfg); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.poolTab.init(p)
	return e, nil
}

// discover returns the discovery function in force.
func (e *Engine) discover() market.DiscoverFunc {
	if e.opt.Discover != nil {
		return e.opt.Discover
	}
	c := market.NewClient(e.cfg.Venue.GammaURL, e.cfg.Venue.CLOBURL)
	opt := market.DiscoverOptions{IncludeBinary: e.cfg.Universe.IncludeBinary}
	return func(ctx context.Context) (*market.Universe, error) { return c.Discover(ctx, opt) }
}

// filterUniverse keeps the groups of the configured events (slugs or ids;
// empty = all) and at most maxEvents events (0 = no limit), in discovery
// order. The registry is shared: assets of dropped groups are simply not
// subscribed.
func filterUniverse(u *market.Universe, events []string, maxEvents int) *market.Universe {
	if len(events) == 0 && maxEvents <= 0 {
		return u
	}
	out := *u
	out.Groups = nil
	seen := map[string]bool{}
	for _, g := range u.Groups {
		if len(events) > 0 && !slices.Contains(events, g.EventID) && !slices.Contains(events, g.Slug) {
			continue
		}
		if !seen[g.EventID] {
			if maxEvents > 0 && len(seen) >= maxEvents {
				continue
			}
			seen[g.EventID] = true
		}
		out.Groups = append(out.Groups, g)
	}
	return &out
}

// notify is the feed's doorbell (compact, pinned) or the fused consumer.
func (e *Engine) notify(conn uint16) {
	if e.fusedHook != nil {
		e.fusedHook(conn)
		return
	}
	e.sbell.ring()
}

// Summary is the start-up summary: mode, universe, exclusions, topology
// and why, limits, journal and metrics, one fact per line.
func (e *Engine) Summary() string {
	var b strings.Builder
	ev, gr, as := e.plan.counts()
	conns := 0
	if e.client != nil {
		conns = len(e.client.Conns())
	}
	fmt.Fprintf(&b, "mode        %s (orders: %s)\n", e.cfg.Mode, e.mode)
	fmt.Fprintf(&b, "universe    %d events, %d groups, %d assets, %d feed connections (≤ %d assets each)\n", ev, gr, as, conns, e.cfg.Venue.AssetsPerConn)
	fmt.Fprintf(&b, "excluded    %d events/markets left out by the correctness gate ('hotpath markets' says why)\n", len(e.plan.u.Exclusions))
	fmt.Fprintf(&b, "topology    %s\n", e.topo)
	if e.why != "" {
		fmt.Fprintf(&b, "            %s\n", e.why)
	}
	r := e.cfg.Risk
	fmt.Fprintf(&b, "limits      basket %s, event %s, open baskets %d, daily loss %s, leg loss max(%s, %s × basket), %d orders/10s (%d kept for unwinds)\n",
		r.MaxBasketNotional, r.MaxEventExposure, r.MaxOpenBaskets, r.MaxDailyLoss, r.LegLossBudget, r.LegLossShare, e.cfg.Rate.OrdersPer10s, e.cfg.Rate.UnwindReserve)
	fmt.Fprintf(&b, "strategy    margin %s/set, pool %s..%s, max %s shares, ladder %v, %d ticks below\n",
		e.cfg.Strategy.Margin, e.cfg.Strategy.PoolEnter, e.cfg.Strategy.PoolLeave, e.cfg.Strategy.MaxShares, e.cfg.Strategy.ShareLadder, e.cfg.Strategy.TemplateTicks)
	fmt.Fprintf(&b, "journal     %s\n", e.cfg.Journal.Dir)
	if e.cfg.Ops.MetricsAddr != "" {
		fmt.Fprintf(&b, "metrics     http://%s/metrics (/healthz, /readyz)\n", e.cfg.Ops.MetricsAddr)
	}
	return b.String()
}
