package feed

import "testing"

// Every message type the decoder knows counts once per message (an array's
// objects each), through the fast and the fastjson path alike; unknown
// event types and unparsable timestamps count only their reason.
func TestDecodeCountsMessagesByType(t *testing.T) {
	reg := testRegistry(t, tokA, tokB)
	legacy := `{"asset_id":"` + tokA + `","changes":[{"price":"0.4","side":"SELL","size":"3300"}],"event_type":"price_change","market":"0x5f","timestamp":"1729084877448"}`
	cases := []struct {
		name   string
		msg    string
		want   map[MsgType]uint64
		reason Reason
	}{
		{"book", `{"event_type":"book","asset_id":"` + tokA + `","market":"0x5f","bids":[{"price":"0.4","size":"10"}],"asks":[{"price":"0.6","size":"5"}],"timestamp":"1"}`, map[MsgType]uint64{MsgBook: 1}, ReasonNone},
		{"price_change fast path", pcCurrent, map[MsgType]uint64{MsgPriceChange: 1}, ReasonNone},
		{"price_change legacy", legacy, map[MsgType]uint64{MsgPriceChange: 1}, ReasonNone},
		{"tick_size_change", `{"event_type":"tick_size_change","asset_id":"` + tokA + `","market":"0xbd","old_tick_size":"0.01","new_tick_size":"0.001","timestamp":"1"}`, map[MsgType]uint64{MsgTickSize: 1}, ReasonNone},
		{"last_trade_price", `{"event_type":"last_trade_price","asset_id":"` + tokB + `","market":"0x6a","price":"0.46","size":"219.217767","side":"BUY","timestamp":"1750428146322"}`, map[MsgType]uint64{MsgLastTrade: 1}, ReasonNone},
		{"best_bid_ask", `{"event_type":"best_bid_ask","asset_id":"` + tokA + `","best_bid":"0.73","best_ask":"0.77","timestamp":"1766789469958"}`, map[MsgType]uint64{MsgBestBidAsk: 1}, ReasonNone},
		{"new_market", string(fixture(t, "nautilus_crate_ws_market_new_market_msg.json")), map[MsgType]uint64{MsgNewMarket: 1}, ReasonNone},
		{"market_resolved", string(fixture(t, "nautilus_crate_ws_market_resolved_msg.json")), map[MsgType]uint64{MsgResolved: 1}, ReasonUnknownAsset}, // tokens not in reg,
		{"pong", "PONG", map[MsgType]uint64{MsgPong: 1}, ReasonNone},
		{"array", `[` + pcCurrent + `,` + legacy + `,{"event_type":"best_bid_ask","asset_id":"` + tokA + `","best_bid":"0.73","best_ask":"0.77","timestamp":"1"}]`, map[MsgType]uint64{MsgPriceChange: 2, MsgBestBidAsk: 1}, ReasonNone},
		{"unknown event type", `{"event_type":"order_filled","asset_id":"` + tokA + `","timestamp":"1"}`, nil, ReasonEventType},
		{"bad timestamp", `{"event_type":"tick_size_change","asset_id":"` + tokA + `","new_tick_size":"0.001","timestamp":"12x"}`, nil, ReasonTimestamp},
		{"malformed", `{"event_type":"book",`, nil, ReasonMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(reg, 0)
			d.Decode([]byte(tc.msg), 1)
			c := d.Counts()
			for mt := MsgType(0); mt < NumMsgTypes; mt++ {
				if c.Messages[mt] != tc.want[mt] {
					t.Errorf("Messages[%s] = %d, want %d", mt, c.Messages[mt], tc.want[mt])
				}
			}
			if tc.reason != ReasonNone && c.Reasons[tc.reason] != 1 {
				t.Errorf("Reasons[%s] = %d, want 1 (%+v)", tc.reason, c.Reasons[tc.reason], c.Reasons)
			}
			if tc.reason == ReasonNone && c.Errors() != 0 {
				t.Errorf("unexpected errors %+v", c.Reasons)
			}
		})
	}
}

func TestCountsAddMessages(t *testing.T) {
	var a, b Counts
	a.Messages[MsgBook], b.Messages[MsgBook], b.Messages[MsgPong] = 2, 3, 4
	a.Add(&b)
	if a.Messages[MsgBook] != 5 || a.Messages[MsgPong] != 4 {
		t.Fatalf("Add: %+v", a.Messages)
	}
}

func TestMsgTypeNames(t *testing.T) {
	seen := map[string]bool{}
	for mt := MsgType(0); mt < NumMsgTypes; mt++ {
		s := mt.String()
		if s == "" || seen[s] {
			t.Fatalf("type %d: name %q empty or repeated", mt, s)
		}
		seen[s] = true
	}
	if NumMsgTypes.String() != "msg_type?" {
		t.Fatalf("out of range: %q", NumMsgTypes.String())
	}
}
