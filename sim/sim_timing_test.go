package sim

import (
	"strconv"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// BenchmarkSubmitCross measures the matching core: a resting ask is
// re-placed and a FOK BUY takes it, per op (ledger, fees, trade record).
func BenchmarkSubmitCross(b *testing.B) {
	m := testMarket(FeeParams{Rate: 40_000, Exponent: 1, TakerOnly: true})
	x := NewExchange(1, nil, []*Market{m})
	x.Fund(addr(0), 1<<50)
	x.FundShares(addr(1), "111", 1<<50)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		x.mu.Lock()
		_, err1 := x.submit(&Order{ID: "a" + strconv.Itoa(i), Market: m, Token: "111", Yes: true, Side: Sell, Price: 550_000, Size: 10e6, Type: GTC, Maker: addr(1), Owner: "k1"}, false)
		_, err2 := x.submit(&Order{ID: "b" + strconv.Itoa(i), Market: m, Token: "111", Yes: true, Side: Buy, Price: 550_000, Size: 10e6, Type: FOK, Maker: addr(0), Owner: "k0"}, false)
		x.mu.Unlock()
		if err1 != nil || err2 != nil {
			b.Fatal(err1, err2)
		}
	}
}

// BenchmarkBookHash measures one venue hash of a 20-level book (what every
// price_change entry costs the sim).
func BenchmarkBookHash(b *testing.B) {
	m := testMarket(FeeParams{})
	var bids, asks []Level
	for i := 0; i < 10; i++ {
		bids = append(bids, Level{book.Price(490_000 - 10_000*i), book.Size(100+i) * book.OneShare})
		asks = append(asks, Level{book.Price(510_000 + 10_000*i), book.Size(100+i) * book.OneShare})
	}
	var h hasher
	b.ReportAllocs()
	for b.Loop() {
		_ = h.hash(Hash9, m, "111", bids, asks, 1757908892351)
	}
}

// BenchmarkPostOrderREST measures POST /order end to end over 127.0.0.1:
// L2 HMAC, decoding, EIP-712 recovery with go-ethereum, matching (a GTC
// that rests) and the response.
func BenchmarkPostOrderREST(b *testing.B) {
	s := startSmall(b, func(c *Config) { c.Rate = -1 })
	c := newClient(b, s, 0)
	s.x.Fund(c.addr, 1<<50)
	nr, _, _ := smallMarkets(s)
	envs := make([][]byte, 0, 1024)
	for i := 0; i < cap(envs); i++ {
		envs = append(envs, c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 100_000, taker: 10_000_000}))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i == len(envs) {
			b.StopTimer()
			for j := range envs {
				envs[j] = c.envelope(orderSpec{token: nr[0].YesToken, side: Buy, maker: 100_000, taker: 10_000_000})
			}
			i = 0
			b.StartTimer()
		}
		if code, body := c.call("POST", "/order", envs[i]); code != 200 {
			b.Fatalf("%d %s", code, body)
		}
	}
}
