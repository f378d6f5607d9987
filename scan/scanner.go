package scan

import (
	"errors"
	"fmt"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/ring"
)

// MaxLegs is the most legs a group may have: the fixed capacity of the leg
// arrays in Opportunity and PoolEvent.
const MaxLegs = 32

// MaxDepth is the most ask levels the depth walk reads per leg.
const MaxDepth = 16

// Kind is the kind of a group.
type Kind uint8

// Group kinds (design.md §1).
const (
	// YesBasket: one YES of every market of a neg-risk event; pays $1.
	YesBasket Kind = 1 + iota
	// NoBasket: one NO of every market of a neg-risk event; pays N−1 at once
	// through the NegRiskAdapter's convertPositions.
	NoBasket
	// BinaryPair: YES + NO of one market; pays $1.
	BinaryPair
)

// String returns "yes_basket", "no_basket" or "binary_pair".
func (k Kind) String() string {
	switch k {
	case YesBasket:
		return "yes_basket"
	case NoBasket:
		return "no_basket"
	case BinaryPair:
		return "binary_pair"
	}
	return "kind?"
}

// Payout returns the kind's payout per set of n legs in micro-dollars:
// $1 for a YES basket and a binary pair, $(n−1) for a NO basket; 0 for an
// unknown kind.
func (k Kind) Payout(n int) int64 {
	switch k {
	case YesBasket, BinaryPair:
		return book.Scale
	case NoBasket:
		return int64(n-1) * book.Scale
	}
	return 0
}

// GroupSpec describes a group to build. Legs are the assets bought, one
// share each per set.
type GroupSpec struct {
	Kind  Kind
	Event string // event slug or id, for humans (not used on the path)
	Legs  []book.AssetIndex
	// Payout per set in micro-dollars; 0 means Kind.Payout(len(Legs)). A
	// smaller value is allowed (e.g. to net out a conversion fee); a larger
	// one is refused: it would make losses look like arbitrage.
	Payout int64
}

// Asset is what the scanner needs to know about one asset, indexed by its
// book.AssetIndex. Assets that are in no group may have a nil Book.
type Asset struct {
	Book    *book.Book
	Fee     FeeModel
	MinSize book.Size // the market's minimum order size in micro-shares
}

// Config holds the scanner's thresholds and limits. Start from
// DefaultConfig.
type Config struct {
	// Margin per set in micro-dollars: a group fires when the marginal cost
	// of a set (asks + fees) is at most Payout − Margin.
	Margin int64
	// FeeDecimals is the venue's fee precision: every fee is rounded UP to
	// this many decimals of USDC (0..6). protocol.md §9.2 says 4 or 5
	// (UNCERTAIN); rounding up to 5 is at least as costly as the venue
	// rounding to 5 and within 1e-5 of the venue rounding to 4 (covered by
	// the margin).
	FeeDecimals uint8
	// Near-miss pool bands, as cost/payout in millionths: a group enters the
	// pool when Σ best asks ≤ payout×EnterPPM/1e6 and leaves when it rises
	// above payout×LeavePPM/1e6 (or a leg loses its ask). LeavePPM ≥
	// EnterPPM gives hysteresis. Binary pairs join the pool only with
	// TradePairs: their asks sum to 1 + spread, so they would always be
	// "hot" without ever being a trade.
	EnterPPM, LeavePPM uint32
	// EnterAbs and LeaveAbs, when > 0, also bound the bands in absolute
	// micro-dollars per set above the payout (enter at ≤ payout + EnterAbs,
	// leave above payout + LeaveAbs; the tighter of ratio and absolute
	// wins). A NO basket of N legs pays N−1, so a 1.02 ratio alone lets it
	// sit 0.02×(N−1) above the payout: 0.18 for N = 10.
	EnterAbs, LeaveAbs int64
	// MaxShares caps Q (micro-shares); MaxNotional caps Σ_legs Q × limit
	// price (micro-dollars: the USDC the FOK orders may spend, fees
	// excluded). Either at zero means trade nothing (CapZero).
	MaxShares   book.Size
	MaxNotional int64
	// MinNotional is the venue's minimum per marketable order, micro-dollars
	// ($1). Each leg's fill cost (rounded down) must reach it.
	MinNotional int64
	// TradePairs lets a crossed binary pair be traded instead of only
	// reported as PairCrossed.
	TradePairs bool
	// AssumeExactFills takes the optimistic reading of the venue: a FOK BUY
	// at limit L for Q shares fills exactly Q shares at the book's prices
	// and fees are charged in USDC. It drops the EdgeWorst > 0 requirement
	// and the spend-all depth reserve (see the package doc). Leave it false
	// until the venue's behaviour is settled.
	AssumeExactFills bool
}

// DefaultConfig returns the defaults: a $0.001 margin per set, fees rounded
// up to 5 decimals, pool bands 1.02/1.025, at most 1000 shares and $500 of
// orders per basket, $1 minimum per order.
func DefaultConfig() Config {
	return Config{
		Margin:      1_000,
		FeeDecimals: 5,
		EnterPPM:    1_020_000,
		LeavePPM:    1_025_000,
		MaxShares:   1000 * book.OneShare,
		MaxNotional: 500 * book.Scale,
		MinNotional: book.Scale,
	}
}

// ErrConfig wraps every configuration and group-spec error from New.
var ErrConfig = errors.New("scan: bad configuration")

func (c *Config) validate() error {
	switch {
	case c.Margin < 0:
		return fmt.Errorf("%w: negative margin", ErrConfig)
	case c.FeeDecimals > 6:
		return fmt.Errorf("%w: fee decimals %d above 6", ErrConfig, c.FeeDecimals)
	case c.EnterPPM == 0 || c.LeavePPM < c.EnterPPM:
		return fmt.Errorf("%w: pool bands enter %d, leave %d (need 0 < enter ≤ leave)", ErrConfig, c.EnterPPM, c.LeavePPM)
	case c.EnterAbs < 0 || c.LeaveAbs < 0 || (c.EnterAbs > 0) != (c.LeaveAbs > 0) || c.LeaveAbs < c.EnterAbs:
		return fmt.Errorf("%w: absolute pool bands enter %d, leave %d (need both 0, or 0 < enter ≤ leave)", ErrConfig, c.EnterAbs, c.LeaveAbs)
	case c.MaxShares < 0 || c.MaxNotional < 0 || c.MinNotional < 0:
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	return nil
}

// PoolEventKind says whether a group entered or left the near-miss pool.
type PoolEventKind uint8

// Pool event kinds.
const (
	PoolEnter PoolEventKind = 1 + iota
	PoolLeave
)

// String returns "enter" or "leave".
func (k PoolEventKind) String() string {
	switch k {
	case PoolEnter:
		return "enter"
	case PoolLeave:
		return "leave"
	}
	return "pool?"
}

// PoolEvent tells the signer which legs are hot. It is a plain value (no
// pointers), safe to pass through a ring.
type PoolEvent struct {
	TS     int64 // frame timestamp (ns) of the change
	InPool int64 // on PoolLeave: ns spent in the pool this time
	Sum    int64 // Σ best asks (micro-dollars) when the event fired
	Payout int64 // payout per set (micro-dollars)
	Group  uint32
	Kind   Kind
	Event  PoolEventKind
	N      uint8                    // legs in use in Legs and Asks
	Legs   [MaxLegs]book.AssetIndex // the group's assets
	Asks   [MaxLegs]book.Price      // their best asks (0 when absent)
	Has    [MaxLegs]bool            // whether each leg has an ask
}

// Stats are the scanner's counters: plain integers, written only by the
// scanner's owner goroutine and read only there. To export them, the owner
// copies Stats (a plain value) to wherever the metrics collector reads,
// e.g. into atomics on a timer tick of its loop; no atomics on the path.
type Stats struct {
	Updates     uint64             // OnBestAsk calls
	Evaluations uint64             // groups evaluated
	Reasons     [NumReasons]uint64 // evaluations by outcome
	PoolEnters  uint64
	PoolLeaves  uint64
	PoolDropped uint64 // pool events lost because the ring was full
}

// group flags
const (
	flagPending = 1 << iota // in the pending list
	flagInPool
)

// group is one basket's running state. Hot fields first.
type group struct {
	sum     int64 // Σ best asks of legs that have one (micro-dollars)
	missing int32 // legs without an ask
	flags   uint8
	kind    Kind
	n       uint8
	legLo   uint32 // legs are s.legs[legLo : legLo+n]
	trigger int64  // sum ≤ trigger (and missing == 0) → evaluate
	enter   int64  // sum ≤ enter → pool
	leave   int64  // sum > leave → out of pool
	payout  int64

	poolSince   int64
	poolTotal   int64
	poolEntries uint64
}

// askState is an asset's last best ask as told to OnBestAsk, and its
// memberships members[memLo:memHi].
type askState struct {
	ask          book.Price
	present      bool
	memLo, memHi uint32
}

// Scanner holds every group and turns best-ask changes into group sums,
// near-miss pool events and sized opportunities.
//
// A Scanner is owned by one goroutine (the book+scan stage): every method,
// and every read of Stats, happens there. It has no locks and no atomics.
// It must not be copied (go vet's copylocks check enforces it).
type Scanner struct {
	_       noCopy
	cfg     Config
	now     int64
	asks    []askState
	members []uint32 // group ids, grouped by asset
	groups  []group
	legs    []book.AssetIndex
	events  []string // GroupSpec.Event, cold
	assets  []Asset
	pending []uint32 // groups to evaluate; capacity len(groups), never grows
	pool    *ring.Ring[PoolEvent]

	// Stats is written by the owner goroutine only.
	Stats Stats

	w walk // sizing scratch, reused
}

// New builds a scanner over assets (indexed by book.AssetIndex) and groups.
// pool receives near-miss pool events; it may be nil. Groups are frozen
// after New. Every leg starts without an ask: feed each asset's best ask
// with OnBestAsk once its book is loaded.
func New(cfg Config, assets []Asset, specs []GroupSpec, pool *ring.Ring[PoolEvent]) (*Scanner, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Scanner{
		cfg:    cfg,
		asks:   make([]askState, len(assets)),
		groups: make([]group, len(specs)),
		events: make([]string, len(specs)),
		assets: append([]Asset(nil), assets...),
		pool:   pool,
	}
	count := make([]uint32, len(assets))
	total := 0
	for gi, sp := range specs {
		if err := s.validSpec(gi, &sp); err != nil {
			return nil, err
		}
		for _, a := range sp.Legs {
			count[a]++
		}
		total += len(sp.Legs)
	}
	// Lay out memberships per asset.
	var off uint32
	for a := range s.asks {
		s.asks[a].memLo, s.asks[a].memHi = off, off
		off += count[a]
	}
	s.members = make([]uint32, total)
	s.legs = make([]book.AssetIndex, 0, total)
	for gi, sp := range specs {
		n := len(sp.Legs)
		payout := sp.Payout
		if payout == 0 {
			payout = sp.Kind.Payout(n)
		}
		g := &s.groups[gi]
		*g = group{
			missing: int32(n),
			kind:    sp.Kind,
			n:       uint8(n),
			legLo:   uint32(len(s.legs)),
			trigger: payout - cfg.Margin,
			enter:   payout * int64(cfg.EnterPPM) / 1_000_000, // floor: enter no earlier than the band
			leave:   payout * int64(cfg.LeavePPM) / 1_000_000,
			payout:  payout,
		}
		if cfg.EnterAbs > 0 {
			g.enter = min(g.enter, payout+cfg.EnterAbs)
			g.leave = min(g.leave, payout+cfg.LeaveAbs)
		}
		if sp.Kind == BinaryPair && !cfg.TradePairs {
			g.enter = -1 // never: sums are ≥ 0
		}
		s.legs = append(s.legs, sp.Legs...)
		s.events[gi] = sp.Event
		for _, a := range sp.Legs {
			st := &s.asks[a]
			s.members[st.memHi] = uint32(gi)
			st.memHi++
		}
	}
	s.pending = make([]uint32, 0, len(specs))
	return s, nil
}

func (s *Scanner) validSpec(gi int, sp *GroupSpec) error {
	n := len(sp.Legs)
	switch sp.Kind {
	case YesBasket, NoBasket:
		if n < 2 || n > MaxLegs {
			return fmt.Errorf("%w: group %d (%s %q): %d legs, need 2..%d", ErrConfig, gi, sp.Kind, sp.Event, n, MaxLegs)
		}
	case BinaryPair:
		if n != 2 {
			return fmt.Errorf("%w: group %d (%s %q): %d legs, need 2", ErrConfig, gi, sp.Kind, sp.Event, n)
		}
	default:
		return fmt.Errorf("%w: group %d (%q): unknown kind %d", ErrConfig, gi, sp.Event, sp.Kind)
	}
	if most := sp.Kind.Payout(n); sp.Payout < 0 || sp.Payout > most {
		return fmt.Errorf("%w: group %d (%s %q): payout %d outside [0, %d]", ErrConfig, gi, sp.Kind, sp.Event, sp.Payout, most)
	}
	for i, a := range sp.Legs {
		if int(a) >= len(s.assets) {
			return fmt.Errorf("%w: group %d (%s %q): asset %d out of range (%d assets)", ErrConfig, gi, sp.Kind, sp.Event, a, len(s.assets))
		}
		if s.assets[a].Book == nil {
			return fmt.Errorf("%w: group %d (%s %q): asset %d has no book", ErrConfig, gi, sp.Kind, sp.Event, a)
		}
		if err := s.assets[a].Fee.Validate(); err != nil {
			return fmt.Errorf("%w: group %d (%s %q): asset %d: %w", ErrConfig, gi, sp.Kind, sp.Event, a, err)
		}
		for _, b := range sp.Legs[:i] {
			if a == b {
				return fmt.Errorf("%w: group %d (%s %q): asset %d twice", ErrConfig, gi, sp.Kind, sp.Event, a)
			}
		}
	}
	return nil
}

// SetTime sets the timestamp (ns, from the frame being applied) that pool
// events, time-in-pool and opportunities carry. Call it once per frame; the
// scanner never reads the clock.
func (s *Scanner) SetTime(ts int64) { s.now = ts }

// SetLimits replaces MaxShares and MaxNotional (zero in either stops
// trading: CapZero). Owner goroutine only.
func (s *Scanner) SetLimits(maxShares book.Size, maxNotional int64) {
	s.cfg.MaxShares, s.cfg.MaxNotional = maxShares, maxNotional
}

// Config returns the configuration in use.
func (s *Scanner) Config() Config { return s.cfg }

// OnBestAsk records asset a's new best ask (present false: no asks). Every
// group containing a is updated in O(1): its sum loses the old ask and gains
// the new one, its missing count follows presence; then the group is
// checked against its pool bands and its trigger. A group at or below its
// trigger is queued for Next, even when the price did not change (call
// OnBestAsk after any change to a leg's book so the depth is re-sized).
// When a book stops being Valid, report present=false: its groups leave
// the pool and stop being queued (Evaluate would refuse them anyway, as
// BookInvalid). a must be an index the scanner was built with. Never
// allocates.
func (s *Scanner) OnBestAsk(a book.AssetIndex, p book.Price, present bool) {
	st := &s.asks[a]
	var delta int64
	var dmiss int32
	if st.present {
		delta = -int64(st.ask)
	} else {
		dmiss = -1
	}
	if present {
		delta += int64(p)
	} else {
		p = 0
		dmiss++
	}
	st.ask, st.present = p, present
	s.Stats.Updates++
	for _, gi := range s.members[st.memLo:st.memHi] {
		g := &s.groups[gi]
		g.sum += delta
		g.missing += dmiss
		if g.missing == 0 {
			if g.sum <= g.trigger && g.flags&flagPending == 0 {
				g.flags |= flagPending
				s.pending = append(s.pending, gi) // within capacity: one slot per group
			}
			if g.flags&flagInPool == 0 {
				if g.sum <= g.enter {
					s.enterPool(gi, g)
				}
			} else if g.sum > g.leave {
				s.leavePool(gi, g)
			}
		} else if g.flags&flagInPool != 0 {
			s.leavePool(gi, g)
		}
	}
}

func (s *Scanner) enterPool(gi uint32, g *group) {
	g.flags |= flagInPool
	g.poolSince = s.now
	g.poolEntries++
	s.Stats.PoolEnters++
	s.emitPool(gi, g, PoolEnter, 0)
}

func (s *Scanner) leavePool(gi uint32, g *group) {
	g.flags &^= flagInPool
	d := s.now - g.poolSince
	g.poolTotal += d
	s.Stats.PoolLeaves++
	s.emitPool(gi, g, PoolLeave, d)
}

func (s *Scanner) emitPool(gi uint32, g *group, k PoolEventKind, inPool int64) {
	if s.pool == nil {
		return
	}
	slot := s.pool.Reserve(1)
	if len(slot) == 0 {
		s.Stats.PoolDropped++
		return
	}
	e := &slot[0]
	e.TS, e.InPool, e.Sum, e.Payout = s.now, inPool, g.sum, g.payout
	e.Group, e.Kind, e.Event, e.N = gi, g.kind, k, g.n
	for i, a := range s.legs[g.legLo : g.legLo+uint32(g.n)] {
		e.Legs[i], e.Asks[i], e.Has[i] = a, s.asks[a].ask, s.asks[a].present
	}
	s.pool.Commit(1)
}

// ReemitPool pushes a PoolEnter event, stamped with the current time, for
// every group now in the pool, and returns how many it pushed (fewer than
// the hot groups when the ring fills; the rest are counted as dropped). Use
// it when the pool consumer starts late or after PoolDropped grew: pool
// events are edge-triggered, so a lost one is otherwise never repeated.
// Re-emitted events do not count as entries. Owner goroutine only.
func (s *Scanner) ReemitPool() int {
	n := 0
	for gi := range s.groups {
		g := &s.groups[gi]
		if g.flags&flagInPool == 0 {
			continue
		}
		before := s.Stats.PoolDropped
		s.emitPool(uint32(gi), g, PoolEnter, 0)
		if s.pool != nil && s.Stats.PoolDropped == before {
			n++
		}
	}
	return n
}

// GroupState is a snapshot of one group, for tests, status pages and
// collectors (not for the hot path: Legs is a fresh copy).
type GroupState struct {
	Kind        Kind
	Event       string
	Legs        []book.AssetIndex
	Payout      int64
	Sum         int64 // Σ best asks of the legs that have one
	Missing     int   // legs without an ask
	InPool      bool
	PoolSince   int64 // when the current stay began (valid when InPool)
	PoolEntries uint64
	PoolTime    int64 // ns in the pool over completed stays
}

// Group returns a snapshot of group gi (the index of its GroupSpec).
func (s *Scanner) Group(gi int) GroupState {
	g := &s.groups[gi]
	return GroupState{
		Kind:        g.kind,
		Event:       s.events[gi],
		Legs:        append([]book.AssetIndex(nil), s.legs[g.legLo:g.legLo+uint32(g.n)]...),
		Payout:      g.payout,
		Sum:         g.sum,
		Missing:     int(g.missing),
		InPool:      g.flags&flagInPool != 0,
		PoolSince:   g.poolSince,
		PoolEntries: g.poolEntries,
		PoolTime:    g.poolTotal,
	}
}

// NumGroups returns the number of groups.
func (s *Scanner) NumGroups() int { return len(s.groups) }

// Pending returns how many groups are queued for Next.
func (s *Scanner) Pending() int { return len(s.pending) }

// Next evaluates the next queued group into out and reports whether there
// was one. out.Reason says whether to trade (OK) or why not; either way the
// reason is counted. Loop until it returns false after each batch of
// OnBestAsk calls. Never allocates.
func (s *Scanner) Next(out *Opportunity) bool {
	n := len(s.pending)
	if n == 0 {
		return false
	}
	gi := s.pending[n-1]
	s.pending = s.pending[:n-1]
	s.groups[gi].flags &^= flagPending
	s.Evaluate(int(gi), out)
	return true
}

// noCopy makes go vet report copies of a Scanner (see sync.noCopy).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
