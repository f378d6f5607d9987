package sim

import (
	"strconv"

	"github.com/hotpath/hotpath/book"
)

// Market-channel messages (protocol.md §2.5), built with the exchange lock
// held so that hashes and best prices describe exactly the book after the
// change.

func appendStr(b []byte, key, val string) []byte {
	b = append(b, '"')
	b = append(b, key...)
	b = append(b, `":"`...)
	b = append(b, val...)
	return append(b, '"')
}

func appendPriceOrEmpty(b []byte, p book.Price, ok bool, empty string) []byte {
	if !ok {
		return append(b, empty...)
	}
	return book.AppendPrice(b, p)
}

// appendChangeEntry writes one price_changes[] entry for a token.
func (h *marketHub) appendChangeEntry(b []byte, m *Market, yes bool, c levelChange, ts int64) []byte {
	price, side := c.price, Buy
	if !c.bid {
		side = Sell
	}
	if !yes { // mirror: a YES bid at p is a NO ask at 1-p
		price = book.One - price
		side = 1 - side
	}
	size := m.levelTotal(c.bid, c.price)
	bid, ask, hb, ha := m.best(yes)
	b = append(b, `{"asset_id":"`...)
	b = append(b, m.token(yes)...)
	b = append(b, `","price":"`...)
	b = book.AppendPrice(b, price)
	b = append(b, `","size":"`...)
	b = book.AppendSize(b, size)
	b = append(b, `","side":"`...)
	b = append(b, side.String()...)
	b = append(b, `","hash":"`...)
	b = append(b, h.s.bookHash(m, yes, ts)...)
	b = append(b, `","best_bid":"`...)
	b = appendPriceOrEmpty(b, bid, hb, "0")
	b = append(b, `","best_ask":"`...)
	b = appendPriceOrEmpty(b, ask, ha, "1")
	return append(b, `"}`...)
}

// tokenPart is a piece of a market message that concerns one token.
type tokenPart struct {
	yes bool
	b   []byte
}

// compose joins the parts a connection subscribed to (wantYes, wantNo)
// between head and tail, comma-separated; nil when none apply.
func compose(head string, parts []tokenPart, tail string, wantYes, wantNo bool) []byte {
	b := []byte(head)
	n := 0
	for _, p := range parts {
		if (p.yes && !wantYes) || (!p.yes && !wantNo) {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, p.b...)
		n++
	}
	if n == 0 {
		return nil
	}
	return append(b, tail...)
}

// levelsChanged sends one price_change with an entry per touched level for
// the YES token and its mirror on the NO token (§11: both tokens). Each
// connection gets the entries of the tokens it subscribed to.
func (h *marketHub) levelsChanged(m *Market, cs []levelChange, ts int64) {
	var parts []tokenPart
	for _, c := range cs {
		parts = append(parts, tokenPart{true, h.appendChangeEntry(nil, m, true, c, ts)},
			tokenPart{false, h.appendChangeEntry(nil, m, false, c, ts)})
	}
	head := `{"event_type":"price_change","market":"` + m.ConditionID + `","price_changes":[`
	tail := `],"timestamp":"` + strconv.FormatInt(ts, 10) + `"}`
	h.broadcastSplit(m, false, func(y, n bool) []byte { return compose(head, parts, tail, y, n) })
	h.bestBidAsk(m, ts)
}

// traded sends last_trade_price for each fill (taker's token and side) and
// then fresh book snapshots, each to the subscribers of its token.
func (h *marketHub) traded(m *Market, ts []*Trade, ms int64) {
	var parts []tokenPart
	for _, t := range ts {
		b := []byte(`{"event_type":"last_trade_price",`)
		b = appendStr(b, "asset_id", t.AssetID)
		b = append(b, ',')
		b = appendStr(b, "market", m.ConditionID)
		b = append(b, `,"price":"`...)
		b = book.AppendPrice(b, t.Price)
		b = append(b, `","size":"`...)
		b = book.AppendSize(b, t.Size)
		b = append(b, `","fee_rate_bps":"0","side":"`...)
		b = append(b, t.Side.String()...)
		b = append(b, `","timestamp":"`...)
		b = appendInt(b, ms)
		b = append(b, `",`...)
		b = appendStr(b, "transaction_hash", t.TxHash)
		b = append(b, '}')
		parts = append(parts, tokenPart{t.AssetID == m.YesToken, b})
	}
	parts = append(parts, tokenPart{true, h.appendBookEvent(nil, m, true, ms)}, tokenPart{false, h.appendBookEvent(nil, m, false, ms)})
	h.broadcastSplit(m, false, func(y, n bool) []byte { return compose("[", parts, "]", y, n) })
	h.bestBidAsk(m, ms)
	h.s.autoTick(m)
}

// tickChanged announces a new tick size on both tokens.
func (h *marketHub) tickChanged(m *Market, old book.Tick, ts int64) {
	var parts []tokenPart
	for _, yes := range []bool{true, false} {
		b := []byte(`{"event_type":"tick_size_change",`)
		b = appendStr(b, "asset_id", m.token(yes))
		b = append(b, ',')
		b = appendStr(b, "market", m.ConditionID)
		b = append(b, `,"old_tick_size":"`...)
		b = book.AppendTick(b, old)
		b = append(b, `","new_tick_size":"`...)
		b = book.AppendTick(b, m.Tick)
		b = append(b, `","timestamp":"`...)
		b = appendInt(b, ts)
		b = append(b, `"}`...)
		parts = append(parts, tokenPart{yes, b})
	}
	h.broadcastSplit(m, false, func(y, n bool) []byte { return compose("[", parts, "]", y, n) })
}

// bestBidAsk sends best_bid_ask to custom-feature subscribers when a
// token's top of book moved.
func (h *marketHub) bestBidAsk(m *Market, ts int64) {
	for _, yes := range []bool{true, false} {
		bid, ask, hb, ha := m.best(yes)
		if !hb {
			bid = 0
		}
		if !ha {
			ask = book.One
		}
		tok := m.token(yes)
		h.mu.Lock()
		prev, seen := h.tops[tok]
		h.tops[tok] = [2]book.Price{bid, ask}
		h.mu.Unlock()
		if seen && prev == [2]book.Price{bid, ask} {
			continue
		}
		b := []byte(`{"event_type":"best_bid_ask",`)
		b = appendStr(b, "market", m.ConditionID)
		b = append(b, ',')
		b = appendStr(b, "asset_id", tok)
		b = append(b, `,"best_bid":"`...)
		b = book.AppendPrice(b, bid)
		b = append(b, `","best_ask":"`...)
		b = book.AppendPrice(b, ask)
		b = append(b, `","spread":"`...)
		if ask >= bid {
			b = book.AppendPrice(b, ask-bid)
		} else {
			b = append(b, '0')
		}
		b = append(b, `","timestamp":"`...)
		b = appendInt(b, ts)
		b = append(b, `"}`...)
		part := []tokenPart{{yes, b}}
		h.broadcastSplit(m, true, func(y, n bool) []byte { return compose("", part, "", y, n) })
	}
}

// resolved sends market_resolved (custom-feature subscribers only).
func (h *marketHub) resolved(m *Market, yesWins bool, ts int64) {
	win, outcome := m.YesToken, "Yes"
	if !yesWins {
		win, outcome = m.NoToken, "No"
	}
	b := []byte(`{"event_type":"market_resolved",`)
	b = appendStr(b, "id", strconv.Itoa(m.GammaID))
	b = append(b, ',')
	b = appendStr(b, "market", m.ConditionID)
	b = append(b, ',')
	b = appendStr(b, "slug", m.Slug)
	b = append(b, `,"assets_ids":["`...)
	b = append(b, m.YesToken...)
	b = append(b, `","`...)
	b = append(b, m.NoToken...)
	b = append(b, `"],"outcomes":["Yes","No"],`...)
	b = appendStr(b, "winning_asset_id", win)
	b = append(b, ',')
	b = appendStr(b, "winning_outcome", outcome)
	b = append(b, ',')
	b = appendStr(b, "timestamp", strconv.FormatInt(ts, 10))
	b = append(b, '}')
	h.broadcastSplit(m, true, func(y, n bool) []byte {
		if y || n {
			return b
		}
		return nil
	})
}
