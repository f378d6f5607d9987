//go:build !race

package book

import "testing"

func TestNumAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	var sink int64
	for name, f := range map[string]func(){
		"ParsePrice":  func() { p, _ := ParsePrice([]byte("0.48")); sink += int64(p) },
		"ParseSize":   func() { s, _ := ParseSize([]byte("219.217767")); sink += int64(s) },
		"ParseTick":   func() { tk, _ := ParseTick([]byte("0.001")); sink += int64(tk) },
		"ParseError":  func() { _, err := ParsePrice([]byte("1.5")); sink += int64(len(err.Error())) },
		"OnGrid":      func() { p, _ := ParsePriceOnGrid([]byte("0.485"), Tick0_01); sink += int64(p) },
		"AppendPrice": func() { buf = AppendPrice(buf[:0], 480_000) },
		"AppendSize":  func() { buf = AppendSize(buf[:0], 219_217_767) },
		"Cost":        func() { sink += CostUp(480_000, 7_520_000) + CostDown(480_000, 7_520_000) },
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs/op", name, n)
		}
	}
	_ = sink
}

func TestBookAllocs(t *testing.T) {
	b := benchBook(Tick0_01)
	var sink Size
	i := 0
	ops := applyOps(Tick0_01)
	for name, f := range map[string]func(){
		"SetLevel": func() {
			op := ops[i%len(ops)]
			i++
			_ = b.SetLevel(op.sd, op.p, op.s)
		},
		"SetLevelError": func() { _ = b.SetLevel(Ask, 485_000, 1) },
		"BestAskBid": func() {
			_, s, _ := b.BestAsk()
			_, s2, _ := b.BestBid()
			sink += s + s2
		},
		"NextAskBid": func() {
			_, s, _ := b.NextAsk(500_000)
			_, s2, _ := b.NextBid(500_000)
			sink += s + s2
		},
		"Snapshot": func() {
			b.BeginSnapshot()
			loadBenchLevels(b, Tick0_01)
			b.EndSnapshot()
		},
	} {
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocs/op", name, n)
		}
	}
	_ = sink
}

func TestHashAllocs(t *testing.T) {
	b := benchBook(Tick0_01)
	meta := benchMeta()
	var scratch []byte
	var sum [20]byte
	hex := make([]byte, 0, 40)
	_, scratch = b.Hash(&meta, HashLayout10, scratch) // warm the scratch
	for _, l := range []HashLayout{HashLayout6, HashLayout9, HashLayout10} {
		if n := testing.AllocsPerRun(200, func() {
			sum, scratch = b.Hash(&meta, l, scratch)
			hex = AppendHashHex(hex[:0], &sum)
		}); n != 0 {
			t.Errorf("Hash %v: %v allocs/op", l, n)
		}
	}
}
