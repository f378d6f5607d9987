package bench

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// TestKey is the well-known Hardhat/Anvil account 0 key: a public test key
// that signs every benchmark order (no real funds exist under it).
const TestKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// Test API credentials: a made-up key, passphrase and base64 secret.
const (
	TestAPIKey     = "0b7d1c2e-5f3a-4c6b-9d8e-7a1f2b3c4d5e"
	TestPassphrase = "f3c4b5a6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4"
	TestSecret     = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="
)

// DefaultLadder is the template pool's share ladder: Q is snapped down to
// the largest rung (as the executor does).
var DefaultLadder = []book.Size{5 * book.OneShare, 10 * book.OneShare, 25 * book.OneShare, 50 * book.OneShare}

// PipelineConfig configures a Pipeline. Zero fields take the defaults in
// brackets.
type PipelineConfig struct {
	Market *Market
	Key    string      // signing key [TestKey]
	Ladder []book.Size // share ladder [DefaultLadder]
	// TicksBelow: templates at the ask and this many ticks below [4]
	// (enough for every dip the Market generates).
	TicksBelow int
	// EnterPPM and LeavePPM override the scanner's near-miss pool bands
	// (cost/payout in millionths) when non-zero.
	EnterPPM, LeavePPM uint32
	// PerKey templates per (asset, price, shares) [1]: more lets a basket
	// that fires again before the cold side re-signs still hit.
	PerKey int
	// ChainID [137] and CLOBVersion [2] select the exchange.
	ChainID     uint64
	CLOBVersion int
	// APIKey, Passphrase, Secret are the L2 credentials [Test…].
	APIKey, Passphrase, Secret string
	Host                       string // Host header [clob.polymarket.com]
	// HashAll verifies every asset's book hash; by default only the legs
	// of groups in the near-miss pool are marked hot (SetHot) and verified,
	// as the engine does.
	HashAll bool
	// Replay puts the templates of every written basket back into the
	// pool (sign.Pool.Restore) so a benchmark can replay the same
	// opportunity forever. The restore runs after the bytes are written,
	// outside the frame-to-wire span. Never in production: a sent
	// template is spent.
	Replay bool
	// SignOnMiss signs a leg on the spot when the pool has no template
	// for it (sign.Pool.SignNow, ~50 µs, allocates; counted in Misses), as
	// the executor does; otherwise the basket is abandoned.
	SignOnMiss bool
	// MaxAge of templates [1h: a benchmark must not age them out; the
	// engine uses 30 s and re-signs in the background].
	MaxAge time.Duration
}

// PipelineStats count what a Pipeline did.
type PipelineStats struct {
	Frames, Events uint64
	Trades         uint64 // baskets whose request was written
	Orders         uint64 // orders in those baskets
	Misses         uint64 // baskets abandoned: some leg had no template
	BelowLadder    uint64 // baskets abandoned: Q below the smallest rung
	NotOK          uint64 // evaluations that did not fire (reason ≠ OK)
	RestoreFailed  uint64 // Replay: a template could not be put back
	Bytes          uint64 // request bytes written
}

// Sink receives request bytes: the stand-in for the socket in process.
// Writes are counted, the bytes dropped (like io.Discard, but a concrete
// type: no interface call on the path).
type Sink struct{ Writes, Bytes uint64 }

// Write counts p.
func (s *Sink) Write(p []byte) (int, error) {
	s.Writes++
	s.Bytes += uint64(len(p))
	return len(p), nil
}

// Pipeline is the engine's hot path fused on one goroutine, from frame
// bytes to request bytes: feed.Decoder → feed.Integrity → scan.Scanner →
// sign.Pool.Take per leg → sign.Batch (body + L2 HMAC) → HTTP/1.1 request
// bytes → Sink. It is owned by one goroutine, except ApplyPool (the cold
// side of the template pool) which may run on another.
//
// Steady-state frames allocate nothing (bench_alloc_test.go).
type Pipeline struct {
	m        *Market
	dec      *feed.Decoder
	in       *feed.Integrity
	sc       *scan.Scanner
	poolRing *ring.Ring[scan.PoolEvent]
	pool     *sign.Pool
	l2       *sign.L2Signer
	batch    *sign.Batch
	ladder   []book.Size
	tokenIDs [][32]byte // per asset, immutable
	replay   bool
	signMiss bool

	opp     scan.Opportunity
	touched []book.AssetIndex
	mark    []bool
	head    []byte // constant request line and headers
	req     []byte
	hotLegs []sign.HotLeg // ApplyPool scratch (cold side)

	Sink  Sink
	Stats PipelineStats
	// LastRecvNs and LastWireNs are the frame's receive time and the time
	// its last basket's bytes were written (feed.Now clock, unix ns).
	LastRecvNs, LastWireNs int64
}

// NewPipeline builds the stages for cfg.Market. Load it with Warm.
func NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	m := cfg.Market
	if m == nil {
		return nil, errors.New("bench: pipeline needs a market")
	}
	if cfg.Key == "" {
		cfg.Key = TestKey
	}
	if len(cfg.Ladder) == 0 {
		cfg.Ladder = DefaultLadder
	}
	if cfg.TicksBelow == 0 {
		cfg.TicksBelow = 4
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = sign.ChainPolygon
	}
	if cfg.CLOBVersion == 0 {
		cfg.CLOBVersion = 2
	}
	if cfg.APIKey == "" {
		cfg.APIKey, cfg.Passphrase, cfg.Secret = TestAPIKey, TestPassphrase, TestSecret
	}
	if cfg.Host == "" {
		cfg.Host = "clob.polymarket.com"
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Hour
	}
	reg := m.Reg
	n := reg.Len()
	p := &Pipeline{m: m, dec: feed.NewDecoder(reg, 0), batch: sign.NewBatch(), ladder: cfg.Ladder,
		replay: cfg.Replay, signMiss: cfg.SignOnMiss, touched: make([]book.AssetIndex, 0, n), mark: make([]bool, n),
		tokenIDs: make([][32]byte, n), req: make([]byte, 0, 64<<10)}
	policy := feed.HashHot
	if cfg.HashAll {
		policy = feed.HashAll
	}
	p.in = feed.NewIntegrity(feed.IntegrityConfig{Registry: reg, Hash: policy})
	assets := make([]scan.Asset, n)
	for a := range assets {
		info := reg.Info(book.AssetIndex(a))
		assets[a] = scan.Asset{Book: p.in.Book(book.AssetIndex(a)), MinSize: info.MinSize}
		id, err := sign.ParseTokenID(info.TokenID)
		if err != nil {
			return nil, fmt.Errorf("bench: asset %d: %w", a, err)
		}
		p.tokenIDs[a] = id
	}
	specs := make([]scan.GroupSpec, len(m.Events))
	for e, ev := range m.Events {
		specs[e] = scan.GroupSpec{Kind: scan.YesBasket, Event: "event " + strconv.Itoa(e), Legs: ev.Legs}
	}
	p.poolRing = ring.MustNew[scan.PoolEvent](1024)
	var err error
	scfg := scan.DefaultConfig()
	// Size for at most the top rung, so the limits the depth walk picks are
	// those of the order actually sent (Q is snapped down to a rung).
	scfg.MaxShares = slices.Max(cfg.Ladder)
	if cfg.EnterPPM != 0 {
		scfg.EnterPPM, scfg.LeavePPM = cfg.EnterPPM, max(cfg.LeavePPM, cfg.EnterPPM)
	}
	if p.sc, err = scan.New(scfg, assets, specs, p.poolRing); err != nil {
		return nil, fmt.Errorf("bench: scanner: %w", err)
	}
	signer, err := sign.NewSigner(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("bench: key: %w", err)
	}
	p.pool, err = sign.NewPool(sign.TemplateConfig{Signer: signer, ChainID: cfg.ChainID, CLOBVersion: cfg.CLOBVersion,
		SignatureType: sign.SigEOA, Owner: cfg.APIKey, TicksBelow: cfg.TicksBelow, Shares: cfg.Ladder,
		MaxAge: cfg.MaxAge, MaxAssets: n, PerKey: cfg.PerKey})
	if err != nil {
		return nil, fmt.Errorf("bench: template pool: %w", err)
	}
	if p.l2, err = sign.NewL2Signer(cfg.Secret); err != nil {
		return nil, fmt.Errorf("bench: L2 secret: %w", err)
	}
	addr := signer.Address()
	h := []byte("POST /orders HTTP/1.1\r\nHost: " + cfg.Host + "\r\nUser-Agent: hotpath\r\nAccept: */*\r\n" +
		"Content-Type: application/json\r\n" + sign.HeaderAddress + ": ")
	h = sign.AppendAddress(h, &addr)
	h = append(h, "\r\n"+sign.HeaderAPIKey+": "+cfg.APIKey+"\r\n"+sign.HeaderPassphrase+": "+cfg.Passphrase+"\r\n"...)
	p.head = h
	return p, nil
}

// Warm loads every snapshot, hands the scanner's near-miss pool events to
// the template pool (marking those legs hot for hash checks) and signs the
// templates: after Warm the hot legs are pre-filled. With Replay it also
// runs the cycle once (caches, hash layouts) and then zeroes the Stats.
func (p *Pipeline) Warm() error {
	for _, msg := range p.m.Snapshots {
		p.Frame(msg)
	}
	if err := p.DrainPool(true); err != nil {
		return err
	}
	if _, err := p.pool.Refill(time.Now()); err != nil {
		return fmt.Errorf("bench: refill: %w", err)
	}
	if p.replay {
		for _, f := range p.m.Cycle {
			p.Frame(f.Msg)
		}
		p.Stats, p.Sink = PipelineStats{}, Sink{}
	}
	return nil
}

// DrainPool applies every queued near-miss pool event to the template pool
// (ApplyPool); with hot, it also marks the legs hot for hash checks (owner
// goroutine only).
func (p *Pipeline) DrainPool(hot bool) error {
	for {
		ev, ok := p.poolRing.Pop()
		if !ok {
			return nil
		}
		if err := p.ApplyPool(&ev); err != nil {
			return err
		}
		if hot {
			for _, a := range ev.Legs[:ev.N] {
				p.in.SetHot(a, ev.Event == scan.PoolEnter)
			}
		}
	}
}

// PoolEvents is the ring the scanner reports near-miss pool events into;
// its consumer hands them to ApplyPool (cold side).
func (p *Pipeline) PoolEvents() *ring.Ring[scan.PoolEvent] { return p.poolRing }

// ApplyPool hands one scanner pool event to the template pool. It is the
// pool's cold side: call it from one goroutine (it allocates).
func (p *Pipeline) ApplyPool(ev *scan.PoolEvent) error {
	p.hotLegs = p.hotLegs[:0]
	for i, a := range ev.Legs[:ev.N] {
		info := p.m.Reg.Info(a)
		p.hotLegs = append(p.hotLegs, sign.HotLeg{Asset: a, TokenID: p.tokenIDs[a], Ask: ev.Asks[i], Tick: info.Tick, NegRisk: info.NegRisk})
	}
	if err := p.pool.Apply(sign.PoolEvent{Entered: ev.Event == scan.PoolEnter, Legs: p.hotLegs}); err != nil {
		return fmt.Errorf("bench: pool event: %w", err)
	}
	return nil
}

// Pool is the template pool (its cold side: Refill, Run).
func (p *Pipeline) Pool() *sign.Pool { return p.pool }

// Integrity is the book stage (owner goroutine only).
func (p *Pipeline) Integrity() *feed.Integrity { return p.in }

// Scanner is the scan stage (owner goroutine only).
func (p *Pipeline) Scanner() *scan.Scanner { return p.sc }

// Frame runs one message through every stage and writes a request for
// every basket that fires. It returns the number of baskets written.
func (p *Pipeline) Frame(msg []byte) int {
	recv := feed.Now()
	p.LastRecvNs = recv
	evs := p.dec.Decode(msg, recv)
	p.Stats.Frames++
	p.Events(evs)
	n := 0
	for p.Next(recv) {
		p.req = p.Request(p.req[:0])
		_, _ = p.Sink.Write(p.req)
		p.LastWireNs = feed.Now()
		p.Stats.Bytes += uint64(len(p.req))
		n++
		if p.replay {
			p.Restore(recv)
		}
	}
	return n
}

// Events applies decoded events to the books and tells the scanner the new
// best ask of every asset touched, once per message (at its FlagLast event:
// never in the middle of a snapshot, even when a ring hands over a message's
// events in several batches).
func (p *Pipeline) Events(evs []feed.Event) {
	for i := range evs {
		e := &evs[i]
		p.Stats.Events++
		p.in.Apply(e)
		if a := e.Asset; a != feed.NoAsset && int(a) < len(p.mark) && !p.mark[a] {
			p.mark[a] = true
			p.touched = append(p.touched, a)
		}
		if e.Flags&feed.FlagLast != 0 {
			p.scanTouched(e.RecvNs)
		}
	}
}

func (p *Pipeline) scanTouched(ts int64) {
	p.sc.SetTime(ts)
	for _, a := range p.touched {
		p.mark[a] = false
		if p.in.Usable(a) {
			ask, _, ok := p.in.Book(a).BestAsk()
			p.sc.OnBestAsk(a, ask, ok)
		} else {
			p.sc.OnBestAsk(a, 0, false)
		}
	}
	p.touched = p.touched[:0]
}

// Next evaluates queued groups until one fires and its basket is built
// into Batch (body + L2 signature, timestamp from nowNs); it returns false
// when nothing is left to trade. nowNs is unix nanoseconds (feed.Now).
func (p *Pipeline) Next(nowNs int64) bool {
	for p.sc.Next(&p.opp) {
		if p.opp.Reason != scan.OK {
			p.Stats.NotOK++
			continue
		}
		if p.build(nowNs) {
			return true
		}
	}
	return false
}

// build takes a template per leg for Q snapped down to the ladder.
func (p *Pipeline) build(nowNs int64) bool {
	q := book.Size(0)
	for _, r := range p.ladder {
		if r <= p.opp.Q && r > q {
			q = r
		}
	}
	if q == 0 {
		p.Stats.BelowLadder++
		return false
	}
	p.batch.Reset()
	for i := range p.opp.Legs[:p.opp.N] {
		leg := &p.opp.Legs[i]
		tpl := p.pool.Take(leg.Asset, leg.Limit, q, nowNs)
		if tpl == nil {
			p.Stats.Misses++
			if p.signMiss {
				info := p.m.Reg.Info(leg.Asset)
				hl := sign.HotLeg{Asset: leg.Asset, TokenID: p.tokenIDs[leg.Asset], Ask: leg.Limit, Tick: leg.Tick, NegRisk: info.NegRisk}
				tpl, _ = p.pool.SignNow(&hl, leg.Limit, q, time.Unix(0, nowNs))
			}
		}
		if tpl == nil {
			p.Restore(nowNs) // the basket is abandoned unsent
			return false
		}
		_ = p.batch.Add(tpl) // ≤ MaxLegs legs, ≤ 15 in every generated event
	}
	p.batch.Finish(p.l2, "/orders", nowNs/int64(time.Second))
	p.Stats.Trades++
	p.Stats.Orders += uint64(p.batch.N)
	return true
}

// Batch is the basket Next built last.
func (p *Pipeline) Batch() *sign.Batch { return p.batch }

// Opportunity is the opportunity Next evaluated last.
func (p *Pipeline) Opportunity() *scan.Opportunity { return &p.opp }

// Restore puts the current batch's templates back into the pool (an
// unsent basket, or Replay).
func (p *Pipeline) Restore(nowNs int64) {
	for _, t := range p.batch.Orders[:p.batch.N] {
		if !p.pool.Restore(t, nowNs) {
			p.Stats.RestoreFailed++
		}
	}
	p.batch.Reset()
}

// Request appends the HTTP/1.1 POST /orders request of the current batch
// (request line, constant headers, the L2 signature and timestamp,
// Content-Length, body) to dst.
func (p *Pipeline) Request(dst []byte) []byte {
	b := p.batch
	dst = append(dst, p.head...)
	dst = append(dst, sign.HeaderSignature+": "...)
	dst = append(dst, b.Signature...)
	dst = append(dst, "\r\n"+sign.HeaderTimestamp+": "...)
	dst = append(dst, b.Timestamp...)
	dst = append(dst, "\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(b.Body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, b.Body...)
}
