//go:build !race

package feed

import (
	"bufio"
	"testing"

	"github.com/gobwas/ws"
	"github.com/hotpath/hotpath/book"
)

// The decoder allocates nothing per message once its parser is warm, for
// every message shape of the hot path.
func TestDecodeAllocs(t *testing.T) {
	reg := testRegistry(t, tokA, tokB, tokYes, tokNo)
	d := NewDecoder(reg, 0)
	msgs := map[string][]byte{
		"price_change": []byte(pcCurrent),
		"book":         polypyLine(t, 0),
		"book20":       benchBook(t, reg),
		"legacy":       []byte(`{"asset_id":"` + tokA + `","changes":[{"price":"0.4","side":"SELL","size":"3300"}],"event_type":"price_change","market":"0x5f","timestamp":"1729084877448","hash":"3cd4d61e042c81560c9037ece0c61f3b1a8fbbdd"}`),
		"last_trade":   []byte(`{"event_type":"last_trade_price","asset_id":"` + tokB + `","market":"0x6a","price":"0.46","size":"219.217767","side":"BUY","timestamp":"1750428146322"}`),
		"best_bid_ask": []byte(`{"event_type":"best_bid_ask","asset_id":"` + tokA + `","best_bid":"0.73","best_ask":"0.77","timestamp":"1766789469958"}`),
		"pong":         []byte("PONG"),
		"suspect":      []byte(`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.505","size":"1","side":"BUY"}],"timestamp":"1"}`),
		"array":        []byte(`[` + pcCurrent + `,` + pcCurrent + `]`),
	}
	for name, m := range msgs {
		d.Decode(m, 1) // warm the parser and the output slice
		if n := testing.AllocsPerRun(200, func() { d.Decode(m, 1) }); n != 0 {
			t.Errorf("%s: %.1f allocs per message", name, n)
		}
	}
}

// Applying deltas, including a hash verification on a hot asset, allocates
// nothing once warm.
func TestIntegrityApplyAllocs(t *testing.T) {
	reg := polypyRegistry(t)
	in := NewIntegrity(IntegrityConfig{Registry: reg, Hash: HashHot})
	in.SetHot(0, true)
	in.SetMeta(0, []byte("5"), []byte("0.01"), false)
	d := NewDecoder(reg, 0)
	for _, e := range d.Decode(polypyLine(t, 0), 1) {
		in.Apply(&e)
	}
	if !in.Usable(0) {
		t.Fatal("book not usable after snapshot")
	}
	pc := polypyLine(t, 1) // hashes verify: the book stays valid
	evs := append([]Event(nil), d.Decode(pc, 2)...)
	apply := func() {
		for i := range evs {
			in.Apply(&evs[i])
		}
	}
	apply()
	if st := in.Stats(); st.HashMatch[book.HashLayout9] != 2 || st.HashMismatch != 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := testing.AllocsPerRun(100, apply); n != 0 {
		t.Errorf("%.1f allocs per apply", n)
	}
	if !in.Usable(0) {
		t.Fatal("book excluded")
	}
}

// The frame reader allocates nothing per message once its buffer has grown.
func TestFrameReaderAllocs(t *testing.T) {
	var stream []byte
	stream = append(stream, serverFrame(ws.OpText, true, []byte(pcCurrent))...)
	stream = append(stream, serverFrame(ws.OpText, false, []byte(pcCurrent[:100]))...)
	stream = append(stream, serverFrame(ws.OpPing, true, []byte("hi"))...)
	stream = append(stream, serverFrame(ws.OpContinuation, true, []byte(pcCurrent[100:]))...)
	lr := &loopReader{data: stream}
	fr := newFrameReader(bufio.NewReaderSize(lr, 4096), 1<<20)
	for range 4 {
		if _, _, err := fr.next(); err != nil {
			t.Fatal(err)
		}
	}
	if n := testing.AllocsPerRun(300, func() {
		if _, _, err := fr.next(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%.1f allocs per frame", n)
	}
}
