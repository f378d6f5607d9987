package feed

import (
	"github.com/hotpath/hotpath/book"
	"github.com/valyala/fastjson"
)

// Decoder turns market-channel messages into Events. It owns one reused
// fastjson.Parser and one reused output slice, so decoding allocates nothing
// once warm. A Decoder belongs to one goroutine (the connection's reader);
// nothing in it is synchronised.
//
// It accepts a single event object or an array of them, every message type
// of protocol §2.5 (price_change in the current price_changes[] form and both
// legacy forms), and the plain-text PONG. Numbers may be JSON strings (what
// the venue sends) or JSON numbers (their literal text is used).
type Decoder struct {
	reg    *book.Registry
	ticks  []book.Tick // the decoder's view of each asset's tick (grid checks)
	p      fastjson.Parser
	out    []Event
	num    []byte // literal text of a JSON number
	conn   uint16
	recvNs int64
	venue  int64
	counts Counts

	// OnNewMarket, when set, is called for each new_market message with the
	// condition id and the token ids, borrowed from the parser: copy what
	// you keep. It runs on the decoding goroutine (a cold, rare path).
	OnNewMarket func(market []byte, assetIDs [][]byte)
	ids         [][]byte

	fast [maxFastChanges]rawChange // the fast path's entries (decode_fast.go)
}

// NewDecoder returns a decoder for the assets of reg, stamping conn on its
// events. reg must not change while the decoder is in use.
func NewDecoder(reg *book.Registry, conn uint16) *Decoder {
	d := &Decoder{reg: reg, conn: conn, out: make([]Event, 0, 64), num: make([]byte, 0, 32)}
	d.ticks = make([]book.Tick, reg.Len())
	for i := range d.ticks {
		d.ticks[i] = reg.Info(book.AssetIndex(i)).Tick
	}
	return d
}

// Counts returns the decoder's counters. Call it on the decoding goroutine
// (the counters are plain integers owned by it).
func (d *Decoder) Counts() Counts { return d.counts }

// Count adds one to reason's counter (the frame reader reports through it).
func (d *Decoder) Count(r Reason) { d.counts.Reasons[r]++ }

// Decode decodes one message received at recvNs. The returned events are
// valid until the next call. The last event carries FlagLast.
func (d *Decoder) Decode(msg []byte, recvNs int64) []Event {
	d.out = d.out[:0]
	d.recvNs = recvNs
	d.counts.Frames++
	msg = trimSpace(msg)
	if len(msg) == 4 && string(msg) == "PONG" {
		d.counts.Pongs++
		d.counts.Messages[MsgPong]++
		d.emit(KindPong, NoAsset)
		return d.finish()
	}
	if !d.decodeFast(msg) {
		d.decodeSlow(msg)
	}
	return d.finish()
}

// decodeSlow decodes any message with fastjson.
func (d *Decoder) decodeSlow(msg []byte) {
	v, err := d.p.ParseBytes(msg)
	if err != nil {
		d.counts.Reasons[ReasonMalformed]++
		return
	}
	switch v.Type() {
	case fastjson.TypeObject:
		d.message(v)
	case fastjson.TypeArray:
		arr, _ := v.Array()
		for _, e := range arr {
			if e.Type() != fastjson.TypeObject {
				d.counts.Reasons[ReasonShape]++
				continue
			}
			d.message(e)
		}
	default:
		d.counts.Reasons[ReasonShape]++
	}
}

// RESTBook is the market metadata a REST GET /book response carries besides
// the levels, borrowed from the parser (valid until the next decode).
type RESTBook struct {
	Asset          book.AssetIndex
	AssetID        []byte
	Market         []byte
	Timestamp      []byte // literal text, as hashed
	MinOrderSize   []byte
	TickSize       []byte
	NegRisk        bool
	LastTradePrice []byte
}

// DecodeRESTBook decodes a REST GET /book response (no event_type; the
// same levels as a WS book plus min_order_size, tick_size, neg_risk) into a
// snapshot, like a WS `book`. ok is false when msg is not a REST book of a
// known asset (the reason is counted). A cold path (verify, resync).
func (d *Decoder) DecodeRESTBook(msg []byte, recvNs int64) (evs []Event, meta RESTBook, ok bool) {
	d.out = d.out[:0]
	d.recvNs = recvNs
	d.counts.Frames++
	v, err := d.p.ParseBytes(trimSpace(msg))
	if err != nil {
		d.counts.Reasons[ReasonMalformed]++
		return d.finish(), meta, false
	}
	if v.Type() != fastjson.TypeObject || v.Get("bids") == nil || v.Get("asks") == nil {
		d.counts.Reasons[ReasonShape]++
		return d.finish(), meta, false
	}
	meta.AssetID = v.GetStringBytes("asset_id")
	meta.Market = v.GetStringBytes("market")
	meta.MinOrderSize = d.textCopy(v.Get("min_order_size"))
	meta.TickSize = d.textCopy(v.Get("tick_size"))
	meta.LastTradePrice = d.textCopy(v.Get("last_trade_price"))
	meta.NegRisk = v.GetBool("neg_risk")
	meta.Timestamp = d.textCopy(v.Get("timestamp"))
	ms, good := parseMs(meta.Timestamp)
	if !good {
		d.counts.Reasons[ReasonTimestamp]++
		return d.finish(), meta, false
	}
	d.venue = ms
	n := len(d.out)
	d.book(v)
	if len(d.out) == n || d.out[n].Kind != KindBookBegin && d.out[n].Kind != KindTickSize {
		return d.finish(), meta, false
	}
	meta.Asset = d.out[n].Asset
	return d.finish(), meta, true
}

// textCopy is text for values kept past the next text call: a JSON string
// is borrowed from the parser; a number's literal is copied (rare: only
// hand-edited captures store numbers).
func (d *Decoder) textCopy(v *fastjson.Value) []byte {
	b, ok := d.text(v)
	if !ok {
		return nil
	}
	if v.Type() == fastjson.TypeNumber {
		return append([]byte(nil), b...)
	}
	return b
}

func (d *Decoder) finish() []Event {
	if n := len(d.out); n > 0 {
		d.out[n-1].Flags |= FlagLast
		d.counts.Events += uint64(n)
	}
	return d.out
}

func (d *Decoder) emit(k Kind, a book.AssetIndex) *Event {
	d.out = append(d.out, Event{RecvNs: d.recvNs, VenueMs: d.venue, Asset: a, Conn: d.conn, Kind: k})
	return &d.out[len(d.out)-1]
}

// suspect counts r and, for a known asset, emits KindSuspect.
func (d *Decoder) suspect(a book.AssetIndex, r Reason) {
	d.counts.Reasons[r]++
	if a != NoAsset {
		d.emit(KindSuspect, a).Reason = r
	}
}

// text returns the string value or the literal text of a number; ok is
// false for absent values and other types. A number's text lives in d.num
// until the next call.
func (d *Decoder) text(v *fastjson.Value) ([]byte, bool) {
	if v == nil {
		return nil, false
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return b, true
	case fastjson.TypeNumber:
		d.num = v.MarshalTo(d.num[:0])
		return d.num, true
	}
	return nil, false
}

func (d *Decoder) asset(v *fastjson.Value) (book.AssetIndex, bool) {
	id, ok := d.text(v)
	if !ok {
		d.counts.Reasons[ReasonShape]++
		return NoAsset, false
	}
	a, ok := d.reg.Lookup(id)
	if !ok {
		d.counts.Reasons[ReasonUnknownAsset]++
		return NoAsset, false
	}
	return a, true
}

func (d *Decoder) message(v *fastjson.Value) {
	d.venue = 0
	if ts := v.Get("timestamp"); ts != nil {
		b, ok := d.text(ts)
		ms, good := parseMs(b)
		if !ok || !good {
			// The whole message is suspect; name its asset when it has one.
			a := NoAsset
			if id := v.GetStringBytes("asset_id"); id != nil {
				a, _ = d.reg.Lookup(id)
			}
			d.suspect(a, ReasonTimestamp)
			return
		}
		d.venue = ms
	}
	et := v.GetStringBytes("event_type")
	switch string(et) {
	case "price_change":
		d.counts.Messages[MsgPriceChange]++
		d.priceChange(v)
	case "book":
		d.counts.Messages[MsgBook]++
		d.book(v)
	case "tick_size_change":
		d.counts.Messages[MsgTickSize]++
		d.tickSize(v)
	case "last_trade_price":
		d.counts.Messages[MsgLastTrade]++
		d.lastTrade(v)
	case "best_bid_ask":
		d.counts.Messages[MsgBestBidAsk]++
		d.bestBidAsk(v)
	case "new_market":
		d.counts.Messages[MsgNewMarket]++
		d.newMarket(v)
	case "market_resolved":
		d.counts.Messages[MsgResolved]++
		d.resolved(v)
	default:
		d.counts.Reasons[ReasonEventType]++
	}
}

// level parses one price/size/side triple for asset a. side may be nil for
// snapshot levels (the caller passes the side it knows).
func (d *Decoder) level(a book.AssetIndex, pv, sv *fastjson.Value) (book.Price, book.Size, Reason) {
	pb, ok := d.text(pv)
	if !ok {
		return 0, 0, ReasonPrice
	}
	p, err := book.ParsePrice(pb)
	if err != nil {
		return 0, 0, ReasonPrice
	}
	if t := d.ticks[a]; t.Valid() && !p.OnGrid(t) {
		return 0, 0, ReasonOffGrid
	}
	sb, ok := d.text(sv)
	if !ok {
		return 0, 0, ReasonSize
	}
	s, err := book.ParseSize(sb)
	if err != nil {
		return 0, 0, ReasonSize
	}
	return p, s, ReasonNone
}

func parseSide(v *fastjson.Value) (book.Side, bool) { return parseSideBytes(v.GetStringBytes()) }

// parseSideBytes reads "BUY"/"SELL" in any case; nil (absent) is not a side.
func parseSideBytes(b []byte) (book.Side, bool) {
	switch {
	case len(b) == 3 && b[0]|0x20 == 'b' && b[1]|0x20 == 'u' && b[2]|0x20 == 'y':
		return book.Bid, true
	case len(b) == 4 && b[0]|0x20 == 's' && b[1]|0x20 == 'e' && b[2]|0x20 == 'l' && b[3]|0x20 == 'l':
		return book.Ask, true
	}
	return 0, false
}

// optPrice parses an optional top-of-book price: absent or "" is not sent.
func (d *Decoder) optPrice(v *fastjson.Value) (book.Price, bool, bool) {
	b, ok := d.text(v)
	if !ok || len(b) == 0 {
		return 0, false, true
	}
	p, err := book.ParsePrice(b)
	if err != nil {
		return 0, false, false
	}
	return p, true, true
}

// changeFields are the fields of one price_change entry (or of a legacy
// message root), found in one pass over the object's keys.
type changeFields struct {
	asset, price, size, side, hash, bestBid, bestAsk *fastjson.Value
}

func (f *changeFields) collect(c *fastjson.Value) {
	o, err := c.Object()
	if err != nil {
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "asset_id":
			f.asset = v
		case "price":
			f.price = v
		case "size":
			f.size = v
		case "side":
			f.side = v
		case "hash":
			f.hash = v
		case "best_bid":
			f.bestBid = v
		case "best_ask":
			f.bestAsk = v
		}
	})
}

// change emits one price_change delta for asset a from the entry's fields.
func (d *Decoder) change(a book.AssetIndex, f *changeFields) {
	side, ok := parseSide(f.side)
	if !ok {
		d.suspect(a, ReasonSide)
		return
	}
	p, s, r := d.level(a, f.price, f.size)
	if r != ReasonNone {
		d.suspect(a, r)
		return
	}
	bb, hasBB, ok1 := d.optPrice(f.bestBid)
	ba, hasBA, ok2 := d.optPrice(f.bestAsk)
	if !ok1 || !ok2 {
		d.suspect(a, ReasonPrice)
		return
	}
	e := d.emit(KindLevel, a)
	e.Side, e.Price, e.Size = side, p, s
	if hasBB {
		e.BestBid = bb
		e.Flags |= FlagBestBid
	}
	if hasBA {
		e.BestAsk = ba
		e.Flags |= FlagBestAsk
	}
	d.hash(e, f.hash)
}

// hash decodes an optional venue hash into e.
func (d *Decoder) hash(e *Event, v *fastjson.Value) {
	d.hashBytes(e, v.GetStringBytes()) // nil for absent / non-string
}

// hashBytes decodes an optional venue hash (a string value; nil when absent)
// into e.
func (d *Decoder) hashBytes(e *Event, b []byte) {
	if len(b) >= 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	switch len(b) {
	case 0:
		return
	case 40:
		if decodeHex(e.Hash[:], b) {
			e.Flags |= FlagHash
			return
		}
	case 64:
		if validHex(b) {
			e.Flags |= FlagHashUnverifiable
			return
		}
	}
	d.counts.Reasons[ReasonHash]++
	e.Flags |= FlagHashUnverifiable
}

func (d *Decoder) priceChange(v *fastjson.Value) {
	if pcs := v.Get("price_changes"); pcs != nil {
		arr, ok := array(pcs)
		if !ok {
			d.counts.Reasons[ReasonShape]++
			return
		}
		for _, c := range arr {
			if c.Type() != fastjson.TypeObject {
				d.counts.Reasons[ReasonShape]++
				continue
			}
			var f changeFields
			f.collect(c)
			a, ok := d.asset(f.asset)
			if !ok {
				continue
			}
			d.change(a, &f)
		}
		return
	}
	// Legacy forms: one asset at the root, the hash at the root describing
	// the book after all the changes of the message.
	a, ok := d.asset(v.Get("asset_id"))
	if !ok {
		return
	}
	if chs := v.Get("changes"); chs != nil {
		arr, ok := array(chs)
		if !ok || len(arr) == 0 {
			d.suspect(a, ReasonShape)
			return
		}
		for i, c := range arr {
			if c.Type() != fastjson.TypeObject {
				d.suspect(a, ReasonShape)
				continue
			}
			var f changeFields
			f.collect(c)
			f.hash = nil
			if i == len(arr)-1 {
				f.hash = v.Get("hash")
			}
			d.change(a, &f)
		}
		return
	}
	var f changeFields
	f.collect(v)
	d.change(a, &f)
}

func (d *Decoder) book(v *fastjson.Value) {
	a, ok := d.asset(v.Get("asset_id"))
	if !ok {
		return
	}
	bids, asks := v.Get("bids"), v.Get("asks")
	if bids == nil && asks == nil { // the oldest docs' names
		bids, asks = v.Get("buys"), v.Get("sells")
	}
	bl, ok1 := array(bids)
	al, ok2 := array(asks)
	if !ok1 || !ok2 {
		d.suspect(a, ReasonShape)
		return
	}
	start := len(d.out)
	// A snapshot may name the tick (optional field in live data); when it
	// differs from ours the book must move grids before loading.
	if tb, ok := d.text(v.Get("tick_size")); ok && len(tb) > 0 {
		t, err := book.ParseTick(tb)
		if err != nil {
			d.suspect(a, ReasonTick)
			return
		}
		if t != d.ticks[a] {
			d.ticks[a] = t
			e := d.emit(KindTickSize, a)
			e.Price, e.Flags = book.Price(t), FlagSnapshot // a snapshot follows
		}
	}
	d.emit(KindBookBegin, a)
	for sd, list := range [2][]*fastjson.Value{bl, al} {
		for _, l := range list {
			p, s, r := d.level(a, l.Get("price"), l.Get("size"))
			if r != ReasonNone {
				d.out = d.out[:start] // the snapshot is unusable: drop it whole
				d.suspect(a, r)
				return
			}
			e := d.emit(KindLevel, a)
			e.Side, e.Price, e.Size, e.Flags = book.Side(sd), p, s, FlagSnapshot
		}
	}
	d.hash(d.emit(KindBookEnd, a), v.Get("hash"))
}

func (d *Decoder) tickSize(v *fastjson.Value) {
	a, ok := d.asset(v.Get("asset_id"))
	if !ok {
		return
	}
	tb, _ := d.text(v.Get("new_tick_size"))
	t, err := book.ParseTick(tb)
	if err != nil {
		d.suspect(a, ReasonTick)
		return
	}
	d.ticks[a] = t
	d.emit(KindTickSize, a).Price = book.Price(t)
}

func (d *Decoder) lastTrade(v *fastjson.Value) {
	a, ok := d.asset(v.Get("asset_id"))
	if !ok {
		return
	}
	pb, _ := d.text(v.Get("price"))
	p, err := book.ParsePrice(pb)
	if err != nil {
		d.suspect(a, ReasonPrice)
		return
	}
	sb, _ := d.text(v.Get("size"))
	s, err := book.ParseSize(sb)
	if err != nil {
		d.suspect(a, ReasonSize)
		return
	}
	side, ok := parseSide(v.Get("side"))
	if !ok && v.Get("side") != nil {
		d.suspect(a, ReasonSide)
		return
	}
	e := d.emit(KindLastTrade, a)
	e.Price, e.Size, e.Side = p, s, side
}

func (d *Decoder) bestBidAsk(v *fastjson.Value) {
	a, ok := d.asset(v.Get("asset_id"))
	if !ok {
		return
	}
	bb, hasBB, ok1 := d.optPrice(v.Get("best_bid"))
	ba, hasBA, ok2 := d.optPrice(v.Get("best_ask"))
	if !ok1 || !ok2 {
		d.suspect(a, ReasonPrice)
		return
	}
	e := d.emit(KindBestBidAsk, a)
	if hasBB {
		e.BestBid, e.Flags = bb, e.Flags|FlagBestBid
	}
	if hasBA {
		e.BestAsk, e.Flags = ba, e.Flags|FlagBestAsk
	}
}

func (d *Decoder) newMarket(v *fastjson.Value) {
	ids := v.GetArray("assets_ids")
	first := NoAsset
	d.ids = d.ids[:0]
	for _, id := range ids {
		b := id.GetStringBytes()
		d.ids = append(d.ids, b)
		if a, ok := d.reg.Lookup(b); ok && first == NoAsset {
			first = a
		}
	}
	e := d.emit(KindNewMarket, first)
	e.Size = book.Size(len(ids))
	if d.OnNewMarket != nil {
		d.OnNewMarket(v.GetStringBytes("market"), d.ids)
	}
}

func (d *Decoder) resolved(v *fastjson.Value) {
	a, ok := d.asset(v.Get("winning_asset_id"))
	if !ok {
		return
	}
	d.emit(KindResolved, a)
}

// parseMs parses a non-negative decimal integer of at most 18 digits.
func parseMs(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// hexVal maps an ASCII byte to its hex value, 0xff for non-hex bytes.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	v := hexVal[c]
	return v, v != 0xff
}

// decodeHex decodes len(dst) bytes of hex from src (2×len(dst) bytes). On
// a non-hex byte it reports false with dst holding the bytes before the
// first bad pair (dst must be zero on entry).
func decodeHex(dst []byte, src []byte) bool {
	src = src[:2*len(dst)]
	var bad byte // hexVal is ≤ 0x0f for hex digits, 0xff otherwise
	for i := range dst {
		hi, lo := hexVal[src[2*i]], hexVal[src[2*i+1]]
		bad |= hi | lo
		dst[i] = hi<<4 | lo
	}
	if bad <= 0x0f {
		return true
	}
	clear(dst)
	for i := range dst {
		hi, ok1 := unhex(src[2*i])
		lo, ok2 := unhex(src[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func validHex(b []byte) bool {
	for _, c := range b {
		if _, ok := unhex(c); !ok {
			return false
		}
	}
	return true
}

// array returns v's elements; ok is false when v is absent or not an array.
func array(v *fastjson.Value) ([]*fastjson.Value, bool) {
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil, false
	}
	a, _ := v.Array()
	return a, true
}
