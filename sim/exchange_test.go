package sim

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/book"
)

func testMarket(fee FeeParams) *Market {
	return &Market{ConditionID: "0xc0", YesToken: "111", NoToken: "222", Tick: book.Tick0_01, MinSize: 5 * book.OneShare,
		Active: true, AcceptingOrders: true, Fee: fee}
}

func addr(i int) common.Address { return common.BytesToAddress([]byte{0xa0, byte(i + 1)}) }

type tx struct {
	t *testing.T
	x *Exchange
	m *Market
	n int
}

func newTX(t *testing.T, fee FeeParams) *tx {
	m := testMarket(fee)
	x := NewExchange(1, nil, []*Market{m})
	for i := 0; i < 4; i++ {
		x.Fund(addr(i), 1000*book.Scale)
		x.FundShares(addr(i), "111", 100*book.Scale)
		x.FundShares(addr(i), "222", 100*book.Scale)
	}
	return &tx{t: t, x: x, m: m}
}

// order submits a user order for account a: yes token?, side, price, size.
func (c *tx) order(a int, yes bool, side Side, price string, size int64, typ OrderType) (*Order, Result, error) {
	c.t.Helper()
	p, err := book.ParsePrice([]byte(price))
	if err != nil {
		c.t.Fatal(err)
	}
	c.n++
	o := &Order{ID: "0x" + strconv.Itoa(c.n), Market: c.m, Token: c.m.token(yes), Yes: yes, Side: side, Price: p,
		Size: book.Size(size) * book.OneShare, Type: typ, Owner: "key" + strconv.Itoa(a), Maker: addr(a)}
	c.x.mu.Lock()
	defer c.x.mu.Unlock()
	r, err := c.x.submit(o, false)
	return o, r, err
}

func (c *tx) must(a int, yes bool, side Side, price string, size int64, typ OrderType) (*Order, Result) {
	c.t.Helper()
	o, r, err := c.order(a, yes, side, price, size, typ)
	if err != nil {
		c.t.Fatalf("order: %v", err)
	}
	return o, r
}

func (c *tx) cash(a int) int64 { return c.x.Ledger(addr(a)).Cash }
func (c *tx) pos(a int, tok string) int64 {
	return c.x.Ledger(addr(a)).Positions[tok]
}

func TestPriceTimePriority(t *testing.T) {
	c := newTX(t, FeeParams{})
	a1, _ := c.must(1, true, Sell, "0.55", 10, GTC)
	a2, _ := c.must(2, true, Sell, "0.55", 10, GTC)
	a0, _ := c.must(3, true, Sell, "0.54", 5, GTC)
	_, r := c.must(0, true, Buy, "0.55", 12, GTC)
	if r.Status != "matched" || len(r.TradeIDs) != 2 {
		t.Fatalf("result %+v", r)
	}
	if got := [3]book.Size{a0.Matched, a1.Matched, a2.Matched}; got != [3]book.Size{5e6, 7e6, 0} {
		t.Fatalf("fills best price then time: %v", got)
	}
	// taker paid 5×0.54 + 7×0.55 = 6.55
	if r.Making != 6_550_000 || r.Taking != 12_000_000 {
		t.Fatalf("making/taking %d/%d", r.Making, r.Taking)
	}
	if c.cash(0) != 1000*book.Scale-6_550_000 || c.pos(0, "111") != 112*book.Scale {
		t.Fatalf("ledger %d %d", c.cash(0), c.pos(0, "111"))
	}
}

func TestMirroredBook(t *testing.T) {
	c := newTX(t, FeeParams{})
	c.must(1, false, Buy, "0.4", 10, GTC) // NO bid 0.4 = YES ask 0.6
	c.must(2, true, Buy, "0.3", 7, GTC)   // YES bid 0.3 = NO ask 0.7
	yb, ya := c.m.Levels(true)
	nb, na := c.m.Levels(false)
	if len(ya) != 1 || ya[0] != (Level{600_000, 10e6}) || len(yb) != 1 || yb[0] != (Level{300_000, 7e6}) {
		t.Fatalf("YES book %v %v", yb, ya)
	}
	if len(nb) != 1 || nb[0] != (Level{400_000, 10e6}) || len(na) != 1 || na[0] != (Level{700_000, 7e6}) {
		t.Fatalf("NO book %v %v", nb, na)
	}
}

func TestMintAndMerge(t *testing.T) {
	c := newTX(t, FeeParams{})
	// MINT: resting BUY NO @0.4 meets BUY YES @0.6
	c.must(1, false, Buy, "0.4", 10, GTC)
	_, r := c.must(0, true, Buy, "0.6", 10, FOK)
	if r.Making != 6e6 || r.Taking != 10e6 {
		t.Fatalf("mint result %+v", r)
	}
	if c.cash(0) != 994e6 || c.cash(1) != 996e6 || c.pos(0, "111") != 110e6 || c.pos(1, "222") != 110e6 {
		t.Fatalf("mint ledger %d %d %d %d", c.cash(0), c.cash(1), c.pos(0, "111"), c.pos(1, "222"))
	}
	if v := c.x.Ledger(VenueAddress).Cash; v != 0 {
		t.Fatalf("venue cash after exact mint %d", v)
	}
	// MERGE: resting SELL NO @0.3 meets SELL YES @0.7
	c.must(2, false, Sell, "0.3", 4, GTC)
	_, r = c.must(3, true, Sell, "0.7", 4, FAK)
	if r.Making != 4e6 || r.Taking != 2_800_000 {
		t.Fatalf("merge result %+v", r)
	}
	if c.cash(3) != 1002_800_000 || c.cash(2) != 1001_200_000 || c.pos(3, "111") != 96e6 || c.pos(2, "222") != 96e6 {
		t.Fatalf("merge ledger")
	}
}

func TestFOK(t *testing.T) {
	c := newTX(t, FeeParams{})
	c.must(1, true, Sell, "0.5", 10, GTC)
	c.must(2, false, Buy, "0.45", 5, GTC) // YES ask 0.55
	before := c.cash(0)
	if _, _, err := c.order(0, true, Buy, "0.55", 16, FOK); RejectMessage(err) != ErrMsgFOK {
		t.Fatalf("FOK short: %v", err)
	}
	if _, _, err := c.order(0, true, Buy, "0.5", 11, FOK); RejectMessage(err) != ErrMsgFOK {
		t.Fatalf("FOK limit excludes the 0.55 level: %v", err)
	}
	if c.cash(0) != before || len(c.x.Trades()) != 0 {
		t.Fatal("a killed FOK moved money")
	}
	o, r := c.must(0, true, Buy, "0.55", 15, FOK)
	if o.Status != StatusMatched || r.Taking != 15e6 || r.Making != 5e6+2_750_000 {
		t.Fatalf("FOK exact depth: %+v %+v", o, r)
	}
	if _, a := c.m.Levels(true); len(a) != 0 {
		t.Fatalf("asks left %v", a)
	}
}

func TestFAK(t *testing.T) {
	c := newTX(t, FeeParams{})
	if _, _, err := c.order(0, true, Buy, "0.5", 10, FAK); RejectMessage(err) != ErrMsgFAK {
		t.Fatalf("FAK empty book: %v", err)
	}
	c.must(1, true, Sell, "0.5", 6, GTC)
	o, r := c.must(0, true, Buy, "0.5", 10, FAK)
	if r.Taking != 6e6 || o.Status != StatusMatched || o.Matched != 6e6 {
		t.Fatalf("FAK partial: %+v %+v", o, r)
	}
	if b, _ := c.m.Levels(true); len(b) != 0 {
		t.Fatal("FAK remainder rested")
	}
}

func TestGTCRestsRemainder(t *testing.T) {
	c := newTX(t, FeeParams{})
	c.must(1, true, Sell, "0.5", 6, GTC)
	o, r := c.must(0, true, Buy, "0.52", 10, GTC)
	if r.Status != "matched" || o.Status != StatusLive || o.Remaining() != 4e6 {
		t.Fatalf("%+v %+v", o, r)
	}
	if b, _ := c.m.Levels(true); len(b) != 1 || b[0] != (Level{520_000, 4e6}) {
		t.Fatalf("bids %v", b)
	}
	if ok, _ := c.x.Cancel("key0", o.ID); !ok {
		t.Fatal("cancel failed")
	}
	if ok, _ := c.x.Cancel("key0", o.ID); ok {
		t.Fatal("double cancel succeeded")
	}
	if b, _ := c.m.Levels(true); len(b) != 0 {
		t.Fatal("level not removed")
	}
}

func TestFeeVectors(t *testing.T) {
	f := FeeParams{Rate: 250_000, Exponent: 2, TakerOnly: true}
	cases := []struct {
		p    book.Price
		want int64
	}{{500_000, 1_562_500}, {300_000, 1_102_500}, {700_000, 1_102_500}, {100_000, 202_500}, {50_000, 56_410}, {10_000, 2_450}}
	for _, c := range cases {
		if got := Fee(f, c.p, 100*book.OneShare); got != c.want {
			t.Errorf("fee(%v) = %d, want %d", c.p, got, c.want)
		}
	}
	if got := Fee(FeeParams{Rate: 30_000, Exponent: 1}, 500_000, 100*book.OneShare); got != 750_000 {
		t.Errorf("sports 0.03 fee = %d", got)
	}
	if got := Fee(FeeParams{Rate: 70_000, Exponent: 1}, 500_000, 100*book.OneShare); got != 1_750_000 {
		t.Errorf("crypto 0.07 fee = %d", got)
	}
}

func TestTakerFeeCharged(t *testing.T) {
	c := newTX(t, FeeParams{Rate: 70_000, Exponent: 1, TakerOnly: true})
	c.must(1, true, Sell, "0.5", 100, GTC)
	c.must(0, true, Buy, "0.5", 100, FOK)
	// taker pays 50 + 100×0.07×0.25 = 51.75; maker receives 50, no fee
	if c.cash(0) != 1000e6-51_750_000 || c.cash(1) != 1050e6 {
		t.Fatalf("cash %d %d", c.cash(0), c.cash(1))
	}
	if l := c.x.Ledger(addr(0)); l.Fees != 1_750_000 || l.Cost["111"] != 51_750_000 {
		t.Fatalf("fees %+v", l)
	}
	if c.x.Ledger(VenueAddress).Cash != 1_750_000 {
		t.Fatal("venue did not collect the fee")
	}
	tr := c.x.Trades()[0]
	if tr.TakerFee != 1_750_000 || tr.MakerFee != 0 {
		t.Fatalf("trade fees %d %d", tr.TakerFee, tr.MakerFee)
	}
}

func TestBalanceAndReservation(t *testing.T) {
	c := newTX(t, FeeParams{})
	if _, _, err := c.order(0, true, Buy, "0.5", 2001, GTC); RejectMessage(err) != ErrMsgBalance {
		t.Fatalf("over cash: %v", err)
	}
	c.must(0, true, Buy, "0.5", 1500, GTC) // reserves 750
	if _, _, err := c.order(0, true, Buy, "0.4", 700, GTC); RejectMessage(err) != ErrMsgBalance {
		t.Fatalf("reservation ignored: %v", err)
	}
	if _, _, err := c.order(0, true, Sell, "0.9", 101, GTC); RejectMessage(err) != ErrMsgBalance {
		t.Fatalf("over shares: %v", err)
	}
	c.must(0, true, Sell, "0.9", 100, GTC)
	if _, _, err := c.order(0, true, Sell, "0.95", 1, GTC); RejectMessage(err) != ErrMsgBalance {
		t.Fatalf("share reservation ignored: %v", err)
	}
	// reservations follow fills and cancels: a partial fill of the resting
	// BUY and then its cancel release what they held
	b, _ := c.must(0, true, Buy, "0.5", 10, GTC)
	if l := c.x.Ledger(addr(0)); l.Reserved != 750e6+5e6 {
		t.Fatalf("reserved %d", l.Reserved)
	}
	c.must(2, true, Sell, "0.5", 4, FOK) // hits the older 1500 @0.5 first
	if l := c.x.Ledger(addr(0)); l.Reserved != 748e6+5e6 {
		t.Fatalf("reserved after partial fill %d", l.Reserved)
	}
	c.x.Cancel("key0", b.ID)
	if l := c.x.Ledger(addr(0)); l.Reserved != 748e6 {
		t.Fatalf("reserved after cancel %d", l.Reserved)
	}
	// a fee market needs the fee too
	c2 := newTX(t, FeeParams{Rate: 70_000, Exponent: 1, TakerOnly: true})
	if _, _, err := c2.order(0, true, Buy, "0.5", 2000, GTC); RejectMessage(err) != ErrMsgBalance {
		t.Fatalf("fee not reserved: %v", err)
	}
}

func TestDuplicate(t *testing.T) {
	c := newTX(t, FeeParams{})
	o, _ := c.must(0, true, Buy, "0.5", 10, GTC)
	dup := *o
	dup.Matched, dup.Status = 0, ""
	c.x.mu.Lock()
	_, err := c.x.submit(&dup, false)
	c.x.mu.Unlock()
	if RejectMessage(err) != "order "+o.ID+" is invalid. Duplicated." {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestPostOnly(t *testing.T) {
	c := newTX(t, FeeParams{})
	c.must(1, true, Sell, "0.5", 10, GTC)
	o := &Order{ID: "0xpo", Market: c.m, Token: "111", Yes: true, Side: Buy, Price: 500_000, Size: 5e6, Type: GTC, Owner: "key0", Maker: addr(0)}
	c.x.mu.Lock()
	_, err := c.x.submit(o, true)
	c.x.mu.Unlock()
	if RejectMessage(err) != ErrMsgPostOnly {
		t.Fatalf("post-only: %v", err)
	}
}

// TestLedgerConservation runs random flow and checks that money is
// conserved: Σ cash (venue included) + collateral locked in full sets
// equals the initial cash, YES and NO supplies move together, and a
// FAILED rollback of every trade restores the start.
func TestLedgerConservation(t *testing.T) {
	for _, inShares := range []bool{false, true} {
		t.Run("feeInShares="+strconv.FormatBool(inShares), func(t *testing.T) { testConservation(t, inShares) })
	}
}

func testConservation(t *testing.T, feeInShares bool) {
	c := newTX(t, FeeParams{Rate: 40_000, Exponent: 1, TakerOnly: true})
	c.x.FeeInShares = feeInShares
	rng := rand.New(rand.NewPCG(1, 2))
	sum := func() (cash, yes, no int64) {
		for _, l := range c.x.Ledgers() {
			cash += l.Cash
			yes += l.Positions["111"]
			no += l.Positions["222"]
		}
		return
	}
	cash0, yes0, no0 := sum()
	types := []OrderType{GTC, GTC, FAK, FOK}
	for i := 0; i < 400; i++ {
		p := strconv.FormatFloat(float64(1+rng.IntN(98))/100, 'f', 2, 64) // test input only
		_, _, _ = c.order(rng.IntN(4), rng.IntN(2) == 0, Side(rng.IntN(2)), p, int64(1+rng.IntN(20)), types[rng.IntN(4)])
	}
	cash, yes, no := sum()
	if yes-yes0 != no-no0 {
		t.Fatalf("YES minted %d != NO minted %d", yes-yes0, no-no0)
	}
	if cash+(yes-yes0) != cash0 {
		t.Fatalf("cash %d + sets %d != %d", cash, yes-yes0, cash0)
	}
	trades := c.x.Trades()
	if len(trades) == 0 {
		t.Fatal("no trades")
	}
	c.x.mu.Lock()
	for _, tr := range c.x.trades {
		c.x.apply(tr.effects, -1)
	}
	c.x.mu.Unlock()
	cash, yes, no = sum()
	if cash != cash0 || yes != yes0 || no != no0 {
		t.Fatalf("rollback: %d %d %d", cash-cash0, yes-yes0, no-no0)
	}
}

func TestFeeInShares(t *testing.T) {
	c := newTX(t, FeeParams{Rate: 70_000, Exponent: 1, TakerOnly: true})
	c.x.FeeInShares = true
	c.must(1, true, Sell, "0.5", 100, GTC)
	c.must(0, true, Buy, "0.5", 100, FOK)
	// fee $1.75 at p=0.5 is 3.5 shares out of the 100 bought
	if c.cash(0) != 950e6 || c.pos(0, "111") != 100e6+96_500_000 {
		t.Fatalf("cash %d pos %d", c.cash(0), c.pos(0, "111"))
	}
	if v := c.x.Ledger(VenueAddress); v.Positions["111"] != 3_500_000 || v.Cash != 0 {
		t.Fatalf("venue %+v", v)
	}
	if l := c.x.Ledger(addr(0)); l.Fees != 1_750_000 {
		t.Fatalf("fees %d", l.Fees)
	}
}
