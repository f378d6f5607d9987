package sim

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/hotpath/hotpath/book"
)

// Window is one planted arbitrage window: for its duration one leg's ask
// dips so that the event's YES basket costs less than its $1 payout.
type Window struct {
	ID          int        `json:"id"`
	EventID     string     `json:"event_id"`
	Event       string     `json:"event"`
	Augmented   bool       `json:"augmented"` // a trap: augmented events must never be traded
	Start       time.Time  `json:"start"`
	End         time.Time  `json:"end"` // zero while open
	Legs        []string   `json:"legs"`
	DippedToken string     `json:"dipped_token"`
	OrderID     string     `json:"order_id"`
	Price       book.Price `json:"price"`     // the dipped ask (micro)
	WasPrice    book.Price `json:"was_price"` // the leg's ask before the dip
	Depth       book.Size  `json:"depth"`     // shares offered at the dipped price
	Cost        int64      `json:"cost"`      // Σ best YES asks during the window, micro pUSD
	Edge        int64      `json:"edge"`      // payout − cost, before fees, micro
	Fees        int64      `json:"fees"`      // taker fees of one share of every leg at those asks, micro
	Net         int64      `json:"net"`       // Edge − Fees per basket share: > 0 is a real opportunity, else a near miss
	Taken       book.Size  `json:"taken"`     // shares of the dipped order filled
	TakenBy     []string   `json:"taken_by"`  // taker addresses, in fill order
	FirstTaken  time.Time  `json:"first_taken"`

	tradeIdx int
}

type legQuote struct {
	ask, bid book.Price // baseline top of book, YES terms
	orders   map[string]bool
}

// flow runs the scenario: background makers and takers, planted windows
// and timed actions. Deterministic from the seed given the same timing.
type flow struct {
	s          *Server
	b          *built
	rng        *rand.Rand
	makers     []common.Address
	taker      common.Address
	windowAc   common.Address
	quotes     map[*Market]*legQuote
	over       map[*Event]int64 // target basket ask sum, micro
	markets    []*Market
	negRisk    []*Event
	aug        []*Event
	mu         sync.Mutex
	windows    []*Window
	busy       map[*Market]bool      // legs under a window: no background requotes
	ticks      map[*Market]book.Tick // the grid the flow quotes on (ticks only ever get finer)
	ticked     map[*Market]bool
	ends       chan func() // window ends, run on the flow goroutine
	resolvedEv map[*Event]bool
	levels     int
	depthLo    int64
	depthHi    int64
	spreadLo   int
	spreadHi   int
}

func botAddress(seed uint64, label string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("simclob-bot"), []byte(strconv.FormatUint(seed, 10)), []byte(label))[12:])
}

func newFlow(s *Server, b *built) *flow {
	f := &flow{s: s, b: b, rng: rand.New(rand.NewPCG(s.cfg.Seed, 0xf10)), quotes: map[*Market]*legQuote{},
		over: map[*Event]int64{}, busy: map[*Market]bool{}, ticks: map[*Market]book.Tick{}, ticked: map[*Market]bool{},
		ends: make(chan func(), 64), resolvedEv: map[*Event]bool{}}
	for _, m := range s.x.Markets() {
		f.ticks[m] = m.Tick // before serving: no concurrent writer yet
	}
	ms := s.sc.Makers
	n := max(ms.Accounts, 1)
	for i := 0; i < n; i++ {
		f.makers = append(f.makers, botAddress(s.cfg.Seed, "maker"+strconv.Itoa(i)))
	}
	f.taker = botAddress(s.cfg.Seed, "taker")
	f.windowAc = botAddress(s.cfg.Seed, "window")
	const rich = 1_000_000_000_000_000 // $1e9 of pUSD: bots are the rest of the market
	for _, a := range append(append([]common.Address{}, f.makers...), f.taker, f.windowAc) {
		s.x.Fund(a, rich)
	}
	f.levels = max(ms.Levels, 1)
	f.depthLo, f.depthHi = 20_000_000, 200_000_000
	if len(ms.Depth) == 2 {
		f.depthLo, _ = money(ms.Depth[0], "depth")
		f.depthHi, _ = money(ms.Depth[1], "depth")
	}
	f.spreadLo, f.spreadHi = 1, 2
	if len(ms.SpreadTicks) == 2 {
		f.spreadLo, f.spreadHi = max(ms.SpreadTicks[0], 1), max(ms.SpreadTicks[1], ms.SpreadTicks[0], 1)
	}
	lo, hi := int64(1_010_000), int64(1_020_000)
	if len(ms.Overround) == 2 {
		lo, _ = money(ms.Overround[0], "overround")
		hi, _ = money(ms.Overround[1], "overround")
	}
	for _, e := range b.events {
		f.over[e] = lo + f.rng.Int64N(max(hi-lo, 1))
		f.setBaseline(e)
		f.markets = append(f.markets, e.Markets...)
		if e.NegRisk && !e.Augmented {
			f.negRisk = append(f.negRisk, e)
		}
		if e.Augmented {
			f.aug = append(f.aug, e)
		}
	}
	for _, m := range b.markets {
		t := book.Price(f.ticks[m])
		sp := book.Price(f.spreadLo) * t
		fair := b.fair[m]
		f.quotes[m] = &legQuote{ask: clampPrice(fair+sp, f.ticks[m]), bid: clampPrice(fair-sp, f.ticks[m]), orders: map[string]bool{}}
		f.markets = append(f.markets, m)
	}
	for _, m := range f.markets {
		f.requote(m)
	}
	return f
}

func clampPrice(p book.Price, t book.Tick) book.Price {
	lo, hi := book.Price(t), book.One-book.Price(t)
	p -= p % book.Price(t)
	return min(max(p, lo), hi)
}

// setBaseline spreads the event's target basket sum over its legs in
// proportion to the fair values, on the grid, each ask ≥ 2 ticks.
func (f *flow) setBaseline(e *Event) {
	target := f.over[e]
	var sum, fairSum int64
	for _, m := range e.Markets {
		fairSum += int64(f.b.fair[m])
	}
	fairSum = max(fairSum, 1)
	asks := make([]int64, len(e.Markets))
	for i, m := range e.Markets {
		t := int64(f.ticks[m])
		a := int64(f.b.fair[m]) * target / fairSum // fair values normalised to a $1 payout
		a -= a % t
		asks[i] = max(a, 2*t)
		sum += asks[i]
	}
	// add ticks, cheapest first, until the sum reaches the target
	for i := 0; sum < target && i < 10_000; i++ {
		k := i % len(asks)
		t := int64(f.ticks[e.Markets[k]])
		if asks[k]+t <= int64(book.One)-t {
			asks[k] += t
			sum += t
		}
	}
	for i, m := range e.Markets {
		t := book.Price(f.ticks[m])
		sp := book.Price(f.spreadLo+f.rng.IntN(f.spreadHi-f.spreadLo+1)) * t
		ask := clampPrice(book.Price(asks[i]), f.ticks[m])
		bid := ask - min(sp, ask-t)
		q := f.quotes[m]
		if q == nil {
			q = &legQuote{orders: map[string]bool{}}
			f.quotes[m] = q
		}
		q.ask, q.bid = ask, max(bid, t)
	}
}

func (f *flow) depth() book.Size {
	v := f.depthLo + f.rng.Int64N(max(f.depthHi-f.depthLo, 1))
	return book.Size(v - v%10_000) // 2 decimals, as clients send
}

func (f *flow) maker() common.Address { return f.makers[f.rng.IntN(len(f.makers))] }

// requote cancels the bots' orders on m and re-places the baseline ladder.
// A YES ask level is sometimes a BUY NO at 1−p and a YES bid a SELL NO, so
// MINT/MERGE matching is exercised.
func (f *flow) requote(m *Market) {
	q := f.quotes[m]
	for id := range q.orders {
		f.s.x.Cancel("", id)
	}
	q.orders = map[string]bool{}
	t := book.Price(f.ticks[m])
	for j := 0; j < f.levels; j++ {
		if a := q.ask + book.Price(j)*t; a <= book.One-t {
			f.place(m, q, false, a, f.depth())
		}
		if q.bid > book.Price(j)*t {
			if b := q.bid - book.Price(j)*t; b >= t {
				f.place(m, q, true, b, f.depth())
			}
		}
	}
}

// place rests a maker order at YES price p on the bid or ask side.
func (f *flow) place(m *Market, q *legQuote, bid bool, p book.Price, s book.Size) {
	token, side, price := m.YesToken, Sell, p
	if bid {
		side = Buy
	}
	if f.rng.IntN(4) == 0 { // mirror through the NO token
		token, price = m.NoToken, book.One-p
		side = 1 - side
	}
	id, _, err := f.s.x.PlaceBot(f.maker(), token, side, price, s, GTC)
	if err == nil {
		q.orders[id] = true
	}
}

// step runs one background action.
func (f *flow) step() {
	if len(f.markets) == 0 {
		return
	}
	m := f.markets[f.rng.IntN(len(f.markets))]
	f.mu.Lock()
	busy := f.busy[m]
	f.mu.Unlock()
	if busy {
		return
	}
	q := f.quotes[m]
	r := f.rng.IntN(100)
	switch {
	case r < 20: // a taker trades a little at the top, then makers refill
		token, side := m.YesToken, Buy
		yes := f.rng.IntN(2) == 0
		if f.rng.IntN(2) == 0 {
			side = Sell
		}
		if !yes {
			token = m.NoToken
		}
		f.s.x.mu.Lock()
		bid, ask, hb, ha := m.best(yes)
		f.s.x.mu.Unlock()
		p, ok := ask, ha
		if side == Sell {
			p, ok = bid, hb
		}
		if !ok {
			return
		}
		s := book.Size(1+f.rng.IntN(20)) * book.OneShare
		_, _, _ = f.s.x.PlaceBot(f.taker, token, side, p, s, FAK)
		f.requote(m)
	case r < 35 && m.NegRisk: // drift: one leg up a tick, another down, sum kept
		e := f.eventOf(m)
		if e == nil || len(e.Markets) < 2 {
			return
		}
		o := e.Markets[f.rng.IntN(len(e.Markets))]
		f.mu.Lock()
		busy := f.busy[o]
		f.mu.Unlock()
		qo := f.quotes[o]
		t, to := book.Price(f.ticks[m]), book.Price(f.ticks[o])
		if o == m || busy || qo.bid <= 2*to || q.ask+t > book.One-t || t != to {
			return
		}
		q.ask, q.bid = q.ask+t, q.bid+t
		qo.ask, qo.bid = qo.ask-to, qo.bid-to
		f.requote(m)
		f.requote(o)
	default: // a maker replaces one order with a new size
		for id := range q.orders {
			o, ok := f.s.x.Order(id)
			delete(q.orders, id)
			if !ok || o.Status != StatusLive {
				continue
			}
			f.s.x.Cancel("", id)
			nid, _, err := f.s.x.PlaceBot(f.maker(), o.Token, o.Side, o.Price, f.depth(), GTC)
			if err == nil {
				q.orders[nid] = true
			}
			break
		}
	}
}

func (f *flow) eventOf(m *Market) *Event {
	for _, e := range f.b.events {
		if e.ID == m.EventID {
			return e
		}
	}
	return nil
}

// plantWindow dips one leg of a random event so that the YES basket costs
// payout − edge, for a random duration.
func (f *flow) plantWindow() {
	ws := f.s.sc.Windows
	pool := f.negRisk
	if len(f.aug) > 0 && ws.TrapOdds != "" {
		odds, _ := money(ws.TrapOdds, "trap_odds")
		if f.rng.Int64N(book.Scale) < odds {
			pool = f.aug
		}
	}
	if len(pool) == 0 {
		return
	}
	e := pool[f.rng.IntN(len(pool))]
	f.mu.Lock()
	for _, m := range e.Markets {
		if f.busy[m] {
			f.mu.Unlock()
			return
		}
	}
	for _, m := range e.Markets {
		f.busy[m] = true
	}
	f.mu.Unlock()
	release := func() {
		f.mu.Lock()
		for _, m := range e.Markets {
			delete(f.busy, m)
		}
		f.mu.Unlock()
	}
	x := f.s.x
	asks := make([]book.Price, len(e.Markets))
	var sum int64
	for i, m := range e.Markets {
		f.requote(m) // start from the baseline
		x.mu.Lock()
		_, a, _, ok := m.best(true)
		x.mu.Unlock()
		if !ok {
			release()
			return
		}
		asks[i] = a
		sum += int64(a)
	}
	edgeLo, edgeHi := int64(10_000), int64(40_000)
	if len(ws.Edge) == 2 {
		edgeLo, _ = money(ws.Edge[0], "edge")
		edgeHi, _ = money(ws.Edge[1], "edge")
	}
	edge := edgeLo + f.rng.Int64N(max(edgeHi-edgeLo, 1))
	i := f.rng.IntN(len(e.Markets))
	m := e.Markets[i]
	t := int64(f.ticks[m])
	dip := int64(asks[i]) - (sum - (int64(book.One) - edge))
	dip -= ((dip % t) + t) % t // down to the grid
	if dip < t {
		release()
		return
	}
	newSum := sum - int64(asks[i]) + dip
	// depth: a few baskets of at least $1 per leg and the minimum size
	minAsk := book.Price(dip)
	for j, a := range asks {
		if j != i && a < minAsk {
			minAsk = a
		}
	}
	perBasket := max(int64(m.MinSize), (int64(book.One)*book.Scale+int64(minAsk)-1)/int64(minAsk))
	perBasket = (perBasket + book.Scale - 1) / book.Scale * book.Scale // whole shares
	baskets := 2 + f.rng.IntN(3)
	if len(ws.Baskets) == 2 {
		baskets = ws.Baskets[0] + f.rng.IntN(max(ws.Baskets[1]-ws.Baskets[0]+1, 1))
	}
	depth := book.Size(perBasket * int64(baskets))
	// pull the dipped leg's bids that the dip would cross, top up the other legs
	q := f.quotes[m]
	for id := range q.orders {
		if o, ok := x.Order(id); ok && o.yesBid() && o.yesPrice() >= book.Price(dip) {
			x.Cancel("", id)
			delete(q.orders, id)
		}
	}
	for j, o := range e.Markets {
		if j == i {
			continue
		}
		x.mu.Lock()
		have := o.levelTotal(false, asks[j])
		x.mu.Unlock()
		if have < depth {
			id, _, err := x.PlaceBot(f.maker(), o.YesToken, Sell, asks[j], depth-have, GTC)
			if err == nil {
				f.quotes[o].orders[id] = true
			}
		}
	}
	var fees int64
	for j, o := range e.Markets {
		p := asks[j]
		if j == i {
			p = book.Price(dip)
		}
		fees += Fee(o.Fee, p, book.OneShare)
	}
	x.mu.Lock()
	tradeIdx := len(x.trades)
	x.mu.Unlock()
	id, _, err := x.PlaceBot(f.windowAc, m.YesToken, Sell, book.Price(dip), depth, GTC)
	if err != nil {
		release()
		return
	}
	w := &Window{EventID: e.ID, Event: e.Title, Augmented: e.Augmented, Start: time.Now(), DippedToken: m.YesToken,
		OrderID: id, Price: book.Price(dip), WasPrice: asks[i], Depth: depth, Cost: newSum,
		Edge: int64(book.One) - newSum, Fees: fees, Net: int64(book.One) - newSum - fees, tradeIdx: tradeIdx}
	for _, o := range e.Markets {
		w.Legs = append(w.Legs, o.YesToken)
	}
	f.mu.Lock()
	w.ID = len(f.windows) + 1
	f.windows = append(f.windows, w)
	f.mu.Unlock()
	durLo, durHi := 200*time.Millisecond, 800*time.Millisecond
	if len(ws.Duration) == 2 {
		durLo, _ = time.ParseDuration(ws.Duration[0])
		durHi, _ = time.ParseDuration(ws.Duration[1])
	}
	d := durLo + time.Duration(f.rng.Int64N(int64(max(durHi-durLo, 1))))
	end := func() {
		x.Cancel("", id)
		f.mu.Lock()
		w.End = time.Now()
		f.mu.Unlock()
		for _, o := range e.Markets {
			f.requote(o)
		}
		release()
	}
	time.AfterFunc(d, func() {
		select {
		case f.ends <- end:
		case <-f.s.done:
		}
	})
}

// windowsSnapshot returns copies of the windows with their fills brought up
// to date from the trade log.
func (f *flow) windowsSnapshot() []Window {
	x := f.s.x
	x.mu.Lock()
	f.mu.Lock()
	out := make([]Window, 0, len(f.windows))
	for _, w := range f.windows {
		for ; w.tradeIdx < len(x.trades); w.tradeIdx++ {
			t := x.trades[w.tradeIdx]
			if t.MakerOrderID != w.OrderID {
				continue
			}
			if w.Taken == 0 {
				w.FirstTaken = t.MatchTime
			}
			w.Taken += t.Size
			w.TakenBy = append(w.TakenBy, t.TakerAddr.Hex())
		}
		c := *w
		c.Legs = append([]string(nil), w.Legs...)
		c.TakenBy = append([]string{}, w.TakenBy...)
		out = append(out, c)
	}
	f.mu.Unlock()
	x.mu.Unlock()
	return out
}

// jump moves an event resolution-style: one outcome's fair goes to ~0.9
// and the rest share the remainder; every leg is requoted.
func (f *flow) jump(idx int) {
	if len(f.b.events) == 0 {
		return
	}
	if idx < 0 || idx >= len(f.b.events) {
		idx = f.rng.IntN(len(f.b.events))
	}
	e := f.b.events[idx]
	n := len(e.Markets)
	w := f.rng.IntN(n)
	t := int64(f.ticks[e.Markets[0]])
	rest := (int64(book.One) / 10) / int64(max(n-1, 1))
	rest = max(rest-rest%t, 2*t)
	for i, m := range e.Markets {
		if i == w {
			f.b.fair[m] = book.Price(int64(book.One) - rest*int64(n-1))
		} else {
			f.b.fair[m] = book.Price(rest)
		}
	}
	f.setBaseline(e)
	for _, m := range e.Markets {
		f.requote(m)
	}
}

func (f *flow) run() {
	rate := f.s.cfg.Rate
	if rate == 0 {
		rate = f.s.sc.Rate
	}
	var tick <-chan time.Time
	perTick := 1
	if rate > 0 {
		iv := time.Duration(float64(time.Second) / rate)
		if iv < time.Millisecond {
			perTick = int(float64(time.Millisecond)/float64(iv)) + 1
			iv = time.Millisecond
		}
		tk := time.NewTicker(iv)
		defer tk.Stop()
		tick = tk.C
	}
	var windowC <-chan time.Time
	every, _ := time.ParseDuration(f.s.sc.Windows.Every)
	nextWindow := func() {
		if every > 0 {
			windowC = time.After(every/2 + time.Duration(f.rng.Int64N(int64(every))))
		}
	}
	nextWindow()
	sched := f.schedule()
	for {
		var next <-chan time.Time
		if len(sched) > 0 {
			next = time.After(time.Until(sched[0].at))
		}
		select {
		case <-f.s.done:
			return
		case <-tick:
			for i := 0; i < perTick; i++ {
				f.step()
			}
		case <-windowC:
			f.plantWindow()
			nextWindow()
		case end := <-f.ends:
			end()
		case <-next:
			a := sched[0]
			sched = sched[1:]
			f.do(a.TimedAction)
			if a.every > 0 {
				a.at = a.at.Add(a.every)
				sched = insertTimed(sched, a)
			}
		}
	}
}

type timed struct {
	TimedAction
	kind  string
	at    time.Time
	every time.Duration
}

func insertTimed(s []timed, a timed) []timed {
	i := 0
	for i < len(s) && !s[i].at.After(a.at) {
		i++
	}
	s = append(s, timed{})
	copy(s[i+1:], s[i:])
	s[i] = a
	return s
}

func (f *flow) schedule() []timed {
	now := time.Now()
	var out []timed
	add := func(kind string, as []TimedAction) {
		for _, a := range as {
			at, _ := time.ParseDuration(a.At)
			every, _ := time.ParseDuration(a.Every)
			a.Kind = kind + ":" + a.Kind
			out = insertTimed(out, timed{TimedAction: a, kind: kind, at: now.Add(at), every: every})
		}
	}
	add("jump", f.s.sc.Jumps)
	add("tick", f.s.sc.TickChanges)
	add("drop", f.s.sc.Drops)
	add("stall", f.s.sc.Stalls)
	add("bad", f.s.sc.BadFrames)
	add("resolve", f.s.sc.Resolutions)
	for i, r := range f.s.sc.Faults.REST {
		if at, err := time.ParseDuration(r.At); err == nil && r.At != "" {
			out = insertTimed(out, timed{TimedAction: TimedAction{Kind: "rest:" + strconv.Itoa(i)}, kind: "rest", at: now.Add(at)})
		}
	}
	for i, d := range f.s.sc.Faults.Delayed {
		if at, err := time.ParseDuration(d.At); err == nil && d.At != "" {
			out = insertTimed(out, timed{TimedAction: TimedAction{Kind: "delayed:" + strconv.Itoa(i)}, kind: "delayed", at: now.Add(at)})
		}
	}
	return out
}

func (f *flow) do(a TimedAction) {
	f.s.dlog.fire(a.Kind)
	kind, sub, _ := cut(a.Kind, ':')
	switch kind {
	case "jump":
		f.jump(a.Event)
	case "resolve":
		f.resolve(a.Event)
	case "tick":
		for _, m := range f.markets {
			f.mu.Lock()
			ok := f.ticks[m] == book.Tick0_01 && !f.busy[m] && !f.ticked[m]
			f.ticked[m] = true
			f.mu.Unlock()
			if ok {
				f.s.x.SetTick(m.ConditionID, book.Tick0_001)
				return
			}
		}
	case "drop":
		f.s.faults.DropMarketConnections()
		if sub == "user" || sub == "all" {
			f.s.faults.DropUserConnections()
		}
	case "delayed":
		if i, err := strconv.Atoi(sub); err == nil && i < len(f.s.sc.Faults.Delayed) {
			f.s.sc.Faults.Delayed[i].inject(f.s.faults)
		}
	case "rest":
		if i, err := strconv.Atoi(sub); err == nil && i < len(f.s.sc.Faults.REST) {
			f.s.faults.Inject(f.s.sc.Faults.REST[i].rule())
		}
	case "stall":
		d, _ := time.ParseDuration(a.Duration)
		if d == 0 {
			d = 3 * time.Second
		}
		f.s.faults.StallMarketData(d)
	case "bad":
		if sub == "oversized" {
			b := make([]byte, 0, 2<<20)
			b = append(b, `[{"event_type":"book","asset_id":"`...)
			for len(b) < 2<<20 {
				b = append(b, '9')
			}
			f.s.faults.SendMarketFrame(append(b, `"}]`...))
		} else {
			f.s.faults.SendMarketFrame([]byte(`{"event_type":"price_change","market":"0x`))
		}
	}
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// resolve settles an open event: one random outcome wins, every market of
// the event closes, and the flow stops quoting it.
func (f *flow) resolve(idx int) {
	var open []*Event
	for _, e := range f.b.events {
		if !f.resolvedEv[e] {
			open = append(open, e)
		}
	}
	if len(open) == 0 {
		return
	}
	e := open[f.rng.IntN(len(open))]
	if idx >= 0 && idx < len(f.b.events) && !f.resolvedEv[f.b.events[idx]] {
		e = f.b.events[idx]
	}
	f.mu.Lock()
	for _, m := range e.Markets {
		if f.busy[m] {
			f.mu.Unlock()
			return // a window is open on it; try again next time
		}
	}
	f.mu.Unlock()
	f.resolvedEv[e] = true
	w := f.rng.IntN(len(e.Markets))
	closed := map[*Market]bool{}
	for i, m := range e.Markets {
		f.s.x.Resolve(m.ConditionID, i == w)
		closed[m] = true
	}
	keep := f.markets[:0]
	for _, m := range f.markets {
		if !closed[m] {
			keep = append(keep, m)
		}
	}
	f.markets = keep
	var nr, aug []*Event
	for _, o := range f.negRisk {
		if o != e {
			nr = append(nr, o)
		}
	}
	for _, o := range f.aug {
		if o != e {
			aug = append(aug, o)
		}
	}
	f.negRisk, f.aug = nr, aug
}
