package sim

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/hotpath/hotpath/book"
)

// OrderType is the venue's time in force.
type OrderType string

// Order types.
const (
	GTC OrderType = "GTC"
	GTD OrderType = "GTD"
	FOK OrderType = "FOK"
	FAK OrderType = "FAK"
)

// Order statuses as /data/order and the user channel spell them.
const (
	StatusLive      = "LIVE"
	StatusMatched   = "MATCHED"
	StatusCanceled  = "CANCELED"
	StatusUnmatched = "UNMATCHED"
	StatusDelayed   = "DELAYED"
)

// Trade settlement statuses (protocol.md §3).
const (
	TradeMatched   = "MATCHED"
	TradeMined     = "MINED"
	TradeConfirmed = "CONFIRMED"
	TradeFailed    = "FAILED"
)

// Venue error messages (protocol.md §5.4), exact.
const (
	ErrMsgFOK            = "order couldn't be fully filled. FOK orders are fully filled or killed."
	ErrMsgFAK            = "no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found."
	ErrMsgBalance        = "not enough balance / allowance"
	ErrMsgPostOnly       = "invalid post-only order: order crosses book"
	ErrMsgOwner          = "the order owner has to be the owner of the API KEY"
	ErrMsgSigner         = "the order signer address has to be the address of the API KEY"
	ErrMsgSignature      = "invalid signature"
	ErrMsgPayload        = "Invalid order payload"
	ErrMsgVersion        = "order_version_mismatch"
	ErrMsgNotReady       = "the market is not yet ready to process new orders"
	ErrMsgExpiration     = "invalid expiration"
	ErrMsgMatchDelayed   = "order match delayed due to market conditions"
	ErrMsgInvalidTokenID = "Invalid token id"
)

// Order is one order on the simulated venue.
type Order struct {
	ID         string
	Market     *Market
	Token      string
	Yes        bool
	Side       Side
	Price      book.Price // limit, in this order's own token terms
	Size       book.Size  // original size in shares
	Matched    book.Size
	Type       OrderType
	Owner      string         // API key ("" for the sim's own bots)
	Maker      common.Address // funder whose balances move
	Expiration int64          // unix seconds, 0 = none
	Status     string
	CreatedAt  time.Time
	TradeIDs   []string
	Bot        bool

	seq       uint64
	resCash   int64 // reservation currently counted in the account
	resShares int64
}

// Remaining is the unfilled size.
func (o *Order) Remaining() book.Size { return o.Size - o.Matched }

func (o *Order) yesPrice() book.Price {
	if o.Yes {
		return o.Price
	}
	return book.One - o.Price
}

// yesBid reports whether o rests on the YES bid side: BUY YES or SELL NO.
func (o *Order) yesBid() bool { return o.Yes == (o.Side == Buy) }

// effect is one account's ledger movement in a trade: shares of token and
// pUSD (fee already subtracted from cash). The venue's effect has no token.
type effect struct {
	addr   common.Address
	token  string
	shares int64
	cash   int64
	fee    int64
}

// Trade is one fill between a taker order and one maker order. Prices and
// sides are the taker's (the maker's are in MakerPrice/MakerSide).
type Trade struct {
	ID           string
	TakerOrderID string
	MakerOrderID string
	Market       *Market
	AssetID      string // taker's token
	Side         Side   // taker's side
	Price        book.Price
	Size         book.Size
	MakerAssetID string
	MakerSide    Side
	MakerPrice   book.Price
	TakerFee     int64 // micro pUSD
	MakerFee     int64
	TakerOwner   string
	MakerOwner   string
	TakerAddr    common.Address
	MakerAddr    common.Address
	Status       string
	TxHash       string
	MatchTime    time.Time
	LastUpdate   time.Time
	TakerBot     bool
	MakerBot     bool
	// TakerCash and MakerCash are the pUSD each side paid (negative) or
	// received for the shares, fees excluded.
	TakerCash int64
	MakerCash int64

	effects []effect
}

// hooks receives every state change, called with the exchange lock held so
// that observers see a consistent book (WS hub, user channel, recorders).
type hooks interface {
	levelsChanged(m *Market, changes []levelChange, ts int64)
	traded(m *Market, ts []*Trade, ms int64)
	orderEvent(o *Order, kind string, ts int64)
	tradeStatus(t *Trade, ts int64)
	tickChanged(m *Market, old book.Tick, ts int64)
	resolved(m *Market, yesWins bool, ts int64)
}

// levelChange is a touched YES-terms level: bid side or ask side.
type levelChange struct {
	bid   bool
	price book.Price
}

type nopHooks struct{}

func (nopHooks) levelsChanged(*Market, []levelChange, int64) {}
func (nopHooks) traded(*Market, []*Trade, int64)             {}
func (nopHooks) orderEvent(*Order, string, int64)            {}
func (nopHooks) tradeStatus(*Trade, int64)                   {}
func (nopHooks) tickChanged(*Market, book.Tick, int64)       {}
func (nopHooks) resolved(*Market, bool, int64)               {}

// Exchange is the matching engine and ledger of the simulated venue. All
// methods are safe for concurrent use; one mutex serialises the venue, as a
// sequencer would.
type Exchange struct {
	mu       sync.Mutex
	markets  []*Market
	events   []*Event
	byCond   map[string]*Market
	byToken  map[string]tokenRef
	orders   map[string]*Order
	accounts map[common.Address]*Account
	trades   []*Trade
	tradeBy  map[string]*Trade
	seq      uint64
	seed     uint64
	h        hooks
	now      func() time.Time
	venue    common.Address // collects fees and rounding dust
	settle   func(*Trade)   // schedules settlement (set by the server)
	// FeeInShares collects a BUY taker's fee in shares of the bought token
	// (fee ÷ price, rounded up) instead of pUSD, the DOC-FEES reading
	// (protocol.md §9.2). Set before trading starts.
	FeeInShares bool
}

// VenueAddress is the ledger account that collects fees and rounding dust.
var VenueAddress = common.HexToAddress("0x000000000000000000000000000000000000fee5")

// NewExchange builds an exchange over the given events and standalone
// markets.
func NewExchange(seed uint64, events []*Event, markets []*Market) *Exchange {
	x := &Exchange{
		byCond:   make(map[string]*Market),
		byToken:  make(map[string]tokenRef),
		orders:   make(map[string]*Order),
		accounts: make(map[common.Address]*Account),
		tradeBy:  make(map[string]*Trade),
		seed:     seed,
		h:        nopHooks{},
		now:      time.Now,
		venue:    VenueAddress,
	}
	x.events = events
	add := func(m *Market) {
		if _, dup := x.byCond[m.ConditionID]; dup {
			return
		}
		x.markets = append(x.markets, m)
		x.byCond[m.ConditionID] = m
		x.byToken[m.YesToken] = tokenRef{m, true}
		x.byToken[m.NoToken] = tokenRef{m, false}
	}
	for _, e := range events {
		for _, m := range e.Markets {
			add(m)
		}
	}
	for _, m := range markets {
		add(m)
	}
	return x
}

func (x *Exchange) setHooks(h hooks) {
	x.mu.Lock()
	x.h = h
	x.mu.Unlock()
}

// Markets returns every market (shared pointers: read under no lock only
// the immutable identity fields).
func (x *Exchange) Markets() []*Market { return x.markets }

// Events returns every event.
func (x *Exchange) Events() []*Event { return x.events }

// MarketByToken finds the market of a token id.
func (x *Exchange) MarketByToken(token string) (*Market, bool, bool) {
	r, ok := x.byToken[token]
	return r.m, r.yes, ok
}

// MarketByCondition finds a market by condition id.
func (x *Exchange) MarketByCondition(cid string) (*Market, bool) {
	m, ok := x.byCond[cid]
	return m, ok
}

func (x *Exchange) nextSeq() uint64 {
	x.seq++
	return x.seq
}

// newID derives a deterministic 32-byte hex id from the seed, a label and
// the sequence number.
func (x *Exchange) newID(label string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], x.seed)
	binary.BigEndian.PutUint64(b[8:], x.nextSeq())
	return "0x" + hex.EncodeToString(crypto.Keccak256([]byte(label), b[:]))
}

func (x *Exchange) newTradeID() string {
	h := x.newID("trade")[2:]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// errReject is a venue rejection carrying the exact message.
type errReject struct{ msg string }

func (e *errReject) Error() string { return e.msg }

func reject(msg string) error { return &errReject{msg} }

// RejectMessage returns the venue message of a rejection error, or "" if err
// is not one.
func RejectMessage(err error) string {
	var r *errReject
	if errors.As(err, &r) {
		return r.msg
	}
	return ""
}

// Result is the outcome of a submitted order (protocol.md §5.3).
type Result struct {
	OrderID  string
	Status   string // "matched", "live", "delayed", "unmatched"
	Making   int64  // micro units the taker gave (pUSD for BUY, shares for SELL)
	Taking   int64  // micro units the taker received
	TradeIDs []string
	TxHashes []string
}

// submit validates funds and matches o. The caller has validated the
// order's shape, signature and price rules. Locked.
func (x *Exchange) submit(o *Order, postOnly bool) (Result, error) {
	m := o.Market
	now := x.now()
	ts := now.UnixMilli()
	if _, dup := x.orders[o.ID]; dup {
		return Result{}, reject("order " + o.ID + " is invalid. Duplicated.")
	}
	if !m.AcceptingOrders || m.Closed {
		return Result{}, reject(ErrMsgNotReady)
	}
	if !o.Bot {
		if err := x.checkFunds(o); err != nil {
			return Result{}, err
		}
	}
	avail := x.crossable(o)
	if postOnly && avail > 0 {
		return Result{}, reject(ErrMsgPostOnly)
	}
	switch o.Type {
	case FOK:
		if avail < o.Size {
			return Result{}, reject(ErrMsgFOK)
		}
	case FAK:
		if avail == 0 {
			return Result{}, reject(ErrMsgFAK)
		}
	}
	o.seq = x.nextSeq()
	o.CreatedAt = now
	x.orders[o.ID] = o
	x.account(o.Maker).open[o.ID] = o

	res := Result{OrderID: o.ID}
	var changed []levelChange
	var trades []*Trade
	for o.Remaining() > 0 {
		lv := x.bestOpposite(o)
		if lv == nil {
			break
		}
		mk := lv.orders[0]
		s := min(o.Remaining(), mk.Remaining())
		t := x.fill(o, mk, lv.price, s, now)
		lv.total -= s
		if mk.Remaining() == 0 {
			lv.orders = lv.orders[1:]
			mk.Status = StatusMatched
			delete(x.account(mk.Maker).open, mk.ID)
		}
		x.reserve(mk)
		if lv.total == 0 || len(lv.orders) == 0 {
			x.removeLevel(m, !o.yesBid(), lv.price)
		}
		changed = appendChange(changed, levelChange{bid: !o.yesBid(), price: lv.price})
		trades = append(trades, t)
		if o.Side == Buy {
			res.Making += -t.TakerCash
			res.Taking += int64(s)
		} else {
			res.Making += int64(s)
			res.Taking += t.TakerCash
		}
		res.TradeIDs = append(res.TradeIDs, t.ID)
		res.TxHashes = append(res.TxHashes, t.TxHash)
	}
	if len(trades) > 0 {
		res.Status = "matched"
	} else {
		res.Status = "live"
	}
	rests := o.Remaining() > 0 && (o.Type == GTC || o.Type == GTD)
	if rests {
		x.rest(o)
		changed = appendChange(changed, levelChange{bid: o.yesBid(), price: o.yesPrice()})
		o.Status = StatusLive
	} else {
		delete(x.account(o.Maker).open, o.ID)
		o.Status = StatusMatched // filled, or FAK filled in part and the rest killed
	}
	x.reserve(o)
	x.h.orderEvent(o, "PLACEMENT", ts)
	for _, t := range trades {
		if mk := x.orders[t.MakerOrderID]; mk != nil {
			x.h.orderEvent(mk, "UPDATE", ts)
		}
	}
	if len(trades) > 0 {
		x.h.orderEvent(o, "UPDATE", ts)
		// a trade sends last_trade_price and fresh snapshots (§11), which
		// also carry any remainder that came to rest
		x.h.traded(m, trades, ts)
	} else if len(changed) > 0 {
		x.h.levelsChanged(m, changed, ts)
	}
	for _, t := range trades {
		x.h.tradeStatus(t, ts)
		if x.settle != nil {
			x.settle(t)
		}
		if mk := x.orders[t.MakerOrderID]; mk != nil {
			x.forgetBot(mk)
		}
	}
	x.forgetBot(o)
	return res, nil
}

// forgetBot drops a finished bot order: nobody can query it, and a long run
// would otherwise keep millions. User orders are kept for /data/order.
func (x *Exchange) forgetBot(o *Order) {
	if o.Bot && o.Status != StatusLive {
		delete(x.orders, o.ID)
	}
}

func appendChange(cs []levelChange, c levelChange) []levelChange {
	for _, e := range cs {
		if e == c {
			return cs
		}
	}
	return append(cs, c)
}

// crossable is the size resting at prices o would trade against.
func (x *Exchange) crossable(o *Order) book.Size {
	var n book.Size
	yp := o.yesPrice()
	if o.yesBid() {
		for _, l := range o.Market.asks {
			if l.price > yp {
				break
			}
			n += l.total
		}
	} else {
		for _, l := range o.Market.bids {
			if l.price < yp {
				break
			}
			n += l.total
		}
	}
	return n
}

func (x *Exchange) bestOpposite(o *Order) *level {
	m, yp := o.Market, o.yesPrice()
	if o.yesBid() {
		if len(m.asks) > 0 && m.asks[0].price <= yp {
			return m.asks[0]
		}
		return nil
	}
	if len(m.bids) > 0 && m.bids[0].price >= yp {
		return m.bids[0]
	}
	return nil
}

// rest adds o to the book at the back of its level's queue.
func (x *Exchange) rest(o *Order) {
	m, yp := o.Market, o.yesPrice()
	side := &m.asks
	// bids sorted descending, asks ascending: "better" comes first
	better := func(a, b book.Price) bool { return a < b }
	if o.yesBid() {
		side = &m.bids
		better = func(a, b book.Price) bool { return a > b }
	}
	s := *side
	i := sort.Search(len(s), func(i int) bool { return !better(s[i].price, yp) })
	if i < len(s) && s[i].price == yp {
		s[i].orders = append(s[i].orders, o)
		s[i].total += o.Remaining()
		return
	}
	l := &level{price: yp, orders: []*Order{o}, total: o.Remaining()}
	s = append(s, nil)
	copy(s[i+1:], s[i:])
	s[i] = l
	*side = s
}

func (x *Exchange) removeLevel(m *Market, bid bool, p book.Price) {
	side := &m.asks
	if bid {
		side = &m.bids
	}
	s := *side
	for i, l := range s {
		if l.price == p {
			*side = append(s[:i], s[i+1:]...)
			return
		}
	}
}

// fill executes s shares between taker t and resting maker mk at the YES
// price yp (the maker's level), moving balances per the model in the
// package doc. Locked.
func (x *Exchange) fill(t, mk *Order, yp book.Price, s book.Size, now time.Time) *Trade {
	m := t.Market
	own := func(o *Order) book.Price {
		if o.Yes {
			return yp
		}
		return book.One - yp
	}
	tr := &Trade{
		ID: x.newTradeID(), TakerOrderID: t.ID, MakerOrderID: mk.ID, Market: m,
		AssetID: t.Token, Side: t.Side, Price: own(t), Size: s,
		MakerAssetID: mk.Token, MakerSide: mk.Side, MakerPrice: own(mk),
		TakerOwner: t.Owner, MakerOwner: mk.Owner, TakerAddr: t.Maker, MakerAddr: mk.Maker,
		Status: TradeMatched, MatchTime: now, LastUpdate: now, TakerBot: t.Bot, MakerBot: mk.Bot,
	}
	tr.TxHash = "0x" + hex.EncodeToString(crypto.Keccak256([]byte("tx"), []byte(tr.ID)))
	var venueCash int64
	leg := func(o *Order, taker bool) {
		p := own(o)
		var cash, shares int64
		if o.Side == Buy {
			cash, shares = -book.CostUp(p, s), int64(s) // buyer pays, rounded up
		} else {
			cash, shares = book.CostDown(p, s), -int64(s) // seller receives, rounded down
		}
		var fee int64
		if taker || !m.Fee.TakerOnly {
			fee = Fee(m.Fee, p, s)
		}
		if taker {
			tr.TakerFee, tr.TakerCash = fee, cash
		} else {
			tr.MakerFee, tr.MakerCash = fee, cash
		}
		if fee > 0 && o.Side == Buy && x.FeeInShares {
			// the fee, computed in pUSD, is taken out of the shares bought
			feeShares := (fee*book.Scale + int64(p) - 1) / int64(p) // rounded up
			tr.effects = append(tr.effects,
				effect{addr: o.Maker, token: o.Token, shares: shares - feeShares, cash: cash, fee: fee},
				effect{addr: x.venue, token: o.Token, shares: feeShares})
			venueCash -= cash
			return
		}
		tr.effects = append(tr.effects, effect{addr: o.Maker, token: o.Token, shares: shares, cash: cash - fee, fee: fee})
		venueCash -= cash - fee
	}
	leg(t, true)
	leg(mk, false)
	// The venue's account balances the books: fees plus rounding dust (a
	// plain transfer leaves buyer-paid minus seller-received; MINT leaves
	// two rounded-up payments minus the collateral of s full sets; MERGE the
	// reverse).
	if t.Side == mk.Side && t.Yes != mk.Yes { // MINT or MERGE: s full sets created or destroyed
		if t.Side == Buy {
			venueCash -= int64(s)
		} else {
			venueCash += int64(s)
		}
	}
	tr.effects = append(tr.effects, effect{addr: x.venue, cash: venueCash})
	x.apply(tr.effects, 1)
	t.Matched += s
	mk.Matched += s
	t.TradeIDs = append(t.TradeIDs, tr.ID)
	mk.TradeIDs = append(mk.TradeIDs, tr.ID)
	m.lastTrade, m.hasTrade, m.lastSide = yp, true, t.Side
	x.trades = append(x.trades, tr)
	x.tradeBy[tr.ID] = tr
	return tr
}

// apply adds (sign=+1) or removes (sign=-1) ledger effects. Locked.
func (x *Exchange) apply(es []effect, sign int64) {
	for _, e := range es {
		a := x.account(e.addr)
		a.Cash += sign * e.cash
		a.Fees += sign * e.fee
		if e.token != "" {
			a.Positions[e.token] += sign * e.shares
			if e.addr != x.venue {
				a.Cost[e.token] -= sign * e.cash // net pUSD out for this token, pUSD fees included
			}
		}
	}
}

// Cancel cancels one resting order of owner ("" = any owner). It returns
// the reason when nothing was cancelled.
func (x *Exchange) Cancel(owner, id string) (bool, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cancelLocked(owner, id)
}

func (x *Exchange) cancelLocked(owner, id string) (bool, string) {
	o, ok := x.orders[id]
	if !ok || (owner != "" && o.Owner != owner) {
		return false, "Order not found"
	}
	if o.Status != StatusLive {
		return false, "order can't be found - already canceled or matched"
	}
	x.unrest(o)
	o.Status = StatusCanceled
	delete(x.account(o.Maker).open, o.ID)
	x.reserve(o)
	ts := x.now().UnixMilli()
	x.h.orderEvent(o, "CANCELLATION", ts)
	x.h.levelsChanged(o.Market, []levelChange{{bid: o.yesBid(), price: o.yesPrice()}}, ts)
	x.forgetBot(o)
	return true, ""
}

func (x *Exchange) unrest(o *Order) {
	m, yp := o.Market, o.yesPrice()
	side := m.asks
	if o.yesBid() {
		side = m.bids
	}
	for _, l := range side {
		if l.price != yp {
			continue
		}
		for i, e := range l.orders {
			if e == o {
				l.orders = append(l.orders[:i:i], l.orders[i+1:]...)
				l.total -= o.Remaining()
				break
			}
		}
		if len(l.orders) == 0 {
			x.removeLevel(m, o.yesBid(), yp)
		}
		return
	}
}

// CancelWhere cancels every live order of owner matching keep; it returns
// the cancelled ids.
func (x *Exchange) CancelWhere(owner string, match func(*Order) bool) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cancelWhereLocked(owner, match)
}

func (x *Exchange) cancelWhereLocked(owner string, match func(*Order) bool) []string {
	var ids []*Order
	for _, o := range x.orders {
		if o.Owner == owner && o.Status == StatusLive && (match == nil || match(o)) {
			ids = append(ids, o)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].seq < ids[j].seq })
	out := make([]string, 0, len(ids))
	for _, o := range ids {
		if ok, _ := x.cancelLocked(owner, o.ID); ok {
			out = append(out, o.ID)
		}
	}
	return out
}

// Order returns a copy of an order.
func (x *Exchange) Order(id string) (Order, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	o, ok := x.orders[id]
	if !ok {
		return Order{}, false
	}
	return *o, true
}

// Trades returns copies of every trade in match order.
func (x *Exchange) Trades() []Trade {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]Trade, len(x.trades))
	for i, t := range x.trades {
		out[i] = *t
	}
	return out
}

// Book returns one token's levels, best first, and the market.
func (x *Exchange) Book(token string) (bids, asks []Level, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.byToken[token]
	if !ok {
		return nil, nil, false
	}
	bids, asks = r.m.Levels(r.yes)
	return bids, asks, true
}

// SetTick changes a market's tick size and announces it (tick_size_change).
func (x *Exchange) SetTick(cid string, t book.Tick) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.byCond[cid]
	if !ok || !t.Valid() || m.Tick == t {
		return false
	}
	old := m.Tick
	m.Tick = t
	x.h.tickChanged(m, old, x.now().UnixMilli())
	return true
}

// newIDLocked is newID for callers that do not hold the lock.
func (x *Exchange) newIDLocked(label string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.newID(label)
}

// Resolve closes a market as resolved: every live order on it is
// cancelled (price_change to "0"), it stops accepting orders (Gamma and
// /markets show closed), and custom-feature subscribers get
// market_resolved. Positions are left for redemption, which the sim does
// not model.
func (x *Exchange) Resolve(cid string, yesWins bool) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.byCond[cid]
	if !ok || m.Closed {
		return false
	}
	var live []*Order
	for _, o := range x.orders {
		if o.Market == m && o.Status == StatusLive {
			live = append(live, o)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].seq < live[j].seq })
	for _, o := range live {
		x.cancelLocked("", o.ID)
	}
	m.Closed, m.AcceptingOrders, m.Active = true, false, false
	x.h.resolved(m, yesWins, x.now().UnixMilli())
	return true
}
