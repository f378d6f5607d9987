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
	ExclConnStale                     // its connection went silent (canary or ConnStale): reconnected
	NumExclusions
)

var exclNames = [NumExclusions]string{"disconnected", "suspect", "tick_change", "crossed",
	"hash_mismatch", "top_mismatch", "bad_level", "stale", "conn_stale"}

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
	// (not Usable) and resynced [DefaultAssetStale]. A quiet market and a
	// frozen feed look alike; a fresh snapshot tells them apart.
	AssetStale time.Duration
	// ConnStale caps how long a connection may go without any data before
	// it is deemed stalled [DefaultConnStale]: every book it carries is
	// then excluded (ExclConnStale) and it is reconnected; each book is
	// usable again once its fresh snapshot arrives. The limit follows the
	// connection's own pace: after a whole canary window with at least 50
	// updates, 4× its longest gap between data messages in that window
	// (reconnects left out), at least CanarySilence/4, at most ConnStale,
	// so a busy connection's stall shows in a fraction of a second.
	// Consecutive trips without the connection turning busy again double
	// it, up to 16×: a quiet night does not reconnect in a loop.
	ConnStale time.Duration
	// CanarySilence bounds how long a connection's canary may be silent
	// before the connection is deemed stalled, with the same consequences
	// [DefaultCanarySilence]; it also sets the floor above. Every canary
	// window (CanaryWindows × CanarySilence) the canary is re-chosen: the
	// asset with the most updates (at least 50) among those never silent
	// for more than CanarySilence/4 in the window; its limit is 4× its
	// longest gap in the window, at least CanarySilence/4. The canary
	// catches a connection that still carries some data but no longer its
	// busiest asset's. A window in which the connection had data but no
	// asset that busy and regular disarms the canary; a window without any
	// data keeps it armed.
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

// CheckEvery is how often the consumer should run Check for c's
// thresholds: a tenth of CanarySilence (its default when zero), within
// [20ms, 1s]. A stall is then caught within its limit plus that period.
func (c IntegrityConfig) CheckEvery() time.Duration {
	s := c.CanarySilence
	if s <= 0 {
		s = DefaultCanarySilence
	}
	return min(max(s/10, 20*time.Millisecond), time.Second)
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
	GapReconnects    uint64 // data resumed after a silence over the pace limit (resumedAfterGap)
	StaleAssets      uint64 // assets currently stale (as of the last Check)
}

// HashChecks is the number of hash verifications done.
func (s *IntegrityStats) HashChecks() uint64 {
	return s.HashMatch[0] + s.HashMatch[1] + s.HashMatch[2] + s.HashMismatch
}

type assetState struct {
	book      *book.Book
	last      int64  // RecvNs of the last event about this asset
	resyncAt  int64  // when a resync was requested and not yet answered (0: none)
	maxGap    int64  // longest silence between its events in the canary window
	window    uint32 // updates in the canary window (a snapshot counts once)
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
	last        int64 // RecvNs of the last data event (or of the resync)
	canary      book.AssetIndex
	canaryLimit int64  // silence of the canary that trips the connection
	limit       int64  // silence of the connection that trips it (before back-off)
	maxGap      int64  // longest gap between its data events in the window
	trips       uint8  // silence trips since the connection was last busy
	tripAt      int64  // RecvNs clock of the last silence trip
	lastVenue   int64  // venue timestamp (ms) of the last data event that had one
	winN        uint32 // updates of the connection in the window
	// between sessions (or before the first): KindResync seen, no data
	// since. The gap across a reconnect is not the venue's pace and is
	// left out of maxGap.
	between bool
	winBest uint32
	winCand book.AssetIndex // canary window: the best candidate so far
	winGap  int64           // the candidate's longest gap
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
		cfg.AssetStale = DefaultAssetStale
	}
	if cfg.ConnStale <= 0 {
		cfg.ConnStale = DefaultConnStale
	}
	if cfg.CanarySilence <= 0 {
		cfg.CanarySilence = DefaultCanarySilence
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
// no exclusion since, which includes its connection's silence) and not
// stale.
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
		in.conns = append(in.conns, connState{canary: NoAsset, between: true}) // no pace before its first data
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
	if x != ExclDisconnected && x != ExclConnStale { // those reconnect
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
	if e.Kind != KindResync && in.resumedAfterGap(cs, e) {
		in.st.GapReconnects++
		in.rebuild(e.Conn, cs, now)
	}
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
		cs.between = true
	}
	if e.Kind != KindResync {
		if gap := now - st.last; gap > st.maxGap {
			st.maxGap = gap
		}
		st.last = now
		if e.Flags&FlagSnapshot == 0 && e.Kind != KindBookBegin {
			st.window++ // an update; a snapshot's levels count once, at its end
			cs.winN++
		}
		if gap := now - cs.last; gap > cs.maxGap && !cs.between {
			cs.maxGap = gap
		}
		cs.last = now
		cs.between = false
		if e.VenueMs != 0 {
			cs.lastVenue = e.VenueMs
		}
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

// Staleness defaults (IntegrityConfig; config keys [feed] canary_silence,
// conn_stale, asset_stale).
//
// DefaultCanarySilence is 1 s. A busy venue connection (hundreds of
// assets; its busiest re-quoted several times a second) is judged by its
// own pace: stalled after 4× its longest gap of the last 5 s, never less
// than 250 ms, so the silent 3 s stall of the fault drill (PONGs still
// answered) is caught in a fraction of a second instead of never (the old
// defaults were 30 s and 60 s). The canary, the busiest asset with at
// least 50 updates and never silent for more than 250 ms in the last 5 s,
// trips after 4× its own longest gap (at most 1 s). For random arrivals,
// n ≥ 50 per window, a silence of 4× the longest of the window's gaps has
// odds of about n⁻³ per window (one in a million at 100); a false trip
// costs one reconnect and a snapshot of each book.
//
// DefaultConnStale is 5 s: the cap for a quiet connection (sparse or
// bursty traffic, which is not regular enough for a tighter limit): 5 s
// without any data on up to 500 assets. Trips in a row back off.
//
// DefaultAssetStale is 5 min: one outcome of a neg-risk event can see no
// order for minutes; the connection checks catch stalls, this one a venue
// that silently stops sending one asset. Each trip resyncs one book.
const (
	DefaultCanarySilence = time.Second
	DefaultConnStale     = 5 * time.Second
	DefaultAssetStale    = 5 * time.Minute
)

const (
	// minPaceEvents is how many updates a connection needs in a window for
	// its pace to set its limit (fewer: ConnStale), and an asset to serve
	// as its canary.
	minPaceEvents = 50
	// CanaryWindows is the canary window in units of CanarySilence.
	CanaryWindows = 5
	// paceFactor: a silence limit is this many times the longest gap seen
	// in the last window.
	paceFactor = 4
	// maxConnTrips caps the back-off at 1<<maxConnTrips.
	maxConnTrips = 4
)

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
// connection silence and canary silence (→ the connection's books
// excluded, Reconnect), per asset staleness (→ not Usable, resync) and
// resync retries. It is O(assets); run it on the Integrity's goroutine
// every CheckEvery: a stall is caught within its limit plus that period.
func (in *Integrity) Check(now int64) {
	silence := int64(in.cfg.CanarySilence)
	connStale := int64(in.cfg.ConnStale)
	newWindow := now-in.lastWin >= CanaryWindows*silence
	full := in.lastWin != 0 // the window just ended lasted its whole length
	winStart := in.lastWin
	if newWindow {
		in.lastWin = now
		for i := range in.conns {
			cs := &in.conns[i]
			cs.winBest, cs.winCand, cs.winGap = minPaceEvents-1, NoAsset, 0
		}
	}
	stale := uint64(0)
	for i := range in.assets {
		st := &in.assets[i]
		a := book.AssetIndex(i)
		if newWindow && st.last != 0 && int(st.conn) < len(in.conns) {
			cs := &in.conns[st.conn]
			// The silence since its last update counts: a canary must have
			// been regular up to the end of the window.
			gap := max(st.maxGap, now-st.last)
			if st.window > cs.winBest && paceFactor*gap <= silence {
				cs.winBest, cs.winCand, cs.winGap = st.window, a, gap
			}
			st.window, st.maxGap = 0, 0
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
		if cs.limit == 0 {
			cs.limit = connStale
		}
		if newWindow {
			// A window in which the connection tripped for silence holds the
			// stall: its silences are not the venue's pace, and its updates
			// came before the trip. Limits, back-off and canary stay as they
			// are (else a stall spanning the window's end would loosen the
			// limit to 4× the stall and call the connection busy again).
			spoiled := cs.trips > 0 && cs.tripAt >= winStart
			if cs.winN > 0 && !spoiled { // else no data at all: keep the limits armed
				gap := cs.maxGap
				if !cs.between {
					gap = max(gap, now-cs.last)
				}
				cs.limit = connStale
				if full && cs.winN >= minPaceEvents { // enough to know its pace
					cs.limit = min(max(paceFactor*gap, silence/paceFactor), connStale)
				}
				if cs.limit < connStale {
					cs.trips = 0 // busy again
				}
				cs.canary = cs.winCand // NoAsset when nothing was regular enough: quiet
				cs.canaryLimit = min(max(paceFactor*cs.winGap, silence/paceFactor), silence)
			}
			cs.maxGap, cs.winN = 0, 0
		}
		if cs.last == 0 {
			continue
		}
		lim := cs.limit
		if cs.between { // reconnecting: the session's own pace is not known yet
			lim = connStale
		}
		trip := false
		if now-cs.last > lim<<min(cs.trips, maxConnTrips) {
			in.st.StallReconnects++
			trip = true
		} else if c := cs.canary; c != NoAsset && now-in.assets[c].last > cs.canaryLimit {
			in.st.CanaryReconnects++
			trip = true
		}
		if trip {
			cs.trips++
			cs.tripAt = now
			in.rebuild(uint16(i), cs, now)
		}
	}
}

// resumedAfterGap reports whether data event e comes on a busy connection
// (its pace known) after a silence longer than its pace limit that no Check
// tripped on: the back-off after an earlier trip held it (a stall that
// outlasted the first reconnect), or the data came back between two
// Checks. The silence must be the venue's: when both messages carry venue
// timestamps, those must be as far apart too (a pause of this process, its
// data waiting in the socket, is no gap at the venue). The venue may have
// withheld updates in that silence and nothing else would tell, so the
// caller rebuilds the connection's books. A few comparisons per event.
func (in *Integrity) resumedAfterGap(cs *connState, e *Event) bool {
	lim := cs.limit
	if cs.between || cs.last == 0 || lim == 0 || lim >= int64(in.cfg.ConnStale) || e.RecvNs-cs.last <= lim {
		return false
	}
	return e.VenueMs == 0 || cs.lastVenue == 0 || (e.VenueMs-cs.lastVenue)*int64(time.Millisecond) > lim
}

// rebuild excludes every book of connection id and reconnects it, so each
// book comes back through a fresh snapshot; stall detection is re-armed
// and the canary dropped (the resync events of the new session follow).
// Cold: once per trip.
func (in *Integrity) rebuild(id uint16, cs *connState, now int64) {
	cs.last = now
	cs.canary = NoAsset
	in.connStale(id, now)
	if in.cfg.Control != nil {
		in.cfg.Control.Reconnect(id)
	}
}

// connStale excludes every usable book of connection id: its data may be
// behind the venue by as long as it has been silent. With a Control the
// reconnect brings every book back through its own fresh snapshot; without
// one (replay) the books are marked stale instead, each usable again at its
// next event. Cold: O(assets), once per trip.
func (in *Integrity) connStale(id uint16, now int64) {
	for i := range in.assets {
		st := &in.assets[i]
		if st.conn != id || st.last == 0 {
			continue
		}
		if in.cfg.Control == nil {
			if st.book.Valid() && !st.stale {
				st.stale = true
				in.st.Exclusions[ExclConnStale]++
			}
			continue
		}
		if st.book.Valid() {
			in.exclude(book.AssetIndex(i), ExclConnStale, now)
		}
	}
}

func (in *Integrity) hasMarket(a book.AssetIndex) bool { return len(in.assets[a].market) > 0 }

func (in *Integrity) setMarket(a book.AssetIndex, market []byte) {
	in.assets[a].market = append(in.assets[a].market[:0], market...)
}
