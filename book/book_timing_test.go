package book

import (
	"math/rand/v2"
	"testing"
)

// loadBenchLevels sets 20 levels a side around 0.5: bids 0.30..0.49,
// asks 0.51..0.70 on the 0.01 grid (scaled for finer ticks).
func loadBenchLevels(b *Book, tk Tick) {
	for i := range 20 {
		_ = b.SetLevel(Bid, 490_000-Price(i)*Price(tk), Size(10+i)*OneShare+123_456)
		_ = b.SetLevel(Ask, 510_000+Price(i)*Price(tk), Size(20+i)*OneShare+7_500)
	}
}

func benchBook(tk Tick) *Book {
	b := NewBook(tk)
	b.BeginSnapshot()
	loadBenchLevels(b, tk)
	b.EndSnapshot()
	return b
}

func benchMeta() HashMeta {
	return HashMeta{
		Market:         []byte("0x2f1ab0ffaf465c4acd76b9a4a1f8980db26bfae7d248a6bb289350586028307e"),
		AssetID:        []byte("94022367472047775158269173293876979533288470167463650966689320774843018181757"),
		Timestamp:      []byte("1761179949036"),
		MinOrderSize:   []byte("5"),
		TickSize:       []byte("0.01"),
		LastTradePrice: []byte("0.5"),
	}
}

type levelOp struct {
	sd Side
	p  Price
	s  Size
}

// applyOps is a fixed stream of level changes near the top of the book:
// mostly size updates in the first five levels, a quarter removals (so the
// best empties and the bitmap finds the next), and re-inserts.
func applyOps(tk Tick) []levelOp {
	rng := rand.New(rand.NewPCG(7, 11))
	ops := make([]levelOp, 4096)
	for i := range ops {
		sd := Side(rng.IntN(2))
		d := Price(rng.IntN(5)) * Price(tk)
		p := 490_000 - d
		if sd == Ask {
			p = 510_000 + d
		}
		s := Size(1+rng.IntN(1000)) * 10_000
		if rng.IntN(4) == 0 {
			s = 0
		}
		ops[i] = levelOp{sd, p, s}
	}
	return ops
}

// BenchmarkApplyLevel is one level change plus reading the best ask: the
// book stage's work per price_change entry (design §10 budget: 30 ns).
func BenchmarkApplyLevel(b *testing.B) {
	for _, tk := range []Tick{Tick0_01, Tick0_0001} {
		b.Run(tk.String(), func(b *testing.B) {
			bk := benchBook(tk)
			ops := applyOps(tk)
			var sink Size
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				op := &ops[i&(len(ops)-1)]
				_ = bk.SetLevel(op.sd, op.p, op.s)
				_, s, _ := bk.BestAsk()
				sink += s
			}
			_ = sink
		})
	}
}

// BenchmarkSnapshotLoad replaces the book with 20 levels a side.
func BenchmarkSnapshotLoad(b *testing.B) {
	for _, tk := range []Tick{Tick0_01, Tick0_0001} {
		b.Run(tk.String(), func(b *testing.B) {
			bk := benchBook(tk)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				bk.BeginSnapshot()
				loadBenchLevels(bk, tk)
				bk.EndSnapshot()
			}
		})
	}
}

// BenchmarkDepthWalk walks five ask levels from the best.
func BenchmarkDepthWalk(b *testing.B) {
	bk := benchBook(Tick0_01)
	var sink Size
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, s, ok := bk.BestAsk()
		for j := 0; ok && j < 5; j++ {
			sink += s
			p, s, ok = bk.NextAsk(p)
		}
	}
	_ = sink
}

// BenchmarkHash is the venue book hash (layout 9) of 20 levels a side, with
// a warm scratch buffer.
func BenchmarkHash(b *testing.B) {
	bk := benchBook(Tick0_01)
	meta := benchMeta()
	var scratch []byte
	var sum [20]byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sum, scratch = bk.Hash(&meta, HashLayout9, scratch)
	}
	_ = sum
}

func BenchmarkParsePrice(b *testing.B) {
	in := []byte("0.48")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = ParsePrice(in)
	}
}

func BenchmarkParseSize(b *testing.B) {
	in := []byte("219.217767")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, _ = ParseSize(in)
	}
}
