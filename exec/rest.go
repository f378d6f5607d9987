package exec

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/httpconn"
	"github.com/hotpath/hotpath/sign"
)

// Cold REST calls: queries, cancels, books, version. They run on the exec
// goroutine over the cold connection (never the order connection) and may
// allocate.

// coldDo sends one L2-authenticated request (path without query for the
// HMAC, protocol.md §6.2) and reads the answer. Idempotent requests
// (GET, POST /books) are retried once on a fresh connection.
func (x *Executor) coldDo(method, path, query string, body []byte) (*httpconn.Response, error) {
	for try := 0; ; try++ {
		ts := sign.AppendUnix(nil, time.Now().Unix())
		sig := x.l2.AppendSignature(nil, ts, method, path, body)
		x.cold.Begin(method, path+query)
		x.l2Headers(x.cold, ts, sig)
		resp, err := x.cold.RoundTrip(body)
		if err == nil {
			return resp, nil
		}
		if try > 0 || (method != "GET" && !errors.Is(err, httpconn.ErrNotSent)) {
			return nil, err
		}
	}
}

func hash0x(h *[32]byte) string {
	return "0x" + string(sign.AppendHex(nil, h[:]))
}

// queryOrder asks GET /data/order/{id} about leg i and applies the answer.
func (x *Executor) queryOrder(b *basket, i int, now int64) {
	l := &b.legs[i]
	resp, err := x.coldDo("GET", "/data/order/"+hash0x(&l.vid), "", nil)
	if err != nil {
		return
	}
	x.ctr.queries.Add(1)
	switch {
	case resp.Status == 404 || (resp.Status == 400 && bytes.Contains(bytes.ToLower(resp.Body), []byte("not found"))):
		if l.accepted {
			// The venue took the order (delayed, duplicate): it exists
			// even if it cannot be found yet. Keep asking; alert once.
			if now-l.sentAt > 6*int64(x.cfg.UnknownGrace) && !l.alerted {
				l.alerted = true
				x.alert("unknown_order", "order "+hash0x(&l.vid)+" was accepted by the venue but cannot be found; still querying")
			}
			return
		}
		if now-l.sentAt < int64(x.cfg.UnknownGrace) {
			return // may still be in flight
		}
		x.setOrderState(b, i, legKilled, 0)
		return
	case resp.Status != 200:
		return
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(resp.Body)
	if err != nil {
		return
	}
	st := bytes.ToUpper(v.GetStringBytes("status"))
	matched, _ := book.ParseSize(v.GetStringBytes("size_matched"))
	switch string(st) {
	case "LIVE":
		x.liveSeen.Store(true)
		x.setOrderState(b, i, legLive, int64(matched))
		x.cancelOrder(&l.vid)
	case "MATCHED":
		x.setOrderState(b, i, legFilled, int64(matched))
	case "CANCELED", "CANCELLED", "UNMATCHED", "CANCELED_MARKET_RESOLVED", "INVALID":
		if matched > 0 {
			x.setOrderState(b, i, legFilled, int64(matched))
		} else {
			x.setOrderState(b, i, legKilled, 0)
		}
	default: // DELAYED or unknown: ask again later
		return
	}
	if b.legs[i].status == legFilled {
		x.queryTrades(b, i)
	}
}

// setOrderState applies a query's answer (journaled). For a fill the cash
// is bounded by the limit (costs rounded up, proceeds down) until the
// trades give the exact amounts.
func (x *Executor) setOrderState(b *basket, i int, st legStatus, matched int64) {
	l := &b.legs[i]
	if l.status == st && (st != legFilled || l.respShares == matched) {
		return
	}
	l.status = st
	if st == legFilled {
		b.everFilled = true
		if matched > l.respShares {
			l.respShares = matched
			if l.side == sign.Sell {
				l.respCash = book.CostDown(l.limit, book.Size(matched))
			} else {
				l.respCash = book.CostUp(l.limit, book.Size(matched))
			}
			l.estFee = x.estimateFee(l.asset, l.respCash, l.respShares)
		}
	}
	x.jbuf = append(x.jbuf[:0], `{"k":"order"`...)
	x.jbuf = appendUint(x.jbuf, "b", b.id)
	x.jbuf = appendHash(x.jbuf, "h", &l.hash)
	x.jbuf = appendStr(x.jbuf, "st", st.String())
	x.jbuf = appendInt(x.jbuf, "mk", respMaking(l))
	x.jbuf = appendInt(x.jbuf, "tk", respTaking(l))
	x.jbuf = appendInt(x.jbuf, "fee", l.estFee)
	x.jbuf = append(x.jbuf, '}')
	_ = x.appendJournal()
	x.account(l)
}

// queryTrades reads GET /data/trades for the leg's asset since shortly
// before it was sent and applies the trades of its order.
func (x *Executor) queryTrades(b *basket, i int) {
	l := &b.legs[i]
	query := "?asset_id=" + x.tokenStr[l.asset]
	if l.sentWall > 0 {
		query += "&after=" + strconv.FormatInt(l.sentWall-60, 10)
	}
	cursor := ""
	for page := 0; page < 20; page++ {
		q := query
		if cursor != "" {
			q += "&next_cursor=" + cursor
		}
		resp, err := x.coldDo("GET", "/data/trades", q, nil)
		if err != nil || resp.Status != 200 {
			return
		}
		x.ctr.queries.Add(1)
		var p fastjson.Parser
		v, err := p.ParseBytes(resp.Body)
		if err != nil {
			return
		}
		data := v.GetArray("data")
		if data == nil && v.Type() == fastjson.TypeArray {
			data, _ = v.Array()
		}
		for _, t := range data {
			tradeEvents(t, x.cfg.Creds.APIKey, func(ev venueEvent) {
				if ev.order == l.vid || ev.order == l.hash {
					x.applyTrade(b.id, l, []byte(ev.tradeID), ev.status, ev.price, ev.size, ev.fee, ev.hasFee)
				}
			})
		}
		if l.status == legFilled {
			b.everFilled = true
		}
		cursor = string(v.GetStringBytes("next_cursor"))
		if cursor == "" || cursor == "LTE=" {
			return
		}
	}
}

// tradeEvents reads a trade object (REST /data/trades or the user
// channel) and emits one event per order of ours in it: the taker order
// when we took (trader_side TAKER or absent), else each maker order we
// own (owner = our API key, or no owner given) with its own matched
// amount and price. Malformed trades emit nothing.
func tradeEvents(t *fastjson.Value, apiKey string, emit func(venueEvent)) {
	st, ok := parseTradeStatus(t.GetStringBytes("status"))
	id := t.GetStringBytes("id")
	if !ok || len(id) == 0 {
		return
	}
	var fee int64
	hasFee := false
	if f := t.GetStringBytes("fee"); len(f) > 0 {
		if v, err := book.ParseSize(f); err == nil {
			fee, hasFee = int64(v), true
		}
	}
	if !bytes.EqualFold(t.GetStringBytes("trader_side"), []byte("MAKER")) {
		price, err1 := book.ParsePrice(t.GetStringBytes("price"))
		size, err2 := book.ParseSize(t.GetStringBytes("size"))
		h := t.GetStringBytes("taker_order_id")
		ev := venueEvent{trade: true, tradeID: string(id), status: st, price: price, size: size, fee: fee, hasFee: hasFee}
		if err1 == nil && err2 == nil && size > 0 && len(h) == 66 && decodeHex32(&ev.order, h[2:]) {
			emit(ev)
		}
		return
	}
	makers := t.GetArray("maker_orders")
	for k, m := range makers {
		if o := m.GetStringBytes("owner"); len(o) > 0 && string(o) != apiKey {
			continue
		}
		price, err1 := book.ParsePrice(m.GetStringBytes("price"))
		size, err2 := book.ParseSize(m.GetStringBytes("matched_amount"))
		h := m.GetStringBytes("order_id")
		tid := string(id)
		if len(makers) > 1 {
			tid += ":" + strconv.Itoa(k)
		}
		// a maker pays no taker fee (the venue's current rule, §9)
		ev := venueEvent{trade: true, tradeID: tid, status: st, price: price, size: size, hasFee: true}
		if err1 == nil && err2 == nil && size > 0 && len(h) == 66 && decodeHex32(&ev.order, h[2:]) {
			emit(ev)
		}
	}
}

// cancelOrder sends DELETE /order for an order found resting (journaled).
func (x *Executor) cancelOrder(h *[32]byte) bool {
	body := []byte(`{"orderID":"` + hash0x(h) + `"}`)
	resp, err := x.coldDo("DELETE", "/order", "", body)
	ok := err == nil && resp.Status == 200 && bytes.Contains(resp.Body, []byte(hash0x(h)[2:])) &&
		!bytes.Contains(resp.Body, []byte(`"canceled":[]`))
	x.jbuf = append(x.jbuf[:0], `{"k":"cancel"`...)
	x.jbuf = appendHash(x.jbuf, "h", h)
	x.jbuf = appendBool(x.jbuf, "ok", ok)
	x.jbuf = append(x.jbuf, '}')
	_ = x.appendJournal()
	x.ctr.cancels.Add(1)
	return ok
}

// readVersion asks GET /version (protocol.md §0); a missing field means 2.
func (x *Executor) readVersion() error {
	x.cold.Begin("GET", "/version")
	resp, err := x.cold.RoundTrip(nil)
	if err != nil {
		return fmt.Errorf("exec: GET /version: %w", err)
	}
	if resp.Status != 200 {
		return fmt.Errorf("exec: GET /version: status %d", resp.Status)
	}
	v := 2
	var p fastjson.Parser
	if val, err := p.ParseBytes(resp.Body); err == nil && val.Exists("version") {
		v = val.GetInt("version")
	}
	if v < 1 || v > 3 {
		return fmt.Errorf("exec: GET /version: unsupported version %d", v)
	}
	x.version = v
	// The pool follows the venue: templates of another version are retired
	// and re-signed by its cold side (until then, legs sign on the spot).
	if p := x.cfg.Pool; p != nil && p.Version() != v {
		if err := p.SetVersion(v); err != nil {
			x.alert("version", "template pool cannot sign for CLOB version "+strconv.Itoa(v)+": every leg signs on the spot")
		}
	}
	return nil
}

// bookSide is one side of a fresh book, best level first.
type bookSide []levelPS

type levelPS struct {
	price book.Price
	size  book.Size
}

// fetchBooks asks POST /books for the given assets; it returns asks
// (ascending), bids (descending) and the tick size (0 when the book does
// not say) per asset, in order.
func (x *Executor) fetchBooks(assets []book.AssetIndex) (asks, bids []bookSide, ticks []book.Tick, err error) {
	body := []byte{'['}
	for i, a := range assets {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, `{"token_id":`...)
		body = sign.AppendJSONString(body, x.tokenStr[a])
		body = append(body, '}')
	}
	body = append(body, ']')
	x.cold.Begin("POST", "/books")
	resp, err := x.cold.RoundTrip(body)
	if err != nil {
		return nil, nil, nil, err
	}
	if resp.Status != 200 {
		return nil, nil, nil, fmt.Errorf("exec: POST /books: status %d", resp.Status)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(resp.Body)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exec: POST /books: %w", err)
	}
	arr, err := v.Array()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("exec: POST /books: %w", err)
	}
	asks, bids, ticks = make([]bookSide, len(assets)), make([]bookSide, len(assets)), make([]book.Tick, len(assets))
	for _, bk := range arr {
		id := bk.GetStringBytes("asset_id")
		for i, a := range assets {
			if string(id) != x.tokenStr[a] {
				continue
			}
			asks[i] = readLevels(bk.GetArray("asks"), true)
			bids[i] = readLevels(bk.GetArray("bids"), false)
			if t, err := book.ParseTick(tickText(bk.Get("tick_size"))); err == nil {
				ticks[i] = t
			}
		}
	}
	return asks, bids, ticks, nil
}

// tickText returns a tick_size given as a string or a number.
func tickText(v *fastjson.Value) []byte {
	if v == nil {
		return nil
	}
	if b, err := v.StringBytes(); err == nil {
		return b
	}
	return v.MarshalTo(nil)
}

// readLevels parses levels and sorts them best first (the venue's order is
// UNCERTAIN, protocol.md §13).
func readLevels(arr []*fastjson.Value, asks bool) bookSide {
	out := make(bookSide, 0, len(arr))
	for _, lv := range arr {
		p, err1 := book.ParsePrice(lv.GetStringBytes("price"))
		s, err2 := book.ParseSize(lv.GetStringBytes("size"))
		if err1 != nil || err2 != nil || s <= 0 || p == 0 {
			continue
		}
		out = append(out, levelPS{p, s})
	}
	// insertion sort: books are short
	for i := 1; i < len(out); i++ {
		for j := i; j > 0; j-- {
			better := out[j].price < out[j-1].price
			if !asks {
				better = out[j].price > out[j-1].price
			}
			if !better {
				break
			}
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// resign handles order_version_mismatch: re-read GET /version, retire the
// pool's templates, re-sign the refused legs at the venue's version and
// send them once more (new orders: the refused ones were never placed).
func (x *Executor) resign(b *basket) {
	b.resigned = true
	if err := x.readVersion(); err != nil {
		x.alert("version", "order_version_mismatch and GET /version failed: "+err.Error())
		return
	}
	if x.cfg.Pool != nil {
		x.cfg.Pool.InvalidateAll()
	}
	x.alert("version", "order_version_mismatch: re-signed at CLOB version "+strconv.Itoa(x.version))
	from := len(b.legs)
	for i := 0; i < from; i++ {
		if b.legs[i].reject != RejectVersion || b.legs[i].status != legKilled {
			continue
		}
		old := b.legs[i]
		l := b.newLeg()
		l.idx, l.role, l.side, l.asset, l.tick, l.limit, l.shares = old.idx, old.role, old.side, old.asset, old.tick, old.limit, old.shares
		l.maker, l.taker = old.maker, old.taker
	}
	n := len(b.legs) - from
	if n == 0 {
		return
	}
	now := x.cfg.Now()
	if !x.budget.Take(n, now, true) {
		for i := from; i < len(b.legs); i++ {
			b.legs[i].status = legKilled
		}
		b.legs = b.legs[:from]
		return
	}
	wall := time.Now().UnixNano()
	tpls := make([]*sign.Template, n)
	for k := 0; k < n; k++ {
		l := &b.legs[from+k]
		t, err := x.signLeg(l, wall)
		if err != nil {
			x.alert("version", "re-signing failed: "+err.Error())
			b.legs = b.legs[:from]
			return
		}
		l.hash = t.OrderHash
		tpls[k] = t
	}
	x.sendLegs(b, from, tpls, x.hot, wall, 0, 0)
}
