package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/sign"
)

// MarketConfig shapes a synthetic market. Zero fields take the defaults in
// brackets.
type MarketConfig struct {
	Seed   uint64 // [1]
	Events int    // neg-risk events [8]
	// MinOutcomes, MaxOutcomes bound the markets per event [3, 10].
	MinOutcomes, MaxOutcomes int
	// NoisePerTrade is the number of non-trading frames per block [16]; it
	// is rounded up to an even number (each change is later reverted).
	NoisePerTrade int
	// DipShares is the size offered at the dipped ask, in shares [50].
	DipShares int64
}

// Tick, minimum size and hash layout of every synthetic market.
const (
	marketTick    = book.Tick0_01
	marketMinSize = 5 * book.OneShare
	baseTimestamp = 1_767_225_600_000 // 2026-01-01T00:00:00Z in ms
)

// Frame is one market-channel text message of the cycle.
type Frame struct {
	Msg []byte
	// Trade: the frame dips one leg's ask so that Event's YES basket costs
	// DipLimit on that leg and fires; the next frame restores it.
	Trade bool
	Event int
	// DipAsset and DipPrice are the dipped leg and its new best ask (Trade
	// frames only).
	DipAsset book.AssetIndex
	DipPrice book.Price
}

// Event is one neg-risk event: one YES token per outcome market.
type Event struct {
	Legs []book.AssetIndex
}

// Market is a deterministic synthetic venue and its message stream.
type Market struct {
	Reg       *book.Registry
	Events    []Event
	EventOf   []int    // asset → event index
	Snapshots [][]byte // one `book` message per asset, in asset order
	// Cycle is the message stream after the snapshots: blocks of
	// NoisePerTrade non-trading frames, one Trade frame and the frame that
	// restores its leg. After every block every book is back in its
	// snapshot state, so Cycle can be replayed any number of times.
	Cycle []Frame
	// Noise is the non-trading frames of Cycle alone, in order (itself a
	// cycle: each block's noise reverts itself).
	Noise []Frame
	// Trades is the (trade, restore) frame pairs of Cycle, in order.
	Trades [][2]Frame
	// DipShares is the size offered at every dipped ask (micro-shares).
	DipShares book.Size
}

// generator keeps a mirror book per asset to write each message's hash and
// top of book exactly as the venue would (layout 9).
type generator struct {
	rng     *rand.Rand
	m       *Market
	books   []*book.Book
	markets [][]byte // condition id per asset
	ids     [][]byte
	ts      int64
	scratch []byte
}

// NewMarket generates the market, its snapshots and its message cycle.
func NewMarket(cfg MarketConfig) (*Market, error) {
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Events <= 0 {
		cfg.Events = 8
	}
	if cfg.MinOutcomes <= 0 {
		cfg.MinOutcomes = 3
	}
	if cfg.MaxOutcomes < cfg.MinOutcomes {
		cfg.MaxOutcomes = max(10, cfg.MinOutcomes)
	}
	if cfg.MinOutcomes < 2 || cfg.MaxOutcomes > 30 {
		return nil, fmt.Errorf("bench: outcomes per event must be within [2, 30], got [%d, %d]", cfg.MinOutcomes, cfg.MaxOutcomes)
	}
	if cfg.NoisePerTrade <= 0 {
		cfg.NoisePerTrade = 16
	}
	cfg.NoisePerTrade += cfg.NoisePerTrade & 1
	if cfg.DipShares <= 0 {
		cfg.DipShares = 50
	}
	g := &generator{rng: rand.New(rand.NewPCG(cfg.Seed, 0xbe9c4)), m: &Market{Reg: book.NewRegistry(), DipShares: book.Size(cfg.DipShares) * book.OneShare},
		ts: baseTimestamp}
	if err := g.events(cfg); err != nil {
		return nil, err
	}
	g.snapshots()
	for b := 0; b < len(g.m.Events); b++ {
		if err := g.block(b, cfg.NoisePerTrade); err != nil {
			return nil, err
		}
	}
	return g.m, nil
}

// events lays out the events and their books: asks summing to 1.01 or 1.02
// (in the near-miss band, above the payout), 5 ask levels a tick
// apart, bids 5–7 ticks below the ask, 5 levels.
func (g *generator) events(cfg MarketConfig) error {
	t := int64(marketTick)
	for e := 0; e < cfg.Events; e++ {
		n := cfg.MinOutcomes + g.rng.IntN(cfg.MaxOutcomes-cfg.MinOutcomes+1)
		w := make([]float64, n) // weights only shape the split; prices are integers
		var ws float64
		for i := range w {
			w[i] = 0.5 + g.rng.Float64()
			ws += w[i]
		}
		target := int64(101 + g.rng.IntN(2)) // Σ asks in ticks: 1.01 or 1.02 (inside the 1.02 pool band)
		asks := make([]int64, n)
		var sum int64
		for i := range asks {
			asks[i] = min(max(int64(w[i]/ws*float64(target)), 3), 90)
			sum += asks[i]
		}
		for sum != target {
			j := argmax(asks)
			if sum > target {
				asks[j]--
				sum--
			} else {
				asks[j]++
				sum++
			}
		}
		ev := Event{}
		cid := g.hex(32)
		for i := 0; i < n; i++ {
			var tok [32]byte
			for k := range tok {
				tok[k] = byte(g.rng.Uint32())
			}
			tok[0] = 0x10 + tok[0]%0x60 // a full-size uint256 below 2^255, as the venue's ids are
			id := string(sign.AppendTokenID(nil, &tok))
			mkt := cid
			if i > 0 {
				mkt = g.hex(32)
			}
			a, err := g.m.Reg.Add(book.AssetInfo{TokenID: id, Market: mkt, Tick: marketTick, MinSize: marketMinSize, NegRisk: true, Outcome: "Yes"})
			if err != nil {
				return err
			}
			ev.Legs = append(ev.Legs, a)
			g.m.EventOf = append(g.m.EventOf, e)
			g.markets = append(g.markets, []byte(mkt))
			g.ids = append(g.ids, []byte(id))
			b := book.NewBook(marketTick)
			for l := int64(0); l < 5 && asks[i]+l <= 99; l++ {
				_ = b.SetLevel(book.Ask, book.Price((asks[i]+l)*t), g.size(100, 600))
			}
			bid := asks[i] - 5 - int64(g.rng.IntN(3)) // the dip (≤ 4 ticks) never crosses it
			for l := int64(0); l < 5 && bid-l >= 1; l++ {
				_ = b.SetLevel(book.Bid, book.Price((bid-l)*t), g.size(100, 900))
			}
			g.books = append(g.books, b)
		}
		g.m.Events = append(g.m.Events, ev)
	}
	return nil
}

func argmax(x []int64) int {
	j := 0
	for i := range x {
		if x[i] > x[j] {
			j = i
		}
	}
	return j
}

// size is a random size in [lo, hi) shares with 2 decimals.
func (g *generator) size(lo, hi int) book.Size {
	return book.Size(lo*100+g.rng.IntN((hi-lo)*100)) * (book.OneShare / 100)
}

func (g *generator) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2+2*n)
	b[0], b[1] = '0', 'x'
	for i := 2; i < len(b); i++ {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *generator) meta(a book.AssetIndex, ts []byte) *book.HashMeta {
	return &book.HashMeta{Market: g.markets[a], AssetID: g.ids[a], Timestamp: ts,
		MinOrderSize: []byte("5"), TickSize: []byte("0.01"), NegRisk: true}
}

func (g *generator) hash(a book.AssetIndex, ts []byte) []byte {
	var sum [20]byte
	sum, g.scratch = g.books[a].Hash(g.meta(a, ts), book.HashLayout9, g.scratch)
	return book.AppendHashHex(nil, &sum)
}

// snapshots writes one `book` message per asset, levels in the venue's
// order (bids ascending, asks descending: best last).
func (g *generator) snapshots() {
	for a := range g.books {
		ai := book.AssetIndex(a)
		b := g.books[a]
		ts := strconv.AppendInt(nil, g.ts, 10)
		g.ts++
		msg := []byte(`{"event_type":"book","asset_id":"`)
		msg = append(msg, g.ids[a]...)
		msg = append(msg, `","market":"`...)
		msg = append(msg, g.markets[a]...)
		msg = append(msg, `","bids":[`...)
		msg = appendLevels(msg, b, book.Bid)
		msg = append(msg, `],"asks":[`...)
		msg = appendLevels(msg, b, book.Ask)
		msg = append(msg, `],"timestamp":"`...)
		msg = append(msg, ts...)
		msg = append(msg, `","hash":"`...)
		msg = append(msg, g.hash(ai, ts)...)
		msg = append(msg, `"}`...)
		g.m.Snapshots = append(g.m.Snapshots, msg)
	}
}

// appendLevels writes one side worst level first (the venue's order).
func appendLevels(dst []byte, b *book.Book, sd book.Side) []byte {
	var ps []book.Price
	var ss []book.Size
	if sd == book.Bid {
		for p, s, ok := b.BestBid(); ok; p, s, ok = b.NextBid(p) {
			ps, ss = append(ps, p), append(ss, s)
		}
	} else {
		for p, s, ok := b.BestAsk(); ok; p, s, ok = b.NextAsk(p) {
			ps, ss = append(ps, p), append(ss, s)
		}
	}
	for i := len(ps) - 1; i >= 0; i-- {
		if i != len(ps)-1 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"price":"`...)
		dst = book.AppendPrice(dst, ps[i])
		dst = append(dst, `","size":"`...)
		dst = book.AppendSize(dst, ss[i])
		dst = append(dst, `"}`...)
	}
	return dst
}

// change is one level change: the size at (side, price) goes to size; was
// is what it replaced (for the revert).
type change struct {
	a         book.AssetIndex
	side      book.Side
	price     book.Price
	size, was book.Size
}

// apply applies c to the mirror book and returns the price_change message
// (current format, one entry, hash and top of book after the change).
func (g *generator) apply(c change) []byte {
	b := g.books[c.a]
	if err := b.SetLevel(c.side, c.price, c.size); err != nil {
		panic(err) // generator bug: every change is built on the grid
	}
	ts := strconv.AppendInt(nil, g.ts, 10)
	g.ts++
	msg := []byte(`{"market":"`)
	msg = append(msg, g.markets[c.a]...)
	msg = append(msg, `","price_changes":[{"asset_id":"`...)
	msg = append(msg, g.ids[c.a]...)
	msg = append(msg, `","price":"`...)
	msg = book.AppendPrice(msg, c.price)
	msg = append(msg, `","size":"`...)
	msg = book.AppendSize(msg, c.size)
	msg = append(msg, `","side":"`...)
	if c.side == book.Bid {
		msg = append(msg, "BUY"...)
	} else {
		msg = append(msg, "SELL"...)
	}
	msg = append(msg, `","hash":"`...)
	msg = append(msg, g.hash(c.a, ts)...)
	msg = append(msg, `","best_bid":"`...)
	bb, _, _ := b.BestBid()
	msg = book.AppendPrice(msg, bb)
	msg = append(msg, `","best_ask":"`...)
	ba, _, ok := b.BestAsk()
	if !ok {
		ba = book.One
	}
	msg = book.AppendPrice(msg, ba)
	msg = append(msg, `"}],"event_type":"price_change","timestamp":"`...)
	msg = append(msg, ts...)
	msg = append(msg, `"}`...)
	return msg
}

// eventSum is Σ best asks of event e in the mirror books.
func (g *generator) eventSum(e int) int64 {
	var s int64
	for _, a := range g.m.Events[e].Legs {
		p, _, _ := g.books[a].BestAsk()
		s += int64(p)
	}
	return s
}

// block appends one block for event e: noise changes, then their reverts
// in reverse order (so every book returns to its state), then the dip of
// one of e's legs and its restore.
func (g *generator) block(e int, noise int) error {
	t := book.Price(marketTick)
	var done []change
	for len(done) < noise/2 {
		a := book.AssetIndex(g.rng.IntN(len(g.books)))
		b := g.books[a]
		bid, _, _ := b.BestBid()
		ask, _, _ := b.BestAsk()
		var c change
		switch g.rng.IntN(5) {
		case 0, 1: // the best bid's size moves
			c = change{a: a, side: book.Bid, price: bid, size: g.size(100, 900)}
		case 2: // size behind the best ask moves
			p, _, ok := b.NextAsk(ask)
			if !ok {
				continue
			}
			c = change{a: a, side: book.Ask, price: p, size: g.size(100, 600)}
		case 3: // a bid improves by one tick (spread stays open)
			if bid+t >= ask {
				continue
			}
			c = change{a: a, side: book.Bid, price: bid + t, size: g.size(20, 200)}
		case 4: // the best ask is taken out: the leg's ask rises a tick
			next, _, ok := b.NextAsk(ask)
			if !ok || next != ask+t || g.eventSum(g.m.EventOf[a])+int64(t) > 1_020_000 {
				continue // stay inside the near-miss band: no pool churn
			}
			c = change{a: a, side: book.Ask, price: ask, size: 0}
		}
		c.was = g.sizeAt(c.a, c.side, c.price)
		msg := g.apply(c)
		done = append(done, c)
		f := Frame{Msg: msg}
		g.m.Cycle = append(g.m.Cycle, f)
		g.m.Noise = append(g.m.Noise, f)
	}
	for i := len(done) - 1; i >= 0; i-- {
		c := done[i]
		f := Frame{Msg: g.apply(change{a: c.a, side: c.side, price: c.price, size: c.was})}
		g.m.Cycle = append(g.m.Cycle, f)
		g.m.Noise = append(g.m.Noise, f)
	}
	// The dip: the deepest-priced leg that stays tradeable; k ticks so that
	// Σ asks lands at or below 0.985 (an edge of 1.5–2.4 cents a set).
	ev := g.m.Events[e]
	sum := g.eventSum(e)
	k := book.Price((sum - 985_000 + int64(t) - 1) / int64(t))
	legIdx := -1
	for off := range ev.Legs {
		i := (off + e) % len(ev.Legs)
		ask, _, _ := g.books[ev.Legs[i]].BestAsk()
		bid, _, _ := g.books[ev.Legs[i]].BestBid()
		if ask >= (k+3)*t && ask-k*t > bid {
			legIdx = i
			break
		}
	}
	if legIdx < 0 || k < 1 || k > 4 {
		return fmt.Errorf("bench: event %d cannot be dipped by %d ticks", e, k)
	}
	a := ev.Legs[legIdx]
	ask, _, _ := g.books[a].BestAsk()
	dip := ask - k*t
	trade := Frame{Msg: g.apply(change{a: a, side: book.Ask, price: dip, size: g.m.DipShares}), Trade: true, Event: e, DipAsset: a, DipPrice: dip}
	restore := Frame{Msg: g.apply(change{a: a, side: book.Ask, price: dip, size: 0}), Event: e}
	g.m.Cycle = append(g.m.Cycle, trade, restore)
	g.m.Trades = append(g.m.Trades, [2]Frame{trade, restore})
	return nil
}

func (g *generator) sizeAt(a book.AssetIndex, sd book.Side, p book.Price) book.Size {
	b := g.books[a]
	if sd == book.Bid {
		for q, s, ok := b.BestBid(); ok; q, s, ok = b.NextBid(q) {
			if q == p {
				return s
			}
		}
		return 0
	}
	for q, s, ok := b.BestAsk(); ok; q, s, ok = b.NextAsk(q) {
		if q == p {
			return s
		}
	}
	return 0
}
