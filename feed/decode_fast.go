package feed

import (
	"encoding/binary"
	"math/bits"

	"github.com/hotpath/hotpath/book"
)

// The price_change fast path.
//
// Nearly every frame of the market channel is a current-form price_change
// as the venue writes it: one compact object, string values without
// escapes, an array of entry objects. decodeFast recognises exactly that
// shape with a hand-written scanner and produces the same events and counts
// as the fastjson path (Decoder.decodeSlow); anything else — whitespace
// between tokens, an escape, a number or another non-string value where a
// string is expected, a duplicate key, another event type, an array at the
// root, an empty or over-long price_changes, a timestamp the slow path
// would flag — makes it decline before it has touched the decoder, and the
// message goes through fastjson. FuzzDecodeFastPath checks that both paths
// agree on every input the fast path accepts.
//
// Accepted grammar (no whitespace anywhere; s = '"' bytes without '"' or
// '\\' '"'; d = [0-9]+):
//
//	msg   = '{' top (',' top)* '}'
//	top   = '"event_type":"price_change"' | '"price_changes":[' entry (',' entry)* ']'
//	      | '"timestamp":' (s | d) | '"' key '":' s          (any other key: ignored)
//	entry = '{' field (',' field)* '}'
//	field = '"' key '":' s      (asset_id, price, size, side, hash, best_bid,
//	                             best_ask read; others ignored)
//
// event_type and price_changes are required; no known key may repeat.

// maxFastChanges bounds the entries the fast path handles in one message.
const maxFastChanges = 32

// rawChange holds one entry's known fields as borrowed bytes; has* says
// which were present.
type rawChange struct {
	asset, price, size, side, hash, bestBid, bestAsk []byte
	has                                              uint8 // 1<<field
}

const (
	fAsset = iota
	fPrice
	fSize
	fSide
	fHash
	fBestBid
	fBestAsk
)

// scanString reads the JSON string at s[i] (which must be '"') without
// escapes: it returns the content's bounds and the index after the closing
// quote. ok is false when there is no string there or it holds a
// backslash. It looks at eight bytes at a time.
func scanString(s []byte, i int) (start, end, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return 0, 0, 0, false
	}
	start = i + 1
	j := start
	for ; j+8 <= len(s); j += 8 {
		if m := quoteOrBackslash(binary.LittleEndian.Uint64(s[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			if s[j] == '"' {
				return start, j, j + 1, true
			}
			return 0, 0, 0, false
		}
	}
	for ; j < len(s); j++ {
		switch s[j] {
		case '"':
			return start, j, j + 1, true
		case '\\':
			return 0, 0, 0, false
		}
	}
	return 0, 0, 0, false
}

// quoteOrBackslash flags (0x80 in the byte) the bytes of w that are '"' or
// '\\'. Bytes above the lowest flagged one may be flagged wrongly (a
// borrow), the lowest never is.
func quoteOrBackslash(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, b := w^(ones*'"'), w^(ones*'\\')
	return ((q-ones)&^q | (b-ones)&^b) & highs
}

// scanKey reads `"key":` at s[i]; it returns the key and the index of the
// value.
func scanKey(s []byte, i int) (key []byte, next int, ok bool) {
	a, b, n, ok := scanString(s, i)
	if !ok || n >= len(s) || s[n] != ':' {
		return nil, 0, false
	}
	return s[a:b], n + 1, true
}

// decodeFast decodes msg (trimmed, not PONG) if it has the fast shape, and
// reports whether it did. When it returns false nothing was changed.
func (d *Decoder) decodeFast(msg []byte) bool {
	s := msg
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	var (
		n                    int // entries in d.fast
		haveType, haveChange bool
		haveTS               bool
		ts                   []byte
	)
	i := 1
	for {
		key, v, ok := scanKey(s, i)
		if !ok {
			return false
		}
		switch string(key) {
		case "event_type":
			a, b, next, ok := scanString(s, v)
			if !ok || haveType || string(s[a:b]) != "price_change" {
				return false
			}
			haveType, i = true, next
		case "timestamp":
			if haveTS {
				return false
			}
			haveTS = true
			if v < len(s) && s[v] == '"' {
				a, b, next, ok := scanString(s, v)
				if !ok {
					return false
				}
				ts, i = s[a:b], next
			} else {
				j := v
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				ts, i = s[v:j], j
			}
			if _, good := parseMs(ts); !good {
				return false // the slow path counts a bad timestamp
			}
		case "price_changes":
			if haveChange || v >= len(s) || s[v] != '[' {
				return false
			}
			haveChange = true
			i = v + 1
			for {
				if n == maxFastChanges {
					return false
				}
				next, ok := d.scanEntry(s, i, &d.fast[n])
				if !ok {
					return false
				}
				n++
				i = next
				if i >= len(s) {
					return false
				}
				if s[i] == ']' {
					i++
					break
				}
				if s[i] != ',' {
					return false
				}
				i++
			}
		default:
			_, _, next, ok := scanString(s, v)
			if !ok {
				return false
			}
			i = next
		}
		if i >= len(s) {
			return false
		}
		if s[i] == '}' {
			if i != len(s)-1 || !haveType || !haveChange {
				return false
			}
			break
		}
		if s[i] != ',' {
			return false
		}
		i++
	}
	// The message is accepted: from here on this is the slow path's
	// message → priceChange → change, on the borrowed bytes.
	d.counts.Messages[MsgPriceChange]++
	d.venue = 0
	if haveTS {
		d.venue, _ = parseMs(ts)
	}
	for k := 0; k < n; k++ {
		d.rawChangeEvent(&d.fast[k])
	}
	return true
}

// scanEntry reads one price_change entry object at s[i] into c and returns
// the index after it.
func (d *Decoder) scanEntry(s []byte, i int, c *rawChange) (int, bool) {
	if i >= len(s) || s[i] != '{' {
		return 0, false
	}
	*c = rawChange{}
	i++
	for {
		key, v, ok := scanKey(s, i)
		if !ok {
			return 0, false
		}
		a, b, next, ok := scanString(s, v)
		if !ok {
			return 0, false
		}
		val := s[a:b]
		f := -1
		switch string(key) {
		case "asset_id":
			f, c.asset = fAsset, val
		case "price":
			f, c.price = fPrice, val
		case "size":
			f, c.size = fSize, val
		case "side":
			f, c.side = fSide, val
		case "hash":
			f, c.hash = fHash, val
		case "best_bid":
			f, c.bestBid = fBestBid, val
		case "best_ask":
			f, c.bestAsk = fBestAsk, val
		}
		if f >= 0 {
			if c.has&(1<<f) != 0 {
				return 0, false // the slow path keeps the last: let it
			}
			c.has |= 1 << f
		}
		i = next
		if i >= len(s) {
			return 0, false
		}
		if s[i] == '}' {
			return i + 1, true
		}
		if s[i] != ',' {
			return 0, false
		}
		i++
	}
}

// rawChangeEvent is priceChange's per-entry step (asset, then change) on an
// entry whose values are all strings.
func (d *Decoder) rawChangeEvent(c *rawChange) {
	if c.has&(1<<fAsset) == 0 {
		d.counts.Reasons[ReasonShape]++
		return
	}
	a, ok := d.reg.Lookup(c.asset)
	if !ok {
		d.counts.Reasons[ReasonUnknownAsset]++
		return
	}
	side, ok := parseSideBytes(c.side) // nil when absent
	if !ok {
		d.suspect(a, ReasonSide)
		return
	}
	if c.has&(1<<fPrice) == 0 {
		d.suspect(a, ReasonPrice)
		return
	}
	p, err := book.ParsePrice(c.price)
	if err != nil {
		d.suspect(a, ReasonPrice)
		return
	}
	if t := d.ticks[a]; t.Valid() && !p.OnGrid(t) {
		d.suspect(a, ReasonOffGrid)
		return
	}
	if c.has&(1<<fSize) == 0 {
		d.suspect(a, ReasonSize)
		return
	}
	sz, err := book.ParseSize(c.size)
	if err != nil {
		d.suspect(a, ReasonSize)
		return
	}
	bb, hasBB, ok1 := rawOptPrice(c.bestBid)
	ba, hasBA, ok2 := rawOptPrice(c.bestAsk)
	if !ok1 || !ok2 {
		d.suspect(a, ReasonPrice)
		return
	}
	e := d.emit(KindLevel, a)
	e.Side, e.Price, e.Size = side, p, sz
	if hasBB {
		e.BestBid = bb
		e.Flags |= FlagBestBid
	}
	if hasBA {
		e.BestAsk = ba
		e.Flags |= FlagBestAsk
	}
	d.hashBytes(e, c.hash)
}

// rawOptPrice is optPrice on a string value (absent = nil).
func rawOptPrice(b []byte) (book.Price, bool, bool) {
	if len(b) == 0 {
		return 0, false, true
	}
	p, err := book.ParsePrice(b)
	if err != nil {
		return 0, false, false
	}
	return p, true, true
}
