package feed

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/hotpath/hotpath/book"
)

const (
	tokA   = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
	tokB   = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
	tokYes = "94022367472047775158269173293876979533288470167463650966689320774843018181757"
	tokNo  = "3329029450753225654467003002742946394863848082479209219558348197750220015613"
	mktX   = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1"
)

// testRegistry registers ids in order (index = position) with tick 0.01.
func testRegistry(t testing.TB, ids ...string) *book.Registry {
	t.Helper()
	return tickRegistry(t, book.Tick0_01, ids...)
}

func tickRegistry(t testing.TB, tick book.Tick, ids ...string) *book.Registry {
	t.Helper()
	r := book.NewRegistry()
	for _, id := range ids {
		if _, err := r.Add(book.AssetInfo{TokenID: id, Market: mktX, Tick: tick, MinSize: 5 * book.OneShare}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// polypyRegistry registers the two tokens of the polypy capture's market.
func polypyRegistry(t testing.TB) *book.Registry {
	t.Helper()
	r := book.NewRegistry()
	for _, id := range []string{tokYes, tokNo} {
		if _, err := r.Add(book.AssetInfo{TokenID: id, Market: "0x2f1ab0ffaf465c4acd76b9a4a1f8980db26bfae7d248a6bb289350586028307e", Tick: book.Tick0_01, MinSize: 5 * book.OneShare}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// polypyLine returns the n-th JSON line of messages_hash.txt.
func polypyLine(t testing.TB, n int) []byte {
	t.Helper()
	i := 0
	for _, l := range bytes.Split(fixture(t, "messages_hash.txt"), []byte{'\n'}) {
		if len(l) > 0 && l[0] == '{' {
			if i == n {
				return l
			}
			i++
		}
	}
	t.Fatalf("no line %d", n)
	return nil
}

const pcCurrent = `{"event_type":"price_change","market":"0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1","price_changes":[` +
	`{"asset_id":"` + tokA + `","price":"0.5","size":"200","side":"BUY","hash":"56621a121a47ed9333273e21c83b660cff37ae50","best_bid":"0.5","best_ask":"1"},` +
	`{"asset_id":"` + tokB + `","price":"0.5","size":"200","side":"SELL","hash":"1895759e4df7a796bf4f1c5a5950b748306923e2","best_bid":"0","best_ask":"0.5"}],"timestamp":"1757908892351"}`

func TestDecodePolypyBook(t *testing.T) {
	reg := testRegistry(t, tokYes, tokNo)
	d := NewDecoder(reg, 3)
	evs := d.Decode(polypyLine(t, 0), 42)
	if len(evs) != 1+18+17+1 {
		t.Fatalf("%d events", len(evs))
	}
	if evs[0].Kind != KindBookBegin || evs[0].Asset != 0 || evs[0].VenueMs != 1761179883493 || evs[0].RecvNs != 42 || evs[0].Conn != 3 {
		t.Fatalf("begin %+v", evs[0])
	}
	bids, asks := 0, 0
	for _, e := range evs[1 : len(evs)-1] {
		if e.Kind != KindLevel || e.Flags&FlagSnapshot == 0 {
			t.Fatalf("level %+v", e)
		}
		if e.Side == book.Bid {
			bids++
		} else {
			asks++
		}
	}
	if bids != 18 || asks != 17 {
		t.Fatalf("bids %d asks %d", bids, asks)
	}
	if e := evs[1]; e.Price != 10_000 || e.Size != 110000*book.OneShare {
		t.Fatalf("first bid %+v", e)
	}
	end := evs[len(evs)-1]
	if end.Kind != KindBookEnd || end.Flags&FlagHash == 0 || end.Flags&FlagLast == 0 {
		t.Fatalf("end %+v", end)
	}
	if got := string(book.AppendHashHex(nil, &end.Hash)); got != "f2bdf6bab7473bb8b9925aae72cee9242400db0a" {
		t.Fatalf("hash %s", got)
	}
}

func TestDecodeMessages(t *testing.T) {
	reg := testRegistry(t, tokA, tokB)
	type want struct {
		kind   Kind
		asset  book.AssetIndex
		side   book.Side
		price  book.Price
		size   book.Size
		flags  Flags
		reason Reason
	}
	cases := []struct {
		name    string
		msg     string
		want    []want
		reasons map[Reason]uint64
	}{
		{"price_change current, two assets", pcCurrent, []want{
			{KindLevel, 0, book.Bid, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk, 0},
			{KindLevel, 1, book.Ask, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk | FlagLast, 0},
		}, nil},
		{"price_change with an unknown asset", strings.Replace(pcCurrent, tokB, "123", 1), []want{
			{KindLevel, 0, book.Bid, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk | FlagLast, 0},
		}, map[Reason]uint64{ReasonUnknownAsset: 1}},
		{"price_change legacy changes[]", `{"asset_id":"` + tokA + `","changes":[{"price":"0.4","side":"SELL","size":"3300"},{"price":".41","side":"BUY","size":"0"}],"event_type":"price_change","market":"0x5f","timestamp":"1729084877448","hash":"3cd4d61e042c81560c9037ece0c61f3b1a8fbbdd"}`, []want{
			{KindLevel, 0, book.Ask, 400_000, 3300 * book.OneShare, 0, 0},
			{KindLevel, 0, book.Bid, 410_000, 0, FlagHash | FlagLast, 0},
		}, nil},
		{"price_change legacy root fields", `{"asset_id":"` + tokB + `","event_type":"price_change","hash":"bf32b3746fff40c76c98021b7f3f07261169dd26","market":"0xdd","price":"0.51","side":"SELL","size":"21574.08","timestamp":"1723967931411"}`, []want{
			{KindLevel, 1, book.Ask, 510_000, 21574_080_000, FlagHash | FlagLast, 0},
		}, nil},
		{"tick_size_change", `{"event_type":"tick_size_change","asset_id":"` + tokA + `","market":"0xbd","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"1"}`, []want{
			{KindTickSize, 0, 0, 1_000, 0, FlagLast, 0},
		}, nil},
		{"last_trade_price", `{"event_type":"last_trade_price","asset_id":"` + tokB + `","market":"0x6a","price":"0.46","size":"219.217767","fee_rate_bps":"0","side":"BUY","timestamp":"1750428146322"}`, []want{
			{KindLastTrade, 1, book.Bid, 460_000, 219_217_767, FlagLast, 0},
		}, nil},
		{"best_bid_ask, empty ask", `{"event_type":"best_bid_ask","market":"0x00","asset_id":"` + tokA + `","best_bid":"0.73","best_ask":"","spread":"0.04","timestamp":"1766789469958"}`, []want{
			{KindBestBidAsk, 0, 0, 0, 0, FlagBestBid | FlagLast, 0},
		}, nil},
		{"new_market of unknown tokens", `{"event_type":"new_market","id":"1","market":"0x31","assets_ids":["7604","3169"],"outcomes":["Yes","No"],"timestamp":"1766790415550"}`, []want{
			{KindNewMarket, NoAsset, 0, 0, 2, FlagLast, 0},
		}, nil},
		{"market_resolved", `{"event_type":"market_resolved","market":"0x31","assets_ids":["` + tokA + `","` + tokB + `"],"winning_asset_id":"` + tokB + `","winning_outcome":"No","timestamp":"1766790415550"}`, []want{
			{KindResolved, 1, 0, 0, 0, FlagLast, 0},
		}, nil},
		{"PONG", "PONG", []want{{KindPong, NoAsset, 0, 0, 0, FlagLast, 0}}, nil},
		{"array of events", `[{"event_type":"best_bid_ask","asset_id":"` + tokA + `","best_bid":"0.1","best_ask":"0.2","timestamp":"5"},{"event_type":"market_resolved","winning_asset_id":"` + tokA + `","timestamp":"6"}]`, []want{
			{KindBestBidAsk, 0, 0, 0, 0, FlagBestBid | FlagBestAsk, 0},
			{KindResolved, 0, 0, 0, 0, FlagLast, 0},
		}, nil},
		{"malformed JSON", `{"event_type":"book",`, nil, map[Reason]uint64{ReasonMalformed: 1}},
		{"unknown event type", `{"event_type":"fancy","asset_id":"` + tokA + `"}`, nil, map[Reason]uint64{ReasonEventType: 1}},
		{"bad price → suspect", strings.Replace(pcCurrent, `"price":"0.5","size":"200","side":"BUY"`, `"price":"1.5","size":"200","side":"BUY"`, 1), []want{
			{KindSuspect, 0, 0, 0, 0, 0, ReasonPrice},
			{KindLevel, 1, book.Ask, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk | FlagLast, 0},
		}, map[Reason]uint64{ReasonPrice: 1}},
		{"off-grid price → suspect", strings.Replace(pcCurrent, `"price":"0.5","size":"200","side":"SELL"`, `"price":"0.505","size":"200","side":"SELL"`, 1), []want{
			{KindLevel, 0, book.Bid, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk, 0},
			{KindSuspect, 1, 0, 0, 0, FlagLast, ReasonOffGrid},
		}, map[Reason]uint64{ReasonOffGrid: 1}},
		{"bad size → suspect", strings.Replace(pcCurrent, `"size":"200","side":"BUY"`, `"size":"-2","side":"BUY"`, 1), []want{
			{KindSuspect, 0, 0, 0, 0, 0, ReasonSize},
			{KindLevel, 1, book.Ask, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk | FlagLast, 0},
		}, map[Reason]uint64{ReasonSize: 1}},
		{"bad side → suspect", strings.Replace(pcCurrent, `"side":"BUY"`, `"side":"HOLD"`, 1), []want{
			{KindSuspect, 0, 0, 0, 0, 0, ReasonSide},
			{KindLevel, 1, book.Ask, 500_000, 200 * book.OneShare, FlagHash | FlagBestBid | FlagBestAsk | FlagLast, 0},
		}, map[Reason]uint64{ReasonSide: 1}},
		{"book with a bad level is dropped whole", `{"event_type":"book","asset_id":"` + tokA + `","market":"0x1","bids":[{"price":"0.4","size":"1"}],"asks":[{"price":"x","size":"1"}],"timestamp":"7","hash":"0xabc"}`, []want{
			{KindSuspect, 0, 0, 0, 0, FlagLast, ReasonPrice},
		}, map[Reason]uint64{ReasonPrice: 1}},
		{"book with a 64-hex hash", `{"event_type":"book","asset_id":"` + tokA + `","market":"0x1","bids":[],"asks":[{"price":"0.6","size":"1"}],"timestamp":"7","hash":"` + strings.Repeat("ab", 32) + `"}`, []want{
			{KindBookBegin, 0, 0, 0, 0, 0, 0},
			{KindLevel, 0, book.Ask, 600_000, book.OneShare, FlagSnapshot, 0},
			{KindBookEnd, 0, 0, 0, 0, FlagHashUnverifiable | FlagLast, 0},
		}, nil},
		{"book naming a new tick moves the grid first", `{"event_type":"book","asset_id":"` + tokB + `","market":"0x1","bids":[{"price":"0.401","size":"2"}],"asks":[],"tick_size":"0.001","timestamp":"7"}`, []want{
			{KindTickSize, 1, 0, 1_000, 0, FlagSnapshot, 0},
			{KindBookBegin, 1, 0, 0, 0, 0, 0},
			{KindLevel, 1, book.Bid, 401_000, 2 * book.OneShare, FlagSnapshot, 0},
			{KindBookEnd, 1, 0, 0, 0, FlagLast, 0},
		}, nil},
		{"bad timestamp → suspect", `{"event_type":"tick_size_change","asset_id":"` + tokA + `","new_tick_size":"0.001","timestamp":"12x"}`, []want{
			{KindSuspect, 0, 0, 0, 0, FlagLast, ReasonTimestamp},
		}, map[Reason]uint64{ReasonTimestamp: 1}},
		{"bad tick → suspect", `{"event_type":"tick_size_change","asset_id":"` + tokA + `","new_tick_size":"0.02","timestamp":"1"}`, []want{
			{KindSuspect, 0, 0, 0, 0, FlagLast, ReasonTick},
		}, map[Reason]uint64{ReasonTick: 1}},
		{"not an object", `"hello"`, nil, map[Reason]uint64{ReasonShape: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(reg, 1)
			evs := d.Decode([]byte(tc.msg), 9)
			if len(evs) != len(tc.want) {
				t.Fatalf("got %d events %+v, want %d", len(evs), evs, len(tc.want))
			}
			for i, w := range tc.want {
				e := evs[i]
				got := want{e.Kind, e.Asset, e.Side, e.Price, e.Size, e.Flags, e.Reason}
				if e.Kind == KindBestBidAsk || e.Kind == KindResolved || e.Kind == KindSuspect {
					got.side, got.price = 0, 0
				}
				if got != w {
					t.Errorf("event %d: got %+v, want %+v", i, got, w)
				}
				if e.RecvNs != 9 || e.Conn != 1 {
					t.Errorf("event %d: stamp %d conn %d", i, e.RecvNs, e.Conn)
				}
			}
			c := d.Counts()
			for r := ReasonNone + 1; r < NumReasons; r++ {
				if c.Reasons[r] != tc.reasons[r] {
					t.Errorf("reason %s: %d, want %d", r, c.Reasons[r], tc.reasons[r])
				}
			}
		})
	}
}

func TestDecodeTopOfBookAndHash(t *testing.T) {
	reg := testRegistry(t, tokA, tokB)
	evs := NewDecoder(reg, 0).Decode([]byte(pcCurrent), 1)
	if evs[0].BestBid != 500_000 || evs[0].BestAsk != book.One || evs[1].BestBid != 0 || evs[1].BestAsk != 500_000 {
		t.Fatalf("top of book %+v %+v", evs[0], evs[1])
	}
	if got := string(book.AppendHashHex(nil, &evs[1].Hash)); got != "1895759e4df7a796bf4f1c5a5950b748306923e2" {
		t.Fatal(got)
	}
	if evs[0].VenueMs != 1757908892351 {
		t.Fatal(evs[0].VenueMs)
	}
}

// Every fixture decodes without panicking; the WS ones into events.
func TestDecodeFixtures(t *testing.T) {
	files, _ := os.ReadDir("testdata")
	reg := tickRegistry(t, book.Tick0_001, tokYes, tokNo,
		"65818619657568813474341868652308942079804919287380422192892211131408793125422",
		"48331043336612883890938759509493159234755048973500640148014422747788308965732",
		"21742633143463906290569050155826241533067272736897614950488156847949938836455",
		"115474063863764126958837769719736461272619491980773624567012766320777398670353",
		"85354956062430465315924116860125388538595433819574542752031640332592237464430",
		"76043073756653678226373981964075571318267289248134717369284518995922789326425",
		tokB)
	for _, f := range files {
		if !strings.HasPrefix(f.Name(), "nautilus_it_ws") && !strings.HasPrefix(f.Name(), "nautilus_crate_ws") {
			continue
		}
		d := NewDecoder(reg, 0)
		evs := d.Decode(fixture(t, f.Name()), 1)
		c := d.Counts()
		if len(evs) == 0 || c.Errors() != 0 {
			t.Errorf("%s: %d events, counts %+v", f.Name(), len(evs), c.Reasons)
		}
	}
}

func TestEventIsSmall(t *testing.T) {
	if n := unsafe.Sizeof(Event{}); n != 72 {
		t.Fatalf("Event is %d bytes; the ring copies it by value, keep it at 72", n)
	}
}

func TestDecodeNewMarketHook(t *testing.T) {
	reg := testRegistry(t, tokA)
	d := NewDecoder(reg, 0)
	var market string
	var ids []string
	d.OnNewMarket = func(m []byte, a [][]byte) {
		market = string(m)
		for _, x := range a {
			ids = append(ids, string(x))
		}
	}
	evs := d.Decode(fixture(t, "nautilus_crate_ws_market_new_market_msg.json"), 1)
	if len(evs) != 1 || evs[0].Kind != KindNewMarket || evs[0].Asset != NoAsset || evs[0].Size != 2 {
		t.Fatalf("%+v", evs)
	}
	if market != "0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1" || len(ids) != 2 || ids[1] != "31690934263385727664202099278545688007799199447969475608906331829650099442770" {
		t.Fatalf("hook saw %q %q", market, ids)
	}
}
