package feed

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

// TestClientNotify checks the doorbell: Notify runs after a message's events
// are in the ring (so a consumer woken by it always finds them), and after a
// lost session's resync events.
func TestClientNotify(t *testing.T) {
	srv := newTestServer(t, tokA, tokB)
	reg := book.NewRegistry()
	for _, tok := range []string{tokA, tokB} {
		if _, err := reg.Add(book.AssetInfo{TokenID: tok, Market: srvMarket, Tick: book.Tick0_01, MinSize: 5 * book.OneShare}); err != nil {
			t.Fatal(err)
		}
	}
	var c *Client
	var calls, empty, resyncs, snaps atomic.Int64
	cfg := Config{URL: srv.url(), Registry: reg, RingSize: 1024, BackoffInitial: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond}
	// The consumer runs fused with the reader, inside Notify: the ring must
	// hold the message's events already.
	cfg.Notify = func(conn uint16) {
		calls.Add(1)
		r := c.Conns()[conn].Ring()
		n := 0
		for {
			e, ok := r.Pop()
			if !ok {
				break
			}
			n++
			switch e.Kind {
			case KindResync:
				resyncs.Add(1)
			case KindBookEnd:
				snaps.Add(1)
			}
		}
		if n == 0 {
			empty.Add(1)
		}
	}
	var err error
	if c, err = NewClient(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor := func(what string, ok func() bool) {
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: calls %d empty %d resyncs %d", what, calls.Load(), empty.Load(), resyncs.Load())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	waitFor("snapshots", func() bool { return snaps.Load() >= 2 })
	before := calls.Load()
	srv.change(tokA, book.Ask, 410_000, 0)
	waitFor("delta", func() bool { return calls.Load() > before })
	srv.dropAll()
	waitFor("resyncs", func() bool { return resyncs.Load() >= 2 })
	if empty.Load() != 0 {
		t.Fatalf("Notify ran %d times with nothing in the ring", empty.Load())
	}
}
