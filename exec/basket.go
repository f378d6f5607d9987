package exec

import (
	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// legRole says why an order was sent.
type legRole uint8

const (
	roleEntry    legRole = iota // the basket's FOK BUY
	roleComplete                // leg risk: FAK BUY of a missing leg
	roleUnwind                  // leg risk: FAK SELL of a filled leg
)

var roleNames = [...]string{"entry", "complete", "unwind"}

func (r legRole) String() string { return roleNames[r] }

// legStatus is what we know about one order.
type legStatus uint8

const (
	legPending legStatus = iota // journaled, no answer yet
	legUnknown                  // sent, outcome unknown (timeout, delayed, duplicate, …): query
	legFilled                   // matched (FOK fully; FAK possibly in part)
	legKilled                   // not filled and not resting (killed, rejected, never placed)
	legLive                     // resting on the book (never expected): cancel it
)

var legStatusNames = [...]string{"pending", "unknown", "filled", "killed", "live"}

func (s legStatus) String() string { return legStatusNames[s] }

// tradeStatus is a trade's settlement state (protocol.md §3).
type tradeStatus uint8

const (
	tradeMatched tradeStatus = iota
	tradeMined
	tradeRetrying
	tradeConfirmed
	tradeFailed
)

var tradeStatusNames = [...]string{"MATCHED", "MINED", "RETRYING", "CONFIRMED", "FAILED"}

func (s tradeStatus) String() string { return tradeStatusNames[s] }

// parseTradeStatus reads MATCHED/MINED/CONFIRMED/RETRYING/FAILED, with or
// without the TRADE_STATUS_ prefix, any case.
func parseTradeStatus(b []byte) (tradeStatus, bool) {
	if len(b) > 13 && equalFoldASCII(b[:13], "trade_status_") {
		b = b[13:]
	}
	for i, n := range tradeStatusNames {
		if equalFoldASCII(b, n) {
			return tradeStatus(i), true
		}
	}
	return 0, false
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// trade is one fill of one of our orders as the venue reports it.
type trade struct {
	id     string
	status tradeStatus
	shares int64 // micro-shares, > 0
	cash   int64 // micro-dollars, > 0: paid (BUY, rounded up) or received (SELL, rounded down), fees excluded
	fee    int64 // micro-dollars, ≥ 0
	// feeVenue: fee is the venue's own amount (a report's "fee" field),
	// not computed with Config.FeeRounding.
	feeVenue bool
}

// leg is one order of a basket: an entry FOK BUY or a leg-risk FAK.
type leg struct {
	idx    uint8 // the group leg (position in GroupInfo.Legs) it trades
	role   legRole
	side   uint8 // sign.Buy or sign.Sell
	status legStatus
	reject Reject
	asset  book.AssetIndex
	tick   book.Tick
	limit  book.Price
	shares book.Size // requested (BUY: at least; SELL: exactly)
	maker  uint64
	taker  uint64
	hash   [32]byte // EIP-712 order hash: what we journal and query by
	vid    [32]byte // the venue's orderID (= hash unless a response says otherwise, protocol.md §13.10)

	accepted  bool  // the venue acknowledged the order (delayed, duplicate): "not found" never means "not placed"
	alerted   bool  // an accepted order the venue cannot find was alerted once
	sentAt    int64 // monotonic ns of the write (or of the journal intent on replay)
	sentWall  int64 // unix seconds of the write
	lastQuery int64

	// The venue's answer: shares received (BUY) or given (SELL) and the
	// cash paid (BUY) or received (SELL), fees excluded; estFee is our
	// estimate of the fee until trades say better.
	respShares int64
	respCash   int64
	estFee     int64
	trades     []trade

	// What this leg currently contributes to positions and cash (signed:
	// shares > 0 bought, cash < 0 paid; fee ≥ 0 paid).
	appShares, appCash, appFee int64
}

// contribution is the leg's signed effect on the books: from its trades
// once they account for everything the venue said was filled, else from
// the response. FAILED trades contribute nothing.
func (l *leg) contribution() (shares, cash, fee int64) {
	var known, sh, c, f int64
	for i := range l.trades {
		t := &l.trades[i]
		known += t.shares
		if t.status != tradeFailed {
			sh += t.shares
			c += t.cash
			f += t.fee
		}
	}
	if len(l.trades) == 0 || known < l.respShares {
		if l.status != legFilled {
			return 0, 0, 0
		}
		sh, c, f = l.respShares, l.respCash, l.estFee
	}
	if l.side == sign.Sell {
		return -sh, c, f
	}
	return sh, -c, f
}

// settled reports whether every share the leg got is final (CONFIRMED) or
// gone (FAILED), and the venue's answer is known.
func (l *leg) settled() bool {
	switch l.status {
	case legKilled:
		return true
	case legFilled:
	default:
		return false
	}
	var known int64
	for i := range l.trades {
		t := &l.trades[i]
		if t.status != tradeConfirmed && t.status != tradeFailed {
			return false
		}
		known += t.shares
	}
	return known >= l.respShares && len(l.trades) > 0
}

func (l *leg) findTrade(id []byte) *trade {
	for i := range l.trades {
		if l.trades[i].id == string(id) {
			return &l.trades[i]
		}
	}
	return nil
}

// basket is one submitted opportunity and everything sent for it.
type basket struct {
	id       uint64
	group    uint32
	kind     scan.Kind
	event    int
	payout   int64     // per set
	q        book.Size // target shares per leg
	nGroup   int       // legs in the group
	notional int64     // Σ entry maker amounts (risk exposure)
	expCost  int64     // the opportunity's expected cost incl. fees
	opened   int64     // monotonic ns
	legs     []leg     // entry legs first, then leg-risk orders

	attempts int // leg-risk tries so far
	// what the last leg-risk try priced (micro-dollars; notFeasible when
	// impossible), for the give-up report
	lossC, lossU int64
	nextTry      int64 // monotonic ns of the next leg-risk try
	resigned     bool  // the one version-mismatch retry was used
	everFilled   bool
	partial      bool // counted as partial once
	stuck        bool // leg risk gave up: alerted, waiting for an operator
	final        bool
	paper        bool
}

// reset prepares a recycled slot.
func (b *basket) reset() {
	*b = basket{legs: b.legs[:0]}
}

// newLeg extends b.legs by one zeroed leg, reusing the slot's trade
// storage, and returns it.
func (b *basket) newLeg() *leg {
	if len(b.legs) < cap(b.legs) {
		b.legs = b.legs[:len(b.legs)+1]
		l := &b.legs[len(b.legs)-1]
		*l = leg{trades: l.trades[:0]}
		return l
	}
	b.legs = append(b.legs, leg{}) // leg-risk orders beyond the slot's room (cold)
	return &b.legs[len(b.legs)-1]
}

// held is the basket's net position in group leg i (micro-shares).
func (b *basket) held(i int) int64 {
	var s int64
	for j := range b.legs {
		if int(b.legs[j].idx) == i {
			s += b.legs[j].appShares
		}
	}
	return s
}

// cashDelta is the basket's signed cash effect so far, fees included.
func (b *basket) cashDelta() int64 {
	var c int64
	for j := range b.legs {
		c += b.legs[j].appCash - b.legs[j].appFee
	}
	return c
}

func (b *basket) fees() int64 {
	var f int64
	for j := range b.legs {
		f += b.legs[j].appFee
	}
	return f
}

// anyUnresolved reports whether some order's outcome is not known yet.
func (b *basket) anyUnresolved() bool {
	for j := range b.legs {
		switch b.legs[j].status {
		case legPending, legUnknown, legLive:
			return true
		}
	}
	return false
}

func (b *basket) allSettled() bool {
	for j := range b.legs {
		if !b.legs[j].settled() {
			return false
		}
	}
	return true
}

// dust is the position below which a leg counts as flat (or complete): the
// smallest SELL the venue takes is 0.01 share (2 decimals).
const dust = 10_000

// completeSets is min over the group's legs of the basket's holdings.
func (b *basket) completeSets() int64 {
	m := int64(-1)
	for i := 0; i < b.nGroup; i++ {
		h := b.held(i)
		if m < 0 || h < m {
			m = h
		}
	}
	if m < 0 {
		return 0
	}
	return m
}

// shape classifies the holdings: complete (every leg ≥ q − dust), flat
// (every leg < dust) or partial.
func (b *basket) shape() (complete, flat bool) {
	complete, flat = true, true
	for i := 0; i < b.nGroup; i++ {
		h := b.held(i)
		if h < int64(b.q)-dust {
			complete = false
		}
		if h >= dust {
			flat = false
		}
	}
	return complete, flat
}
