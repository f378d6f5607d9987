package sim

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/hotpath/hotpath/book"
)

// wsConn is one server-side WebSocket with a bounded outbound queue: a
// consumer that falls Config.WSQueue frames behind is disconnected, never
// waited for.
type wsConn struct {
	c      net.Conn
	out    chan []byte
	done   chan struct{}
	once   sync.Once
	idle   time.Duration
	onStop func()
}

func newWSConn(c net.Conn, idle time.Duration, queue int) *wsConn {
	return &wsConn{c: c, out: make(chan []byte, queue), done: make(chan struct{}), idle: idle}
}

func (w *wsConn) send(b []byte) {
	select {
	case w.out <- b:
	case <-w.done:
	default:
		// slow consumer: disconnect it. Asynchronously, because callers hold
		// the hub lock that close's onStop takes.
		go w.close()
	}
}

func (w *wsConn) close() {
	w.once.Do(func() {
		close(w.done)
		_ = w.c.Close()
		if w.onStop != nil {
			w.onStop()
		}
	})
}

func (w *wsConn) writer() {
	for {
		select {
		case b := <-w.out:
			if err := wsutil.WriteServerMessage(w.c, ws.OpText, b); err != nil {
				w.close()
				return
			}
		case <-w.done:
			return
		}
	}
}

// reader calls h for each text frame until the connection ends; "PING" is
// answered with "PONG" here.
func (w *wsConn) reader(h func([]byte)) {
	defer w.close()
	for {
		if w.idle > 0 {
			_ = w.c.SetReadDeadline(time.Now().Add(w.idle))
		}
		msg, op, err := wsutil.ReadClientData(w.c)
		if err != nil {
			return
		}
		if op != ws.OpText {
			continue
		}
		if string(bytes.TrimSpace(msg)) == "PING" {
			w.send([]byte("PONG"))
			continue
		}
		h(msg)
	}
}

// marketHub serves /ws/market (protocol.md §2).
type marketHub struct {
	s     *Server
	mu    sync.Mutex
	conns map[*marketConn]struct{}
	tops  map[string][2]book.Price // last best bid/ask sent per token (best_bid_ask)
}

type marketConn struct {
	*wsConn
	mu     sync.Mutex
	assets map[string]bool
	custom bool
	over   bool // subscribed past the asset limit: updates stop
}

func newMarketHub(s *Server) *marketHub {
	return &marketHub{s: s, conns: map[*marketConn]struct{}{}, tops: map[string][2]book.Price{}}
}

// maxIDsPerFrame: a subscribe frame with more ids makes the venue close the
// connection (protocol.md §2.3, threshold UNCERTAIN).
const maxIDsPerFrame = 1000

func (h *marketHub) serve(w http.ResponseWriter, r *http.Request) {
	c, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	mc := &marketConn{wsConn: newWSConn(c, h.s.cfg.WSIdleTimeout, h.s.cfg.WSQueue), assets: map[string]bool{}}
	h.mu.Lock()
	h.conns[mc] = struct{}{}
	h.mu.Unlock()
	mc.onStop = func() {
		h.mu.Lock()
		delete(h.conns, mc)
		h.mu.Unlock()
	}
	go mc.writer()
	mc.reader(func(msg []byte) { h.handle(mc, msg) })
}

type subscribeMsg struct {
	AssetsIDs   []string `json:"assets_ids"`
	Markets     []string `json:"markets"`
	Type        string   `json:"type"`
	Operation   string   `json:"operation"`
	InitialDump *bool    `json:"initial_dump"`
	Custom      *bool    `json:"custom_feature_enabled"`
	Auth        *struct {
		APIKey     string `json:"apiKey"`
		Secret     string `json:"secret"`
		Passphrase string `json:"passphrase"`
	} `json:"auth"`
}

func (h *marketHub) handle(mc *marketConn, msg []byte) {
	var sub subscribeMsg
	if json.Unmarshal(msg, &sub) != nil {
		return // the venue ignores what it cannot parse
	}
	if len(sub.AssetsIDs) > maxIDsPerFrame {
		time.AfterFunc(150*time.Millisecond, mc.close)
		return
	}
	x := h.s.x
	x.mu.Lock()
	defer x.mu.Unlock()
	mc.mu.Lock()
	if sub.Custom != nil {
		mc.custom = *sub.Custom
	}
	var added []string
	if strings.EqualFold(sub.Operation, "unsubscribe") {
		for _, a := range sub.AssetsIDs {
			delete(mc.assets, a)
		}
	} else {
		for _, a := range sub.AssetsIDs {
			if _, _, ok := x.MarketByToken(a); ok && !mc.assets[a] {
				mc.assets[a] = true
				added = append(added, a)
			}
		}
	}
	mc.over = len(mc.assets) > h.s.cfg.WSAssetLimit
	over := mc.over
	mc.mu.Unlock()
	if over || (sub.InitialDump != nil && !*sub.InitialDump) || len(added) == 0 {
		return
	}
	ts := x.now().UnixMilli()
	b := []byte{'['}
	for i, a := range added {
		m, yes, _ := x.MarketByToken(a)
		if i > 0 {
			b = append(b, ',')
		}
		b = h.appendBookEvent(b, m, yes, ts)
		h.s.dlog.add(m.ConditionID, true)
	}
	mc.send(append(b, ']'))
}

// wants reports which of a market's tokens the connection subscribed to;
// nothing once it is past the asset limit, or for custom-feature messages
// when it did not ask for them.
func (mc *marketConn) wants(yesToken, noToken string, customOnly bool) (yes, no bool) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if mc.over || (customOnly && !mc.custom) {
		return false, false
	}
	return mc.assets[yesToken], mc.assets[noToken]
}

// broadcastSplit sends each connection subscribed to one of m's tokens the
// variant build(wantYes, wantNo) of a message (nil = nothing for it);
// variants are built once. Called with the exchange lock held.
func (h *marketHub) broadcastSplit(m *Market, customOnly bool, build func(yes, no bool) []byte) {
	if h.s.faults.stalled() {
		if !customOnly {
			h.s.dlog.add(m.ConditionID, false)
		}
		return
	}
	var cache [4][]byte
	var built [4]bool
	h.mu.Lock()
	defer h.mu.Unlock()
	sent := false
	defer func() {
		if !sent && !customOnly {
			h.s.dlog.add(m.ConditionID, false)
		}
	}()
	for mc := range h.conns {
		y, n := mc.wants(m.YesToken, m.NoToken, customOnly)
		if !y && !n {
			continue
		}
		sent = true
		i := 0
		if y {
			i |= 1
		}
		if n {
			i |= 2
		}
		if !built[i] {
			cache[i], built[i] = build(y, n), true
		}
		if cache[i] != nil {
			mc.send(cache[i])
		}
	}
}

func (h *marketHub) broadcastRaw(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for mc := range h.conns {
		mc.send(b)
	}
}

func (h *marketHub) dropAll() {
	h.mu.Lock()
	cs := make([]*marketConn, 0, len(h.conns))
	for mc := range h.conns {
		cs = append(cs, mc)
	}
	h.mu.Unlock()
	for _, mc := range cs {
		mc.close()
	}
}

func (h *marketHub) closeAll() { h.dropAll() }

func (h *marketHub) appendBookEvent(b []byte, m *Market, yes bool, ts int64) []byte {
	bids, asks := m.Levels(yes)
	tok := m.token(yes)
	hash := h.s.hasher.hash(h.s.cfg.HashLayout, m, tok, bids, asks, ts)
	t := appendBookJSON(nil, Hash6, m, tok, bids, asks, ts, hash)
	b = append(b, `{"event_type":"book",`...)
	return append(b, t[1:]...)
}
