package exec

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/exec/httpconn"
	"github.com/hotpath/hotpath/sign"
)

// userWS follows the user channel (protocol.md §3): it authenticates with
// the L2 credentials, sends PING every 10 s, and turns trade and order
// events into venueEvents for Poll. It runs on its own goroutine and
// reconnects with backoff; while it is down (up == false) Poll falls back
// to GET /data/trades.
type userWS struct {
	x  *Executor
	up atomic.Bool
	// Sessions counts connections made (tests).
	sessions atomic.Int64
}

func newUserWS(x *Executor) *userWS { return &userWS{x: x} }

func (w *userWS) run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		healthy := w.session(ctx)
		w.up.Store(false)
		if healthy {
			backoff = 100 * time.Millisecond
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// lockedConn serialises writes (pings from the pinger, pongs from the
// reader's control-frame handler).
type lockedConn struct {
	net.Conn
	mu *sync.Mutex
}

func (c lockedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Write(b)
}

func (w *userWS) session(ctx context.Context) (healthy bool) {
	d := ws.Dialer{Timeout: 5 * time.Second, TLSConfig: w.x.cfg.TLSConfig}
	nc, br, _, err := d.Dial(ctx, w.x.cfg.WSUserURL)
	if err != nil {
		return false
	}
	defer nc.Close()
	src := io.Reader(nc)
	if br != nil {
		if n := br.Buffered(); n > 0 {
			pre, _ := br.Peek(n)
			src = io.MultiReader(bytes.NewReader(append([]byte(nil), pre...)), nc)
		}
		ws.PutReader(br)
	}
	var mu sync.Mutex
	wc := lockedConn{nc, &mu}
	c := w.x.cfg.Creds
	auth := []byte(`{"auth":{"apiKey":`)
	auth = sign.AppendJSONString(auth, c.APIKey)
	auth = append(auth, `,"secret":`...)
	auth = sign.AppendJSONString(auth, c.Secret)
	auth = append(auth, `,"passphrase":`...)
	auth = sign.AppendJSONString(auth, c.Passphrase)
	auth = append(auth, `},"markets":[],"type":"user"}`...)
	if err := w.writeText(wc, &mu, auth); err != nil {
		return false
	}
	w.sessions.Add(1)
	w.up.Store(true)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				nc.Close()
				return
			case <-done:
				return
			case <-t.C:
				if w.writeText(wc, &mu, []byte("PING")) != nil {
					nc.Close()
					return
				}
			}
		}
	}()
	control := wsutil.ControlFrameHandler(wc, ws.StateClientSide)
	rd := wsutil.Reader{Source: src, State: ws.StateClientSide, MaxFrameSize: 4 << 20, OnIntermediate: control}
	var p fastjson.Parser
	for {
		_ = nc.SetReadDeadline(time.Now().Add(35 * time.Second)) // PONGs arrive every 10 s
		hdr, err := rd.NextFrame()
		if err != nil {
			return healthy
		}
		if hdr.OpCode.IsControl() {
			if err := control(hdr, &rd); err != nil {
				return healthy
			}
			continue
		}
		if hdr.OpCode != ws.OpText && hdr.OpCode != ws.OpBinary {
			if rd.Discard() != nil {
				return healthy
			}
			continue
		}
		msg, err := io.ReadAll(&rd)
		if err != nil {
			return healthy
		}
		healthy = true
		if bytes.Equal(msg, []byte("PONG")) {
			continue
		}
		v, err := p.ParseBytes(msg)
		if err != nil {
			continue
		}
		if v.Type() == fastjson.TypeArray {
			arr, _ := v.Array()
			for _, e := range arr {
				w.event(e)
			}
		} else {
			w.event(v)
		}
	}
}

func (w *userWS) writeText(c lockedConn, mu *sync.Mutex, b []byte) error {
	f := ws.NewTextFrame(b)
	f = ws.MaskFrameInPlace(f)
	frame, err := ws.CompileFrame(f)
	if err != nil {
		return err
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(frame) // one write: never interleaved with a pong
	return err
}

func (w *userWS) event(v *fastjson.Value) {
	switch string(v.GetStringBytes("event_type")) {
	case "trade":
		tradeEvents(v, w.x.cfg.Creds.APIKey, w.x.pushEvent)
	case "order":
		id := v.GetStringBytes("id")
		if len(id) != 66 {
			return
		}
		var ev venueEvent
		if !decodeHex32(&ev.order, id[2:]) {
			return
		}
		ev.live = bytes.EqualFold(v.GetStringBytes("status"), []byte("LIVE"))
		if ev.live {
			w.x.pushEvent(ev)
		}
	}
}

// heartbeater keeps the venue's dead-man switch fed (POST /v1/heartbeats
// every 5 s, protocol.md §5.8) once a resting order has been seen. It has
// its own connection and L2 signer (goroutine-owned).
type heartbeater struct {
	x     *Executor
	once  sync.Once
	stopc chan struct{}
	done  chan struct{}
	id    string
	Sent  atomic.Int64
}

func newHeartbeater(x *Executor) *heartbeater {
	return &heartbeater{x: x, stopc: make(chan struct{}), done: make(chan struct{})}
}

// ensure starts the loop (once).
func (h *heartbeater) ensure() {
	h.once.Do(func() { go h.run() })
}

func (h *heartbeater) stop() {
	h.once.Do(func() { close(h.done) }) // never started: nothing to wait for
	select {
	case <-h.stopc:
	default:
		close(h.stopc)
	}
	<-h.done
}

func (h *heartbeater) run() {
	defer close(h.done)
	conn, err := httpconn.New(h.x.cfg.CLOBURL, httpconn.Options{Timeout: 3 * time.Second, TLSConfig: h.x.cfg.TLSConfig})
	if err != nil {
		return
	}
	defer conn.Close()
	l2, err := sign.NewL2Signer(h.x.cfg.Creds.Secret)
	if err != nil {
		return
	}
	addr := h.x.addrStr
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		for try := 0; try < 2; try++ {
			body := sign.AppendJSONString([]byte(`{"heartbeat_id":`), h.id)
			body = append(body, '}')
			ts := sign.AppendUnix(nil, time.Now().Unix())
			sig := l2.AppendSignature(nil, ts, "POST", "/v1/heartbeats", body)
			conn.Begin("POST", "/v1/heartbeats")
			conn.HeaderString(sign.HeaderAddress, addr)
			conn.Header(sign.HeaderSignature, sig)
			conn.Header(sign.HeaderTimestamp, ts)
			conn.HeaderString(sign.HeaderAPIKey, h.x.cfg.Creds.APIKey)
			conn.HeaderString(sign.HeaderPassphrase, h.x.cfg.Creds.Passphrase)
			resp, err := conn.RoundTrip(body)
			if err != nil {
				break
			}
			h.Sent.Add(1)
			var p fastjson.Parser
			v, perr := p.ParseBytes(resp.Body)
			if perr != nil {
				break
			}
			if id := v.GetStringBytes("heartbeat_id"); id != nil {
				h.id = string(id)
			}
			if resp.Status == 200 {
				break
			}
			// "Invalid Heartbeat ID": retry at once with the id the venue expects
		}
		select {
		case <-h.stopc:
			return
		case <-t.C:
		}
	}
}
