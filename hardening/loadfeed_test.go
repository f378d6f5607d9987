package hardening

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/hotpath/hotpath/book"
)

func testAssets() []LoadAsset {
	lv := func(ps ...book.Price) []LoadLevel {
		var out []LoadLevel
		for i, p := range ps {
			out = append(out, LoadLevel{p, book.Size(10+i) * book.Scale})
		}
		return out
	}
	return []LoadAsset{
		{Token: "111", Market: "0xaa", Tick: book.Tick0_01, MinSize: 5 * book.Scale, NegRisk: true,
			Bids: lv(400_000, 390_000, 380_000), Asks: lv(420_000, 430_000, 450_000)},
		{Token: "222", Market: "0xaa", Tick: book.Tick0_01, MinSize: 5 * book.Scale, NegRisk: true,
			Bids: lv(570_000, 560_000), Asks: lv(590_000, 600_000, 610_000)},
	}
}

// TestLoadFeed: the feed answers a subscribe with snapshots, streams
// price_change messages at about its rate that never move a best price,
// answers PING, and after Stop every book is back to its start.
func TestLoadFeed(t *testing.T) {
	lf, err := NewLoadFeed(testAssets(), 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	c, _, _, err := ws.Dial(context.Background(), lf.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(s string) {
		if err := wsutil.WriteClientText(c, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []byte {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := wsutil.ReadServerText(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	send(`{"assets_ids":["111","222","999"],"type":"market"}`)
	var snaps []map[string]any
	if err := json.Unmarshal(read(), &snaps); err != nil || len(snaps) != 2 || snaps[0]["event_type"] != "book" {
		t.Fatalf("snapshots: %v %v", snaps, err)
	}
	send("PING")
	if b := read(); string(b) != "PONG" {
		t.Fatalf("PING answered %q", b)
	}
	lf.Start()
	start := time.Now()
	n := 0
	for time.Since(start) < 500*time.Millisecond {
		var m struct {
			EventType string `json:"event_type"`
			Changes   []struct {
				Asset   string `json:"asset_id"`
				Hash    string `json:"hash"`
				BestBid string `json:"best_bid"`
				BestAsk string `json:"best_ask"`
			} `json:"price_changes"`
		}
		if err := json.Unmarshal(read(), &m); err != nil || m.EventType != "price_change" || len(m.Changes) == 0 {
			t.Fatalf("message %d: %+v %v", n, m, err)
		}
		for _, ch := range m.Changes {
			want := map[string][2]string{"111": {"0.4", "0.42"}, "222": {"0.57", "0.59"}}[ch.Asset]
			if ch.BestBid != want[0] || ch.BestAsk != want[1] || len(ch.Hash) != 40 {
				t.Fatalf("change %+v moved a best price or lacks a hash", ch)
			}
		}
		n++
	}
	// Drain what the feed still sends until its cycle ends.
	go func() {
		for {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := wsutil.ReadServerText(c); err != nil {
				return
			}
		}
	}()
	lf.Stop()
	if n < 300 {
		t.Errorf("%d messages in 500 ms at 2000/s", n)
	}
	for _, a := range testAssets() {
		if d := sameBook(lf.Book(a.Token), NewBookOf(a)); d != "" {
			t.Errorf("book %s not restored: %s", a.Token, d)
		}
	}
	if st := lf.Stats(); st.Sent == 0 || st.Conns != 1 {
		t.Errorf("stats %+v", st)
	}
	var _ net.Conn = c
}
