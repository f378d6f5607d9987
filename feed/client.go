package feed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/ring"
)

// DefaultURL is the venue's market channel.
const DefaultURL = "wss://ws-subscriptions-clob.polymarket.com/ws/market"

// Config configures a Client. Zero fields take the defaults in brackets.
type Config struct {
	URL      string         // [DefaultURL]; ws:// for the simulator and tests
	Registry *book.Registry // required: token ids ↔ asset indexes
	// Assets to subscribe [every asset of Registry].
	Assets []book.AssetIndex
	// MaxAssetsPerConn shards the assets across connections [500]: past
	// about 500 the venue silently stops sending (protocol §2.3).
	MaxAssetsPerConn int
	// MaxIDsPerFrame bounds the ids in one subscribe frame [100] (§2.3).
	MaxIDsPerFrame int
	PingInterval   time.Duration // text PING period [10s]
	PongTimeout    time.Duration // reconnect when no PONG for this long [30s]
	BackoffInitial time.Duration // first reconnect delay [1s]; doubles per failure
	BackoffMax     time.Duration // [60s]; each delay is jittered into [d/2, d]
	DialTimeout    time.Duration // connect + handshake [10s]
	MaxFrame       int           // frame / message size cap in bytes [4 MiB]
	RingSize       int           // events per connection ring, a power of two [16384]
	// Tap, when set, sees every received text message with its receive
	// time before it is decoded (capture). It runs on the connection's
	// reader goroutine; msg is valid only during the call.
	Tap func(conn uint16, recvNs int64, msg []byte)
	// Notify, when set, is called on the connection's reader goroutine
	// after the events of one message (or of a lost session's resyncs)
	// have been pushed to the ring: a doorbell for a consumer that waits
	// on several rings with a timeout, or the consumer itself when it runs
	// fused with a single reader (it must then drain the ring before
	// returning, and RingSize must hold one message's events).
	Notify func(conn uint16)
}

func (c *Config) withDefaults() {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.MaxAssetsPerConn <= 0 {
		c.MaxAssetsPerConn = 500
	}
	if c.MaxIDsPerFrame <= 0 {
		c.MaxIDsPerFrame = 100
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 10 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 30 * time.Second
	}
	if c.BackoffInitial <= 0 {
		c.BackoffInitial = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 60 * time.Second
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.MaxFrame <= 0 {
		c.MaxFrame = 4 << 20
	}
	if c.RingSize <= 0 {
		c.RingSize = 1 << 14
	}
}

var wallBase = time.Now()

// Now returns the receive clock: Unix nanoseconds derived from the monotonic
// clock (one cheap read; immune to wall-clock steps while the process runs).
func Now() int64 { return wallBase.UnixNano() + int64(time.Since(wallBase)) }

// Client keeps the market channel open for a set of assets, sharded over
// connections of at most MaxAssetsPerConn assets. Each connection has its own
// reader goroutine, decoder and event ring (Conn.Ring); the consumer (book +
// scan stage) drains the rings.
type Client struct {
	cfg   Config
	conns []*Conn
	owner []atomic.Int32 // asset → index in conns, -1 when not subscribed
}

// NewClient validates cfg and shards its assets. Nothing is dialled until Run.
func NewClient(cfg Config) (*Client, error) {
	cfg.withDefaults()
	if cfg.Registry == nil {
		return nil, errors.New("feed: Config.Registry is required")
	}
	if cfg.MaxIDsPerFrame > cfg.MaxAssetsPerConn {
		cfg.MaxIDsPerFrame = cfg.MaxAssetsPerConn
	}
	assets := cfg.Assets
	if assets == nil {
		assets = make([]book.AssetIndex, cfg.Registry.Len())
		for i := range assets {
			assets[i] = book.AssetIndex(i)
		}
	}
	c := &Client{cfg: cfg, owner: make([]atomic.Int32, cfg.Registry.Len())}
	for i := range c.owner {
		c.owner[i].Store(-1)
	}
	for start := 0; start < len(assets) || start == 0; start += cfg.MaxAssetsPerConn {
		end := min(start+cfg.MaxAssetsPerConn, len(assets))
		if len(c.conns) > 0xffff {
			return nil, errors.New("feed: too many connections")
		}
		r, err := ring.New[Event](cfg.RingSize)
		if err != nil {
			return nil, fmt.Errorf("feed: ring size %d: %w", cfg.RingSize, err)
		}
		cn := &Conn{
			id:     uint16(len(c.conns)),
			cfg:    &c.cfg,
			ring:   r,
			dec:    NewDecoder(cfg.Registry, uint16(len(c.conns))),
			br:     bufio.NewReaderSize(nil, 64<<10),
			ctrl:   make(chan ctrlReq, 256),
			client: c,
		}
		cn.fr = newFrameReader(cn.br, cfg.MaxFrame)
		for _, a := range assets[start:end] {
			if int(a) >= len(c.owner) {
				return nil, fmt.Errorf("feed: asset index %d not in registry", a)
			}
			if c.owner[a].Load() >= 0 {
				return nil, fmt.Errorf("feed: asset %d listed twice", a)
			}
			c.owner[a].Store(int32(cn.id))
			cn.assets = append(cn.assets, a)
		}
		c.conns = append(c.conns, cn)
		if end == len(assets) {
			break
		}
	}
	return c, nil
}

// Conns returns the connections; their ids are their indexes.
func (c *Client) Conns() []*Conn { return c.conns }

// Run dials every connection and keeps them up until ctx is done. It then
// closes every ring (the consumer drains and sees Wait return false) and
// returns ctx's error.
func (c *Client) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, cn := range c.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn.run(ctx)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// Resync asks the connection carrying asset a to unsubscribe and
// re-subscribe it with initial_dump, so a fresh snapshot arrives. It never
// blocks; it returns false when the request could not be queued (unknown
// asset, queue full or connection down: a reconnect resubscribes anyway).
// Safe from any goroutine.
func (c *Client) Resync(a book.AssetIndex) bool {
	if int(a) >= len(c.owner) {
		return false
	}
	o := c.owner[a].Load()
	if o < 0 {
		return false
	}
	return c.conns[o].request(ctrlReq{op: opResync, asset: a})
}

// Reconnect drops connection id (a stalled socket) so that its reader
// reconnects, resubscribes and rebuilds the books. Safe from any goroutine.
func (c *Client) Reconnect(id uint16) bool {
	if int(id) >= len(c.conns) {
		return false
	}
	c.conns[id].Reconnect()
	return true
}

// Stats sums the published statistics of every connection.
func (c *Client) Stats() ConnStats {
	var s ConnStats
	for _, cn := range c.conns {
		cs := cn.Stats()
		s.add(&cs)
	}
	return s
}

// ConnStats are a connection's counters, published by its reader goroutine
// about once a second and at every reconnect.
type ConnStats struct {
	Decoder      Counts
	Dials        uint64 // connection attempts
	DialErrors   uint64
	Disconnects  uint64 // sessions that ended (EOF, error, close, stall)
	PongTimeouts uint64 // sessions dropped for a missing PONG
	Reconnects   uint64 // sessions dropped on request (Reconnect)
	Oversize     uint64 // frames over MaxFrame (each drops the session)
	PingsSent    uint64
	RingFullWait uint64 // times the reader waited for ring space
	Bytes        uint64 // payload bytes of data messages
	// Foreign counts decoded events about assets this connection does not
	// carry, dropped (keepOwned): a market's messages may name both of its
	// tokens (protocol §2.5, mirrored books, UNCERTAIN).
	Foreign uint64
}

func (s *ConnStats) add(o *ConnStats) {
	s.Decoder.Add(&o.Decoder)
	s.Dials += o.Dials
	s.DialErrors += o.DialErrors
	s.Disconnects += o.Disconnects
	s.PongTimeouts += o.PongTimeouts
	s.Reconnects += o.Reconnects
	s.Oversize += o.Oversize
	s.PingsSent += o.PingsSent
	s.RingFullWait += o.RingFullWait
	s.Bytes += o.Bytes
	s.Foreign += o.Foreign
}

// ownedKinds are the kinds keepOwned filters: everything that changes or
// judges a book. New markets and resolutions pass whatever connection
// brings them (a duplicate is harmless, a dropped resolution is not).
const ownedKinds = 1<<KindBookBegin | 1<<KindLevel | 1<<KindBookEnd | 1<<KindTickSize |
	1<<KindLastTrade | 1<<KindBestBidAsk | 1<<KindSuspect

// keepOwned drops, in place, the book events of evs about assets that
// connection id does not carry (owner[a] != id), counting them in foreign,
// and keeps FlagLast on the last event left. A connection then only ever
// writes its own assets' books: when the venue sends a market's message,
// entries of both tokens, to a connection subscribed to one of them
// (protocol §2.5 mirrored books, UNCERTAIN), the other token's copy,
// owned by another connection, is not applied out of order with that
// connection's own stream (two streams interleaved by the consumer would
// move a book back and forth: top-of-book and hash mismatches, or a wrong
// book that no check catches). Allocation-free; one load per event.
func keepOwned(evs []Event, owner []atomic.Int32, id int32, foreign *uint64) []Event {
	n := 0
	for i := range evs {
		e := &evs[i]
		if ownedKinds&(1<<e.Kind) != 0 && e.Asset != NoAsset && (int(e.Asset) >= len(owner) || owner[e.Asset].Load() != id) {
			*foreign++
			continue
		}
		if n != i {
			evs[n] = *e
		}
		n++
	}
	if n < len(evs) && n > 0 {
		evs[n-1].Flags |= FlagLast
	}
	return evs[:n]
}

type ctrlOp uint8

const (
	opResync ctrlOp = iota
	opSubscribe
	opUnsubscribe
)

type ctrlReq struct {
	op    ctrlOp
	asset book.AssetIndex
}

// Conn is one market-channel connection: up to MaxAssetsPerConn assets, one
// reader goroutine (the only producer of Ring), one keepalive goroutine per
// session that sends PING and serves control requests.
type Conn struct {
	id     uint16
	cfg    *Config
	client *Client
	ring   *ring.Ring[Event]
	dec    *Decoder      // reader goroutine only
	br     *bufio.Reader // reused across sessions
	fr     *frameReader
	ctrl   chan ctrlReq

	mu     sync.Mutex // guards nc, assets, wbuf, and every write to nc
	nc     net.Conn
	assets []book.AssetIndex
	wbuf   []byte
	pbuf   []byte

	lastPong atomic.Int64
	dropped  atomic.Bool // the current session was dropped on request

	pubMu  sync.Mutex
	pub    ConnStats     // published copy
	st     ConnStats     // reader goroutine's own (Decoder filled at publish)
	pings  atomic.Uint64 // keepalive goroutine's counters
	pongTO atomic.Uint64
}

// ID is the connection id stamped on its events.
func (cn *Conn) ID() uint16 { return cn.id }

// Ring is the connection's event ring. Exactly one consumer goroutine may
// call its consumer methods.
func (cn *Conn) Ring() *ring.Ring[Event] { return cn.ring }

// Assets returns a copy of the connection's subscription.
func (cn *Conn) Assets() []book.AssetIndex {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return append([]book.AssetIndex(nil), cn.assets...)
}

// Stats returns the counters last published by the reader goroutine.
func (cn *Conn) Stats() ConnStats {
	cn.pubMu.Lock()
	defer cn.pubMu.Unlock()
	s := cn.pub
	s.PingsSent = cn.pings.Load()
	s.PongTimeouts = cn.pongTO.Load()
	return s
}

func (cn *Conn) publish() {
	cn.st.Decoder = cn.dec.Counts()
	cn.pubMu.Lock()
	cn.pub = cn.st
	cn.pubMu.Unlock()
}

// Reconnect closes the current socket; the reader reconnects.
func (cn *Conn) Reconnect() {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if cn.nc != nil {
		cn.dropped.Store(true)
		_ = cn.nc.Close()
	}
}

// Subscribe adds assets to this connection (on a live one: operation
// subscribe with initial_dump, the snapshots follow; a connection that is
// down subscribes them when it reconnects). The assets must be in the
// registry and not subscribed on any connection; the connection must stay
// within MaxAssetsPerConn. Calls to Subscribe/Unsubscribe must not run
// concurrently with each other; Resync may run at any time.
func (cn *Conn) Subscribe(assets ...book.AssetIndex) error {
	c := cn.client
	cn.mu.Lock()
	if len(cn.assets)+len(assets) > cn.cfg.MaxAssetsPerConn {
		cn.mu.Unlock()
		return fmt.Errorf("feed: connection %d would carry %d assets, cap %d", cn.id, len(cn.assets)+len(assets), cn.cfg.MaxAssetsPerConn)
	}
	for _, a := range assets {
		if int(a) >= len(c.owner) || c.owner[a].Load() >= 0 {
			cn.mu.Unlock()
			return fmt.Errorf("feed: asset %d unknown or already subscribed", a)
		}
	}
	for _, a := range assets {
		c.owner[a].Store(int32(cn.id))
	}
	cn.assets = append(cn.assets, assets...)
	cn.mu.Unlock()
	for _, a := range assets {
		cn.request(ctrlReq{op: opSubscribe, asset: a})
	}
	return nil
}

// Unsubscribe removes assets from this connection (operation unsubscribe).
// Same concurrency rule as Subscribe.
func (cn *Conn) Unsubscribe(assets ...book.AssetIndex) {
	c := cn.client
	cn.mu.Lock()
	for _, a := range assets {
		for i, x := range cn.assets {
			if x == a {
				cn.assets = append(cn.assets[:i], cn.assets[i+1:]...)
				c.owner[a].Store(-1)
				break
			}
		}
	}
	cn.mu.Unlock()
	for _, a := range assets {
		cn.request(ctrlReq{op: opUnsubscribe, asset: a})
	}
}

func (cn *Conn) request(r ctrlReq) bool {
	select {
	case cn.ctrl <- r:
		return true
	default:
		return false
	}
}

// run is the connection's reader goroutine: dial, subscribe, read until the
// session ends, tell the consumer, back off, repeat.
func (cn *Conn) run(ctx context.Context) {
	defer cn.ring.Close()
	backoff := cn.cfg.BackoffInitial
	for ctx.Err() == nil {
		cn.st.Dials++
		healthy, err := cn.session(ctx)
		if ctx.Err() != nil {
			break
		}
		_ = err // sessions end with an error by nature; the counters tell why
		if healthy {
			backoff = cn.cfg.BackoffInitial
		}
		cn.publish()
		// Jittered into [d/2, d] so that shards do not reconnect in step.
		d := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, cn.cfg.BackoffMax)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	cn.publish()
}

// session runs one connection. healthy reports whether it got as far as
// receiving data (then the backoff restarts from its initial value).
func (cn *Conn) session(ctx context.Context) (healthy bool, err error) {
	d := ws.Dialer{Timeout: cn.cfg.DialTimeout} // no Extensions: no permessage-deflate
	nc, br, _, err := d.Dial(ctx, cn.cfg.URL)
	if err != nil {
		cn.st.DialErrors++
		return false, err
	}
	src := io.Reader(nc)
	if br != nil { // the server spoke right after the handshake
		if n := br.Buffered(); n > 0 {
			pre, _ := br.Peek(n)
			src = io.MultiReader(bytes.NewReader(append([]byte(nil), pre...)), nc)
		}
		ws.PutReader(br)
	}
	cn.br.Reset(src)
	cn.fr.reset(cn.br)
	cn.mu.Lock()
	cn.nc = nc
	cn.dropped.Store(false)
	assets := append([]book.AssetIndex(nil), cn.assets...)
	cn.mu.Unlock()
	cn.lastPong.Store(Now())
	// Drain control requests queued while down: the subscription below
	// covers them.
	for len(cn.ctrl) > 0 {
		<-cn.ctrl
	}
	if err := cn.subscribeAll(assets); err != nil {
		cn.endSession(nc, assets)
		return false, err
	}
	// Publish the session's start now: readLoop publishes at most once a
	// second and only when a frame arrives, so on a quiet market Stats
	// (and /readyz, hotpath_feed_up) would show the connection down until
	// the first PONG after a second.
	cn.publish()
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cn.keepalive(sctx, nc)
	}()
	healthy, err = cn.readLoop()
	cancel()
	cn.endSession(nc, assets)
	wg.Wait()
	return healthy, err
}

// endSession closes the socket and tells the consumer that every book of
// this connection is invalid until its fresh snapshot.
func (cn *Conn) endSession(nc net.Conn, assets []book.AssetIndex) {
	cn.mu.Lock()
	_ = nc.Close()
	cn.nc = nil
	cn.mu.Unlock()
	cn.st.Disconnects++
	if cn.dropped.Load() {
		cn.st.Reconnects++
	}
	now := Now()
	for i, a := range assets {
		e := Event{RecvNs: now, Asset: a, Conn: cn.id, Kind: KindResync}
		if i == len(assets)-1 {
			e.Flags = FlagLast
		}
		if !cn.push(&e) {
			return
		}
	}
	if len(assets) > 0 && cn.cfg.Notify != nil {
		cn.cfg.Notify(cn.id)
	}
}

// push publishes one event, waiting (parked) while the ring is full.
func (cn *Conn) push(e *Event) bool {
	for !cn.ring.Push(*e) {
		cn.st.RingFullWait++
		if !cn.ring.WaitSpace(ring.Park) {
			return false
		}
	}
	return true
}

func (cn *Conn) readLoop() (healthy bool, err error) {
	lastPub := Now()
	for {
		kind, p, err := cn.fr.next()
		now := Now() // the frame's bytes are in: the one clock read for this frame
		if err != nil {
			if errors.Is(err, ErrFrameTooLarge) {
				cn.st.Oversize++
				cn.dec.Count(ReasonOversize)
			} else if errors.Is(err, ErrProtocol) {
				cn.dec.Count(ReasonProtocol)
			}
			return healthy, err
		}
		switch kind {
		case msgText:
			healthy = true
			cn.st.Bytes += uint64(len(p))
			if len(p) == 4 && string(p) == "PONG" {
				cn.lastPong.Store(now)
			}
			if cn.cfg.Tap != nil {
				cn.cfg.Tap(cn.id, now, p)
			}
			evs := keepOwned(cn.dec.Decode(p, now), cn.client.owner, int32(cn.id), &cn.st.Foreign)
			for i := range evs {
				if !cn.push(&evs[i]) {
					return healthy, errors.New("feed: ring closed")
				}
			}
			if len(evs) > 0 && cn.cfg.Notify != nil {
				cn.cfg.Notify(cn.id)
			}
		case msgBinary:
			cn.dec.Count(ReasonBinary)
		case msgPing:
			if err := cn.write(ws.OpPong, p); err != nil {
				return healthy, err
			}
		case msgPong:
		case msgClose:
			_ = cn.write(ws.OpClose, closePayload(p))
			return healthy, io.EOF
		}
		if now-lastPub > int64(time.Second) {
			lastPub = now
			cn.publish()
		}
	}
}

// closePayload echoes the status code of a received close frame.
func closePayload(p []byte) []byte {
	if len(p) >= 2 {
		return p[:2]
	}
	return nil
}

// keepalive sends the text PING every PingInterval, drops the session when
// no PONG came for PongTimeout, serves control requests, and closes the
// socket when ctx ends (which unblocks the reader).
func (cn *Conn) keepalive(ctx context.Context, nc net.Conn) {
	t := time.NewTicker(cn.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = nc.Close()
			return
		case <-t.C:
			if Now()-cn.lastPong.Load() > int64(cn.cfg.PongTimeout) {
				cn.pongTO.Add(1)
				_ = nc.Close()
				return
			}
			if cn.write(ws.OpText, pingText) != nil {
				_ = nc.Close()
				return
			}
			cn.pings.Add(1)
		case r := <-cn.ctrl:
			var err error
			switch r.op {
			case opResync:
				err = cn.sendOp("unsubscribe", []book.AssetIndex{r.asset}, false)
				if err == nil {
					err = cn.sendOp("subscribe", []book.AssetIndex{r.asset}, true)
				}
			case opSubscribe:
				err = cn.sendOp("subscribe", []book.AssetIndex{r.asset}, true)
			case opUnsubscribe:
				err = cn.sendOp("unsubscribe", []book.AssetIndex{r.asset}, false)
			}
			if err != nil {
				_ = nc.Close()
				return
			}
		}
	}
}

var pingText = []byte("PING")

// subscribeAll sends the initial subscription: the first frame in the
// documented form, further frames of at most MaxIDsPerFrame ids as
// operation subscribe.
func (cn *Conn) subscribeAll(assets []book.AssetIndex) error {
	per := cn.cfg.MaxIDsPerFrame
	for start := 0; start < len(assets); start += per {
		end := min(start+per, len(assets))
		op := ""
		if start > 0 {
			op = "subscribe"
		}
		if err := cn.sendOp(op, assets[start:end], true); err != nil {
			return err
		}
	}
	return nil
}

// sendOp writes one subscription frame. op "" is the initial form
// ({"assets_ids":…,"type":"market",…}); "subscribe"/"unsubscribe" change a
// live subscription.
func (cn *Conn) sendOp(op string, assets []book.AssetIndex, dump bool) error {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	b := cn.pbuf[:0]
	if op == "" {
		b = append(b, `{"assets_ids":[`...)
	} else {
		b = append(b, `{"operation":"`...)
		b = append(b, op...)
		b = append(b, `","assets_ids":[`...)
	}
	reg := cn.cfg.Registry
	for i, a := range assets {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, reg.Info(a).TokenID)
	}
	b = append(b, ']')
	if op == "" {
		b = append(b, `,"type":"market"`...)
	}
	if dump {
		b = append(b, `,"initial_dump":true,"custom_feature_enabled":true`...)
	}
	b = append(b, '}')
	cn.pbuf = b
	return cn.writeLocked(ws.OpText, b)
}

// write sends one frame (one Write call).
func (cn *Conn) write(op ws.OpCode, p []byte) error {
	cn.mu.Lock()
	defer cn.mu.Unlock()
	return cn.writeLocked(op, p)
}

func (cn *Conn) writeLocked(op ws.OpCode, p []byte) error {
	if cn.nc == nil {
		return net.ErrClosed
	}
	var mask [4]byte
	m := rand.Uint32()
	mask[0], mask[1], mask[2], mask[3] = byte(m), byte(m>>8), byte(m>>16), byte(m>>24)
	cn.wbuf = appendClientFrame(cn.wbuf[:0], op, p, mask)
	_, err := cn.nc.Write(cn.wbuf)
	return err
}
