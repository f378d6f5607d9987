package sim

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/hotpath/hotpath/book"
)

type wsClient struct {
	t testing.TB
	c net.Conn
}

func dialWS(t testing.TB, url string) *wsClient {
	t.Helper()
	c, _, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &wsClient{t: t, c: c}
}

func (w *wsClient) send(s string) {
	w.t.Helper()
	if err := wsutil.WriteClientText(w.c, []byte(s)); err != nil {
		w.t.Fatal(err)
	}
}

// next returns the next text frame, or nil after d.
func (w *wsClient) next(d time.Duration) []byte {
	_ = w.c.SetReadDeadline(time.Now().Add(d))
	b, err := wsutil.ReadServerText(w.c)
	if err != nil {
		return nil
	}
	return b
}

// events splits a frame into its event objects (object or array).
func events(t testing.TB, b []byte) []map[string]any {
	t.Helper()
	var arr []map[string]any
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &arr); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		return arr
	}
	var one map[string]any
	if err := json.Unmarshal(b, &one); err != nil {
		t.Fatalf("frame %s: %v", b, err)
	}
	return []map[string]any{one}
}

// localBooks mirrors the feed: books replaced by snapshots and updated by
// price_change totals, every hash recomputed with the book package.
type localBooks struct {
	t     testing.TB
	s     *Server
	books map[string]*book.Book
	hashN int
}

func (lb *localBooks) meta(tok, ts string) *book.HashMeta {
	m, _, _ := lb.s.x.MarketByToken(tok)
	return &book.HashMeta{Market: []byte(m.ConditionID), AssetID: []byte(tok), Timestamp: []byte(ts),
		MinOrderSize: book.AppendSize(nil, m.MinSize), TickSize: book.AppendTick(nil, m.Tick), NegRisk: m.NegRisk}
}

func (lb *localBooks) check(tok, ts, want string) {
	lb.t.Helper()
	sum, _ := lb.books[tok].Hash(lb.meta(tok, ts), book.HashLayout9, nil)
	if got := string(book.AppendHashHex(nil, &sum)); got != want {
		lb.t.Fatalf("hash of %s…: local %s, venue %s", tok[:8], got, want)
	}
	lb.hashN++
}

func (lb *localBooks) apply(ev map[string]any) {
	lb.t.Helper()
	switch ev["event_type"] {
	case "book":
		tok := ev["asset_id"].(string)
		m, _, _ := lb.s.x.MarketByToken(tok)
		bk := book.NewBook(m.Tick)
		for _, sd := range []struct {
			key string
			s   book.Side
		}{{"bids", book.Bid}, {"asks", book.Ask}} {
			for _, l := range ev[sd.key].([]any) {
				lv := l.(map[string]any)
				p, _ := book.ParsePrice([]byte(lv["price"].(string)))
				s, _ := book.ParseSize([]byte(lv["size"].(string)))
				if err := bk.SetLevel(sd.s, p, s); err != nil {
					lb.t.Fatal(err)
				}
			}
		}
		lb.books[tok] = bk
		lb.check(tok, ev["timestamp"].(string), ev["hash"].(string))
	case "price_change":
		ts := ev["timestamp"].(string)
		for _, c := range ev["price_changes"].([]any) {
			ch := c.(map[string]any)
			tok := ch["asset_id"].(string)
			p, _ := book.ParsePrice([]byte(ch["price"].(string)))
			s, _ := book.ParseSize([]byte(ch["size"].(string)))
			sd := book.Bid
			if ch["side"] == "SELL" {
				sd = book.Ask
			}
			bk := lb.books[tok]
			if bk == nil {
				lb.t.Fatalf("price_change before book for %s", tok)
			}
			if err := bk.SetLevel(sd, p, s); err != nil {
				lb.t.Fatal(err)
			}
			lb.check(tok, ts, ch["hash"].(string))
			bb, _, okb := bk.BestBid()
			ba, _, oka := bk.BestAsk()
			wantBid, wantAsk := "0", "1"
			if okb {
				wantBid = bb.String()
			}
			if oka {
				wantAsk = ba.String()
			}
			if ch["best_bid"] != wantBid || ch["best_ask"] != wantAsk {
				lb.t.Fatalf("best %v/%v, local %s/%s", ch["best_bid"], ch["best_ask"], wantBid, wantAsk)
			}
		}
	}
}

// drain reads frames for d, applying events; it returns the event types seen.
func (lb *localBooks) drain(w *wsClient, d time.Duration, until func(map[string]any) bool) []string {
	var types []string
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		b := w.next(time.Until(deadline))
		if b == nil {
			break
		}
		if string(b) == "PONG" {
			types = append(types, "PONG")
			continue
		}
		for _, ev := range events(lb.t, b) {
			lb.apply(ev)
			types = append(types, ev["event_type"].(string))
			if until != nil && until(ev) {
				return types
			}
		}
	}
	return types
}

func TestWSMarketChannel(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	m := nr[0]
	w := dialWS(t, s.URLs().WSMarket)
	w.send(`{"assets_ids":["` + m.YesToken + `","` + m.NoToken + `"],"type":"market","custom_feature_enabled":true}`)
	lb := &localBooks{t: t, s: s, books: map[string]*book.Book{}}
	types := lb.drain(w, 2*time.Second, func(ev map[string]any) bool { return len(lb.books) == 2 })
	if len(lb.books) != 2 {
		t.Fatalf("initial dump: %v", types)
	}
	w.send("PING")
	if types := lb.drain(w, time.Second, func(map[string]any) bool { return false }); !contains(types, "PONG") {
		t.Fatalf("no PONG: %v", types)
	}
	// a resting order: one price_change with the YES entry and its NO mirror
	bid, _ := bestOf(s, m.YesToken)
	_, r, e := c.post(orderSpec{token: m.YesToken, side: Buy, maker: (bid + 10_000) * 10, taker: 10_000_000})
	if !r.Success {
		t.Fatal(e)
	}
	types = lb.drain(w, 2*time.Second, func(ev map[string]any) bool { return ev["event_type"] == "price_change" })
	if !contains(types, "price_change") {
		t.Fatalf("no price_change: %v", types)
	}
	nb, _, _ := lb.books[m.NoToken].BestAsk()
	if nb != book.One-book.Price(bid+10_000) {
		t.Fatalf("NO mirror ask %v", nb)
	}
	// cancel removes the level ("0")
	body, _ := json.Marshal(map[string]string{"orderID": r.OrderID})
	c.call("DELETE", "/order", body)
	lb.drain(w, 2*time.Second, func(ev map[string]any) bool { return ev["event_type"] == "price_change" })
	if p, _, _ := lb.books[m.YesToken].BestBid(); int64(p) != bid {
		t.Fatalf("after cancel best bid %v want %d", p, bid)
	}
	// a trade: last_trade_price then fresh books of both tokens
	_, ask := bestOf(s, m.NoToken)
	_, r, e = c.post(orderSpec{token: m.NoToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if !r.Success {
		t.Fatal(e)
	}
	nBooks := 0
	types = lb.drain(w, 2*time.Second, func(ev map[string]any) bool {
		if ev["event_type"] == "last_trade_price" && (ev["side"] != "BUY" || ev["asset_id"] != m.NoToken || ev["size"] != "5") {
			t.Errorf("last_trade_price %v", ev)
		}
		if ev["event_type"] == "book" {
			nBooks++
		}
		return nBooks == 2
	})
	if !contains(types, "last_trade_price") || nBooks != 2 {
		t.Fatalf("trade events: %v", types)
	}
	if lb.hashN < 6 {
		t.Fatalf("only %d hashes checked", lb.hashN)
	}
	// tick change is announced on both tokens
	s.x.SetTick(m.ConditionID, book.Tick0_001)
	types = lb.drain(w, time.Second, func(ev map[string]any) bool {
		return ev["event_type"] == "tick_size_change" && ev["asset_id"] == m.NoToken
	})
	if !contains(types, "tick_size_change") {
		t.Fatalf("tick change: %v", types)
	}
	// unsubscribe stops updates
	w.send(`{"operation":"unsubscribe","assets_ids":["` + m.YesToken + `","` + m.NoToken + `"]}`)
	time.Sleep(50 * time.Millisecond)
	c.post(orderSpec{token: m.YesToken, side: Buy, maker: 20_000 * 10, taker: 10_000_000})
	if b := w.next(300 * time.Millisecond); b != nil {
		t.Fatalf("update after unsubscribe: %s", b)
	}
}

func contains(ss []string, s string) bool {
	for _, e := range ss {
		if e == s {
			return true
		}
	}
	return false
}

func TestWSBestBidAskAndLimits(t *testing.T) {
	s := startSmall(t, func(c *Config) { c.WSAssetLimit = 1 })
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	m := nr[1]
	// over the per-connection limit: no dump, no updates
	over := dialWS(t, s.URLs().WSMarket)
	over.send(`{"assets_ids":["` + m.YesToken + `","` + m.NoToken + `"],"type":"market"}`)
	// within the limit, with custom features
	w := dialWS(t, s.URLs().WSMarket)
	w.send(`{"assets_ids":["` + m.YesToken + `"],"type":"market","custom_feature_enabled":true}`)
	lb := &localBooks{t: t, s: s, books: map[string]*book.Book{}}
	lb.drain(w, time.Second, func(map[string]any) bool { return len(lb.books) == 1 })
	bid, _ := bestOf(s, m.YesToken)
	c.post(orderSpec{token: m.YesToken, side: Buy, maker: (bid + 10_000) * 10, taker: 10_000_000})
	var bba map[string]any
	deadline := time.Now().Add(time.Second)
	for bba == nil && time.Now().Before(deadline) {
		b := w.next(time.Until(deadline))
		if b == nil {
			break
		}
		for _, ev := range events(t, b) {
			if ev["asset_id"] == m.NoToken {
				t.Fatalf("a YES-only subscriber got a NO event: %v", ev)
			}
			if ev["event_type"] == "price_change" {
				for _, c := range ev["price_changes"].([]any) {
					if c.(map[string]any)["asset_id"] != m.YesToken {
						t.Fatalf("a YES-only subscriber got a NO entry: %v", ev)
					}
				}
				lb.apply(ev)
			}
			if ev["event_type"] == "best_bid_ask" && ev["asset_id"] == m.YesToken {
				bba = ev
			}
		}
	}
	if bba == nil || bba["best_bid"] != book.Price(bid+10_000).String() {
		t.Fatalf("best_bid_ask %v", bba)
	}
	if b := over.next(300 * time.Millisecond); b != nil {
		t.Fatalf("connection over the asset limit got %s", b)
	}
	for w.next(100*time.Millisecond) != nil { // drain what the order produced
	}
	// silent stall: PING/PONG still answered, no data
	s.Faults().StallMarketData(500 * time.Millisecond)
	c.post(orderSpec{token: m.YesToken, side: Buy, maker: (bid + 20_000) * 10, taker: 10_000_000})
	w.send("PING")
	if b := w.next(300 * time.Millisecond); string(b) != "PONG" {
		t.Fatalf("during stall got %q", b)
	}
	if b := w.next(100 * time.Millisecond); b != nil {
		t.Fatalf("data during stall: %s", b)
	}
	// malformed frame injection reaches subscribers verbatim
	s.Faults().SendMarketFrame([]byte(`{"event_type":"book","asset_id":`))
	if b := w.next(time.Second); string(b) != `{"event_type":"book","asset_id":` {
		t.Fatalf("bad frame: %q", b)
	}
	s.Faults().DropMarketConnections()
	if b := w.next(500 * time.Millisecond); b != nil {
		t.Fatalf("after drop: %s", b)
	}
}

func TestWSUserChannel(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	_, b01, _ := smallMarkets(s)
	w := dialWS(t, s.URLs().WSUser)
	w.send(`{"auth":{"apiKey":"` + c.creds.APIKey + `","secret":"` + c.creds.Secret + `","passphrase":"` + c.creds.Passphrase + `"},"markets":[],"type":"user"}`)
	time.Sleep(50 * time.Millisecond)
	_, ask := bestOf(s, b01.YesToken)
	_, r, e := c.post(orderSpec{token: b01.YesToken, side: Buy, maker: ask * 5, taker: 5_000_000, typ: FOK})
	if !r.Success {
		t.Fatal(e)
	}
	var seen []string
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && !contains(seen, "trade:CONFIRMED") {
		b := w.next(time.Until(deadline))
		if b == nil {
			break
		}
		for _, ev := range events(t, b) {
			switch ev["event_type"] {
			case "order":
				seen = append(seen, "order:"+ev["type"].(string))
				if ev["id"] != r.OrderID {
					t.Errorf("order id %v", ev["id"])
				}
			case "trade":
				seen = append(seen, "trade:"+ev["status"].(string))
				if ev["trader_side"] != "TAKER" || ev["size"] != "5" {
					t.Errorf("trade %v", ev)
				}
			}
		}
	}
	want := "order:PLACEMENT order:UPDATE trade:MATCHED trade:MINED trade:CONFIRMED"
	if strings.Join(seen, " ") != want {
		t.Fatalf("user events %v, want %s", seen, want)
	}
	s.Faults().DropUserConnections()
	if b := w.next(500 * time.Millisecond); b != nil {
		t.Fatalf("after drop: %s", b)
	}
	// a bad auth frame closes the connection
	bad := dialWS(t, s.URLs().WSUser)
	bad.send(`{"auth":{"apiKey":"x","secret":"y","passphrase":"z"},"type":"user"}`)
	if b := bad.next(500 * time.Millisecond); b != nil {
		t.Fatalf("bad auth got %s", b)
	}
	_ = strconv.Itoa
}

// TestWSSlowConsumerDropped fills a connection's queue without reading: the
// hub disconnects it instead of blocking the venue (and does not deadlock).
func TestWSSlowConsumerDropped(t *testing.T) {
	s := startSmall(t, func(c *Config) { c.WSQueue = 1024 })
	nr, _, _ := smallMarkets(s)
	m := nr[0]
	w := dialWS(t, s.URLs().WSMarket)
	w.send(`{"assets_ids":["` + m.YesToken + `"],"type":"market"}`)
	time.Sleep(100 * time.Millisecond)
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = ' '
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < 5000; i++ {
			s.Faults().SendMarketFrame(big)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("broadcast blocked on a slow consumer")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mhub.mu.Lock()
		n := len(s.mhub.conns)
		s.mhub.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("slow consumer still connected")
}

func TestResolveMarket(t *testing.T) {
	s := startSmall(t, nil)
	c := newClient(t, s, 0)
	_, b01, _ := smallMarkets(s)
	_, r, _ := c.post(orderSpec{token: b01.YesToken, side: Buy, maker: 100_000, taker: 10_000_000})
	w := dialWS(t, s.URLs().WSMarket)
	w.send(`{"assets_ids":["` + b01.YesToken + `"],"type":"market","custom_feature_enabled":true,"initial_dump":false}`)
	time.Sleep(50 * time.Millisecond)
	if !s.x.Resolve(b01.ConditionID, false) || s.x.Resolve(b01.ConditionID, false) {
		t.Fatal("resolve twice")
	}
	var got map[string]any
	for got == nil {
		b := w.next(time.Second)
		if b == nil {
			t.Fatal("no market_resolved")
		}
		for _, ev := range events(t, b) {
			if ev["event_type"] == "market_resolved" {
				got = ev
			}
		}
	}
	if got["winning_asset_id"] != b01.NoToken || got["winning_outcome"] != "No" {
		t.Fatalf("resolved %v", got)
	}
	if o, _ := s.x.Order(r.OrderID); o.Status != StatusCanceled {
		t.Fatalf("order on a resolved market: %s", o.Status)
	}
	if _, _, e := c.post(orderSpec{token: b01.YesToken, side: Buy, maker: 100_000, taker: 10_000_000}); e != ErrMsgNotReady {
		t.Fatalf("order after resolution: %q", e)
	}
	if code, b, _ := c.raw("GET", "/gamma/markets?condition_ids="+b01.ConditionID, nil, nil); code != 200 || !strings.Contains(string(b), `"closed":true`) {
		t.Fatalf("gamma after resolution: %s", b)
	}
	// an event closes with its last market
	nr, _, _ := smallMarkets(s)
	for _, m := range nr {
		s.x.Resolve(m.ConditionID, m == nr[0])
	}
	_, b, _ := c.raw("GET", "/gamma/events?closed=false", nil, nil)
	if strings.Contains(string(b), nr[0].ConditionID) || !strings.Contains(string(b), `"negRiskAugmented":true`) {
		t.Fatalf("closed event listed as open: %s", b)
	}
	if _, b, _ := c.raw("GET", "/gamma/events?closed=true", nil, nil); !strings.Contains(string(b), nr[0].ConditionID) {
		t.Fatalf("closed event missing: %s", b)
	}
}
