package feed

import (
	"strconv"
	"time"

	"github.com/hotpath/hotpath/book"
)

// Control is what Integrity asks of the client when a book or a connection
// goes bad. *Client implements it. Calls are rare (cold) and must not block.
type Control interface {
	Resync(a book.AssetIndex) bool // unsubscribe + subscribe with initial_dump
	Reconnect(conn uint16) bool    // drop a stalled connection
}

// HashPolicy says which assets get their book hash verified.
type HashPolicy uint8

// Hash policies.
const (
	HashHot HashPolicy = iota // only assets marked hot (SetHot) [default]
	HashAll                   // every asset (replay, verify, audits)
	HashOff                   // none
)

// Exclusion is why a book was taken out of scanning (made not Valid).
type Exclusion uint8

// Exclusions, each counted.
const (
	ExclDisconnected Exclusion = iota // its connection dropped (KindResync)
	ExclSuspect                       // the decoder flagged its data (KindSuspect)
	ExclTickChange                    // tick_size_change: new epoch until a snapshot
	ExclCrossed                       // best bid >= best ask
	ExclHashMismatch                  // no hash layout reproduced the venue's hash
	ExclTopMismatch                   // venue best_bid/best_ask disagree with the book
	ExclBadLevel                      // a level the book refused (off its grid)
	ExclStale                         // no update for AssetStale: resynced to prove it
	NumExclusions
)

var exclNames = [NumExclusions]string{"disconnected", "suspect", "tick_change", "crossed",
	"hash_mismatch", "top_mismatch", "bad_level", "stale"}

// String is the exclusion's stable snake_case name.
func (x Exclusion) String() string {
	if x < NumExclusions {
		return exclNames[x]
	}
	return "exclusion?"
}

// IntegrityConfig configures an Integrity. Zero durations take the defaults
// in brackets.
type IntegrityConfig struct {
	Registry *book.Registry // required
	Control  Control        // may be nil (replay, verify)
	Hash     HashPolicy
	// AssetStale: an asset without any update for this long is marked stale
	// (not Usable) and resynced [5m]. A quiet market and a frozen feed look
	// alike; a fresh snapshot tells them apart.
	AssetStale time.Duration
	// ConnStale: a connection without any data for this long is dropped and
	// reconnected [60s].
	ConnStale time.Duration
	// CanarySilence: when a connection's busiest asset (its canary) has
	// been silent this long, the connection is deemed silently stalled and
	// reconnected [30s]. The canary is re-chosen every CanarySilence: the
	// asset with the most events (at least 3) in the window just ended; a
	// window without such an asset keeps the previous canary.
	CanarySilence time.Duration
	// ResyncRetry: a resync whose snapshot has not arrived after this long
	// is requested again [10s].
	ResyncRetry time.Duration
	// CheckEveryEntry verifies the hash and top of book after every
	// price_change entry instead of once per asset per frame (verify tool;
	// wrong if the venue's per-entry values describe the whole message).
	CheckEveryEntry bool
	// OnHash, when set, sees every hash verification (verify tool): the
	// event, the computed hash of the matching layout (or of layout 9 on a
	// mismatch) and whether it matched. Cold path.
	OnHash func(e *Event, computed [20]byte, l book.HashLayout, match bool)
}

// IntegrityStats are the integrity stage's counters.
type IntegrityStats struct {
	Events           uint64
	Snapshots        uint64 // snapshots completed
	Deltas           uint64 // deltas applied
	DeltasIgnored    uint64 // deltas for a book waiting for its snapshot
	Exclusions       [NumExclusions]uint64
	HashMatch        [3]uint64 // per book.HashLayout: that layout reproduced the hash
	HashMiss         [3]uint64 // per book.HashLayout: tried and did not
	HashMismatch     uint64    // no layout matched: book resynced
	HashUnverifiable uint64    // hash of an unknown length (64 hex)
	HashUnchecked    uint64    // hash present, not checked (policy, or no valid book)
	ResyncRequests   uint64
	ResyncRefused    uint64 // Control could not queue the request
	StallReconnects  uint64 // connection without data for ConnStale
	CanaryReconnects uint64 // canary silent for CanarySilence
	StaleAssets      uint64 // assets currently stale (as of the last Check)
}

// HashChecks is the number of hash verifications done.
func (s *IntegrityStats) HashChecks() uint64 {
	return s.HashMatch[0] + s.HashMatch[1] + s.HashMatch[2] + s.HashMismatch
}

type assetState struct {
	book      *book.Book
	last      int64 // RecvNs of the last event about this asset
	resyncAt  int64 // when a resync was requested and not yet answered (0: none)
	window    uint32
	conn      uint16
	inSnap    bool
	hot       bool
	stale     bool
	hasLayout bool
	layout    book.HashLayout
	market    []byte
	id        []byte
	minOrder  []byte
	tick      []byte
	negRisk   bool
	lastTrade []byte
	pend      Event // the last delta of the current frame carrying a hash or top of book
	hasPend   bool
}

type connState struct {
	last   int64 // RecvNs of the last data event (or of the resync)
	canary book.AssetIndex
	// dirty: assets touched by deltas in the connection's current frame.
	// Per connection because a consumer draining several rings can see
	// part of one connection's frame, then another connection's whole
	// frame: its end must not check the first frame's unfinished books.
	dirty []book.AssetIndex
}

// Integrity is the book stage's bookkeeping (design §6): it applies events to
// one *book.Book per asset and checks them. It belongs to one goroutine (the
// consumer of the rings); nothing in it is synchronised. Apply allocates
// nothing in steady state.
//
// Invariants: a book is Valid only between a complete snapshot and the next
// exclusion; deltas for a book that is not Valid are ignored (counted); every
// exclusion is counted with its reason and, except a disconnect (the
// reconnect brings fresh snapshots), asks Control for a resync.
type Integrity struct {
	cfg     IntegrityConfig
	assets  []assetState
	conns   []connState
	scratch []byte
	ts      []byte
	st      IntegrityStats
	lastWin int64
}

// NewIntegrity builds a book per registry asset on its tick (assets with
// an unknown tick get the finest grid, 0.0001, so any venue price fits) and
// takes the hash metadata from the registry; SetMeta overrides it.
func NewIntegrity(cfg IntegrityConfig) *Integrity {
	if cfg.AssetStale <= 0 {
		cfg.AssetStale = 5 * time.Minute
	}
	if cfg.ConnStale <= 0 {
		cfg.ConnStale = 60 * time.Second
	}
	if cfg.CanarySilence <= 0 {
		cfg.CanarySilence = 30 * time.Second
	}
	if cfg.ResyncRetry <= 0 {
		cfg.ResyncRetry = 10 * time.Second
	}
	reg := cfg.Registry
	in := &Integrity{cfg: cfg, assets: make([]assetState, reg.Len()), scratch: make([]byte, 0, 4096), ts: make([]byte, 0, 24)}
	for i := range in.assets {
		info := reg.Info(book.AssetIndex(i))
		t := info.Tick
		st := &in.assets[i]
		if !t.Valid() {
			t = book.Tick0_0001
		} else {
			st.tick = book.AppendTick(nil, info.Tick)
		}
		st.book = book.NewBook(t)
		st.market = []byte(info.Market)
		st.id = []byte(info.TokenID)
		if info.MinSize > 0 {
			st.minOrder = book.AppendSize(nil, info.MinSize)
		}
		st.negRisk = info.NegRisk
	}
	return in
}

// Book returns asset a's book. Read it only on the Integrity's goroutine.
func (in *Integrity) Book(a book.AssetIndex) *book.Book { return in.assets[a].book }

// Usable reports whether a's book may be scanned: Valid (complete snapshot,
// no exclusion since) and not stale.
func (in *Integrity) Usable(a book.AssetIndex) bool {
	st := &in.assets[a]
	return st.book.Valid() && !st.stale
}

// LastUpdate is the receive time of the last event about a (0: none yet).
func (in *Integrity) LastUpdate(a book.AssetIndex) int64 { return in.assets[a].last }

// SetHot marks a as hot: with HashHot its hash is verified on every change.
func (in *Integrity) SetHot(a book.AssetIndex, hot bool) { in.assets[a].hot = hot }

// SetMeta sets the market fields the hash covers but WS messages lack (the
// REST /book values, e.g. "5", "0.01", false). The bytes are copied.
func (in *Integrity) SetMeta(a book.AssetIndex, minOrderSize, tickSize []byte, negRisk bool) {
	st := &in.assets[a]
	st.minOrder = append(st.minOrder[:0], minOrderSize...)
	st.tick = append(st.tick[:0], tickSize...)
	st.negRisk = negRisk
}

// SetLastTradePrice sets the last trade price text (layout 10) of a.
func (in *Integrity) SetLastTradePrice(a book.AssetIndex, p []byte) {
	st := &in.assets[a]
	st.lastTrade = append(st.lastTrade[:0], p...)
}

// Stats returns the counters (call on the Integrity's goroutine).
func (in *Integrity) Stats() IntegrityStats { return in.st }

// Canary returns the current canary asset of connection id (NoAsset when
// none is chosen yet).
func (in *Integrity) Canary(id uint16) book.AssetIndex {
	if int(id) >= len(in.conns) {
		return NoAsset
	}
	return in.conns[id].canary
}

func (in *Integrity) conn(id uint16) *connState {
	for int(id) >= len(in.conns) { // cold: grows once per new connection id
		in.conns = append(in.conns, connState{canary: NoAsset})
	}
	return &in.conns[id]
}

// exclude makes a's book not Valid for reason x and, unless the connection
// is being rebuilt anyway, asks for a fresh snapshot.
func (in *Integrity) exclude(a book.AssetIndex, x Exclusion, now int64) {
	st := &in.assets[a]
	st.book.Invalidate()
	st.inSnap = false
	in.st.Exclusions[x]++
	if x != ExclDisconnected {
		in.resync(a, now)
	}
}

func (in *Integrity) resync(a book.AssetIndex, now int64) {
	st := &in.assets[a]
	if st.resyncAt != 0 && now-st.resyncAt < int64(in.cfg.ResyncRetry) {
		return // one request in flight is enough
	}
	st.resyncAt = now
	if in.cfg.Control == nil {
		return
	}
	in.st.ResyncRequests++
	if !in.cfg.Control.Resync(a) {
		in.st.ResyncRefused++
	}
}

// Apply applies one event. Events of one asset must come in the order they
// were decoded (one ring per connection guarantees it).
func (in *Integrity) Apply(e *Event) {
	in.st.Events++
	if e.Kind == KindPong {
		return
	}
	if e.Asset == NoAsset || int(e.Asset) >= len(in.assets) {
		if e.Flags&FlagLast != 0 {
			in.frameEnd(e, in.conn(e.Conn))
		}
		return
	}
	a := e.Asset
	st := &in.assets[a]
	now := e.RecvNs
	cs := in.conn(e.Conn)
	st.conn = e.Conn
	switch e.Kind {
	case KindBookBegin:
		st.book.BeginSnapshot()
		st.inSnap = true
	case KindLevel:
		if e.Flags&FlagSnapshot != 0 {
			if !st.inSnap {
				break
			}
			if st.book.SetLevel(e.Side, e.Price, e.Size) != nil {
				in.exclude(a, ExclBadLevel, now)
			}
			break
		}
		if !st.book.Valid() {
			in.st.DeltasIgnored++
			if e.Flags&(FlagHash|FlagHashUnverifiable) != 0 {
				in.st.HashUnchecked++
			}
			break
		}
		if st.book.SetLevel(e.Side, e.Price, e.Size) != nil {
			in.exclude(a, ExclBadLevel, now)
			break
		}
		in.st.Deltas++
		if in.cfg.CheckEveryEntry {
			if !in.topAgrees(st.book, e) {
				in.exclude(a, ExclTopMismatch, now)
				break
			}
			if !in.checkHash(a, e) {
				break
			}
		} else if e.Flags&(FlagHash|FlagHashUnverifiable|FlagBestBid|FlagBestAsk) != 0 {
			st.pend, st.hasPend = *e, true // checked at the end of the frame
		}
		cs.markDirty(a)
	case KindBookEnd:
		if !st.inSnap {
			break
		}
		st.inSnap = false
		st.book.EndSnapshot()
		in.st.Snapshots++
		st.resyncAt = 0
		st.stale = false
		if st.book.Crossed() {
			in.exclude(a, ExclCrossed, now)
			break
		}
		in.checkHash(a, e)
	case KindTickSize:
		if st.book.SetTick(e.Tick()) != nil {
			in.exclude(a, ExclSuspect, now)
			break
		}
		st.tick = book.AppendTick(st.tick[:0], e.Tick())
		if e.Flags&FlagSnapshot != 0 { // announced by a snapshot, which follows
			st.book.Invalidate()
			in.st.Exclusions[ExclTickChange]++
			break
		}
		in.exclude(a, ExclTickChange, now)
	case KindLastTrade:
		st.lastTrade = book.AppendPrice(st.lastTrade[:0], e.Price)
	case KindSuspect:
		in.exclude(a, ExclSuspect, now)
	case KindResync:
		st.inSnap = false
		if st.book.Valid() {
			in.exclude(a, ExclDisconnected, now)
		} else {
			st.book.Invalidate()
		}
		st.resyncAt = 0
		cs.last = now // the connection is being rebuilt: re-arm stall detection
	}
	if e.Kind != KindResync {
		st.last = now
		st.window++
		cs.last = now
		if st.stale && e.Kind != KindSuspect {
			st.stale = false
		}
	}
	if e.Flags&FlagLast != 0 {
		in.frameEnd(e, cs)
	}
}

// frameEnd runs the per-frame checks on the books the deltas of cs's frame
// touched: top of book and hash against the asset's last entry of the frame,
// then crossed. Checking only the last entry is right under both readings of
// a message with several entries for one asset (each entry's top and hash
// after that entry, or after the whole message: the last entry's agree), and
// a crossing between two entries of one frame is not one.
func (in *Integrity) frameEnd(e *Event, cs *connState) {
	for _, a := range cs.dirty {
		st := &in.assets[a]
		pend := st.hasPend
		st.hasPend = false
		if !st.book.Valid() {
			continue
		}
		if pend {
			if !in.topAgrees(st.book, &st.pend) {
				in.exclude(a, ExclTopMismatch, e.RecvNs)
				continue
			}
			if !in.checkHash(a, &st.pend) {
				continue
			}
		}
		if st.book.Crossed() {
			in.exclude(a, ExclCrossed, e.RecvNs)
		}
	}
	cs.dirty = cs.dirty[:0]
}

func (cs *connState) markDirty(a book.AssetIndex) {
	for _, x := range cs.dirty {
		if x == a {
			return
		}
	}
	cs.dirty = append(cs.dirty, a)
}

// topAgrees compares the venue's best_bid/best_ask of a delta with the book.
// An empty side is sent as "0" or "1" (UNCERTAIN which), so either matches
// an empty local side.
func (in *Integrity) topAgrees(b *book.Book, e *Event) bool {
	if e.Flags&FlagBestBid != 0 {
		p, _, ok := b.BestBid()
		if ok && p != e.BestBid || !ok && e.BestBid != 0 && e.BestBid != book.One {
			return false
		}
	}
	if e.Flags&FlagBestAsk != 0 {
		p, _, ok := b.BestAsk()
		if ok && p != e.BestAsk || !ok && e.BestAsk != 0 && e.BestAsk != book.One {
			return false
		}
	}
	return true
}

// minCanaryEvents is how many events an asset needs in a window to serve as
// its connection's canary (a nearly silent asset would make a poor alarm).
const minCanaryEvents = 3

var layoutOrder = [3]book.HashLayout{book.HashLayout9, book.HashLayout10, book.HashLayout6}

// checkHash verifies the venue hash carried by e against a's book when the
// policy asks for it. It returns false (and excludes the book) on a
// mismatch.
func (in *Integrity) checkHash(a book.AssetIndex, e *Event) bool {
	if e.Flags&FlagHashUnverifiable != 0 {
		in.st.HashUnverifiable++
		return true
	}
	if e.Flags&FlagHash == 0 {
		return true
	}
	st := &in.assets[a]
	if in.cfg.Hash == HashOff || in.cfg.Hash == HashHot && !st.hot {
		in.st.HashUnchecked++
		return true
	}
	in.ts = strconv.AppendInt(in.ts[:0], e.VenueMs, 10)
	m := book.HashMeta{Market: st.market, AssetID: st.id, Timestamp: in.ts,
		MinOrderSize: st.minOrder, TickSize: st.tick, NegRisk: st.negRisk, LastTradePrice: st.lastTrade}
	var first [20]byte
	if st.hasLayout {
		sum, ok := in.tryLayout(st, &m, st.layout, e)
		if ok {
			return true
		}
		first = sum
	}
	for i, l := range layoutOrder {
		if st.hasLayout && l == st.layout {
			continue
		}
		sum, ok := in.tryLayout(st, &m, l, e)
		if ok {
			return true
		}
		if i == 0 {
			first = sum // report layout 9's hash on a mismatch
		}
	}
	in.st.HashMismatch++
	if in.cfg.OnHash != nil {
		in.cfg.OnHash(e, first, book.HashLayout9, false)
	}
	in.exclude(a, ExclHashMismatch, e.RecvNs)
	return false
}

// tryLayout hashes st's book under layout l and compares it with e's hash.
func (in *Integrity) tryLayout(st *assetState, m *book.HashMeta, l book.HashLayout, e *Event) ([20]byte, bool) {
	var sum [20]byte
	sum, in.scratch = st.book.Hash(m, l, in.scratch)
	if sum != e.Hash {
		in.st.HashMiss[l]++
		return sum, false
	}
	in.st.HashMatch[l]++
	st.layout, st.hasLayout = l, true
	if in.cfg.OnHash != nil {
		in.cfg.OnHash(e, sum, l, true)
	}
	return sum, true
}

// Check runs the time-based checks at now (ns, the receive clock): per
// connection staleness and canary silence (→ Reconnect), per asset
// staleness (→ not Usable, resync) and resync retries. Call it about once a
// second from the Integrity's goroutine; it is O(assets).
func (in *Integrity) Check(now int64) {
	ctl := in.cfg.Control
	newWindow := now-in.lastWin >= int64(in.cfg.CanarySilence)
	// A connection keeps its canary through windows without a busy asset:
	// a silent window is exactly when the canary must stay armed.
	var best []uint32
	if newWindow {
		in.lastWin = now
		best = make([]uint32, len(in.conns)) // cold: once per window
		for i := range best {
			best[i] = minCanaryEvents - 1
		}
	}
	stale := uint64(0)
	for i := range in.assets {
		st := &in.assets[i]
		a := book.AssetIndex(i)
		if newWindow && st.last != 0 && int(st.conn) < len(in.conns) {
			if st.window > best[st.conn] {
				best[st.conn] = st.window
				in.conns[st.conn].canary = a
			}
			st.window = 0
		}
		if st.last != 0 && !st.stale && now-st.last > int64(in.cfg.AssetStale) {
			st.stale = true
			in.st.Exclusions[ExclStale]++
			in.resync(a, now)
		}
		if st.stale {
			stale++
		}
		if st.resyncAt != 0 && now-st.resyncAt >= int64(in.cfg.ResyncRetry) {
			in.resync(a, now)
		}
	}
	in.st.StaleAssets = stale
	for i := range in.conns {
		cs := &in.conns[i]
		if cs.last == 0 {
			continue
		}
		reconnect := false
		if now-cs.last > int64(in.cfg.ConnStale) {
			in.st.StallReconnects++
			reconnect = true
		} else if c := cs.canary; c != NoAsset && now-in.assets[c].last > int64(in.cfg.CanarySilence) {
			in.st.CanaryReconnects++
			reconnect = true
		}
		if reconnect {
			cs.last = now // re-arm: the resync events of the new session follow
			cs.canary = NoAsset
			if ctl != nil {
				ctl.Reconnect(uint16(i))
			}
		}
	}
}

func (in *Integrity) hasMarket(a book.AssetIndex) bool { return len(in.assets[a].market) > 0 }

func (in *Integrity) setMarket(a book.AssetIndex, market []byte) {
	in.assets[a].market = append(in.assets[a].market[:0], market...)
}
