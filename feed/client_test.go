package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/hotpath/hotpath/book"
)

// testServer is a small market channel on 127.0.0.1: it answers PING with
// PONG, sends a snapshot (with the venue hash, layout 9) for every asset
// subscribed with initial_dump, and broadcasts price_change deltas to the
// connections subscribed to the asset.
type testServer struct {
	t       testing.TB
	ln      net.Listener
	mu      sync.Mutex
	books   map[string]*book.Book
	conns   map[*srvConn]bool
	frames  []string // every text frame received from clients
	accepts atomic.Int32
	ts      atomic.Int64
	// stallNew makes new connections stall: PONG only, no data.
	stallNew atomic.Bool
	// mutePong makes connections stop answering PING.
	mutePong atomic.Bool
	// pongs counts pong control frames from clients.
	pongs atomic.Int32
}

type srvConn struct {
	nc    net.Conn
	wmu   sync.Mutex
	subs  map[string]bool
	stall atomic.Bool
}

const srvMarket = "0x2f1ab0ffaf465c4acd76b9a4a1f8980db26bfae7d248a6bb289350586028307e"

func newTestServer(t testing.TB, tokens ...string) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, ln: ln, books: map[string]*book.Book{}, conns: map[*srvConn]bool{}}
	s.ts.Store(1761179883000)
	for i, tok := range tokens {
		b := book.NewBook(book.Tick0_01)
		b.BeginSnapshot()
		for l := 1; l <= 5; l++ {
			_ = b.SetLevel(book.Bid, book.Price(10_000*(10+l+i)), book.Size(l*1_500_000))
			_ = b.SetLevel(book.Ask, book.Price(10_000*(40+l+i)), book.Size(l*2_250_000))
		}
		b.EndSnapshot()
		s.books[tok] = b
	}
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) url() string { return "ws://" + s.ln.Addr().String() + "/ws/market" }

func (s *testServer) close() {
	_ = s.ln.Close()
	s.dropAll()
}

func (s *testServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.nc.Close()
	}
}

func (s *testServer) stallAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.stall.Store(true)
	}
}

func (s *testServer) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepts.Add(1)
		go s.serve(nc)
	}
}

func (s *testServer) serve(nc net.Conn) {
	defer nc.Close()
	if _, err := ws.Upgrade(nc); err != nil {
		return
	}
	c := &srvConn{nc: nc, subs: map[string]bool{}}
	c.stall.Store(s.stallNew.Load())
	s.mu.Lock()
	s.conns[c] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	for {
		hdr, err := ws.ReadHeader(nc)
		if err != nil || hdr.Length > 1<<20 {
			return
		}
		f := ws.Frame{Header: hdr, Payload: make([]byte, hdr.Length)}
		if _, err := io.ReadFull(nc, f.Payload); err != nil {
			return
		}
		if !hdr.Masked {
			s.t.Errorf("client frame not masked")
			return
		}
		ws.Cipher(f.Payload, hdr.Mask, 0)
		switch f.Header.OpCode {
		case ws.OpClose:
			return
		case ws.OpPing:
			c.write(ws.OpPong, f.Payload)
			continue
		case ws.OpPong:
			if string(f.Payload) == "hb" {
				s.pongs.Add(1)
			}
			continue
		case ws.OpText:
		default:
			continue
		}
		msg := string(f.Payload)
		s.mu.Lock()
		s.frames = append(s.frames, msg)
		s.mu.Unlock()
		if msg == "PING" {
			if !s.mutePong.Load() {
				c.write(ws.OpText, []byte("PONG"))
			}
			continue
		}
		var sub struct {
			AssetsIDs   []string `json:"assets_ids"`
			Operation   string   `json:"operation"`
			InitialDump bool     `json:"initial_dump"`
		}
		if err := json.Unmarshal(f.Payload, &sub); err != nil {
			s.t.Errorf("bad client frame %q", msg)
			return
		}
		s.mu.Lock()
		for _, id := range sub.AssetsIDs {
			if sub.Operation == "unsubscribe" {
				delete(c.subs, id)
				continue
			}
			c.subs[id] = true
			if sub.InitialDump && !c.stall.Load() {
				if b, ok := s.books[id]; ok {
					c.write(ws.OpText, s.bookMsg(id, b))
				}
			}
		}
		s.mu.Unlock()
	}
}

func (c *srvConn) write(op ws.OpCode, p []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = wsutil.WriteServerMessage(c.nc, op, p)
}

func (s *testServer) meta(id string, ts int64) *book.HashMeta {
	return &book.HashMeta{Market: []byte(srvMarket), AssetID: []byte(id), Timestamp: strconv.AppendInt(nil, ts, 10),
		MinOrderSize: []byte("5"), TickSize: []byte("0.01")}
}

// bookMsg renders a WS book message (bids ascending, asks descending, as
// the venue does) with its hash. Caller holds s.mu.
func (s *testServer) bookMsg(id string, b *book.Book) []byte {
	ts := s.ts.Add(1)
	sum, _ := b.Hash(s.meta(id, ts), book.HashLayout9, nil)
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"event_type":"book","market":%q,"asset_id":%q,"timestamp":"%d","hash":"%s","bids":[`, srvMarket, id, ts, book.AppendHashHex(nil, &sum))
	js := b.AppendHashJSON(nil, s.meta(id, ts), book.HashLayout6)
	// Reuse the hash JSON's level arrays: they are the venue's format.
	i := strings.Index(string(js), `"bids":[`)
	sb.WriteString(string(js[i+len(`"bids":[`) : len(js)-1]))
	sb.WriteString("}")
	return []byte(sb.String())
}

// change sets a level on the server and broadcasts it (unless stalled).
func (s *testServer) change(id string, side book.Side, p book.Price, sz book.Size) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.books[id]
	if err := b.SetLevel(side, p, sz); err != nil {
		s.t.Fatal(err)
	}
	ts := s.ts.Add(1)
	sum, _ := b.Hash(s.meta(id, ts), book.HashLayout9, nil)
	sideStr := "BUY"
	if side == book.Ask {
		sideStr = "SELL"
	}
	bb, _, _ := b.BestBid()
	ba, _, _ := b.BestAsk()
	msg := fmt.Sprintf(`{"event_type":"price_change","market":%q,"price_changes":[{"asset_id":%q,"price":"%s","size":"%s","side":"%s","hash":"%s","best_bid":"%s","best_ask":"%s"}],"timestamp":"%d"}`,
		srvMarket, id, p, sz, sideStr, book.AppendHashHex(nil, &sum), bb, ba, ts)
	for c := range s.conns {
		if c.subs[id] && !c.stall.Load() {
			c.write(ws.OpText, []byte(msg))
		}
	}
}

// send writes raw bytes as one text message to every connection.
func (s *testServer) send(op ws.OpCode, p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.write(op, p)
	}
}

func (s *testServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.frames...)
}

// levels lists a book's levels best first, bids then asks.
func levels(b *book.Book) string {
	var sb strings.Builder
	for p, s, ok := b.BestBid(); ok; p, s, ok = b.NextBid(p) {
		fmt.Fprintf(&sb, "b%s:%s ", p, s)
	}
	for p, s, ok := b.BestAsk(); ok; p, s, ok = b.NextAsk(p) {
		fmt.Fprintf(&sb, "a%s:%s ", p, s)
	}
	return sb.String()
}

// harness runs a client against the server with a Pump consumer.
type harness struct {
	t      *testing.T
	srv    *testServer
	reg    *book.Registry
	c      *Client
	do     chan func(*Integrity)
	cancel context.CancelFunc
	done   chan struct{}
	tokens []string
}

func newHarness(t *testing.T, cfg Config, icfg IntegrityConfig, tokens ...string) *harness {
	h := &harness{t: t, srv: newTestServer(t, tokens...), do: make(chan func(*Integrity)), done: make(chan struct{}), tokens: tokens}
	h.reg = book.NewRegistry()
	for _, tok := range tokens {
		if _, err := h.reg.Add(book.AssetInfo{TokenID: tok, Market: srvMarket, Tick: book.Tick0_01, MinSize: 5 * book.OneShare}); err != nil {
			t.Fatal(err)
		}
	}
	cfg.URL = h.srv.url()
	cfg.Registry = h.reg
	cfg.BackoffInitial = 5 * time.Millisecond
	cfg.BackoffMax = 50 * time.Millisecond
	if cfg.RingSize == 0 {
		cfg.RingSize = 1024
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.c = c
	icfg.Registry = h.reg
	icfg.Control = c
	icfg.Hash = HashAll
	in := NewIntegrity(icfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { _ = c.Run(ctx) }()
	go func() {
		Pump(c, in, 5*time.Millisecond, h.do)
		close(h.done)
	}()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		h.t.Error("consumer did not stop")
	}
}

// inspect runs f on the consumer goroutine.
func (h *harness) inspect(f func(in *Integrity)) {
	ch := make(chan struct{})
	h.do <- func(in *Integrity) { f(in); close(ch) }
	<-ch
}

// waitSynced waits until every book is usable and equal to the server's.
func (h *harness) waitSynced(what string) IntegrityStats {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := true
		var diff string
		var st IntegrityStats
		h.inspect(func(in *Integrity) {
			st = in.Stats()
			h.srv.mu.Lock()
			defer h.srv.mu.Unlock()
			for i, tok := range h.tokens {
				a := book.AssetIndex(i)
				want := levels(h.srv.books[tok])
				if !in.Usable(a) {
					ok, diff = false, fmt.Sprintf("asset %d not usable", a)
					return
				}
				if got := levels(in.Book(a)); got != want {
					ok, diff = false, fmt.Sprintf("asset %d:\n got %s\nwant %s", a, got, want)
					return
				}
			}
		})
		if ok {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: books not synced: %s", what, diff)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitStats waits until cond holds for the integrity stats and returns them.
func (h *harness) waitStats(what string, cond func(IntegrityStats) bool) IntegrityStats {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st IntegrityStats
		h.inspect(func(in *Integrity) { st = in.Stats() })
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: stats %+v", what, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var testTokens = []string{tokA, tokB, tokYes}

func TestClientSubscribeSnapshotDeltas(t *testing.T) {
	h := newHarness(t, Config{MaxAssetsPerConn: 2, MaxIDsPerFrame: 1}, IntegrityConfig{}, testTokens...)
	h.waitSynced("initial snapshots")
	st := h.waitStats("hash checks of the snapshots", func(st IntegrityStats) bool {
		return st.HashMatch[book.HashLayout9] >= 3
	})
	if st.Snapshots != 3 || st.HashMatch[book.HashLayout9] != 3 {
		t.Fatalf("stats %+v", st)
	}
	if n := len(h.c.Conns()); n != 2 {
		t.Fatalf("%d connections, want 2 (sharding at 2 assets)", n)
	}
	// Subscription frames: the documented first form, then operation subscribe.
	var initial, ops int
	for _, f := range h.srv.received() {
		switch {
		case strings.HasPrefix(f, `{"assets_ids":[`) && strings.Contains(f, `"type":"market","initial_dump":true,"custom_feature_enabled":true}`):
			initial++
		case strings.HasPrefix(f, `{"operation":"subscribe","assets_ids":[`):
			ops++
		}
	}
	if initial != 2 || ops != 1 {
		t.Fatalf("initial frames %d, operation frames %d: %q", initial, ops, h.srv.received())
	}
	// Deltas: add, change, remove levels on both sides.
	h.srv.change(tokA, book.Bid, 300_000, 7*book.OneShare)
	h.srv.change(tokA, book.Ask, 410_000, 0)
	h.srv.change(tokB, book.Ask, 900_000, 1_234_567)
	h.srv.change(tokYes, book.Bid, 120_000, 0)
	h.waitSynced("deltas")
	// A frame's hash is checked at its end (FlagLast), which the consumer
	// may reach a moment after the books already equal the server's.
	st = h.waitStats("hash checks of the deltas", func(st IntegrityStats) bool {
		return st.HashMatch[book.HashLayout9] >= 7
	})
	if st.HashMismatch != 0 || st.HashMatch[book.HashLayout9] != 7 {
		t.Fatalf("stats %+v", st)
	}
	// Resync: unsubscribe + subscribe with initial_dump brings a snapshot.
	if !h.c.Resync(1) {
		t.Fatal("resync refused")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var snaps uint64
		h.inspect(func(in *Integrity) { snaps = in.Stats().Snapshots })
		if snaps == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot after resync: %d", snaps)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if !strings.Contains(strings.Join(h.srv.received(), "\n"), `{"operation":"unsubscribe","assets_ids":["`+tokB+`"]}`) {
		t.Fatal("no unsubscribe frame")
	}
	h.waitSynced("after resync")
}

func TestClientLiveSubscribeUnsubscribe(t *testing.T) {
	h := newHarness(t, Config{Assets: []book.AssetIndex{0, 1}, MaxAssetsPerConn: 3}, IntegrityConfig{}, testTokens...)
	waitSnaps := func(n uint64) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var st IntegrityStats
			h.inspect(func(in *Integrity) { st = in.Stats() })
			if st.Snapshots >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("snapshots %d, want %d", st.Snapshots, n)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitSnaps(2)
	cn := h.c.Conns()[0]
	if err := cn.Subscribe(2); err != nil {
		t.Fatal(err)
	}
	if err := cn.Subscribe(2); err == nil {
		t.Fatal("double subscription accepted")
	}
	h.waitSynced("after a live subscribe") // all three books now
	cn.Unsubscribe(0)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(h.srv.received(), "\n"), `{"operation":"unsubscribe","assets_ids":["`+tokA+`"]}`) {
		if time.Now().After(deadline) {
			t.Fatal("no unsubscribe frame")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if got := cn.Assets(); len(got) != 2 || h.c.Resync(0) {
		t.Fatalf("assets %v after unsubscribe; resync of an unsubscribed asset accepted", got)
	}
	if err := cn.Subscribe(0, 0); err == nil {
		t.Fatal("over the cap accepted")
	}
}

func TestClientReconnectsAfterDrop(t *testing.T) {
	h := newHarness(t, Config{}, IntegrityConfig{}, testTokens...)
	h.waitSynced("initial")
	h.srv.dropAll()
	// Changes while the client is away arrive only through the new snapshots.
	h.srv.change(tokA, book.Bid, 50_000, 99*book.OneShare)
	h.srv.change(tokYes, book.Ask, 800_000, 3*book.OneShare)
	st := h.waitSynced("after the server dropped the connection")
	if h.srv.accepts.Load() < 2 {
		t.Fatalf("accepts %d", h.srv.accepts.Load())
	}
	if st.Exclusions[ExclDisconnected] == 0 || st.Snapshots < 6 {
		t.Fatalf("stats %+v", st)
	}
	if cs := h.c.Stats(); cs.Disconnects == 0 {
		t.Fatalf("conn stats %+v", cs)
	}
}

// A silent stall: the server keeps answering PING, data stops. On a busy,
// regular connection the books are excluded within its pace limit (at most
// CanarySilence, well before ConnStale), and usable again once the
// reconnect's snapshots are in.
func TestClientDetectsSilentStall(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const silence = 300 * time.Millisecond
	h := newHarness(t, Config{PingInterval: 20 * time.Millisecond, PongTimeout: 10 * time.Second},
		IntegrityConfig{ConnStale: 10 * time.Second, CanarySilence: silence}, testTokens...)
	h.waitSynced("initial")
	// Keep the canary busy and regular: a change every 10 ms.
	stop, ticked := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ticked)
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tk.C:
				h.srv.change(tokA, book.Bid, 300_000, book.Size(i%50+1)*book.OneShare)
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-ticked
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var canary book.AssetIndex
		h.inspect(func(in *Integrity) { canary = in.Canary(0) })
		if canary == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no canary chosen (%d)", canary)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stalled := time.Now()
	h.srv.stallAll()
	var excluded time.Duration
	for excluded == 0 {
		usable := 0
		h.inspect(func(in *Integrity) {
			for a := range book.AssetIndex(len(testTokens)) {
				if in.Usable(a) {
					usable++
				}
			}
		})
		if usable == 0 {
			excluded = time.Since(stalled)
		} else if time.Since(stalled) > 5*time.Second {
			t.Fatal("books still usable 5 s into the stall")
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	<-ticked
	st := h.waitSynced("after the stall")
	if h.srv.accepts.Load() < 2 {
		t.Fatal("no reconnect")
	}
	if st.StallReconnects+st.CanaryReconnects == 0 || st.Exclusions[ExclConnStale] == 0 {
		t.Fatalf("stall not detected: %+v", st)
	}
	if cs := h.c.Stats(); cs.PongTimeouts != 0 || cs.PingsSent == 0 {
		t.Fatalf("the link looked alive (PONGs) yet: %+v", cs)
	}
	// The limit is at most CanarySilence and the consumer checks every
	// 5 ms; the margin is for a loaded machine (ConnStale is 10 s).
	if excluded > silence+2*time.Second {
		t.Errorf("books excluded %v into the stall, limit %v", excluded, silence)
	}
	t.Logf("books excluded %v into the stall (limit <= %v); silence reconnects %d, canary %d", excluded, silence, st.StallReconnects, st.CanaryReconnects)
}

// With the canary out of the picture (it needs a busy asset), the
// per-connection staleness alone catches the stall.
func TestClientDetectsStallByStaleness(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	h := newHarness(t, Config{PingInterval: 20 * time.Millisecond}, IntegrityConfig{ConnStale: 300 * time.Millisecond, CanarySilence: time.Hour}, testTokens...)
	h.waitSynced("initial")
	h.srv.stallAll()
	h.srv.change(tokB, book.Ask, 700_000, 5*book.OneShare)
	st := h.waitSynced("after the stall")
	if st.StallReconnects == 0 {
		t.Fatalf("stall not detected: %+v", st)
	}
}

func TestClientPongTimeout(t *testing.T) {
	h := newHarness(t, Config{PingInterval: 10 * time.Millisecond, PongTimeout: 60 * time.Millisecond}, IntegrityConfig{}, testTokens[:1]...)
	h.waitSynced("initial")
	h.srv.mutePong.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for h.c.Stats().PongTimeouts == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no PONG timeout")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.srv.mutePong.Store(false)
	h.srv.change(tokA, book.Ask, 990_000, book.OneShare)
	h.waitSynced("after the PONG timeout")
}

func TestClientOversizeFrameAndBadData(t *testing.T) {
	h := newHarness(t, Config{MaxFrame: 4096}, IntegrityConfig{}, testTokens[:2]...)
	h.waitSynced("initial")
	// Garbage is counted, a bad price marks the asset suspect and resyncs it.
	h.srv.send(ws.OpText, []byte(`{"event_type":`))
	h.srv.send(ws.OpText, []byte(`{"event_type":"price_change","price_changes":[{"asset_id":"`+tokA+`","price":"0.505","size":"1","side":"BUY"}],"timestamp":"1"}`))
	h.srv.send(ws.OpPing, []byte("hb"))
	var st IntegrityStats
	deadline := time.Now().Add(5 * time.Second)
	for st.Exclusions[ExclSuspect] == 0 || st.Snapshots < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("suspect not resynced: %+v", st)
		}
		time.Sleep(2 * time.Millisecond)
		h.inspect(func(in *Integrity) { st = in.Stats() })
	}
	h.waitSynced("after the suspect resync")
	if h.srv.pongs.Load() == 0 {
		t.Fatal("the client did not answer the server's ping control frame")
	}
	h.srv.send(ws.OpText, make([]byte, 5000))
	deadline = time.Now().Add(5 * time.Second)
	for h.c.Stats().Oversize == 0 {
		if time.Now().After(deadline) {
			t.Fatal("oversize frame not counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.srv.change(tokB, book.Bid, 200_000, book.OneShare)
	h.waitSynced("after the oversize reconnect")
	cs := h.c.Stats()
	if cs.Decoder.Reasons[ReasonMalformed] == 0 || cs.Decoder.Reasons[ReasonOffGrid] == 0 || cs.Decoder.Reasons[ReasonOversize] == 0 {
		t.Fatalf("decoder counts %+v", cs.Decoder.Reasons)
	}
}
