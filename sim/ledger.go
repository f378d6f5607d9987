package sim

import (
	"math/big"
	"sort"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

// Account is one wallet's ledger on the venue: the venue's truth, which the
// engine's own P&L is compared against. Amounts are micro units (1e6 = $1
// or 1 share).
type Account struct {
	Address   common.Address
	Cash      int64            // pUSD
	Positions map[string]int64 // token id → shares
	Fees      int64            // fees paid, pUSD
	Cost      map[string]int64 // token id → net pUSD paid for it (buys − sells + fees)

	open      map[string]*Order // live orders
	resCash   int64             // pUSD held back by live BUYs
	resShares map[string]int64  // shares held back by live SELLs, per token
}

// AccountSnapshot is a copy of an Account safe to keep.
type AccountSnapshot struct {
	Address   string           `json:"address"`
	Cash      int64            `json:"cash"`
	Positions map[string]int64 `json:"positions"`
	Fees      int64            `json:"fees"`
	Cost      map[string]int64 `json:"cost"`
	Reserved  int64            `json:"reserved_cash"`
	OpenCount int              `json:"open_orders"`
}

func (x *Exchange) account(a common.Address) *Account {
	acc, ok := x.accounts[a]
	if !ok {
		acc = &Account{Address: a, Positions: map[string]int64{}, Cost: map[string]int64{}, open: map[string]*Order{},
			resShares: map[string]int64{}}
		x.accounts[a] = acc
	}
	return acc
}

// Fund credits pUSD (micro) to an account, creating it if needed.
func (x *Exchange) Fund(a common.Address, cash int64) {
	x.mu.Lock()
	x.account(a).Cash += cash
	x.mu.Unlock()
}

// FundShares credits shares (micro) of a token to an account.
func (x *Exchange) FundShares(a common.Address, token string, shares int64) {
	x.mu.Lock()
	x.account(a).Positions[token] += shares
	x.mu.Unlock()
}

// Ledger returns a snapshot of one account.
func (x *Exchange) Ledger(a common.Address) AccountSnapshot {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.snapshot(x.account(a))
}

// Ledgers returns snapshots of every account, sorted by address.
func (x *Exchange) Ledgers() []AccountSnapshot {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]AccountSnapshot, 0, len(x.accounts))
	for _, a := range x.accounts {
		out = append(out, x.snapshot(a))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

func (x *Exchange) snapshot(a *Account) AccountSnapshot {
	s := AccountSnapshot{Address: a.Address.Hex(), Cash: a.Cash, Fees: a.Fees, OpenCount: len(a.open),
		Positions: make(map[string]int64, len(a.Positions)), Cost: make(map[string]int64, len(a.Cost))}
	for k, v := range a.Positions {
		if v != 0 {
			s.Positions[k] = v
		}
	}
	for k, v := range a.Cost {
		if v != 0 {
			s.Cost[k] = v
		}
	}
	s.Reserved, _ = x.reserved(a, "")
	return s
}

// reserved is what a's live orders hold back: pUSD for BUYs (cost at the
// limit, rounded up) and shares of token for SELLs. Kept incrementally by
// reserve, so a funds check costs O(1) whatever the number of open orders.
func (x *Exchange) reserved(a *Account, token string) (cash, shares int64) {
	return a.resCash, a.resShares[token]
}

// reserve re-derives o's reservation after its status or remaining size
// changed. Locked.
func (x *Exchange) reserve(o *Order) {
	a := x.account(o.Maker)
	a.resCash -= o.resCash
	if o.resShares != 0 {
		a.resShares[o.Token] -= o.resShares
		if a.resShares[o.Token] == 0 {
			delete(a.resShares, o.Token)
		}
	}
	o.resCash, o.resShares = 0, 0
	if o.Status != StatusLive {
		return
	}
	if o.Side == Buy {
		o.resCash = book.CostUp(o.Price, o.Remaining())
		a.resCash += o.resCash
	} else {
		o.resShares = int64(o.Remaining())
		a.resShares[o.Token] += o.resShares
	}
}

// checkFunds applies the venue's balance / allowance rule to a new order.
// A BUY needs pUSD for its full size at its limit price plus the taker fee
// at that price (cost + fee grows with price, so the limit is the worst
// case); a SELL needs the shares. Live orders' needs are reserved first.
func (x *Exchange) checkFunds(o *Order) error {
	a := x.account(o.Maker)
	rc, rs := x.reserved(a, o.Token)
	if o.Side == Buy {
		need := book.CostUp(o.Price, o.Size) + Fee(o.Market.Fee, o.Price, o.Size)
		if a.Cash-rc < need {
			return reject(ErrMsgBalance)
		}
		return nil
	}
	if a.Positions[o.Token]-rs < int64(o.Size) {
		return reject(ErrMsgBalance)
	}
	return nil
}

var (
	bigE12 = big.NewInt(1_000_000_000_000)
	bigE7  = big.NewInt(10_000_000)
)

// Fee is the taker fee in micro pUSD for s shares at price p:
// s × rate × (p(1−p))^exponent, rounded half-up to 5 decimals (10 micro
// units; protocol.md §9.2 picks 5 decimals, UNCERTAIN). Exact integer
// arithmetic: s and p are micro units, rate micro units.
func Fee(f FeeParams, p book.Price, s book.Size) int64 {
	if f.Rate == 0 || s <= 0 || p == 0 || p >= book.One {
		return 0
	}
	x := new(big.Int).SetInt64(int64(p) * int64(book.One-p)) // p(1−p) × 1e12
	num := new(big.Int).Mul(big.NewInt(int64(s)), big.NewInt(f.Rate))
	den := new(big.Int).Set(bigE7) // 1e6 (shares) × 1e6 (rate) ÷ 1e5 (5-decimal unit)
	for i := 0; i < f.Exponent; i++ {
		num.Mul(num, x)
		den.Mul(den, bigE12)
	}
	// round half up: (num + den/2) / den, in units of 1e-5 dollars
	num.Add(num, new(big.Int).Rsh(den, 1))
	num.Quo(num, den)
	return num.Int64() * 10
}
