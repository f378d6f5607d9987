package engine

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/scan"
)

func TestSignerFeedPacing(t *testing.T) {
	f := newSignerFeed(2)
	type sent struct {
		g     uint32
		enter bool
		ask   uint32
	}
	var got []sent
	send := func(ev *scan.PoolEvent, enter bool) { got = append(got, sent{ev.Group, enter, uint32(ev.Asks[0])}) }
	ev := func(g uint32, k scan.PoolEventKind, ask uint32) *scan.PoolEvent {
		e := &scan.PoolEvent{Group: g, Event: k, N: 1}
		e.Asks[0] = book.Price(ask)
		return e
	}
	ms := int64(time.Millisecond)
	now := int64(1_000) * ms
	// A first entry goes out at once.
	f.observe(ev(0, scan.PoolEnter, 500), now)
	f.due(now, send)
	if len(got) != 1 || !got[0].enter || got[0].ask != 500 {
		t.Fatalf("first entry: %+v", got)
	}
	// Refreshes are coalesced to one per poolRefreshEvery, with the latest asks.
	f.observe(ev(0, scan.PoolEnter, 490), now+10*ms)
	f.observe(ev(0, scan.PoolEnter, 480), now+20*ms)
	f.due(now+20*ms, send)
	if len(got) != 1 {
		t.Fatalf("refresh sent too early: %+v", got)
	}
	f.due(now+int64(poolRefreshEvery), send)
	if len(got) != 2 || got[1].ask != 480 {
		t.Fatalf("refresh: %+v", got)
	}
	// A leave lingers; re-entering within the linger sends no leave.
	f.observe(ev(0, scan.PoolLeave, 0), now+300*ms)
	f.due(now+400*ms, send)
	f.observe(ev(0, scan.PoolEnter, 470), now+500*ms)
	f.due(now+800*ms, send)
	if len(got) != 3 || !got[2].enter || got[2].ask != 470 {
		t.Fatalf("flap inside the linger: %+v", got)
	}
	// Staying out past the linger sends the leave.
	f.observe(ev(0, scan.PoolLeave, 0), now+time.Second.Milliseconds()*ms)
	f.due(now+time.Second.Milliseconds()*ms+int64(poolLinger)-1, send)
	if len(got) != 3 {
		t.Fatalf("leave before the linger: %+v", got)
	}
	f.due(now+time.Second.Milliseconds()*ms+int64(poolLinger), send)
	if len(got) != 4 || got[3].enter {
		t.Fatalf("leave: %+v", got)
	}
	if len(f.active) != 0 {
		t.Fatalf("active %v after everything was sent", f.active)
	}
}
