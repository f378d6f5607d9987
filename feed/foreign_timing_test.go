package feed

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

// BenchmarkKeepOwned: the reader's per-message ownership filter on a
// decoded two-entry price_change (nothing dropped, the common case).
func BenchmarkKeepOwned(b *testing.B) {
	reg := testRegistry(b, tokA, tokB)
	d := NewDecoder(reg, 0)
	owner := make([]atomic.Int32, 2)
	var foreign uint64
	evs := d.Decode([]byte(pcCurrent), 1)
	if len(evs) != 2 {
		b.Fatal("decode")
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(keepOwned(evs, owner, 0, &foreign)) != 2 {
			b.Fatal("dropped")
		}
	}
}

// BenchmarkIntegrityCheck: one periodic Check over 600 assets on 2
// connections (the engine runs it every CanarySilence/10, 100 ms by
// default), canary windows included.
func BenchmarkIntegrityCheck(b *testing.B) {
	reg := book.NewRegistry()
	for i := range 600 {
		if _, err := reg.Add(book.AssetInfo{TokenID: strconv.Itoa(1000 + i), Market: mktX, Tick: book.Tick0_01}); err != nil {
			b.Fatal(err)
		}
	}
	in := NewIntegrity(IntegrityConfig{Registry: reg})
	now := int64(time.Second)
	for i := range 600 {
		in.Apply(&Event{Kind: KindLastTrade, Asset: book.AssetIndex(i), Conn: uint16(i / 300), RecvNs: now, Price: 500_000, Flags: FlagLast})
	}
	e0 := Event{Kind: KindLastTrade, Asset: 0, Price: 500_000, Flags: FlagLast}
	e1 := Event{Kind: KindLastTrade, Asset: 300, Conn: 1, Price: 500_000, Flags: FlagLast}
	b.ReportAllocs()
	for b.Loop() {
		now += int64(100 * time.Millisecond)
		e0.RecvNs, e1.RecvNs = now, now
		in.Apply(&e0)
		in.Apply(&e1)
		in.Check(now)
	}
}
