package sign

import (
	"context"
	crand "crypto/rand"
	"errors"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hotpath/hotpath/book"
)

// Pre-signed order templates (design §5 "Templates").
//
// A Pool keeps, for every hot leg, signed FOK BUY orders at the leg's current
// ask and a configurable number of ticks below it (and as many at the leg's
// trigger price, HotLeg.Trigger), for a configurable ladder of share counts.
// A cold goroutine (Pool.Run, or Apply + Refill called from one goroutine)
// signs them; the hot goroutine takes them with Take (exact price) or
// TakeAtOrAbove (the cheapest live template in a price range).
//
// Hand-off invariants:
//   - Each slot holds at most one *Template, published with an atomic store
//     by the cold side. The hot side takes it with an atomic Swap(nil), so a
//     template is handed out at most once; a taken template is never put back.
//   - The hot side never blocks, takes no mutex, sends on no channel and does
//     not allocate on a hit: it loads the asset's table pointer, scans a few
//     prices and share counts, swaps a slot, checks the template's epoch, age
//     and the balance budget, and raises an atomic "refill" flag that the
//     cold side polls.
//   - A template is valid only under the epoch it was signed in (InvalidateAll
//     and SetVersion bump it: version or fee change), while its asset's table
//     is current (a tick-size change or the leg leaving the pool retires the
//     table) and was laid out for the pool's current CLOB version, if younger
//     than MaxAge, and if its maker amount fits the balance budget. An
//     invalid template found by Take is dropped and counted as stale.
//   - A miss signs on the spot (SignNow, ~50 µs) and is counted.

// HotLeg is one leg of a group in the near-miss pool, as the scanner reports
// it: the asset, its token id, the current best ask, the tick size and the
// neg-risk flag (which selects the exchange).
//
// Trigger, when non-zero, is a second anchor: the highest price at which
// this leg alone dipping makes the group's basket fire (the engine computes
// it from the other legs' asks, the payout, the margin and the fees). The
// pool then also keeps templates at Trigger, Trigger − 1 tick, …,
// Trigger − TicksBelow ticks, so that a dip well below the ask is served
// by a template at a price at or above the dip (TakeAtOrAbove). A trigger
// at or above the ask adds nothing (the ask's own prices cover it).
type HotLeg struct {
	Asset   book.AssetIndex
	TokenID [32]byte
	Ask     book.Price
	Tick    book.Tick
	NegRisk bool
	Trigger book.Price // 0: none
}

// PoolEvent tells the pool that a group entered (or left) the near-miss pool,
// or that its legs' asks moved (Entered again with fresh asks).
type PoolEvent struct {
	Entered bool
	Legs    []HotLeg
}

// Template is one pre-signed FOK BUY order, ready to be appended to a batch
// body. It is immutable once published.
type Template struct {
	Asset     book.AssetIndex
	Price     book.Price // limit (worst) price
	Shares    book.Size  // requested shares (the order buys TakerAmount ≥ Shares)
	Order     Order
	OrderHash [32]byte // EIP-712 digest: the venue's order id
	Envelope  []byte   // {"deferExec":…,"order":{…},"owner":…,"orderType":"FOK"}
	SignedAt  int64    // unix nanoseconds
	epoch     uint64
	table     *assetTable // the table it was signed for (Restore)
}

// TemplateConfig configures a Pool.
type TemplateConfig struct {
	Signer        *Signer
	ChainID       uint64
	CLOBVersion   int            // GET /version (normally 2); per-asset V3 routing is automatic
	Funder        common.Address // the order maker; zero = the signer's address
	SignatureType uint8
	Owner         string      // API key (UUID) for the envelope
	OrderType     string      // default FOK
	TicksBelow    int         // templates at ask, ask-1 tick, …, ask-TicksBelow ticks
	Shares        []book.Size // ladder of share counts (≤ 8)
	PerKey        int         // templates kept per (asset, price, shares); default 1
	MaxAge        time.Duration
	MaxAssets     int           // asset indexes are < MaxAssets
	RefillEvery   time.Duration // cold poll period; default 2 ms
}

// Pool errors.
var (
	ErrPoolConfig = errors.New("sign: bad template pool config")
	ErrAssetRange = errors.New("sign: asset index beyond the pool's MaxAssets")
	// ErrPoolVersion: SetVersion with a CLOB version the pool cannot sign
	// templates for (V2 and V3 orders only; V1 is reference-only).
	ErrPoolVersion = errors.New("sign: the template pool signs for CLOB versions 2 and 3")
)

// Pool is the template store. Hot methods: Take, TakeAtOrAbove, Stats. Cold methods (one
// goroutine): Apply, Refill, Run. Any goroutine: InvalidateAll, Invalidate,
// SetBalance, SetVersion, Version, SignNow.
type Pool struct {
	cfg     TemplateConfig
	maker   common.Address
	signer  common.Address
	env     Envelope
	tables  []atomic.Pointer[assetTable]
	epoch   atomic.Uint64
	version atomic.Int64 // CLOB version templates are signed for (cfg.CLOBVersion, then SetVersion)
	budget  atomic.Int64 // max maker amount a template may carry (balance); <0 = unlimited
	refill  atomic.Bool

	hits, misses, stale, signed atomic.Uint64
	hitsAbove, missesAbove      atomic.Uint64

	saltBase uint64        // random, fixed per pool
	saltCtr  atomic.Uint64 // salts are a bijection of this counter: unique
}

// assetTable is the immutable layout of one hot asset's slots.
type assetTable struct {
	leg      HotLeg
	version  int64 // the pool's CLOB version the exchange was chosen for
	exchange *Exchange
	prices   []book.Price               // strictly descending: the ask's block, then the trigger's
	slots    []atomic.Pointer[Template] // [price][shares][perKey]
	retired  atomic.Bool
}

// NewPool validates cfg and returns an empty pool.
func NewPool(cfg TemplateConfig) (*Pool, error) {
	if cfg.Signer == nil || cfg.MaxAssets <= 0 || len(cfg.Shares) == 0 || len(cfg.Shares) > 8 ||
		cfg.TicksBelow < 0 || cfg.TicksBelow > 16 || cfg.SignatureType > SigPoly1271 {
		return nil, ErrPoolConfig
	}
	if _, err := ExchangeFor(cfg.ChainID, cfg.CLOBVersion, false, nil); err != nil {
		return nil, err
	}
	if cfg.PerKey <= 0 {
		cfg.PerKey = 1
	}
	if cfg.OrderType == "" {
		cfg.OrderType = FOK
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 30 * time.Second
	}
	if cfg.RefillEvery <= 0 {
		cfg.RefillEvery = 2 * time.Millisecond
	}
	p := &Pool{cfg: cfg, tables: make([]atomic.Pointer[assetTable], cfg.MaxAssets)}
	p.maker = cfg.Signer.Address()
	if cfg.Funder != (common.Address{}) {
		p.maker = cfg.Funder
	}
	p.signer = cfg.Signer.Address()
	if cfg.SignatureType == SigPoly1271 {
		p.signer = p.maker
	}
	p.env = Envelope{Owner: cfg.Owner, OrderType: cfg.OrderType}
	p.version.Store(int64(cfg.CLOBVersion))
	p.budget.Store(-1)
	var seed [8]byte
	_, _ = crand.Read(seed[:])
	p.saltBase = uint64(seed[0]) | uint64(seed[1])<<8 | uint64(seed[2])<<16 | uint64(seed[3])<<24 |
		uint64(seed[4])<<32 | uint64(seed[5])<<40 | uint64(seed[6])<<48 | uint64(seed[7])<<56
	return p, nil
}

// Stats are the pool's counters. Hits and Misses count Take; HitsAbove and
// MissesAbove count TakeAtOrAbove (usually called after a Take miss, whose
// miss is already in Misses).
type Stats struct {
	Hits, Misses, Stale, Signed uint64
	HitsAbove, MissesAbove      uint64
}

// Stats returns the counters (any goroutine).
func (p *Pool) Stats() Stats {
	return Stats{Hits: p.hits.Load(), Misses: p.misses.Load(), Stale: p.stale.Load(), Signed: p.signed.Load(),
		HitsAbove: p.hitsAbove.Load(), MissesAbove: p.missesAbove.Load()}
}

// InvalidateAll retires every template signed so far (CLOB version or fee
// parameters changed). Any goroutine; the cold side re-signs on its next
// refill.
func (p *Pool) InvalidateAll() {
	p.epoch.Add(1)
	p.refill.Store(true)
}

// SetVersion moves the pool to another CLOB version (GET /version after an
// order_version_mismatch): every template signed so far is retired at once
// (Take drops them as stale), and the cold side lays the hot legs out again
// for the new version's exchanges and re-signs them on its next refill.
// Any goroutine. It returns ErrPoolVersion, and changes nothing, for a
// version the pool cannot sign for; setting the current version is a no-op.
func (p *Pool) SetVersion(clobVersion int) error {
	if clobVersion != 2 && clobVersion != 3 {
		return ErrPoolVersion
	}
	if p.version.Swap(int64(clobVersion)) == int64(clobVersion) {
		return nil
	}
	// Version first, then the epoch: a template signed under the new epoch
	// on a table of the old version is still refused by its table's version.
	p.epoch.Add(1)
	p.refill.Store(true)
	return nil
}

// Version is the CLOB version the pool signs templates for.
func (p *Pool) Version() int { return int(p.version.Load()) }

// SetBalance sets the balance budget in micro-USDC: Take rejects templates
// whose maker amount exceeds it. Negative means unlimited.
func (p *Pool) SetBalance(micro int64) { p.budget.Store(micro) }

// Take hands out the template for (asset, price, shares), or nil on a miss
// (counted; the caller then uses SignNow). nowNano is the caller's clock in
// unix nanoseconds. Hot side: lock-free, no allocation.
func (p *Pool) Take(asset book.AssetIndex, price book.Price, shares book.Size, nowNano int64) *Template {
	if int(asset) < len(p.tables) {
		if t := p.tables[asset].Load(); t != nil {
			if tpl := p.takeFrom(t, price, shares, nowNano); tpl != nil {
				p.hits.Add(1)
				return tpl
			}
		}
	}
	p.misses.Add(1)
	p.refill.Store(true)
	return nil
}

// TakeAtOrAbove hands out the lowest-priced live template for (asset,
// shares) whose price is in [minPrice, maxPrice], or nil (counted in
// MissesAbove). It serves a leg whose exact limit missed with a template
// signed at a higher limit (the leg's trigger anchor): the caller must have
// checked that paying up to maxPrice keeps its opportunity's worst-case
// edge, and should check the template's own amounts again. Templates found
// stale on the way are dropped and counted, as in Take. Hot side:
// lock-free, no allocation.
func (p *Pool) TakeAtOrAbove(asset book.AssetIndex, minPrice, maxPrice book.Price, shares book.Size, nowNano int64) *Template {
	if int(asset) < len(p.tables) && minPrice <= maxPrice {
		if t := p.tables[asset].Load(); t != nil {
			if si := p.shareIndex(shares); si >= 0 {
				// prices are strictly descending: walk them from the cheapest up
				for pi := len(t.prices) - 1; pi >= 0; pi-- {
					q := t.prices[pi]
					if q > maxPrice {
						break
					}
					if q < minPrice {
						continue
					}
					if tpl := p.takeSlot(t, pi, si, nowNano); tpl != nil {
						p.hitsAbove.Add(1)
						return tpl
					}
				}
			}
		}
	}
	p.missesAbove.Add(1)
	p.refill.Store(true)
	return nil
}

func (p *Pool) shareIndex(shares book.Size) int {
	for i, s := range p.cfg.Shares {
		if s == shares {
			return i
		}
	}
	return -1
}

func (p *Pool) takeFrom(t *assetTable, price book.Price, shares book.Size, now int64) *Template {
	pi := -1
	for i, q := range t.prices {
		if q == price {
			pi = i
			break
		}
	}
	si := p.shareIndex(shares)
	if pi < 0 || si < 0 {
		return nil
	}
	return p.takeSlot(t, pi, si, now)
}

// takeSlot takes a live template from the slots of (price index pi, share
// index si), dropping stale ones.
func (p *Pool) takeSlot(t *assetTable, pi, si int, now int64) *Template {
	base := (pi*len(p.cfg.Shares) + si) * p.cfg.PerKey
	epoch := p.epoch.Load()
	maxAge := int64(p.cfg.MaxAge)
	budget := p.budget.Load()
	oldVersion := t.version != p.version.Load()
	for k := 0; k < p.cfg.PerKey; k++ {
		slot := &t.slots[base+k]
		if slot.Load() == nil { // an empty slot costs a load, not a locked exchange
			continue
		}
		tpl := slot.Swap(nil)
		if tpl == nil {
			continue
		}
		p.refill.Store(true)
		if tpl.epoch != epoch || oldVersion || t.retired.Load() || now-tpl.SignedAt > maxAge ||
			(budget >= 0 && int64(tpl.Order.MakerAmount) > budget) {
			p.stale.Add(1)
			continue
		}
		return tpl
	}
	return nil
}

// Apply updates the hot set from a scanner event (cold goroutine). Entering
// (or re-entering with moved asks) lays out each leg's prices; templates whose
// (price, shares) survive the move are carried over; a tick or neg-risk
// change retires the leg's old templates. Leaving retires the legs' tables.
func (p *Pool) Apply(ev PoolEvent) error {
	for i := range ev.Legs {
		leg := ev.Legs[i]
		if int(leg.Asset) >= len(p.tables) {
			return ErrAssetRange
		}
		old := p.tables[leg.Asset].Load()
		if !ev.Entered {
			if old != nil {
				old.retired.Store(true)
				p.tables[leg.Asset].Store(nil)
			}
			continue
		}
		nt, err := p.newTable(leg)
		if err != nil {
			return err
		}
		if old != nil && old.leg.Tick == leg.Tick && old.leg.NegRisk == leg.NegRisk && old.leg.TokenID == leg.TokenID && old.version == nt.version {
			p.carryOver(old, nt)
		}
		if old != nil {
			old.retired.Store(true)
		}
		p.tables[leg.Asset].Store(nt)
	}
	p.refill.Store(true)
	return nil
}

func (p *Pool) newTable(leg HotLeg) (*assetTable, error) {
	if !leg.Tick.Valid() {
		return nil, ErrTickSize
	}
	v := p.version.Load()
	e, err := ExchangeFor(p.cfg.ChainID, int(v), leg.NegRisk, &leg.TokenID)
	if err != nil {
		return nil, err
	}
	t := &assetTable{leg: leg, version: v, exchange: e}
	t.prices = p.layPrices(t.prices, leg.Ask, leg.Tick)
	if leg.Trigger > 0 && leg.Trigger < leg.Ask {
		t.prices = p.layPrices(t.prices, leg.Trigger, leg.Tick)
	}
	t.slots = make([]atomic.Pointer[Template], len(t.prices)*len(p.cfg.Shares)*p.cfg.PerKey)
	return t, nil
}

// layPrices appends anchor, anchor − 1 tick, …, anchor − TicksBelow ticks
// (the valid ones) below the last price of dst, keeping dst strictly
// descending: prices an earlier anchor already laid out are not repeated.
func (p *Pool) layPrices(dst []book.Price, anchor book.Price, tick book.Tick) []book.Price {
	for i := 0; i <= p.cfg.TicksBelow; i++ {
		q := int64(anchor) - int64(i)*int64(tick)
		if q < int64(tick) {
			break
		}
		if len(dst) > 0 && q >= int64(dst[len(dst)-1]) {
			continue
		}
		if PriceValid(book.Price(q), tick) {
			dst = append(dst, book.Price(q))
		}
	}
	return dst
}

func (p *Pool) carryOver(old, nt *assetTable) {
	per := len(p.cfg.Shares) * p.cfg.PerKey
	for ni, np := range nt.prices {
		for oi, op := range old.prices {
			if op != np {
				continue
			}
			for k := 0; k < per; k++ {
				if tpl := old.slots[oi*per+k].Swap(nil); tpl != nil {
					nt.slots[ni*per+k].Store(tpl)
				}
			}
		}
	}
}

// Refill signs templates for every empty or expiring slot (cold goroutine).
// Templates older than MaxAge/2 are replaced ahead of time. It returns how
// many it signed.
func (p *Pool) Refill(now time.Time) (int, error) {
	if !p.refill.Swap(false) && !p.anyExpiring(now) {
		return 0, nil
	}
	epoch := p.epoch.Load()
	version := p.version.Load()
	nowNano := now.UnixNano()
	n := 0
	for a := range p.tables {
		t := p.tables[a].Load()
		if t == nil {
			continue
		}
		if t.version != version { // SetVersion: lay the leg out for the new exchange
			t.retired.Store(true)
			nt, err := p.newTable(t.leg)
			if err != nil { // no exchange for this leg at this version: it leaves the pool
				p.tables[a].Store(nil)
				return n, err
			}
			p.tables[a].Store(nt)
			t = nt
		}
		per := len(p.cfg.Shares) * p.cfg.PerKey
		for pi, price := range t.prices {
			for si, shares := range p.cfg.Shares {
				for k := 0; k < p.cfg.PerKey; k++ {
					slot := &t.slots[pi*per+si*p.cfg.PerKey+k]
					cur := slot.Load()
					if cur != nil && cur.epoch == epoch && nowNano-cur.SignedAt < int64(p.cfg.MaxAge/2) {
						continue
					}
					tpl, err := p.sign(t, price, shares, now)
					if err != nil {
						return n, err
					}
					tpl.epoch = epoch
					slot.Store(tpl) // a concurrently taken old one is simply gone
					n++
				}
			}
		}
	}
	return n, nil
}

func (p *Pool) anyExpiring(now time.Time) bool {
	limit := now.UnixNano() - int64(p.cfg.MaxAge/2)
	for a := range p.tables {
		t := p.tables[a].Load()
		if t == nil {
			continue
		}
		for i := range t.slots {
			if tpl := t.slots[i].Load(); tpl == nil || tpl.SignedAt < limit {
				return true
			}
		}
	}
	return false
}

// Run applies events and refills until ctx ends (the cold goroutine). Errors
// from signing are reported to onErr (may be nil) and do not stop the loop.
func (p *Pool) Run(ctx context.Context, events <-chan PoolEvent, onErr func(error)) {
	tick := time.NewTicker(p.cfg.RefillEvery)
	defer tick.Stop()
	report := func(err error) {
		if err != nil && onErr != nil {
			onErr(err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			report(p.Apply(ev))
		case now := <-tick.C:
			_, err := p.Refill(now)
			report(err)
		}
	}
}

// TakeOrSign is Take with the miss path folded in: on a miss it signs on the
// spot (counted in Misses; allocates, ~50 µs). hit reports which happened.
func (p *Pool) TakeOrSign(leg *HotLeg, price book.Price, shares book.Size, now time.Time) (tpl *Template, hit bool, err error) {
	if tpl = p.Take(leg.Asset, price, shares, now.UnixNano()); tpl != nil {
		return tpl, true, nil
	}
	tpl, err = p.SignNow(leg, price, shares, now)
	return tpl, false, err
}

// SignNow builds and signs a template on the spot (the miss path; any
// goroutine; allocates). The result is the caller's to use once.
func (p *Pool) SignNow(leg *HotLeg, price book.Price, shares book.Size, now time.Time) (*Template, error) {
	if int(leg.Asset) >= len(p.tables) {
		return nil, ErrAssetRange
	}
	t := p.tables[leg.Asset].Load()
	if t == nil || t.leg.TokenID != leg.TokenID || t.leg.Tick != leg.Tick || t.leg.NegRisk != leg.NegRisk || t.version != p.version.Load() {
		var err error
		if t, err = p.newTable(*leg); err != nil {
			return nil, err
		}
	}
	tpl, err := p.sign(t, price, shares, now)
	if err != nil {
		return nil, err
	}
	tpl.epoch = p.epoch.Load()
	return tpl, nil
}

// nextSalt returns a salt ≤ MaxSalt that no earlier call of this pool
// returned: an odd multiplier is a bijection modulo 2^53, so distinct counter
// values give distinct salts, in an order that does not look sequential.
// Lock-free.
func (p *Pool) nextSalt() uint64 {
	const odd = 0x9E3779B97F4A7C15 | 1
	return (p.saltBase + p.saltCtr.Add(1)*odd) & MaxSalt
}

func (p *Pool) sign(t *assetTable, price book.Price, shares book.Size, now time.Time) (*Template, error) {
	maker, taker, err := MarketBuyAmounts(price, shares, t.leg.Tick)
	if err != nil {
		return nil, err
	}
	tpl := &Template{Asset: t.leg.Asset, Price: price, Shares: shares, SignedAt: now.UnixNano(), table: t}
	tpl.Order = Order{
		Salt: p.nextSalt(), Maker: p.maker, Signer: p.signer, TokenID: t.leg.TokenID,
		MakerAmount: maker, TakerAmount: taker, Side: Buy, SignatureType: p.cfg.SignatureType,
		Timestamp: uint64(now.UnixMilli()),
	}
	tpl.OrderHash = t.exchange.Digest(&tpl.Order)
	sig, err := p.cfg.Signer.SignOrder(t.exchange, &tpl.Order, make([]byte, 0, Poly1271Len))
	if err != nil {
		return nil, err
	}
	tpl.Envelope = AppendEnvelopeJSON(make([]byte, 0, 1024), &tpl.Order, sig, &p.env)
	p.signed.Add(1)
	return tpl, nil
}

// MaxBatch is the venue's limit of orders per POST /orders.
const MaxBatch = 15

// Batch assembles one POST /orders request from templates: the body and the
// L2 header values, in reused buffers. Not safe for concurrent use (one per
// exec goroutine). The zero value is ready; NewBatch pre-sizes the buffers.
type Batch struct {
	Body      []byte // [env,env,…]
	Signature []byte // POLY_SIGNATURE (44 bytes)
	Timestamp []byte // POLY_TIMESTAMP (unix seconds)
	Orders    [MaxBatch]*Template
	N         int
}

// NewBatch returns a Batch with buffers sized for MaxBatch orders.
func NewBatch() *Batch {
	return &Batch{Body: make([]byte, 0, MaxBatch*1536), Signature: make([]byte, 0, L2SigLen), Timestamp: make([]byte, 0, 20)}
}

// ErrBatchFull is returned by Add beyond MaxBatch orders.
var ErrBatchFull = errors.New("sign: batch holds at most 15 orders")

// Reset empties the batch, keeping its buffers.
func (b *Batch) Reset() {
	clear(b.Orders[:b.N])
	b.N = 0
	b.Body = append(b.Body[:0], '[')
}

// Add appends a template's envelope to the body.
func (b *Batch) Add(t *Template) error {
	if b.N == MaxBatch {
		return ErrBatchFull
	}
	if len(b.Body) == 0 {
		b.Body = append(b.Body, '[')
	}
	if b.N > 0 {
		b.Body = append(b.Body, ',')
	}
	b.Body = append(b.Body, t.Envelope...)
	b.Orders[b.N] = t
	b.N++
	return nil
}

// Finish closes the body and computes the L2 signature over exactly those
// bytes for POST path at unixSec. After Finish, Body, Signature and
// Timestamp are the request; the constant headers (POLY_ADDRESS,
// POLY_API_KEY, POLY_PASSPHRASE) come from the credentials.
func (b *Batch) Finish(l2 *L2Signer, path string, unixSec int64) {
	b.Body = append(b.Body, ']')
	b.Timestamp = AppendUnix(b.Timestamp[:0], unixSec)
	b.Signature = l2.AppendSignature(b.Signature[:0], b.Timestamp, "POST", path, b.Body)
}
