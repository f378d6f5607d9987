package sim

import (
	"crypto/sha1"
	"encoding/hex"

	"github.com/hotpath/hotpath/book"
)

// HashLayout selects the keys of the book hash (protocol.md §2.6).
type HashLayout int

// Book hash layouts.
const (
	// Hash9 is the 2025-10 layout verified on real data: market, asset_id,
	// timestamp, hash, bids, asks, min_order_size, tick_size, neg_risk.
	Hash9 HashLayout = iota
	// Hash6 is the 2024-11 layout: the first six keys.
	Hash6
	// Hash10 appends last_trade_price (py-clob-client-v2, 2026).
	Hash10
)

// bookHash is the venue's book hash of one token: lower-case hex SHA-1 of
// the compact JSON of the book with hash "", bids ascending and asks
// descending (best last), at timestamp ts (ms).
func (s *Server) bookHash(m *Market, yes bool, ts int64) string {
	bids, asks := m.Levels(yes)
	return s.hasher.hash(s.cfg.HashLayout, m, m.token(yes), bids, asks, ts)
}

// hasher computes venue hashes with the engine's book package
// (book.Book.Hash), the implementation the feed verifies against, reusing
// one scratch book per tick. Not safe for concurrent use: the server's
// hasher is used under the exchange lock.
type hasher struct {
	books   map[book.Tick]*book.Book
	scratch []byte
}

// hash returns the hash of one token's book (levels best first). If the
// levels do not fit the grid (a tick made coarser under resting orders) it
// falls back to the sim's own preimage writer; tests check the two agree.
func (h *hasher) hash(layout HashLayout, m *Market, token string, bids, asks []Level, ts int64) string {
	if h.books == nil {
		h.books = make(map[book.Tick]*book.Book)
	}
	bk := h.books[m.Tick]
	if bk == nil {
		bk = book.NewBook(m.Tick)
		h.books[m.Tick] = bk
	}
	bk.BeginSnapshot()
	ok := true
	for _, l := range bids {
		ok = ok && bk.SetLevel(book.Bid, l.Price, l.Size) == nil
	}
	for _, l := range asks {
		ok = ok && bk.SetLevel(book.Ask, l.Price, l.Size) == nil
	}
	if !ok {
		return ownHash(layout, m, token, bids, asks, ts)
	}
	meta := &book.HashMeta{
		Market: []byte(m.ConditionID), AssetID: []byte(token), Timestamp: appendInt(nil, ts),
		MinOrderSize: book.AppendSize(nil, m.MinSize), TickSize: book.AppendTick(nil, m.Tick), NegRisk: m.NegRisk,
		LastTradePrice: lastTradeString(m, token),
	}
	var sum [20]byte
	sum, h.scratch = bk.Hash(meta, layout.book(), h.scratch)
	return string(book.AppendHashHex(nil, &sum))
}

func (l HashLayout) book() book.HashLayout {
	switch l {
	case Hash6:
		return book.HashLayout6
	case Hash10:
		return book.HashLayout10
	}
	return book.HashLayout9
}

func lastTradeString(m *Market, token string) []byte {
	if !m.hasTrade {
		return nil
	}
	p := m.lastTrade
	if token == m.NoToken {
		p = book.One - p
	}
	return book.AppendPrice(nil, p)
}

// ownHash is the sim's independent hash writer (fallback and cross-check).
func ownHash(layout HashLayout, m *Market, token string, bids, asks []Level, ts int64) string {
	b := appendBookJSON(nil, layout, m, token, bids, asks, ts, "")
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// appendBookJSON writes the REST /book object (and, with hash "", the
// hashed preimage). bids and asks are best-first; the wire order is
// bids ascending, asks descending.
func appendBookJSON(b []byte, layout HashLayout, m *Market, token string, bids, asks []Level, ts int64, hash string) []byte {
	b = append(b, `{"market":"`...)
	b = append(b, m.ConditionID...)
	b = append(b, `","asset_id":"`...)
	b = append(b, token...)
	b = append(b, `","timestamp":"`...)
	b = appendInt(b, ts)
	b = append(b, `","hash":"`...)
	b = append(b, hash...)
	b = append(b, `","bids":`...)
	b = appendLevels(b, bids)
	b = append(b, `,"asks":`...)
	b = appendLevels(b, asks)
	if layout != Hash6 {
		b = append(b, `,"min_order_size":"`...)
		b = book.AppendSize(b, m.MinSize)
		b = append(b, `","tick_size":"`...)
		b = book.AppendTick(b, m.Tick)
		b = append(b, `","neg_risk":`...)
		if m.NegRisk {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
		if layout == Hash10 {
			b = append(b, `,"last_trade_price":"`...)
			b = append(b, lastTradeString(m, token)...)
			b = append(b, '"')
		}
	}
	return append(b, '}')
}

// appendLevels writes best-first levels in reverse (best last).
func appendLevels(b []byte, ls []Level) []byte {
	b = append(b, '[')
	for i := len(ls) - 1; i >= 0; i-- {
		if i != len(ls)-1 {
			b = append(b, ',')
		}
		b = append(b, `{"price":"`...)
		b = book.AppendPrice(b, ls[i].Price)
		b = append(b, `","size":"`...)
		b = book.AppendSize(b, ls[i].Size)
		b = append(b, `"}`...)
	}
	return append(b, ']')
}

func appendInt(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}
