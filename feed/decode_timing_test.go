package feed

import (
	"bufio"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gobwas/ws"
	"github.com/hotpath/hotpath/book"
)

// benchBook builds a book message with 20 levels a side for tokYes.
func benchBook(t testing.TB, reg *book.Registry) []byte {
	b := []byte(`{"event_type":"book","market":"0x2f1ab0ffaf465c4acd76b9a4a1f8980db26bfae7d248a6bb289350586028307e","asset_id":"` + tokYes + `","timestamp":"1761179883493","hash":"f2bdf6bab7473bb8b9925aae72cee9242400db0a","bids":[`)
	for i := range 20 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"price":"`...)
		b = book.AppendPrice(b, book.Price(10_000*(i+1)))
		b = append(b, `","size":"`...)
		b = strconv.AppendInt(b, int64(100+i*37), 10)
		b = append(b, `.52"}`...)
	}
	b = append(b, `],"asks":[`...)
	for i := range 20 {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"price":"`...)
		b = book.AppendPrice(b, book.Price(990_000-10_000*i))
		b = append(b, `","size":"`...)
		b = strconv.AppendInt(b, int64(50+i*11), 10)
		b = append(b, `"}`...)
	}
	return append(b, `]}`...)
}

// BenchmarkDecodePriceChange decodes the protocol §2.5 example, the current
// two-entry price_change: 584 bytes (two 77-digit token ids, a 66-character
// market and two 40-hex hashes make a real two-entry message about twice the
// ~300 bytes of the design budget).
func BenchmarkDecodePriceChange(b *testing.B) {
	reg := testRegistry(b, tokA, tokB)
	d := NewDecoder(reg, 0)
	msg := []byte(pcCurrent)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if len(d.Decode(msg, 1)) != 2 {
			b.Fatal("decode")
		}
	}
}

func BenchmarkDecodeBook(b *testing.B) {
	reg := testRegistry(b, tokYes)
	d := NewDecoder(reg, 0)
	msg := benchBook(b, reg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if len(d.Decode(msg, 1)) != 42 {
			b.Fatal("decode")
		}
	}
}

// The idiomatic way: encoding/json into structs, then the same exact
// fixed-point conversion and asset lookup, so the ratio isolates decoding.
type stdChange struct {
	AssetID string `json:"asset_id"`
	Price   string `json:"price"`
	Size    string `json:"size"`
	Side    string `json:"side"`
	Hash    string `json:"hash"`
	BestBid string `json:"best_bid"`
	BestAsk string `json:"best_ask"`
}

type stdPriceChange struct {
	EventType    string      `json:"event_type"`
	Market       string      `json:"market"`
	PriceChanges []stdChange `json:"price_changes"`
	Timestamp    string      `json:"timestamp"`
}

type stdLevel struct {
	Price string `json:"price"`
	Size  string `json:"size"`
}

type stdBook struct {
	EventType string     `json:"event_type"`
	Market    string     `json:"market"`
	AssetID   string     `json:"asset_id"`
	Timestamp string     `json:"timestamp"`
	Hash      string     `json:"hash"`
	Bids      []stdLevel `json:"bids"`
	Asks      []stdLevel `json:"asks"`
}

func BenchmarkDecodePriceChangeStdlib(b *testing.B) {
	reg := testRegistry(b, tokA, tokB)
	msg := []byte(pcCurrent)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		var m stdPriceChange
		if err := json.Unmarshal(msg, &m); err != nil {
			b.Fatal(err)
		}
		for _, c := range m.PriceChanges {
			_, ok := reg.Lookup([]byte(c.AssetID))
			p, err1 := book.ParsePrice([]byte(c.Price))
			s, err2 := book.ParseSize([]byte(c.Size))
			if !ok || err1 != nil || err2 != nil || p == 0 || s == 0 {
				b.Fatal("convert")
			}
		}
	}
}

func BenchmarkDecodeBookStdlib(b *testing.B) {
	reg := testRegistry(b, tokYes)
	msg := benchBook(b, reg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		var m stdBook
		if err := json.Unmarshal(msg, &m); err != nil {
			b.Fatal(err)
		}
		if _, ok := reg.Lookup([]byte(m.AssetID)); !ok {
			b.Fatal("asset")
		}
		for _, side := range [2][]stdLevel{m.Bids, m.Asks} {
			for _, l := range side {
				if _, err := book.ParsePrice([]byte(l.Price)); err != nil {
					b.Fatal(err)
				}
				if _, err := book.ParseSize([]byte(l.Size)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkApplyPriceChange: decode + apply to the books (no hash check),
// the feed's share of the frame-to-decision path.
func BenchmarkDecodeApplyPriceChange(b *testing.B) {
	reg := polypyRegistry(b)
	in := NewIntegrity(IntegrityConfig{Registry: reg})
	d := NewDecoder(reg, 0)
	for _, e := range d.Decode(polypyLine(b, 0), 1) {
		in.Apply(&e)
	}
	msg := polypyLine(b, 1)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		evs := d.Decode(msg, 2)
		for i := range evs {
			in.Apply(&evs[i])
		}
	}
}

// BenchmarkReadDecodePriceChange: frame bytes in a bufio.Reader → frame
// parsed → message decoded, the reader goroutine's whole job per frame
// except the clock read and the ring push.
func BenchmarkReadDecodePriceChange(b *testing.B) {
	reg := testRegistry(b, tokA, tokB)
	d := NewDecoder(reg, 0)
	frame := serverFrame(ws.OpText, true, []byte(pcCurrent))
	fr := newFrameReader(bufio.NewReaderSize(&loopReader{data: frame}, 64<<10), 1<<20)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		_, p, err := fr.next()
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Decode(p, 1)) != 2 {
			b.Fatal("decode")
		}
	}
}
