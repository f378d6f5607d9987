package scan

import (
	"strings"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/ring"
)

// px and sz parse venue decimal strings (tests only; no floats anywhere).
func px(t testing.TB, s string) book.Price {
	t.Helper()
	p, err := book.ParsePrice([]byte(s))
	if err != nil {
		t.Fatalf("price %q: %v", s, err)
	}
	return p
}

func sz(t testing.TB, s string) book.Size {
	t.Helper()
	v, err := book.ParseSize([]byte(s))
	if err != nil {
		t.Fatalf("size %q: %v", s, err)
	}
	return v
}

// usd parses a dollar amount into micro-dollars; a leading '-' negates.
func usd(t testing.TB, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	v := int64(sz(t, strings.TrimPrefix(s, "-")))
	if neg {
		return -v
	}
	return v
}

// legSpec describes one asset of a test fixture. asks/bids are
// "price:size" strings.
type legSpec struct {
	tick    book.Tick
	asks    []string
	bids    []string
	fee     FeeModel
	minSize string // shares; "" means 0
	invalid bool   // leave the book without a completed snapshot
}

func setLevels(t testing.TB, b *book.Book, sd book.Side, lv []string) {
	t.Helper()
	for _, l := range lv {
		p, s, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("level %q: want price:size", l)
		}
		if err := b.SetLevel(sd, px(t, p), sz(t, s)); err != nil {
			t.Fatalf("level %q: %v", l, err)
		}
	}
}

func newBook(t testing.TB, ls legSpec) *book.Book {
	t.Helper()
	tick := ls.tick
	if tick == 0 {
		tick = book.Tick0_01
	}
	b := book.NewBook(tick)
	b.BeginSnapshot()
	setLevels(t, b, book.Ask, ls.asks)
	setLevels(t, b, book.Bid, ls.bids)
	if !ls.invalid {
		b.EndSnapshot()
	}
	return b
}

type fixture struct {
	s     *Scanner
	books []*book.Book
	pool  *ring.Ring[PoolEvent]
}

func build(t testing.TB, cfg Config, legs []legSpec, groups []GroupSpec) *fixture {
	t.Helper()
	f := &fixture{pool: ring.MustNew[PoolEvent](64)}
	assets := make([]Asset, len(legs))
	for i, ls := range legs {
		b := newBook(t, ls)
		f.books = append(f.books, b)
		assets[i] = Asset{Book: b, Fee: ls.fee}
		if ls.minSize != "" {
			assets[i].MinSize = sz(t, ls.minSize)
		}
	}
	s, err := New(cfg, assets, groups, f.pool)
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	f.sync()
	return f
}

// sync tells the scanner every asset's current best ask.
func (f *fixture) sync() {
	for a, b := range f.books {
		p, _, ok := b.BestAsk()
		f.s.OnBestAsk(book.AssetIndex(a), p, ok)
	}
}

// basket returns a YES basket over assets 0..n-1.
func basket(n int) []GroupSpec {
	legs := make([]book.AssetIndex, n)
	for i := range legs {
		legs[i] = book.AssetIndex(i)
	}
	return []GroupSpec{{Kind: YesBasket, Event: "test", Legs: legs}}
}

// drainPool pops every pool event.
func (f *fixture) drainPool() []PoolEvent {
	var out []PoolEvent
	for {
		e, ok := f.pool.Pop()
		if !ok {
			return out
		}
		out = append(out, e)
	}
}
