package book

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// venueLevel, venueMsg: the fixture shapes, decoded with encoding/json
// (tests only).
type venueLevel struct {
	Price string `json:"price"`
	Size  string `json:"size"`
}

type venueChange struct {
	AssetID string `json:"asset_id"`
	Price   string `json:"price"`
	Size    string `json:"size"`
	Side    string `json:"side"`
	Hash    string `json:"hash"`
	BestBid string `json:"best_bid"`
	BestAsk string `json:"best_ask"`
}

type venueMsg struct {
	EventType    string          `json:"event_type"`
	Market       string          `json:"market"`
	AssetID      string          `json:"asset_id"`
	Timestamp    json.RawMessage `json:"timestamp"` // a number in the polypy capture, a string on the wire
	Hash         string          `json:"hash"`
	Bids         []venueLevel    `json:"bids"`
	Asks         []venueLevel    `json:"asks"`
	MinOrderSize string          `json:"min_order_size"`
	TickSize     string          `json:"tick_size"`
	NegRisk      bool            `json:"neg_risk"`
	PriceChanges []venueChange   `json:"price_changes"`
}

func (m *venueMsg) ts() []byte { return bytes.Trim(m.Timestamp, `"`) }

// readPolypy returns the JSON objects of messages_hash.txt in order: the WS
// book, then (price_change, REST /book) twice.
func readPolypy(t testing.TB) []venueMsg {
	t.Helper()
	f, err := os.Open("testdata/polypy/messages_hash.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var msgs []venueMsg
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m venueMsg
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("fixture line: %v", err)
		}
		msgs = append(msgs, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 5 {
		t.Fatalf("fixture has %d messages, want 5", len(msgs))
	}
	return msgs
}

func mustPrice(t testing.TB, s string) Price {
	t.Helper()
	p, err := ParsePrice([]byte(s))
	if err != nil {
		t.Fatalf("price %q: %v", s, err)
	}
	return p
}

func mustSize(t testing.TB, s string) Size {
	t.Helper()
	v, err := ParseSize([]byte(s))
	if err != nil {
		t.Fatalf("size %q: %v", s, err)
	}
	return v
}

// loadSnapshot replaces b's content with the message's levels.
func loadSnapshot(t testing.TB, b *Book, m *venueMsg) {
	t.Helper()
	b.BeginSnapshot()
	for _, l := range m.Bids {
		if err := b.SetLevel(Bid, mustPrice(t, l.Price), mustSize(t, l.Size)); err != nil {
			t.Fatalf("bid %v: %v", l, err)
		}
	}
	for _, l := range m.Asks {
		if err := b.SetLevel(Ask, mustPrice(t, l.Price), mustSize(t, l.Size)); err != nil {
			t.Fatalf("ask %v: %v", l, err)
		}
	}
	b.EndSnapshot()
}

func hexHash(b *Book, m *HashMeta, l HashLayout) string {
	sum, _ := b.Hash(m, l, nil)
	return string(AppendHashHex(nil, &sum))
}

// TestHashPolypy2025 replays the real 2025-10-23 capture: the WS book, then
// twice a price_change followed by the REST /book fetched right after.
// Every hash the venue sent for this asset must reproduce with layout 9.
func TestHashPolypy2025(t *testing.T) {
	msgs := readPolypy(t)
	ws, rest := msgs[0], msgs[2]
	tick, err := ParseTick([]byte(rest.TickSize))
	if err != nil {
		t.Fatal(err)
	}
	meta := HashMeta{
		Market:       []byte(ws.Market),
		AssetID:      []byte(ws.AssetID),
		Timestamp:    ws.ts(),
		MinOrderSize: []byte(rest.MinOrderSize),
		TickSize:     []byte(rest.TickSize),
		NegRisk:      rest.NegRisk,
	}
	b := NewBook(tick)
	loadSnapshot(t, b, &ws)
	if got := hexHash(b, &meta, HashLayout9); got != ws.Hash {
		t.Fatalf("WS book hash = %s, want %s\njson: %s", got, ws.Hash, b.AppendHashJSON(nil, &meta, HashLayout9))
	}
	// The other layouts must not match: the comparison is discriminating.
	for _, l := range []HashLayout{HashLayout6, HashLayout10} {
		if got := hexHash(b, &meta, l); got == ws.Hash {
			t.Errorf("layout %v unexpectedly matches", l)
		}
	}

	checked := 0
	for i := 1; i < len(msgs); i += 2 {
		pc, rest := msgs[i], msgs[i+1]
		if pc.EventType != "price_change" {
			t.Fatalf("message %d is %q", i, pc.EventType)
		}
		meta.Timestamp = pc.ts()
		for _, c := range pc.PriceChanges {
			if c.AssetID != ws.AssetID {
				continue // the partner token: its book is not in the capture
			}
			sd := Bid
			if c.Side == "SELL" {
				sd = Ask
			}
			if err := b.SetLevel(sd, mustPrice(t, c.Price), mustSize(t, c.Size)); err != nil {
				t.Fatalf("apply %+v: %v", c, err)
			}
			if got := hexHash(b, &meta, HashLayout9); got != c.Hash {
				t.Fatalf("price_change %d hash = %s, want %s", i, got, c.Hash)
			}
			bb, _, _ := b.BestBid()
			ba, _, _ := b.BestAsk()
			if bb.String() != c.BestBid || ba.String() != c.BestAsk {
				t.Errorf("best after change %d: %v/%v, venue says %s/%s", i, bb, ba, c.BestBid, c.BestAsk)
			}
			checked++
		}
		// REST /book: a fresh book from it hashes to the REST hash, and the
		// incrementally maintained book serialises identically.
		rmeta := meta
		rmeta.Timestamp = rest.ts()
		rb := NewBook(tick)
		loadSnapshot(t, rb, &rest)
		if got := hexHash(rb, &rmeta, HashLayout9); got != rest.Hash {
			t.Fatalf("REST book %d hash = %s, want %s", i+1, got, rest.Hash)
		}
		if got, want := b.AppendHashJSON(nil, &rmeta, HashLayout9), rb.AppendHashJSON(nil, &rmeta, HashLayout9); !bytes.Equal(got, want) {
			t.Fatalf("incremental book differs from REST book:\n got %s\nwant %s", got, want)
		}
		if got := hexHash(b, &rmeta, HashLayout9); got != rest.Hash {
			t.Fatalf("incremental book hash at REST %d = %s, want %s", i+1, got, rest.Hash)
		}
	}
	if checked != 2 {
		t.Fatalf("checked %d price_change hashes, want 2", checked)
	}
}

// TestHashPolypy2024 checks the 2024-11 WS book with the six-key layout.
func TestHashPolypy2024(t *testing.T) {
	raw, err := os.ReadFile("testdata/polypy/ws_msg_book_yes.json")
	if err != nil {
		t.Fatal(err)
	}
	var m venueMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	b := NewBook(Tick0_001)
	loadSnapshot(t, b, &m)
	meta := HashMeta{Market: []byte(m.Market), AssetID: []byte(m.AssetID), Timestamp: m.ts()}
	if got := hexHash(b, &meta, HashLayout6); got != m.Hash {
		t.Fatalf("hash = %s, want %s\njson: %s", got, m.Hash, b.AppendHashJSON(nil, &meta, HashLayout6))
	}
}

// TestHashDetectsEverySize changes each size of the verified book by one
// micro-share in turn: the hash must change every time, and come back when
// the size is restored.
func TestHashDetectsEverySize(t *testing.T) {
	msgs := readPolypy(t)
	ws := msgs[0]
	meta := HashMeta{Market: []byte(ws.Market), AssetID: []byte(ws.AssetID), Timestamp: ws.ts(),
		MinOrderSize: []byte("5"), TickSize: []byte("0.01")}
	b := NewBook(Tick0_01)
	loadSnapshot(t, b, &ws)
	orig := hexHash(b, &meta, HashLayout9)
	if orig != ws.Hash {
		t.Fatalf("base hash %s, want %s", orig, ws.Hash)
	}
	for sd, levels := range [][]venueLevel{ws.Bids, ws.Asks} {
		for _, l := range levels {
			p, s := mustPrice(t, l.Price), mustSize(t, l.Size)
			for _, edit := range []Size{s + 1, s - 1, s * 10} {
				if err := b.SetLevel(Side(sd), p, edit); err != nil {
					t.Fatal(err)
				}
				if hexHash(b, &meta, HashLayout9) == orig {
					t.Errorf("%v %s: size %v -> %v leaves the hash unchanged", Side(sd), l.Price, s, edit)
				}
			}
			if err := b.SetLevel(Side(sd), p, s); err != nil {
				t.Fatal(err)
			}
			if hexHash(b, &meta, HashLayout9) != orig {
				t.Fatalf("restoring %v %s does not restore the hash", Side(sd), l.Price)
			}
		}
	}
	// Metadata is covered too.
	meta.NegRisk = true
	if hexHash(b, &meta, HashLayout9) == orig {
		t.Error("neg_risk not covered by the hash")
	}
}

func TestAppendHashJSONLayouts(t *testing.T) {
	b := NewBook(Tick0_01)
	b.BeginSnapshot()
	for _, x := range []struct {
		sd Side
		p  Price
		s  Size
	}{
		{Bid, 480_000, 30 * OneShare}, {Bid, 10_000, 7_520_000}, {Ask, 520_000, 25 * OneShare},
		{Ask, 990_000, 219_217_767}, {Ask, One, 1},
	} {
		if err := b.SetLevel(x.sd, x.p, x.s); err != nil {
			t.Fatal(err)
		}
	}
	b.EndSnapshot()
	meta := HashMeta{Market: []byte("0xab"), AssetID: []byte("123"), Timestamp: []byte("1757908892351"),
		MinOrderSize: []byte("5"), TickSize: []byte("0.01"), NegRisk: true, LastTradePrice: []byte("0.5")}
	head := `{"market":"0xab","asset_id":"123","timestamp":"1757908892351","hash":"",` +
		`"bids":[{"price":"0.01","size":"7.52"},{"price":"0.48","size":"30"}],` +
		`"asks":[{"price":"1","size":"0.000001"},{"price":"0.99","size":"219.217767"},{"price":"0.52","size":"25"}]`
	for _, tc := range []struct {
		l    HashLayout
		want string
	}{
		{HashLayout6, head + `}`},
		{HashLayout9, head + `,"min_order_size":"5","tick_size":"0.01","neg_risk":true}`},
		{HashLayout10, head + `,"min_order_size":"5","tick_size":"0.01","neg_risk":true,"last_trade_price":"0.5"}`},
	} {
		got := string(b.AppendHashJSON([]byte("prefix:"), &meta, tc.l))
		if got != "prefix:"+tc.want {
			t.Errorf("%v:\n got %s\nwant prefix:%s", tc.l, got, tc.want)
		}
		// The JSON must be valid and compact.
		if !json.Valid([]byte(tc.want)) {
			t.Errorf("%v: invalid JSON", tc.l)
		}
	}
	empty := NewBook(Tick0_01)
	if got, want := string(empty.AppendHashJSON(nil, &meta, HashLayout6)),
		`{"market":"0xab","asset_id":"123","timestamp":"1757908892351","hash":"","bids":[],"asks":[]}`; got != want {
		t.Errorf("empty book:\n got %s\nwant %s", got, want)
	}
}

func TestAppendHashHex(t *testing.T) {
	var sum [20]byte
	for i := range sum {
		sum[i] = byte(i * 13)
	}
	got := string(AppendHashHex([]byte("x"), &sum))
	if got != "x000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7" {
		t.Fatalf("got %s", got)
	}
}
