package sim

import (
	"github.com/hotpath/hotpath/book"
)

// Side is an order side: Buy (0) or Sell (1), as in the signed order.
type Side uint8

// Order sides.
const (
	Buy  Side = 0
	Sell Side = 1
)

func (s Side) String() string {
	if s == Sell {
		return "SELL"
	}
	return "BUY"
}

// FeeParams is a market's taker fee schedule (protocol.md §9):
// fee = shares × Rate × (p(1−p))^Exponent, rounded to 5 decimals.
type FeeParams struct {
	Rate      int64 // micro units: 0.07 = 70_000
	Exponent  int   // 1 for current markets, 2 for the early-2026 crypto form
	TakerOnly bool  // makers pay nothing (the venue's current rule)
}

// Market is one binary market (condition) with a YES and a NO token.
//
// Invariant: the market keeps exactly one book, in YES terms. A NO bid at q
// is a YES ask at 1−q, a NO ask at q a YES bid at 1−q; the NO book served on
// the wire is that mirror. Resting orders of both tokens therefore meet in
// one price-time queue, which is what makes MINT (BUY YES meets BUY NO) and
// MERGE (SELL YES meets SELL NO) fall out of ordinary crossing.
type Market struct {
	ConditionID     string
	QuestionID      string
	Question        string
	Slug            string
	Outcome         string // groupItemTitle for neg-risk legs
	YesToken        string
	NoToken         string
	Tick            book.Tick
	MinSize         book.Size
	Fee             FeeParams
	NegRisk         bool
	NegRiskMarketID string
	Augmented       bool
	EventID         string
	Active          bool
	Closed          bool
	AcceptingOrders bool
	GammaID         int

	bids, asks []*level // YES terms; bids best (highest) first, asks best (lowest) first
	lastTrade  book.Price
	hasTrade   bool
	lastSide   Side
}

// Event is a group of markets; a neg-risk event's markets are mutually
// exclusive (exactly one resolves YES).
type Event struct {
	ID              string
	Slug            string
	Title           string
	NegRisk         bool
	Augmented       bool
	NegRiskMarketID string
	Category        string
	Markets         []*Market
}

type level struct {
	price  book.Price // YES terms
	orders []*Order   // FIFO: time priority
	total  book.Size
}

// Level is one aggregated price level of a token's book.
type Level struct {
	Price book.Price
	Size  book.Size
}

// tokenRef locates a token: its market and whether it is the YES token.
type tokenRef struct {
	m   *Market
	yes bool
}

func (m *Market) token(yes bool) string {
	if yes {
		return m.YesToken
	}
	return m.NoToken
}

// Levels returns the book of one token of m, best level first on both
// sides: for the NO token it is the mirror of the YES book.
func (m *Market) Levels(yes bool) (bids, asks []Level) {
	conv := func(src []*level, mirror bool) []Level {
		out := make([]Level, 0, len(src))
		for _, l := range src {
			p := l.price
			if mirror {
				p = book.One - p
			}
			out = append(out, Level{Price: p, Size: l.total})
		}
		return out
	}
	if yes {
		return conv(m.bids, false), conv(m.asks, false)
	}
	return conv(m.asks, true), conv(m.bids, true)
}

// best returns the token's best bid and ask (0 when a side is empty).
func (m *Market) best(yes bool) (bid, ask book.Price, hasBid, hasAsk bool) {
	if yes {
		if len(m.bids) > 0 {
			bid, hasBid = m.bids[0].price, true
		}
		if len(m.asks) > 0 {
			ask, hasAsk = m.asks[0].price, true
		}
		return
	}
	if len(m.asks) > 0 {
		bid, hasBid = book.One-m.asks[0].price, true
	}
	if len(m.bids) > 0 {
		ask, hasAsk = book.One-m.bids[0].price, true
	}
	return
}

// levelTotal returns the YES-terms total at price p on the bid or ask side.
func (m *Market) levelTotal(bid bool, p book.Price) book.Size {
	side := m.asks
	if bid {
		side = m.bids
	}
	for _, l := range side {
		if l.price == p {
			return l.total
		}
	}
	return 0
}
