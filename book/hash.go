package book

import "crypto/sha1"

// HashLayout names a key layout of the venue's book hash (protocol.md §2.6).
// The venue has changed it over time and does not say which one it uses, so
// the feed tries the layouts and counts matches per layout.
type HashLayout uint8

const (
	// HashLayout6 is market, asset_id, timestamp, hash, bids, asks
	// (the 2024-11 capture).
	HashLayout6 HashLayout = iota
	// HashLayout9 adds min_order_size, tick_size, neg_risk (2025-10 capture,
	// verified on every hash of it).
	HashLayout9
	// HashLayout10 adds last_trade_price (the 2026 official Python client).
	HashLayout10
)

// String returns "layout6", "layout9" or "layout10".
func (l HashLayout) String() string {
	switch l {
	case HashLayout6:
		return "layout6"
	case HashLayout9:
		return "layout9"
	case HashLayout10:
		return "layout10"
	}
	return "layout?"
}

// HashMeta is what the hash covers besides the levels. Fields are the
// venue's own spellings, copied as they arrived; they are written into the
// JSON verbatim (no escaping: the venue's ids, timestamps and decimals are
// hex and digits).
type HashMeta struct {
	Market, AssetID, Timestamp []byte // condition id, token id, ms timestamp string
	MinOrderSize, TickSize     []byte // e.g. "5", "0.01" (layouts 9 and 10)
	NegRisk                    bool   // layouts 9 and 10
	LastTradePrice             []byte // layout 10
}

// AppendHashJSON appends the exact compact JSON the venue hashes for this
// book under layout l:
//
//	{"market":"…","asset_id":"…","timestamp":"…","hash":"","bids":[{"price":"0.01","size":"110000"},…],"asks":[…],
//	 "min_order_size":"5","tick_size":"0.01","neg_risk":false,"last_trade_price":"0.5"}
//
// without the line break and with only the keys of the layout. Bids are
// ascending and asks descending by price (best level last, as the venue
// orders them); prices and sizes use AppendPrice/AppendSize. An unknown
// layout is treated as HashLayout6.
func (b *Book) AppendHashJSON(dst []byte, m *HashMeta, l HashLayout) []byte {
	dst = append(dst, `{"market":"`...)
	dst = append(dst, m.Market...)
	dst = append(dst, `","asset_id":"`...)
	dst = append(dst, m.AssetID...)
	dst = append(dst, `","timestamp":"`...)
	dst = append(dst, m.Timestamp...)
	dst = append(dst, `","hash":"","bids":[`...)
	bids := &b.sides[Bid]
	first := true
	for lv := bids.set.next(0); lv >= 0; lv = bids.set.next(lv + 1) {
		dst = b.appendLevel(dst, lv, bids.size[lv], first)
		first = false
	}
	dst = append(dst, `],"asks":[`...)
	asks := &b.sides[Ask]
	first = true
	for lv := asks.set.prev(b.levels - 1); lv >= 0; lv = asks.set.prev(lv - 1) {
		dst = b.appendLevel(dst, lv, asks.size[lv], first)
		first = false
	}
	dst = append(dst, ']')
	if l == HashLayout9 || l == HashLayout10 {
		dst = append(dst, `,"min_order_size":"`...)
		dst = append(dst, m.MinOrderSize...)
		dst = append(dst, `","tick_size":"`...)
		dst = append(dst, m.TickSize...)
		dst = append(dst, `","neg_risk":`...)
		if m.NegRisk {
			dst = append(dst, "true"...)
		} else {
			dst = append(dst, "false"...)
		}
	}
	if l == HashLayout10 {
		dst = append(dst, `,"last_trade_price":"`...)
		dst = append(dst, m.LastTradePrice...)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

func (b *Book) appendLevel(dst []byte, lv int, s Size, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"price":"`...)
	dst = AppendPrice(dst, Price(uint32(lv)*uint32(b.tick)))
	dst = append(dst, `","size":"`...)
	dst = AppendSize(dst, s)
	return append(dst, `"}`...)
}

// Hash returns the venue's book hash (SHA-1 of AppendHashJSON) for layout l.
// scratch is reused for the JSON and returned grown; pass the returned
// slice back next time and Hash allocates nothing.
func (b *Book) Hash(m *HashMeta, l HashLayout, scratch []byte) (sum [20]byte, grown []byte) {
	grown = b.AppendHashJSON(scratch[:0], m, l)
	return sha1.Sum(grown), grown
}

// AppendHashHex appends sum as 40 lower-case hex digits, the form the venue
// sends (without a 0x prefix).
func AppendHashHex(dst []byte, sum *[20]byte) []byte {
	const digits = "0123456789abcdef"
	for _, c := range sum {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}
