package exec

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/httpconn"
	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// Executor submits baskets and follows them to the end. See the package
// doc for the invariants and the ownership of each method.
type Executor struct {
	cfg Config

	// Owned by the exec goroutine (Submit, Poll, Start, Shutdown).
	risk     *Risk
	budget   *Budget
	jr       *journal.Journal
	hot      *httpconn.Conn // orders only
	cold     *httpconn.Conn // queries, books, cancels, leg-risk orders
	l2       *sign.L2Signer
	batches  [numBatches]*sign.Batch
	rp       ResponseParser
	results  [sign.MaxBatch]LegResult
	tpls     [scan.MaxLegs]*sign.Template
	sendErr  [numBatches]error
	jbuf     []byte
	qbuf     []byte // query paths
	hdrTS    []byte
	slots    []basket
	free     []int
	open     []int // slot indexes of open baskets, in submission order
	nextID   uint64
	pos      []int64 // micro-shares per asset
	cash     int64   // Σ cash of fills, fees excluded (signed)
	fees     int64   // Σ fees paid
	realised int64
	version  int
	tokenStr []string
	tokenID  [][32]byte
	maker    common.Address
	signer   common.Address
	addrStr  string
	env      sign.Envelope
	envFAK   sign.Envelope
	saltBase uint64
	saltCtr  uint64
	started  bool
	stopping bool
	replay   bool
	lastFall int64 // last /data/trades fallback sweep
	// wsSessions is the user-channel session count Poll last saw: a new
	// session means events may have been lost in the gap, so Poll sweeps.
	wsSessions int64
	nextPing   int64 // earliest next keep-alive check
	closed     []closedLeg
	closedNext int
	dirty      bool  // books or baskets changed since the last publish
	lastPub    int64 // monotonic ns of the last publish
	pending    Action

	// Any goroutine.
	paused   atomic.Bool
	killed   atomic.Bool
	newDay   atomic.Bool
	ctr      counters
	liveSeen atomic.Bool
	ws       *userWS
	hb       *heartbeater
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	evMu    sync.Mutex
	evQueue []venueEvent
	evSpare []venueEvent

	snapMu sync.Mutex
	snap   Snapshot
	reason string // pause/kill reason (snapMu)
}

// numBatches is how many POST /orders one basket may need (≤ 15 orders each).
const numBatches = (scan.MaxLegs + sign.MaxBatch - 1) / sign.MaxBatch

// counters are written by the exec goroutine and read by Snapshot.
type counters struct {
	submitted, filled, partial, completed, unwound, failed, settled, falseB atomic.Uint64
	closedAtLoss                                                            atomic.Uint64
	vetoes                                                                  [numVetoes]atomic.Uint64
	rejects                                                                 [len(rejectNames)]atomic.Uint64
	hits, misses, snaps                                                     atomic.Uint64
	hitsAbove, aboveDropped                                                 atomic.Uint64
	legRisk, alerts, queries, unknowns, conversions, cancels                atomic.Uint64
}

// New validates cfg and builds an executor. Nothing is opened or sent
// until Start.
func New(cfg Config) (*Executor, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	x := &Executor{cfg: cfg, version: cfg.PoolVersion}
	now := cfg.Now()
	x.risk = NewRisk(cfg.Limits, cfg.NumEvents)
	x.budget = NewBudget(cfg.OrdersPer10s, cfg.UnwindReserve, now)
	n := cfg.Registry.Len()
	x.pos = make([]int64, n)
	x.tokenStr = make([]string, n)
	x.tokenID = make([][32]byte, n)
	for i := 0; i < n; i++ {
		info := cfg.Registry.Info(book.AssetIndex(i))
		x.tokenStr[i] = info.TokenID
		id, err := sign.ParseTokenID(info.TokenID)
		if err != nil && cfg.Mode == Live {
			return nil, fmt.Errorf("%w: asset %d: %v", ErrConfig, i, err)
		}
		x.tokenID[i] = id
	}
	x.closed = make([]closedLeg, closedRing)
	x.slots = make([]basket, cfg.MaxBaskets)
	x.free = make([]int, 0, cfg.MaxBaskets)
	x.open = make([]int, 0, cfg.MaxBaskets)
	for i := cfg.MaxBaskets - 1; i >= 0; i-- {
		x.slots[i].legs = make([]leg, 0, 2*scan.MaxLegs)
		for j := range x.slots[i].legs[:cap(x.slots[i].legs)] {
			x.slots[i].legs[:cap(x.slots[i].legs)][j].trades = make([]trade, 0, 4)
		}
		x.free = append(x.free, i)
	}
	for i := range x.batches {
		x.batches[i] = sign.NewBatch()
	}
	x.jbuf = make([]byte, 0, 16<<10)
	x.qbuf = make([]byte, 0, 256)
	x.hdrTS = make([]byte, 0, 20)
	x.evQueue = make([]venueEvent, 0, 64)
	x.evSpare = make([]venueEvent, 0, 64)
	x.nextID = 1
	if cfg.Signer != nil {
		x.signer = cfg.Signer.Address()
		x.addrStr = x.signer.Hex()
		x.maker = x.signer
		if cfg.Funder != (common.Address{}) {
			x.maker = cfg.Funder
		}
		if cfg.SignatureType == sign.SigPoly1271 {
			x.signer = x.maker
		}
	}
	x.env = sign.Envelope{Owner: cfg.Creds.APIKey, OrderType: sign.FOK}
	x.envFAK = sign.Envelope{Owner: cfg.Creds.APIKey, OrderType: sign.FAK}
	var seed [8]byte
	_, _ = crand.Read(seed[:])
	x.saltBase = binary.LittleEndian.Uint64(seed[:])
	if cfg.Mode == Live {
		var err error
		if x.l2, err = sign.NewL2Signer(cfg.Creds.Secret); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		opt := httpconn.Options{Timeout: cfg.RequestTimeout, TLSConfig: cfg.TLSConfig}
		if x.hot, err = httpconn.New(cfg.CLOBURL, opt); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		if x.cold, err = httpconn.New(cfg.CLOBURL, opt); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrConfig, err)
		}
	}
	return x, nil
}

// Start opens and replays the journal, reconciles every unfinished intent
// with the venue (Live), reads the CLOB version, warms the order
// connection and starts the user-channel tracker. Call it once, from the
// goroutine that will call Submit and Poll.
func (x *Executor) Start(ctx context.Context) error {
	if x.started {
		return errors.New("exec: already started")
	}
	opts := journal.Options{}
	if x.cfg.JournalSyncEvery {
		opts.Sync = journal.SyncEvery
	}
	if x.cfg.JournalDir == "" {
		return fmt.Errorf("%w: no journal directory", ErrConfig)
	}
	if err := x.replayJournal(); err != nil {
		return err
	}
	jr, err := journal.Open(x.cfg.JournalDir, opts)
	if err != nil {
		return err
	}
	x.jr = jr
	ctx, x.cancel = context.WithCancel(ctx)
	if x.cfg.Mode == Live {
		if err := x.cold.Dial(ctx); err != nil {
			return err
		}
		if err := x.readVersion(); err != nil {
			return err
		}
		if err := x.reconcile(ctx); err != nil {
			return err
		}
		if err := x.hot.Warm(ctx, "/time"); err != nil {
			return err
		}
		if x.cfg.WSUserURL != "" {
			x.ws = newUserWS(x)
			x.wg.Add(1)
			go func() {
				defer x.wg.Done()
				x.ws.run(ctx)
			}()
		}
		x.hb = newHeartbeater(x)
	}
	x.started = true
	x.publish()
	return nil
}

// Pause stops new baskets (any goroutine); in-flight baskets carry on.
func (x *Executor) Pause(reason string) {
	x.paused.Store(true)
	x.snapMu.Lock()
	x.reason = reason
	x.snap.Paused = true
	x.snap.Reason = reason
	x.snapMu.Unlock()
}

// Resume lets new baskets through again (not after Kill).
func (x *Executor) Resume() {
	x.paused.Store(false)
	x.snapMu.Lock()
	x.snap.Paused = false
	x.snapMu.Unlock()
}

// Kill stops new baskets until restart (any goroutine). In-flight baskets
// are still followed: leg risk and settlement continue.
func (x *Executor) Kill(reason string) {
	x.killed.Store(true)
	x.snapMu.Lock()
	x.reason = reason
	x.snap.Killed = true
	x.snap.Reason = reason
	x.snapMu.Unlock()
}

func (x *Executor) alert(kind, msg string) {
	x.ctr.alerts.Add(1)
	if x.cfg.OnAlert != nil && !x.replay {
		x.cfg.OnAlert(kind, msg)
	}
}

// Shutdown stops new baskets, keeps polling until every in-flight basket
// is resolved (settled, unwound or given up on) or ctx ends, then stops
// the background goroutines and flushes the journal.
func (x *Executor) Shutdown(ctx context.Context) error {
	x.stopping = true
	if x.started {
		t := time.NewTicker(20 * time.Millisecond)
		for x.busy() {
			x.Poll(x.cfg.Now())
			select {
			case <-ctx.Done():
				x.alert("shutdown", fmt.Sprintf("shutdown with %d baskets unresolved", len(x.open)))
				goto stop
			case <-t.C:
			}
		}
	stop:
		t.Stop()
		x.reportOpen()
	}
	if x.cancel != nil {
		x.cancel()
	}
	if x.hb != nil {
		x.hb.stop()
	}
	x.wg.Wait()
	if x.hot != nil {
		x.hot.Close()
		x.cold.Close()
	}
	x.publish()
	if x.jr != nil {
		return x.jr.Close()
	}
	return nil
}

// busy reports whether some basket still needs the executor: an unknown
// outcome, a partial basket that leg risk has not given up on, or a trade
// not yet final (MATCHED or MINED): a trade that FAILS after the engine
// stopped following it would leave the journal and the venue apart, so a
// graceful stop waits for settlement too (bounded by its context).
func (x *Executor) busy() bool {
	for _, si := range x.open {
		b := &x.slots[si]
		if b.anyUnresolved() || !b.allSettled() && !b.stuck {
			return true
		}
		if complete, flat := b.shape(); !complete && !flat && !b.stuck {
			return true
		}
	}
	return false
}

// Poll runs the executor's follow-ups on its goroutine when it is idle:
// user-channel events, order and trade queries of unresolved legs, leg
// risk, settlement, keep-alive and the snapshot. now is Config.Now's clock.
func (x *Executor) Poll(now int64) {
	if !x.started {
		return
	}
	x.drainEvents()
	if x.cfg.Mode == Live {
		wsUp := x.ws != nil && x.ws.up.Load()
		sweep := !wsUp && now-x.lastFall >= int64(x.cfg.QueryEvery)
		if x.ws != nil {
			// A (re)connected user channel does not replay what happened
			// while it was down or being dropped: catch up by query once.
			if n := x.ws.sessions.Load(); n != x.wsSessions {
				x.wsSessions = n
				sweep = true
			}
		}
		if sweep {
			x.lastFall = now
		}
		for k := 0; k < len(x.open); k++ {
			x.followUp(&x.slots[x.open[k]], now, sweep)
		}
		if now >= x.nextPing {
			x.nextPing = now + int64(time.Second) // at most one ping (or redial) a second
			if _, err := x.hot.PingIfIdle(time.Now().UnixNano()); err != nil {
				x.alert("connection", "keep-alive ping failed: "+err.Error())
			}
		}
		if x.liveSeen.Load() {
			x.hb.ensure()
		}
	}
	for k := 0; k < len(x.open); k++ {
		si := x.open[k]
		if x.evaluate(&x.slots[si], now) {
			k-- // the slot was closed and removed from open
		}
	}
	if err := x.jr.Err(); err != nil && !x.killed.Load() {
		x.Kill("journal: " + err.Error())
		x.alert("journal", "journal cannot be made durable; trading killed: "+err.Error())
	}
	if x.newDay.Swap(false) {
		x.risk.NewDay()
	}
	// publish when something changed, and at least once a second (an idle
	// Poll allocates nothing)
	if x.dirty || now-x.lastPub >= int64(time.Second) {
		x.lastPub = now
		x.publish()
	}
}

// NewDay resets the daily realised-loss limit (any goroutine; applied by
// the next Poll).
func (x *Executor) NewDay() { x.newDay.Store(true) }

// appendJournal writes x.jbuf as one record; a failure kills trading (the
// journal-before-act invariant cannot hold without it).
func (x *Executor) appendJournal() error {
	if x.replay {
		return nil
	}
	if err := x.jr.Append(x.jbuf); err != nil {
		x.killed.Store(true)
		x.alert("journal", "journal append failed; trading killed: "+err.Error())
		return err
	}
	return nil
}

// account brings the books in line with a leg's current contribution.
func (x *Executor) account(l *leg) {
	sh, c, f := l.contribution()
	if sh != l.appShares || c != l.appCash || f != l.appFee {
		x.dirty = true
	}
	x.pos[l.asset] += sh - l.appShares
	x.cash += c - l.appCash
	x.fees += f - l.appFee
	l.appShares, l.appCash, l.appFee = sh, c, f
}

func (x *Executor) allocBasket() (int, *basket) {
	if len(x.free) == 0 {
		return -1, nil
	}
	si := x.free[len(x.free)-1]
	x.free = x.free[:len(x.free)-1]
	b := &x.slots[si]
	b.reset()
	x.open = append(x.open, si)
	x.dirty = true
	return si, b
}

func (x *Executor) closeSlot(si int) {
	for k, s := range x.open {
		if s == si {
			copy(x.open[k:], x.open[k+1:])
			x.open = x.open[:len(x.open)-1]
			break
		}
	}
	x.free = append(x.free, si)
	x.dirty = true
}

func (x *Executor) nextSalt() uint64 {
	x.saltCtr++
	const odd = 0x9E3779B97F4A7C15 | 1
	return (x.saltBase + x.saltCtr*odd) & sign.MaxSalt
}

// signLeg signs the order of l on the spot at the executor's current CLOB
// version (the miss path and every leg-risk order; allocates).
func (x *Executor) signLeg(l *leg, wallNano int64) (*sign.Template, error) {
	info := x.cfg.Registry.Info(l.asset)
	ex, err := sign.ExchangeFor(x.cfg.ChainID, x.version, info.NegRisk, &x.tokenID[l.asset])
	if err != nil {
		return nil, err
	}
	t := &sign.Template{Asset: l.asset, Price: l.limit, Shares: l.shares, SignedAt: wallNano}
	t.Order = sign.Order{
		Salt: x.nextSalt(), Maker: x.maker, Signer: x.signer, TokenID: x.tokenID[l.asset],
		MakerAmount: l.maker, TakerAmount: l.taker, Side: l.side, SignatureType: x.cfg.SignatureType,
		Timestamp: uint64(wallNano / 1e6),
	}
	t.OrderHash = ex.Digest(&t.Order)
	sig, err := x.cfg.Signer.SignOrder(ex, &t.Order, make([]byte, 0, sign.Poly1271Len))
	if err != nil {
		return nil, err
	}
	env := &x.env
	if l.role != roleEntry {
		env = &x.envFAK
	}
	t.Envelope = sign.AppendEnvelopeJSON(make([]byte, 0, 1024), &t.Order, sig, env)
	return t, nil
}
