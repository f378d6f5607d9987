package hardening

import (
	"bufio"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/hotpath/hotpath/book"
)

// LoadAsset is one token the load feed serves, with its starting book.
type LoadAsset struct {
	Token, Market string
	Tick          book.Tick
	MinSize       book.Size
	NegRisk       bool
	Bids, Asks    []LoadLevel // best first
}

// LoadLevel is one price level of a starting book.
type LoadLevel struct {
	Price book.Price
	Size  book.Size
}

// LoadFeed is a market-channel WebSocket server (the venue's protocol:
// subscribe frames, book snapshots, price_change deltas with hashes and best
// prices, text PING/PONG) that streams generated, venue-shaped deltas at a
// fixed offered rate. The deltas resize, add and remove levels but never
// move a best price, so they create no opportunity; they come in cycles
// that restore every book, and Stop ends on a cycle boundary, so after Stop
// every book equals its starting book (the simulator's).
//
// Sending is paced from a schedule (message k is due at start + k/rate);
// the lateness of each message, from its scheduled time to the moment its
// bytes were handed to the socket, is recorded, so a consumer that falls
// behind shows up as lateness instead of hiding it (coordinated omission).
type LoadFeed struct {
	rate   float64 // messages per second, split evenly across connections
	half   int     // forward messages per cycle (the cycle is 2*half)
	seed   uint64
	srv    *http.Server
	ln     net.Listener
	mu     sync.Mutex // guards the model books
	assets map[string]*feedAsset

	start    chan struct{} // closed by Start
	stop     chan struct{} // closed by Stop
	stopOnce sync.Once
	senders  sync.WaitGroup

	sent, bytes atomic.Int64
	lateMu      sync.Mutex
	late        *hdrhistogram.Histogram // µs
	ncons       atomic.Int32
	started     time.Time
	stopped     time.Time
	stopAsked   time.Time // when Stop was called
	sentAtStop  int64     // messages sent by then
}

type feedAsset struct {
	LoadAsset
	b    *book.Book
	meta book.HashMeta
}

// LoadStats summarises a run of the feed.
type LoadStats struct {
	Sent, Bytes int64
	Conns       int
	Elapsed     time.Duration // Start to the end of the last cycle
	// Achieved is the send rate from Start until Stop was called (the
	// cycles' completion after it runs on fewer connections).
	Achieved float64
	// Lateness of messages from their scheduled time, µs.
	LateP50, LateP99, LateP999, LateMax int64
}

// NewLoadFeed listens on 127.0.0.1 and serves assets; rate is the total
// offered message rate once Start is called.
func NewLoadFeed(assets []LoadAsset, rate float64, seed uint64) (*LoadFeed, error) {
	if rate <= 0 {
		return nil, errors.New("load feed: rate must be positive")
	}
	f := &LoadFeed{rate: rate, half: 500, seed: seed, assets: map[string]*feedAsset{},
		start: make(chan struct{}), stop: make(chan struct{}),
		late: hdrhistogram.New(1, 60_000_000, 3)}
	for _, a := range assets {
		fa := &feedAsset{LoadAsset: a, b: book.NewBook(a.Tick)}
		fa.b.BeginSnapshot()
		for _, l := range a.Bids {
			if err := fa.b.SetLevel(book.Bid, l.Price, l.Size); err != nil {
				return nil, err
			}
		}
		for _, l := range a.Asks {
			if err := fa.b.SetLevel(book.Ask, l.Price, l.Size); err != nil {
				return nil, err
			}
		}
		fa.b.EndSnapshot()
		fa.meta = book.HashMeta{Market: []byte(a.Market), AssetID: []byte(a.Token),
			MinOrderSize: book.AppendSize(nil, a.MinSize), TickSize: book.AppendTick(nil, a.Tick), NegRisk: a.NegRisk}
		f.assets[a.Token] = fa
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.ln = ln
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// URL is the market channel's ws:// URL.
func (f *LoadFeed) URL() string { return "ws://" + f.ln.Addr().String() + "/ws/market" }

// Start begins streaming deltas on every connection (subscriptions made
// before and after Start are served).
func (f *LoadFeed) Start() {
	f.started = time.Now()
	close(f.start)
}

// Stop ends streaming at the end of each connection's current cycle and
// waits for the senders.
func (f *LoadFeed) Stop() {
	f.stopOnce.Do(func() {
		f.stopAsked, f.sentAtStop = time.Now(), f.sent.Load()
		close(f.stop)
	})
	f.senders.Wait()
	f.stopped = time.Now()
}

// Close stops serving.
func (f *LoadFeed) Close() {
	f.Stop()
	_ = f.srv.Close()
}

// Stats reports what was sent.
func (f *LoadFeed) Stats() LoadStats {
	f.lateMu.Lock()
	defer f.lateMu.Unlock()
	s := LoadStats{Sent: f.sent.Load(), Bytes: f.bytes.Load(), Conns: int(f.ncons.Load()),
		LateP50: f.late.ValueAtQuantile(50), LateP99: f.late.ValueAtQuantile(99),
		LateP999: f.late.ValueAtQuantile(99.9), LateMax: f.late.Max()}
	if !f.stopped.IsZero() {
		s.Elapsed = f.stopped.Sub(f.started)
		s.Achieved = float64(f.sentAtStop) / f.stopAsked.Sub(f.started).Seconds()
	}
	return s
}

// Book returns the feed's current book of tok (safe after Stop).
func (f *LoadFeed) Book(tok string) *book.Book {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.assets[tok]; a != nil {
		return a.b
	}
	return nil
}

type feedConn struct {
	f       *LoadFeed
	c       net.Conn
	bw      *bufio.Writer
	wmu     sync.Mutex // serialises building-and-writing (lock order: wmu, then f.mu)
	subMu   sync.Mutex
	tokens  []string
	has     map[string]bool
	scratch []byte
	msg     []byte
	ts      []byte
	ops     []op // randomOps' result (reused)
	undo    []op // undo ops of the forward messages, flat (reused)
	undoN   []int
}

func (f *LoadFeed) serve(w http.ResponseWriter, r *http.Request) {
	c, _, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		return
	}
	f.ncons.Add(1)
	fc := &feedConn{f: f, c: c, bw: bufio.NewWriterSize(c, 64<<10), has: map[string]bool{}}
	done := make(chan struct{})
	f.senders.Add(1)
	go func() {
		defer f.senders.Done()
		fc.send(done)
	}()
	defer close(done)
	defer c.Close()
	for {
		data, op, err := wsutil.ReadClientData(c)
		if err != nil {
			return
		}
		if op != ws.OpText {
			continue
		}
		if strings.TrimSpace(string(data)) == "PING" {
			fc.wmu.Lock()
			err = fc.write([]byte("PONG"))
			fc.wmu.Unlock()
			if err != nil {
				return
			}
			continue
		}
		if err := fc.subscribe(data); err != nil {
			return
		}
	}
}

// subscribe handles a subscribe or unsubscribe frame and answers new
// subscriptions with book snapshots of the current model books.
func (fc *feedConn) subscribe(data []byte) error {
	var sub struct {
		AssetsIDs   []string `json:"assets_ids"`
		Operation   string   `json:"operation"`
		InitialDump *bool    `json:"initial_dump"`
	}
	if json.Unmarshal(data, &sub) != nil {
		return nil // the venue ignores what it cannot parse
	}
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	fc.subMu.Lock()
	var added []string
	if strings.EqualFold(sub.Operation, "unsubscribe") {
		for _, a := range sub.AssetsIDs {
			if fc.has[a] {
				delete(fc.has, a)
				for i, t := range fc.tokens {
					if t == a {
						fc.tokens = append(fc.tokens[:i], fc.tokens[i+1:]...)
						break
					}
				}
			}
		}
	} else {
		for _, a := range sub.AssetsIDs {
			if _, ok := fc.f.assets[a]; ok && !fc.has[a] {
				fc.has[a] = true
				fc.tokens = append(fc.tokens, a)
				added = append(added, a)
			}
		}
	}
	fc.subMu.Unlock()
	if len(added) == 0 || sub.InitialDump != nil && !*sub.InitialDump {
		return nil
	}
	ts := strconv.AppendInt(nil, time.Now().UnixMilli(), 10)
	b := []byte{'['}
	fc.f.mu.Lock()
	for i, tok := range added {
		if i > 0 {
			b = append(b, ',')
		}
		b = fc.appendBook(b, fc.f.assets[tok], ts)
	}
	fc.f.mu.Unlock()
	return fc.write(append(b, ']'))
}

func (fc *feedConn) write(msg []byte) error {
	if err := writeTextHeader(fc.bw, len(msg)); err != nil {
		return err
	}
	if _, err := fc.bw.Write(msg); err != nil {
		return err
	}
	fc.f.bytes.Add(int64(len(msg)))
	return fc.bw.Flush()
}

// writeTextHeader writes the header of an unmasked final text frame of n
// bytes (RFC 6455 §5.2) byte by byte: ws.WriteHeader, or a header array
// passed to Write, would allocate on every message.
func writeTextHeader(bw *bufio.Writer, n int) error {
	_ = bw.WriteByte(0x81)
	switch {
	case n < 126:
		return bw.WriteByte(byte(n))
	case n < 1<<16:
		_ = bw.WriteByte(126)
		_ = bw.WriteByte(byte(n >> 8))
		return bw.WriteByte(byte(n))
	}
	_ = bw.WriteByte(127)
	for sh := 56; sh > 0; sh -= 8 {
		_ = bw.WriteByte(byte(n >> sh))
	}
	return bw.WriteByte(byte(n))
}

// appendBook writes a book event (bids ascending, asks descending: best
// last, as the venue sends them). Called with f.mu held.
func (fc *feedConn) appendBook(b []byte, a *feedAsset, ts []byte) []byte {
	a.meta.Timestamp = ts
	var sum [20]byte
	sum, fc.scratch = a.b.Hash(&a.meta, book.HashLayout9, fc.scratch)
	b = append(b, `{"event_type":"book","market":"`...)
	b = append(b, a.Market...)
	b = append(b, `","asset_id":"`...)
	b = append(b, a.Token...)
	b = append(b, `","timestamp":"`...)
	b = append(b, ts...)
	b = append(b, `","hash":"`...)
	b = book.AppendHashHex(b, &sum)
	b = append(b, `","bids":[`...)
	b = appendSide(b, a.b, book.Bid)
	b = append(b, `],"asks":[`...)
	b = appendSide(b, a.b, book.Ask)
	return append(b, `]}`...)
}

// appendSide writes one side worst first.
func appendSide(b []byte, bk *book.Book, sd book.Side) []byte {
	var lv []LoadLevel
	if sd == book.Bid {
		for p, s, ok := bk.BestBid(); ok; p, s, ok = bk.NextBid(p) {
			lv = append(lv, LoadLevel{p, s})
		}
	} else {
		for p, s, ok := bk.BestAsk(); ok; p, s, ok = bk.NextAsk(p) {
			lv = append(lv, LoadLevel{p, s})
		}
	}
	for i := len(lv) - 1; i >= 0; i-- {
		if i < len(lv)-1 {
			b = append(b, ',')
		}
		b = append(b, `{"price":"`...)
		b = book.AppendPrice(b, lv[i].Price)
		b = append(b, `","size":"`...)
		b = book.AppendSize(b, lv[i].Size)
		b = append(b, `"}`...)
	}
	return b
}

// op is one level change; its undo restores the previous size.
type op struct {
	tok   string
	side  book.Side
	price book.Price
	size  book.Size // new total (0 removes)
}

// send streams this connection's deltas once Start is called.
func (fc *feedConn) send(done <-chan struct{}) {
	select {
	case <-fc.f.start:
	case <-done:
		return
	}
	f := fc.f
	rng := rand.New(rand.NewPCG(f.seed, uint64(f.ncons.Load())))
	rate := f.rate / float64(max(f.ncons.Load(), 1))
	forward := true
	t0 := time.Now()
	k := 0
	var lates []int64
	for {
		select {
		case <-done:
			return
		default:
		}
		due := int(time.Since(t0).Seconds()*rate) + 1
		lates = lates[:0]
		fc.wmu.Lock()
		for ; k < due; k++ {
			if len(fc.undoN) == 0 { // a cycle boundary: every book is back to its start
				forward = true
				select {
				case <-f.stop:
					_ = fc.bw.Flush()
					fc.wmu.Unlock()
					fc.record(t0, lates)
					return
				default:
				}
			}
			if forward {
				ops := fc.randomOps(rng)
				if len(ops) == 0 {
					continue
				}
				fc.undoN = append(fc.undoN, len(ops))
				fc.applyAndBuild(ops, true)
				if len(fc.undoN) == f.half {
					forward = false
				}
			} else {
				n := fc.undoN[len(fc.undoN)-1]
				fc.undoN = fc.undoN[:len(fc.undoN)-1]
				ops := fc.undo[len(fc.undo)-n:]
				fc.undo = fc.undo[:len(fc.undo)-n]
				fc.applyAndBuild(ops, false)
			}
			if err := writeTextHeader(fc.bw, len(fc.msg)); err != nil {
				fc.wmu.Unlock()
				return
			}
			if _, err := fc.bw.Write(fc.msg); err != nil {
				fc.wmu.Unlock()
				return
			}
			f.bytes.Add(int64(len(fc.msg)))
			f.sent.Add(1)
			lates = append(lates, int64(time.Duration(float64(k)/rate*float64(time.Second))))
		}
		err := fc.bw.Flush()
		fc.wmu.Unlock()
		if err != nil {
			return
		}
		fc.record(t0, lates)
		next := time.Duration(float64(k) / rate * float64(time.Second))
		if d := next - time.Since(t0); d > 0 {
			time.Sleep(d)
		}
	}
}

// record adds the lateness of messages scheduled at offsets sched (ns
// from t0) that have just been handed to the socket.
func (fc *feedConn) record(t0 time.Time, sched []int64) {
	now := int64(time.Since(t0))
	fc.f.lateMu.Lock()
	for _, s := range sched {
		_ = fc.f.late.RecordValue(max((now-s)/1000, 1))
	}
	fc.f.lateMu.Unlock()
}

// randomOps picks a market with tokens on this connection and one change
// per token that keeps its best prices (into fc.ops). It returns nothing
// when there is nothing to change.
func (fc *feedConn) randomOps(rng *rand.Rand) []op {
	fc.subMu.Lock()
	defer fc.subMu.Unlock()
	if len(fc.tokens) == 0 {
		return nil
	}
	first := fc.f.assets[fc.tokens[rng.IntN(len(fc.tokens))]]
	fc.f.mu.Lock()
	defer fc.f.mu.Unlock()
	ops := fc.ops[:0]
	for _, tok := range fc.tokens {
		a := fc.f.assets[tok]
		if a.Market != first.Market || a != first && rng.IntN(2) == 0 {
			continue
		}
		if o, ok := randomOp(rng, a); ok {
			ops = append(ops, o)
		}
	}
	fc.ops = ops
	return ops
}

func randomOp(rng *rand.Rand, a *feedAsset) (op, bool) {
	sd := book.Side(rng.IntN(2))
	var best book.Price
	var ok bool
	if sd == book.Bid {
		best, _, ok = a.b.BestBid()
	} else {
		best, _, ok = a.b.BestAsk()
	}
	if !ok {
		return op{}, false
	}
	next := func(p book.Price) (book.Price, bool) {
		if sd == book.Bid {
			q, _, ok := a.b.NextBid(p)
			return q, ok
		}
		q, _, ok := a.b.NextAsk(p)
		return q, ok
	}
	size := book.Size(5+rng.IntN(2000)) * book.Scale
	switch r := rng.IntN(4); {
	case r < 2: // resize one of the first levels (the best included)
		p := best
		for range rng.IntN(4) {
			q, ok := next(p)
			if !ok {
				break
			}
			p = q
		}
		return op{a.Token, sd, p, size}, true
	case r == 2: // a level behind the best
		d := book.Price(a.Tick) * book.Price(1+rng.IntN(12))
		if sd == book.Bid {
			if best <= d {
				return op{}, false
			}
			return op{a.Token, sd, best - d, size}, true
		}
		if best+d >= book.One {
			return op{}, false
		}
		return op{a.Token, sd, best + d, size}, true
	default: // remove a level behind the best
		p, ok := next(best)
		if !ok {
			return op{}, false
		}
		return op{a.Token, sd, p, 0}, true
	}
}

// applyAndBuild applies ops to the model books and writes the
// price_change message into fc.msg; with record, it pushes the ops that undo
// them (in reverse order) onto fc.undo. ops must not alias fc.undo's free
// space.
func (fc *feedConn) applyAndBuild(ops []op, record bool) {
	f := fc.f
	f.mu.Lock()
	defer f.mu.Unlock()
	fc.ts = strconv.AppendInt(fc.ts[:0], time.Now().UnixMilli(), 10)
	ts := fc.ts
	if record {
		for i := len(ops) - 1; i >= 0; i-- {
			o := ops[i]
			fc.undo = append(fc.undo, op{o.tok, o.side, o.price, levelSize(f.assets[o.tok].b, o.side, o.price)})
		}
	}
	m := fc.msg[:0]
	m = append(m, `{"event_type":"price_change","market":"`...)
	m = append(m, f.assets[ops[0].tok].Market...)
	m = append(m, `","price_changes":[`...)
	for i, o := range ops {
		a := f.assets[o.tok]
		_ = a.b.SetLevel(o.side, o.price, o.size) // on the grid by construction
		a.meta.Timestamp = ts
		var sum [20]byte
		sum, fc.scratch = a.b.Hash(&a.meta, book.HashLayout9, fc.scratch)
		if i > 0 {
			m = append(m, ',')
		}
		m = append(m, `{"asset_id":"`...)
		m = append(m, o.tok...)
		m = append(m, `","price":"`...)
		m = book.AppendPrice(m, o.price)
		m = append(m, `","size":"`...)
		m = book.AppendSize(m, o.size)
		if o.side == book.Bid {
			m = append(m, `","side":"BUY","hash":"`...)
		} else {
			m = append(m, `","side":"SELL","hash":"`...)
		}
		m = book.AppendHashHex(m, &sum)
		m = append(m, `","best_bid":"`...)
		if p, _, ok := a.b.BestBid(); ok {
			m = book.AppendPrice(m, p)
		} else {
			m = append(m, '0')
		}
		m = append(m, `","best_ask":"`...)
		if p, _, ok := a.b.BestAsk(); ok {
			m = book.AppendPrice(m, p)
		} else {
			m = append(m, '1')
		}
		m = append(m, `"}`...)
	}
	m = append(m, `],"timestamp":"`...)
	m = append(m, ts...)
	fc.msg = append(m, `"}`...)
}

// levelSize is the size resting at p on side sd of b (0 when none).
func levelSize(b *book.Book, sd book.Side, p book.Price) book.Size {
	if sd == book.Bid {
		for q, s, ok := b.BestBid(); ok && q >= p; q, s, ok = b.NextBid(q) {
			if q == p {
				return s
			}
		}
		return 0
	}
	for q, s, ok := b.BestAsk(); ok && q <= p; q, s, ok = b.NextAsk(q) {
		if q == p {
			return s
		}
	}
	return 0
}
