package sim

import (
	"testing"
	"time"
)

// TestDeliveryLog: a subscribe's snapshot is logged; an update sent to the
// subscriber is not; an update withheld by a stall is, and so is one that
// no connection is subscribed to (after a drop). Timed actions are listed
// as they fire.
func TestDeliveryLog(t *testing.T) {
	s := startSmall(t, nil)
	s.RecordDeliveries()
	c := newClient(t, s, 0)
	nr, _, _ := smallMarkets(s)
	m := nr[0]
	count := func(snapshot bool) int {
		n := 0
		for _, d := range s.Deliveries() {
			if d.Market == m.ConditionID && d.Snapshot == snapshot {
				n++
			}
		}
		return n
	}
	w := dialWS(t, s.URLs().WSMarket)
	w.send(`{"assets_ids":["` + m.YesToken + `","` + m.NoToken + `"],"type":"market"}`)
	if b := w.next(2 * time.Second); b == nil {
		t.Fatal("no initial dump")
	}
	if n := count(true); n != 2 {
		t.Fatalf("%d snapshots logged for the two tokens, want 2", n)
	}
	withheld0 := count(false) // before the subscribe: nobody was listening
	bid, _ := bestOf(s, m.YesToken)
	post := func(px int64) {
		t.Helper()
		if _, r, e := c.post(orderSpec{token: m.YesToken, side: Buy, maker: (bid + px) * 10, taker: 10_000_000}); !r.Success {
			t.Fatal(e)
		}
	}
	post(10_000)
	if b := w.next(2 * time.Second); b == nil {
		t.Fatal("no update")
	}
	if n := count(false); n != withheld0 {
		t.Fatalf("a delivered update was logged as withheld (%d → %d)", withheld0, n)
	}
	s.Faults().StallMarketData(300 * time.Millisecond)
	post(20_000)
	if n := count(false); n != withheld0+1 {
		t.Fatalf("stalled update: %d withheld, want %d", n, withheld0+1)
	}
	time.Sleep(350 * time.Millisecond)
	s.Faults().DropMarketConnections()
	time.Sleep(50 * time.Millisecond)
	post(30_000)
	if n := count(false); n != withheld0+2 {
		t.Fatalf("update after the drop: %d withheld, want %d", n, withheld0+2)
	}
	for _, d := range s.Deliveries() {
		if d.At.IsZero() {
			t.Fatalf("entry without a time: %+v", d)
		}
	}
}
