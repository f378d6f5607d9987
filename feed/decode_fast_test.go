package feed

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hotpath/hotpath/book"
)

// fastRegistry mixes tick sizes so that grid checks differ per asset.
func fastRegistry(t testing.TB) *book.Registry {
	t.Helper()
	r := book.NewRegistry()
	for i, id := range []string{tokA, tokB, tokYes, tokNo} {
		tick := []book.Tick{book.Tick0_01, book.Tick0_001, book.Tick0_01, book.Tick0_1}[i]
		if _, err := r.Add(book.AssetInfo{TokenID: id, Market: mktX, Tick: tick, MinSize: 5 * book.OneShare}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// pcEntry renders one price_change entry.
func pcEntry(tok, price, size, side, hash, bb, ba string) string {
	return `{"asset_id":"` + tok + `","price":"` + price + `","size":"` + size + `","side":"` + side +
		`","hash":"` + hash + `","best_bid":"` + bb + `","best_ask":"` + ba + `"}`
}

// fastSeeds are current-form price_change messages of the fast shape
// (accept, including the capture's) and near misses of every kind the fast
// path declines (decline).
func fastSeeds(t testing.TB) (accept, decline [][]byte) {
	t.Helper()
	h1, h2 := "56621a121a47ed9333273e21c83b660cff37ae50", "1895759e4df7a796bf4f1c5a5950b748306923e2"
	e1 := pcEntry(tokA, "0.5", "200", "BUY", h1, "0.5", "1")
	e2 := pcEntry(tokB, "0.505", "0", "sell", "0x"+h2, "", "0.51")
	many := make([]string, maxFastChanges+1)
	for i := range many {
		many[i] = e1
	}
	acc := []string{
		pcCurrent,
		`{"event_type":"price_change","market":"` + mktX + `","price_changes":[` + e1 + `,` + e2 + `],"timestamp":"1757908892351"}`,
		`{"price_changes":[` + e2 + `],"event_type":"price_change","timestamp":1757908892351,"market":"` + mktX + `"}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `]}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],"extra":"x","timestamp":"0001"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","size":"1","side":"BUY","note":"x"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.505","size":"1","side":"BUY"}],"timestamp":"1"}`, // off grid
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokNo + `","price":"0.5","size":"-1","side":"BUY"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"999","price":"0.5","size":"1","side":"BUY"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"price":"0.5","size":"1","side":"BUY"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","size":"1"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","size":"1","side":"buy"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","side":"buy"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"1.5","size":"1","side":"buy","best_bid":"x"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","size":"1","side":"buy","hash":"abc"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","size":"1","side":"buy","hash":"` + strings.Repeat("ab", 32) + `"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","size":"1","side":"buy","hash":"` + strings.Repeat("zz", 20) + `"}],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[` + strings.Join(many[1:], ",") + `],"timestamp":"1"}`,
	}
	dec := []string{
		`{"event_type":"price_change","price_changes":[` + strings.Join(many, ",") + `],"timestamp":"1"}`,
		`{"event_type": "price_change","price_changes":[` + e1 + `]}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],"timestamp":"17579088923510000000"}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],"timestamp":"12a"}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],"timestamp":1.5}`,
		`{"event_type":"price\u005fchange","price_changes":[` + e1 + `]}`,
		`{"event_type":"price_change","price_changes":[],"timestamp":"1"}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],"price_changes":[` + e2 + `]}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":0.5,"size":"1","side":"BUY"}]}`,
		`{"event_type":"price_change","price_changes":[{"asset_id":"` + tokA + `","price":"0.5","price":"0.6","size":"1","side":"BUY"}]}`,
		`{"event_type":"book","price_changes":[` + e1 + `]}`,
		`[` + pcCurrent + `]`,
		`{"event_type":"price_change","price_changes":[` + e1 + `]}x}`,
		`{"event_type":"price_change","price_changes":[` + e1 + `],}`,
		`{"event_type":"price_change","market":null,"price_changes":[` + e1 + `]}`,
	}
	for _, s := range acc {
		accept = append(accept, []byte(s))
	}
	for _, l := range bytes.Split(fixture(t, "messages_hash.txt"), []byte{'\n'}) {
		if bytes.Contains(l, []byte(`"price_change"`)) {
			accept = append(accept, l)
		}
	}
	for _, s := range dec {
		decline = append(decline, []byte(s))
	}
	return accept, decline
}

// sameDecode runs the fast path on one decoder and, when it accepts msg, the
// fastjson path on another, and fails unless both produced the same events,
// counts and tick views. A declined message must leave the decoder as it
// was. It reports whether the fast path accepted.
func sameDecode(t *testing.T, reg *book.Registry, msg []byte) bool {
	t.Helper()
	msg = trimSpace(msg)
	fast, slow := NewDecoder(reg, 3), NewDecoder(reg, 3)
	fast.recvNs, slow.recvNs = 42, 42
	fast.venue = -1
	if !fast.decodeFast(msg) {
		if len(fast.out) != 0 || fast.counts != (Counts{}) || fast.venue != -1 {
			t.Fatalf("declined %q but changed the decoder: %+v %+v", msg, fast.out, fast.counts)
		}
		return false
	}
	slow.decodeSlow(msg)
	if len(fast.out) != len(slow.out) {
		t.Fatalf("%q:\nfast %+v\nslow %+v", msg, fast.out, slow.out)
	}
	for i := range fast.out {
		if fast.out[i] != slow.out[i] {
			t.Fatalf("%q: event %d\nfast %+v\nslow %+v", msg, i, fast.out[i], slow.out[i])
		}
	}
	if fast.counts != slow.counts {
		t.Fatalf("%q: counts\nfast %+v\nslow %+v", msg, fast.counts, slow.counts)
	}
	for i := range fast.ticks {
		if fast.ticks[i] != slow.ticks[i] {
			t.Fatalf("%q: tick view of %d differs", msg, i)
		}
	}
	return true
}

// TestDecodeFastPath: the venue's price_change shapes (string and number
// timestamps, any key order, extra keys) take the fast path and decode
// exactly like fastjson; the near misses are declined untouched.
func TestDecodeFastPath(t *testing.T) {
	reg := fastRegistry(t)
	accept, decline := fastSeeds(t)
	for _, m := range accept {
		if !sameDecode(t, reg, m) {
			t.Fatalf("fast path declined %q", m)
		}
	}
	for _, m := range decline {
		if sameDecode(t, reg, m) {
			t.Fatalf("fast path accepted %q", m)
		}
	}
}

// FuzzDecodeFastPath is the differential test: on any input the fast path
// accepts, it must produce the same events, counts and tick views as the
// fastjson path; on any input it declines, it must change nothing.
func FuzzDecodeFastPath(f *testing.F) {
	accept, decline := fastSeeds(f)
	for _, s := range append(accept, decline...) {
		f.Add(s)
	}
	reg := fastRegistry(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		sameDecode(t, reg, msg)
		for i := range msg {
			checkScanString(t, msg, i)
		}
	})
}

// checkScanString compares scanString (eight bytes at a time) with the
// obvious byte loop at s[i].
func checkScanString(t *testing.T, s []byte, i int) {
	t.Helper()
	a, b, n, ok := scanString(s, i)
	wa, wb, wn, wok := 0, 0, 0, false
	if s[i] == '"' {
		for j := i + 1; j < len(s); j++ {
			if s[j] == '\\' {
				break
			}
			if s[j] == '"' {
				wa, wb, wn, wok = i+1, j, j+1, true
				break
			}
		}
	}
	if a != wa || b != wb || n != wn || ok != wok {
		t.Fatalf("scanString(%q, %d) = %d %d %d %v, want %d %d %d %v", s, i, a, b, n, ok, wa, wb, wn, wok)
	}
}

// TestScanString covers every alignment of the closing quote and of a
// backslash, and bytes that borrow across the eight-byte test.
func TestScanString(t *testing.T) {
	for n := 0; n < 24; n++ {
		for _, fill := range []byte{'a', 0x00, 0x01, 0x21, 0x23, 0x5b, 0x5d, 0x80, 0xa2, 0xdc, 0xff} {
			body := bytes.Repeat([]byte{fill}, n)
			for _, tail := range []string{`"`, `\"`, `\\"`, ``, `x"y"`} {
				s := append(append([]byte{'"'}, body...), tail...)
				for i := range s {
					checkScanString(t, s, i)
				}
			}
		}
	}
}
