package main

import (
	"sync"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/sim"
)

// windowSampler records, for each planted window, the asks of its legs
// as the venue shows them right after the dip, to judge the window the way
// the engine must: the simulator's "net" charges taker fees in USDC, but
// the protocol leaves open whether BUY fees are withheld in shares
// (protocol.md §9.2), and under that reading a set is worth payout −
// payout × max_i(fee_i / ask_i) rather than payout − Σ fee_i. The scanner
// requires the edge under both readings (scan: EdgeWorst), so a window
// whose edge only the USDC reading clears is a near miss for it, not a
// capture it failed to make.
type windowSampler struct {
	srv  *sim.Server
	mu   sync.Mutex
	net  map[int]int64 // window id → worst-case net edge per set, micro-dollars
	stop chan struct{}
	done chan struct{}
}

func sampleWindows(srv *sim.Server) *windowSampler {
	w := &windowSampler{srv: srv, net: map[int]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *windowSampler) run() {
	defer close(w.done)
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		for _, win := range w.srv.Windows() {
			w.mu.Lock()
			_, seen := w.net[win.ID]
			w.mu.Unlock()
			if seen || !win.End.IsZero() {
				continue
			}
			if n, ok := w.worstNet(win.Legs); ok {
				w.mu.Lock()
				w.net[win.ID] = n
				w.mu.Unlock()
			}
		}
	}
}

// worstNet is payout (1) − Σ asks − max(Σ fees, payout × max fee/ask) for
// one share of every leg at the venue's best asks, fees at the venue's
// rounding, the share-withholding term rounded up.
func (w *windowSampler) worstNet(legs []string) (int64, bool) {
	var sum, fees, worstShare int64
	for _, tok := range legs {
		_, asks, ok := w.srv.Exchange().Book(tok)
		m, _, found := w.srv.Exchange().MarketByToken(tok)
		if !ok || !found || len(asks) == 0 || asks[0].Price == 0 {
			return 0, false
		}
		a := asks[0].Price
		f := sim.Fee(m.Fee, a, book.OneShare)
		sum += int64(a)
		fees += f
		if s := (f*book.Scale + int64(a) - 1) / int64(a); s > worstShare { // fee in shares × $1, rounded up
			worstShare = s
		}
	}
	return int64(book.One) - sum - max(fees, worstShare), true
}

// close stops sampling and returns the worst-case nets seen.
func (w *windowSampler) close() map[int]int64 {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.net
}
