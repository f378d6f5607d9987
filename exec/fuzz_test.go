package exec

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/exec/journal"
	"github.com/hotpath/hotpath/scan"
)

// FuzzUserEvent feeds arbitrary user-channel messages (and REST trade
// objects) to the decoder: no panic, and every trade event it accepts has
// a positive size, a known status and an id.
func FuzzUserEvent(f *testing.F) {
	f.Add([]byte(`{"event_type":"trade","type":"TRADE","id":"28c4d2eb","taker_order_id":"0x06bc000000000000000000000000000000000000000000000000000000000000","asset_id":"5211","side":"BUY","size":"10","price":"0.57","status":"TRADE_STATUS_CONFIRMED","fee":"0.0098"}`))
	f.Add([]byte(`[{"event_type":"order","id":"0xff35000000000000000000000000000000000000000000000000000000000000","status":"LIVE"}]`))
	f.Add([]byte(`{"event_type":"trade","status":"FAILED","size":"-1","price":"2"}`))
	f.Add([]byte(`PONG`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		x := &Executor{}
		w := newUserWS(x)
		var p fastjson.Parser
		v, err := p.ParseBytes(msg)
		if err != nil {
			return
		}
		if v.Type() == fastjson.TypeArray {
			arr, _ := v.Array()
			for _, e := range arr {
				w.event(e)
			}
		} else {
			w.event(v)
		}
		for _, ev := range x.evQueue {
			if ev.trade && (ev.size <= 0 || ev.tradeID == "" || ev.status > tradeFailed || ev.price > book.One) {
				t.Fatalf("accepted a bad trade %+v", ev)
			}
		}
	})
}

// FuzzReadLevels: fresh-book levels come out valid and best first.
func FuzzReadLevels(f *testing.F) {
	f.Add([]byte(`{"asks":[{"price":"0.5","size":"10"},{"price":"0.31","size":"2.5"}],"bids":[{"price":"0.2","size":"1"},{"price":"0.29","size":"3"}]}`))
	f.Add([]byte(`{"asks":[{"price":"x","size":"10"}],"bids":[{"price":"0.2"}]}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		var p fastjson.Parser
		v, err := p.ParseBytes(msg)
		if err != nil {
			return
		}
		asks := readLevels(v.GetArray("asks"), true)
		bids := readLevels(v.GetArray("bids"), false)
		for i := range asks {
			if asks[i].size <= 0 || (i > 0 && asks[i].price < asks[i-1].price) {
				t.Fatalf("asks %+v", asks)
			}
		}
		for i := range bids {
			if bids[i].size <= 0 || (i > 0 && bids[i].price > bids[i-1].price) {
				t.Fatalf("bids %+v", bids)
			}
		}
	})
}

// FuzzReplayRecord replays a journal holding a valid intent followed by
// an arbitrary record: replay either applies it or returns an error, never
// panics, and positions only move through legs of known baskets.
func FuzzReplayRecord(f *testing.F) {
	intent := `{"k":"intent","b":1,"g":0,"kind":1,"ev":0,"payout":1000000,"q":10000000,"cost":9000000,"notional":9000000,"n":2,"paper":false,"legs":[` +
		`{"i":0,"role":"entry","a":0,"tok":"1","side":"BUY","type":"FOK","px":450000,"tick":10000,"sh":10000000,"mk":4500000,"tk":10000000,"h":"0x0100000000000000000000000000000000000000000000000000000000000000"},` +
		`{"i":1,"role":"entry","a":1,"tok":"2","side":"BUY","type":"FOK","px":450000,"tick":10000,"sh":10000000,"mk":4500000,"tk":10000000,"h":"0x0200000000000000000000000000000000000000000000000000000000000000"}],"ts":1}`
	f.Add(`{"k":"resp","b":1,"code":200,"req":"ok","rej":"none","legs":[{"h":"0x0100000000000000000000000000000000000000000000000000000000000000","st":"filled","rej":"none","mk":4500000,"tk":10000000,"fee":0}]}`)
	f.Add(`{"k":"trade","b":1,"h":"0x0200000000000000000000000000000000000000000000000000000000000000","id":"t","st":"FAILED","sh":10000000,"cash":4500000,"fee":1}`)
	f.Add(`{"k":"final","b":1,"state":"unwound","pnl":-5}`)
	f.Add(`{"k":"intent","b":2,"g":9,"legs":[{"a":99}]}`)
	f.Add(`{"k":"intent","b":3,"g":0,"ev":-1,"n":2,"legs":[]}`)
	f.Fuzz(func(t *testing.T, rec string) {
		if strings.ContainsAny(rec, "\n") {
			return
		}
		dir := t.TempDir()
		j, err := journal.Open(dir, journal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_ = j.Append([]byte(intent))
		_ = j.Append([]byte(rec))
		j.Close()
		reg := book.NewRegistry()
		a0, _ := reg.Add(book.AssetInfo{TokenID: "1", Tick: book.Tick0_01})
		a1, _ := reg.Add(book.AssetInfo{TokenID: "2", Tick: book.Tick0_01})
		x, err := New(Config{Mode: Paper, Registry: reg, NumEvents: 1, JournalDir: dir, MaxBaskets: 4,
			Groups: []GroupInfo{{EventIndex: 0, Kind: scan.YesBasket, Payout: 1_000_000, Legs: []book.AssetIndex{a0, a1}}}})
		if err != nil {
			t.Fatal(err)
		}
		_ = x.replayJournal()
		if len(x.open)+len(x.free) != 4 {
			t.Fatalf("slots leaked: open %d free %d", len(x.open), len(x.free))
		}
	})
}
