package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

// Config configures a simulator instance.
type Config struct {
	// Scenario is a bundled scenario name ("demo", "small") or a TOML file
	// path. Ignored when Spec is set.
	Scenario string
	// Spec is an already parsed scenario.
	Spec *Scenario
	// Seed drives every generated id, price and event; 0 = the scenario's.
	Seed uint64
	// Rate scales background flow in messages per second; 0 = the
	// scenario's rate, negative = no background flow at all.
	Rate float64
	// Listen is the TCP address; default "127.0.0.1:0".
	Listen string
	// TLS serves https/wss with a generated self-signed certificate.
	TLS bool
	// ChainID selects the EIP-712 chain: 137 (default) or 80002.
	ChainID int64
	// Precision picks the marketable-order precision reading.
	Precision PrecisionRule
	// MinMarketableNotional is the $ minimum of FOK/FAK orders in micro
	// pUSD; default 1_000_000 ($1). Negative disables it.
	MinMarketableNotional int64
	// HashLayout is the book hash layout (default Hash9).
	HashLayout HashLayout
	// Wallets maps proxy/Safe/deposit wallets to the EOAs that may sign
	// for them (in addition to those the scenario declares).
	Wallets map[common.Address]Wallet
	// WSAssetLimit is the per-connection asset limit of the market channel
	// (beyond it updates stop, as on the venue); default 500.
	WSAssetLimit int
	// MinedDelay and ConfirmDelay are the settlement delays after a match;
	// defaults 50 ms and 150 ms. FAILED, when injected, replaces CONFIRMED.
	MinedDelay, ConfirmDelay time.Duration
	// HeartbeatTimeout is the dead-man switch deadline (default 10 s).
	HeartbeatTimeout time.Duration
	// FeeInShares collects BUY taker fees in shares of the bought token
	// instead of pUSD (protocol.md §9.2 DOC-FEES reading; default pUSD).
	FeeInShares bool
	// RateLimit enables per-signer order/cancel token buckets (off by
	// default).
	RateLimit RateLimit
	// WSQueue is how many frames a WebSocket connection may fall behind
	// before it is dropped as a slow consumer (default 65536).
	WSQueue int
	// WSIdleTimeout closes market/user connections silent for this long
	// (default 0 = never; protocol.md §11 UNCERTAIN).
	WSIdleTimeout time.Duration
}

// URLs are the endpoints a running simulator serves.
type URLs struct {
	REST     string `json:"rest"`
	WSMarket string `json:"ws_market"`
	WSUser   string `json:"ws_user"`
	Gamma    string `json:"gamma"`
}

// Server is a running simulator.
type Server struct {
	cfg    Config
	sc     *Scenario
	x      *Exchange
	keys   keyStore
	hasher hasher // guarded by the exchange lock
	// delayed holds orders answered "delayed" and not yet matched; guarded
	// by the exchange lock
	delayed map[string]*Order
	hb      heartbeats
	limiter limiter
	faults  *Faults
	mhub    *marketHub
	uhub    *userHub
	flow    *flow
	dlog    deliveryLog
	ln      net.Listener
	srv     *http.Server
	urls    URLs
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

// Start builds the venue from the scenario and serves it until ctx ends or
// Close is called.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	sc := cfg.Spec
	if sc == nil {
		name := cfg.Scenario
		if name == "" {
			name = "demo"
		}
		var err error
		if sc, err = LoadScenario(name); err != nil {
			return nil, err
		}
	}
	if cfg.Seed == 0 {
		cfg.Seed = sc.Seed
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = sc.ChainID
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = 137
	}
	if cfg.MinMarketableNotional == 0 {
		cfg.MinMarketableNotional = 1_000_000
	}
	if cfg.WSAssetLimit == 0 {
		cfg.WSAssetLimit = 500
	}
	if cfg.WSQueue <= 0 {
		cfg.WSQueue = 65536
	}
	if cfg.MinedDelay == 0 {
		cfg.MinedDelay = 50 * time.Millisecond
	}
	if cfg.ConfirmDelay == 0 {
		cfg.ConfirmDelay = 150 * time.Millisecond
	}
	if cfg.HeartbeatTimeout == 0 {
		cfg.HeartbeatTimeout = 10 * time.Second
	}
	wallets := make(map[common.Address]Wallet)
	for a, w := range sc.wallets() {
		wallets[a] = w
	}
	for a, w := range cfg.Wallets {
		wallets[a] = w
	}
	cfg.Wallets = wallets

	built, err := sc.build(cfg.Seed)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, sc: sc, done: make(chan struct{}), delayed: map[string]*Order{}}
	s.x = NewExchange(cfg.Seed, built.events, built.markets)
	s.hb = heartbeats{byKey: map[string]*hbState{}, timeout: cfg.HeartbeatTimeout}
	s.limiter = limiter{cfg: cfg.RateLimit}
	s.faults = &Faults{rng: mrand.New(mrand.NewPCG(cfg.Seed, 0xfa17))}
	if sc.Faults.FailRate > 0 {
		s.faults.SetFailRate(sc.Faults.FailRate)
	}
	for _, r := range sc.Faults.REST {
		if r.At == "" || cfg.Rate < 0 { // timed rules need the flow's clock
			s.faults.Inject(r.rule())
		}
	}
	for _, d := range sc.Faults.Delayed {
		if d.At == "" || cfg.Rate < 0 {
			d.inject(s.faults)
		}
	}
	s.mhub = newMarketHub(s)
	s.uhub = newUserHub(s)
	s.faults.hub, s.faults.uhub = s.mhub, s.uhub
	s.x.setHooks(hookFan{s.mhub, s.uhub})
	s.x.settle = s.scheduleSettlement
	s.x.FeeInShares = cfg.FeeInShares
	for _, a := range built.accounts {
		s.x.Fund(a.addr, a.cash)
		for tok, sh := range a.shares {
			s.x.FundShares(a.addr, tok, sh)
		}
		s.keys.register(a.addr, 0)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("sim: listen %s: %w", cfg.Listen, err)
	}
	scheme, wsScheme := "http", "ws"
	if cfg.TLS {
		tc, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, tc)
		scheme, wsScheme = "https", "wss"
	}
	s.ln = ln
	addr := ln.Addr().String()
	s.urls = URLs{
		REST:     scheme + "://" + addr,
		WSMarket: wsScheme + "://" + addr + "/ws/market",
		WSUser:   wsScheme + "://" + addr + "/ws/user",
		Gamma:    scheme + "://" + addr + "/gamma",
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.gammaRoutes(mux)
	mux.HandleFunc("GET /ws/market", s.mhub.serve)
	mux.HandleFunc("GET /ws/user", s.uhub.serve)
	s.srv = &http.Server{Handler: s.faults.middleware(mux), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed under us; Close reports nothing more useful
		}
	}()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.housekeeping()
	}()
	if cfg.Rate >= 0 {
		s.flow = newFlow(s, built)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.flow.run()
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// URLs returns the served endpoints.
func (s *Server) URLs() URLs { return s.urls }

// Exchange returns the matching engine and ledger.
func (s *Server) Exchange() *Exchange { return s.x }

// Faults returns the fault injector.
func (s *Server) Faults() *Faults { return s.faults }

// Ledger returns the ledger snapshot of one address.
func (s *Server) Ledger(a common.Address) AccountSnapshot { return s.x.Ledger(a) }

// Ledgers returns every account's ledger.
func (s *Server) Ledgers() []AccountSnapshot { return s.x.Ledgers() }

// Credentials returns (and registers) the API credentials of addr at nonce,
// as L1 derivation would.
func (s *Server) Credentials(addr common.Address, nonce uint64) Credentials {
	return s.keys.register(addr, nonce)
}

// Windows returns the planted arbitrage windows so far.
func (s *Server) Windows() []Window {
	if s.flow == nil {
		return []Window{}
	}
	return s.flow.windowsSnapshot()
}

// Scenario returns the scenario being run.
func (s *Server) Scenario() *Scenario { return s.sc }

// Close stops serving and waits for the simulator's goroutines.
func (s *Server) Close() error {
	s.once.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.mhub.closeAll()
		s.uhub.closeAll()
		_ = s.srv.Shutdown(ctx)
		s.wg.Wait()
	})
	return nil
}

// housekeeping expires GTD orders once a second.
func (s *Server) housekeeping() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.x.mu.Lock()
			s.x.expireGTD(now)
			s.x.mu.Unlock()
		}
	}
}

// scheduleSettlement moves a trade MATCHED → MINED → CONFIRMED (or FAILED,
// which reverses the trade's ledger effects; the consumed maker order is
// not restored). Called with the exchange lock held.
func (s *Server) scheduleSettlement(t *Trade) {
	fail := s.faults.shouldFail()
	step := func(d time.Duration, f func()) {
		time.AfterFunc(d, func() {
			select {
			case <-s.done:
				return
			default:
			}
			s.x.mu.Lock()
			f()
			s.x.mu.Unlock()
		})
	}
	step(s.cfg.MinedDelay, func() {
		if t.Status != TradeMatched {
			return
		}
		t.Status, t.LastUpdate = TradeMined, s.x.now()
		s.x.h.tradeStatus(t, t.LastUpdate.UnixMilli())
	})
	step(s.cfg.ConfirmDelay, func() {
		if fail {
			s.x.apply(t.effects, -1)
			t.Status = TradeFailed
		} else {
			t.Status = TradeConfirmed
		}
		t.LastUpdate = s.x.now()
		s.x.h.tradeStatus(t, t.LastUpdate.UnixMilli())
	})
}

func selfSigned() (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sim: tls key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "simclob"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("sim: tls cert: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, nil
}

// hookFan forwards exchange events to the market and user hubs.
type hookFan struct {
	m *marketHub
	u *userHub
}

func (h hookFan) levelsChanged(m *Market, cs []levelChange, ts int64) { h.m.levelsChanged(m, cs, ts) }
func (h hookFan) traded(m *Market, t []*Trade, ts int64)              { h.m.traded(m, t, ts) }
func (h hookFan) orderEvent(o *Order, kind string, ts int64)          { h.u.orderEvent(o, kind, ts) }
func (h hookFan) tradeStatus(t *Trade, ts int64)                      { h.u.tradeStatus(t, ts) }
func (h hookFan) tickChanged(m *Market, old book.Tick, ts int64)      { h.m.tickChanged(m, old, ts) }
func (h hookFan) resolved(m *Market, yesWins bool, ts int64)          { h.m.resolved(m, yesWins, ts) }

// autoTick applies the venue's tick rule (protocol.md §2.5): a 0.01 market
// whose last trade crosses above 0.96 or below 0.04 moves to 0.001. Locked.
func (s *Server) autoTick(m *Market) {
	if !s.sc.AutoTick || m.Tick != book.Tick0_01 || !m.hasTrade {
		return
	}
	if p := m.lastTrade; p > 960_000 || p < 40_000 {
		old := m.Tick
		m.Tick = book.Tick0_001
		s.mhub.tickChanged(m, old, s.x.now().UnixMilli())
	}
}
