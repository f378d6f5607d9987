package scan_test

import (
	"fmt"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/ring"
	"github.com/hotpath/hotpath/scan"
)

// The book+scan stage: apply a change to a book, tell the scanner the new
// best ask, then drain the opportunities.
func Example() {
	books := []*book.Book{book.NewBook(book.Tick0_01), book.NewBook(book.Tick0_01), book.NewBook(book.Tick0_01)}
	asks := []book.Price{300_000, 330_000, 320_000} // Σ 0.95: a YES basket below $1
	for i, b := range books {
		b.BeginSnapshot()
		_ = b.SetLevel(book.Ask, asks[i], 50*book.OneShare)
		b.EndSnapshot()
	}
	fee := scan.FeeModel{Rate: 40_000, Exponent: 1} // 0.04·p(1−p)
	assets := []scan.Asset{
		{Book: books[0], Fee: fee, MinSize: 5 * book.OneShare},
		{Book: books[1], Fee: fee, MinSize: 5 * book.OneShare},
		{Book: books[2], Fee: fee, MinSize: 5 * book.OneShare},
	}
	groups := []scan.GroupSpec{{Kind: scan.YesBasket, Event: "who-wins", Legs: []book.AssetIndex{0, 1, 2}}}
	pool := ring.MustNew[scan.PoolEvent](1024) // consumed by the signer
	s, err := scan.New(scan.DefaultConfig(), assets, groups, pool)
	if err != nil {
		panic(err)
	}

	s.SetTime(1_000) // the frame's receive time, ns
	for a, b := range books {
		p, _, ok := b.BestAsk()
		s.OnBestAsk(book.AssetIndex(a), p, ok)
	}
	// Fees 50×0.04×(0.3·0.7 + 0.33·0.67 + 0.32·0.68) = 0.42 + 0.4422 + 0.4352;
	// cost 47.5 + 1.2974; edge 50 − 48.7974.
	var o scan.Opportunity
	for s.Next(&o) {
		fmt.Println(o.Reason, o.Kind, "Q", o.Q, "cost", book.Size(o.Cost), "fees", book.Size(o.Fees), "edge", book.Size(o.Edge))
		for _, l := range o.Legs[:o.N] {
			fmt.Println("  FOK BUY asset", l.Asset, "limit", l.Limit, "shares", l.Size, "maker amount", book.Size(l.Amount))
		}
	}
	e, _ := pool.Pop()
	fmt.Println("pool", e.Event, "group", e.Group, "sum", book.Price(e.Sum))
	// Output:
	// ok yes_basket Q 50 cost 48.7974 fees 1.2974 edge 1.2026
	//   FOK BUY asset 0 limit 0.3 shares 50 maker amount 15
	//   FOK BUY asset 1 limit 0.33 shares 50 maker amount 16.5
	//   FOK BUY asset 2 limit 0.32 shares 50 maker amount 16
	// pool enter group 0 sum 0.95
}
