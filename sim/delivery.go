package sim

import (
	"sync"
	"sync/atomic"
	"time"
)

// Delivery is one entry of the delivery log (Server.RecordDeliveries): a
// market-data update of Market that no connection was sent, or a book
// snapshot of it sent on subscribe.
type Delivery struct {
	Market   string // condition id
	At       time.Time
	Snapshot bool // a snapshot was sent; else an update was withheld
}

// FiredFault is one timed scenario action as it happened: Kind is the
// action's kind and sub-kind ("stall:", "drop:all", "bad:oversized",
// "tick:", "jump:", "rest:2", "delayed:0"), At when the simulator ran it.
type FiredFault struct {
	Kind string
	At   time.Time
}

// deliveryLog: the delivery part is off until RecordDeliveries (the hub's
// broadcast path then pays one atomic load); fired faults are always kept
// (a few per run).
type deliveryLog struct {
	on    atomic.Bool
	mu    sync.Mutex
	log   []Delivery
	fired []FiredFault
}

func (d *deliveryLog) add(market string, snapshot bool) {
	if !d.on.Load() {
		return
	}
	d.mu.Lock()
	d.log = append(d.log, Delivery{Market: market, At: time.Now(), Snapshot: snapshot})
	d.mu.Unlock()
}

func (d *deliveryLog) fire(kind string) {
	d.mu.Lock()
	d.fired = append(d.fired, FiredFault{Kind: kind, At: time.Now()})
	d.mu.Unlock()
}

// RecordDeliveries starts the delivery log: from now on every market-data
// update (book, price_change, tick_size_change, last_trade_price) that no
// market connection is sent, because market data is stalled or because no
// connection is subscribed to the market (a dropped one), and every book
// snapshot sent on subscribe, is logged with its market and time. With it a
// fault drill can tell exactly which books a client had without knowing the
// venue had moved on (Deliveries).
func (s *Server) RecordDeliveries() {
	s.dlog.on.Store(true)
}

// Deliveries returns a copy of the delivery log, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.dlog.mu.Lock()
	defer s.dlog.mu.Unlock()
	return append([]Delivery(nil), s.dlog.log...)
}

// FiredFaults lists the scenario's timed actions (faults, jumps,
// resolutions) in the order the simulator ran them, with the time it did.
func (s *Server) FiredFaults() []FiredFault {
	s.dlog.mu.Lock()
	defer s.dlog.mu.Unlock()
	return append([]FiredFault(nil), s.dlog.fired...)
}
