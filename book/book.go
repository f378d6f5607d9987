package book

import "errors"

// Side is the side of a book: Bid (buy orders) or Ask (sell orders).
type Side uint8

// The two sides. A venue "BUY" level is a Bid, a "SELL" level an Ask.
const (
	Bid Side = 0
	Ask Side = 1
)

// String returns "bid" or "ask".
func (s Side) String() string {
	switch s {
	case Bid:
		return "bid"
	case Ask:
		return "ask"
	}
	return "side?"
}

// Book errors besides the number errors of num.go.
var (
	// ErrSide is returned by SetLevel for a Side other than Bid or Ask.
	ErrSide = errors.New("book: invalid side")
	// ErrNoGrid is returned by SetLevel on a book whose tick is not one of
	// the venue's tick sizes (see NewBook).
	ErrNoGrid = errors.New("book: book has no valid tick")
)

// side is one half of a book, indexed by tick level (price / tick).
//
// Invariants: size[l] > 0 exactly when level l is in set; count is the
// number of such levels; best is the best occupied level (highest bid,
// lowest ask) or -1 when the side is empty.
type side struct {
	size  []Size
	set   levelSet
	best  int
	count int
}

func (s *side) reset(levels int) {
	if cap(s.size) >= levels {
		s.size = s.size[:levels]
		clear(s.size)
	} else {
		s.size = make([]Size, levels)
	}
	s.set.reset(levels)
	s.best, s.count = -1, 0
}

// clearLevels empties the side in time proportional to its occupied levels
// plus its bitmap words, not to the whole grid.
func (s *side) clearLevels() {
	for l := s.set.next(0); l >= 0; l = s.set.next(l + 1) {
		s.size[l] = 0
	}
	s.set.clearAll()
	s.best, s.count = -1, 0
}

// Book is the L2 order book of one asset: the total size resting at each
// price level of the asset's tick grid.
//
// A Book is owned by exactly one goroutine (the book stage); it is not safe
// for concurrent use and has no locks. Other stages learn about it through
// ring messages, never by reading it.
//
// Invariants:
//   - Every stored price is on the current tick grid and within [0, 1];
//     SetLevel rejects anything else with a sentinel error and never panics.
//   - Sizes stored are > 0; setting a size of 0 removes the level.
//   - BestBid/BestAsk are O(1): the best levels are maintained on every
//     SetLevel, and a bitmap of occupied levels finds the next best when the
//     best empties.
//   - Valid is false after NewBook, SetTick and Invalidate, and during a
//     snapshot (BeginSnapshot .. EndSnapshot). Only a Valid book may be used
//     to price an opportunity. Levels set while the book is not Valid are
//     kept (that is how a snapshot is loaded) but mean nothing until a
//     snapshot completes.
//   - Epoch increases (wrapping) on every BeginSnapshot, SetTick and
//     Invalidate, so a consumer that remembered (asset, epoch) can tell that
//     the book it priced against has since been replaced.
type Book struct {
	tick   Tick
	levels int // grid points in [0, 1]; 0 when tick is not valid
	sides  [2]side
	valid  bool
	epoch  uint32
}

// NewBook returns an empty, not yet Valid book on the grid of tick. A tick
// that is not one of the venue's six (Tick.Valid) gives a book without a
// grid: every SetLevel fails with ErrNoGrid and it never becomes Valid, until
// a successful SetTick.
func NewBook(tick Tick) *Book {
	b := &Book{}
	b.setGrid(tick)
	return b
}

func (b *Book) setGrid(t Tick) {
	b.tick = t
	b.levels = 0
	if t.Valid() {
		b.levels = t.Levels()
	}
	b.sides[Bid].reset(b.levels)
	b.sides[Ask].reset(b.levels)
}

// Tick returns the book's tick size.
func (b *Book) Tick() Tick { return b.tick }

// SetLevel sets the total size resting at price p on side sd; s == 0 removes
// the level. The venue's price_change carries exactly this (the new total,
// not an increment).
//
// Errors (sentinels, nothing allocated): ErrSide, ErrNoGrid, ErrAboveOne for
// p > 1, ErrOffGrid for p not a whole number of ticks, ErrNegative for s < 0.
// On error the book is unchanged.
func (b *Book) SetLevel(sd Side, p Price, s Size) error {
	if sd > Ask {
		return ErrSide
	}
	if b.levels == 0 {
		return ErrNoGrid
	}
	if p > One {
		return ErrAboveOne
	}
	t := uint32(b.tick)
	l := int(uint32(p) / t)
	if uint32(p)-uint32(l)*t != 0 {
		return ErrOffGrid
	}
	if s < 0 {
		return ErrNegative
	}
	h := &b.sides[sd]
	old := h.size[l]
	if s == 0 {
		if old == 0 {
			return nil
		}
		h.size[l] = 0
		h.count--
		h.set.remove(l)
		if l == h.best {
			if sd == Bid {
				h.best = h.set.prev(l - 1)
			} else {
				h.best = h.set.next(l + 1)
			}
		}
		return nil
	}
	h.size[l] = s
	if old != 0 {
		return nil
	}
	h.count++
	h.set.add(l)
	if sd == Bid {
		if l > h.best {
			h.best = l
		}
	} else if h.best < 0 || l < h.best {
		h.best = l
	}
	return nil
}

// BestBid returns the highest bid and its size; ok is false when there are
// no bids. O(1).
func (b *Book) BestBid() (p Price, s Size, ok bool) {
	h := &b.sides[Bid]
	if h.best < 0 {
		return 0, 0, false
	}
	return Price(uint32(h.best) * uint32(b.tick)), h.size[h.best], true
}

// BestAsk returns the lowest ask and its size; ok is false when there are
// no asks. O(1).
func (b *Book) BestAsk() (p Price, s Size, ok bool) {
	h := &b.sides[Ask]
	if h.best < 0 {
		return 0, 0, false
	}
	return Price(uint32(h.best) * uint32(b.tick)), h.size[h.best], true
}

// NextAsk returns the lowest ask strictly above after: starting from
// BestAsk and calling NextAsk with the last price walks the asks best
// first. after need not be on the grid.
func (b *Book) NextAsk(after Price) (p Price, s Size, ok bool) {
	if b.levels == 0 || after >= One {
		return 0, 0, false
	}
	h := &b.sides[Ask]
	l := h.set.next(int(uint32(after)/uint32(b.tick)) + 1)
	if l < 0 {
		return 0, 0, false
	}
	return Price(uint32(l) * uint32(b.tick)), h.size[l], true
}

// NextBid returns the highest bid strictly below after: starting from
// BestBid and calling NextBid with the last price walks the bids best
// first. after need not be on the grid.
func (b *Book) NextBid(after Price) (p Price, s Size, ok bool) {
	if b.levels == 0 || after == 0 {
		return 0, 0, false
	}
	if after > One {
		after = One + 1
	}
	h := &b.sides[Bid]
	l := h.set.prev(int((uint32(after) - 1) / uint32(b.tick)))
	if l < 0 {
		return 0, 0, false
	}
	return Price(uint32(l) * uint32(b.tick)), h.size[l], true
}

// Levels returns the number of occupied price levels on side sd (0 for an
// invalid side).
func (b *Book) Levels(sd Side) int {
	if sd > Ask {
		return 0
	}
	return b.sides[sd].count
}

// Crossed reports whether both sides are present and the best bid is at or
// above the best ask: the book cannot be right and must be resynced.
func (b *Book) Crossed() bool {
	bb, ba := b.sides[Bid].best, b.sides[Ask].best
	return bb >= 0 && ba >= 0 && bb >= ba
}

// BeginSnapshot empties both sides and makes the book not Valid until
// EndSnapshot; it bumps the epoch. Load the snapshot with SetLevel.
// Cost is proportional to the occupied levels, not the grid.
func (b *Book) BeginSnapshot() {
	b.sides[Bid].clearLevels()
	b.sides[Ask].clearLevels()
	b.valid = false
	b.epoch++
}

// EndSnapshot marks the book Valid: its content is the venue's book. A book
// without a grid (invalid tick) stays not Valid.
func (b *Book) EndSnapshot() { b.valid = b.levels != 0 }

// Valid reports whether the book holds a complete snapshot plus the deltas
// applied since. See the Book invariants.
func (b *Book) Valid() bool { return b.valid }

// Invalidate marks the book not Valid (a hash mismatch, a crossed book, a
// lost connection) and bumps the epoch. Levels are kept for inspection; the
// next BeginSnapshot clears them.
func (b *Book) Invalidate() {
	b.valid = false
	b.epoch++
}

// SetTick moves the book to the grid of t: levels that lie on the new grid
// are kept, the others dropped. The book becomes not Valid (the caller
// ignores deltas until a fresh snapshot) and the epoch is bumped, even when
// t equals the current tick. An invalid tick returns ErrTick and changes
// nothing. SetTick allocates when the grid grows; it is a cold path.
func (b *Book) SetTick(t Tick) error {
	if !t.Valid() {
		return ErrTick
	}
	old := *b
	// Detach the old arrays so setGrid allocates fresh ones we can copy into.
	b.sides = [2]side{}
	b.setGrid(t)
	for sd := Bid; sd <= Ask; sd++ {
		o := &old.sides[sd]
		for l := o.set.next(0); l >= 0; l = o.set.next(l + 1) {
			p := Price(uint32(l) * uint32(old.tick))
			_ = b.SetLevel(sd, p, o.size[l]) // ErrOffGrid: dropped, as documented
		}
	}
	b.valid = false
	b.epoch++
	return nil
}

// Epoch returns the book's generation: it changes on every BeginSnapshot,
// SetTick and Invalidate.
func (b *Book) Epoch() uint32 { return b.epoch }
