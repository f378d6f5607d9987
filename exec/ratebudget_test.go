package exec

import (
	"testing"
	"time"

	"github.com/hotpath/hotpath/sim"
)

// The snapshot carries the rate budget's room for new baskets: full minus
// the unwind reserve at Start, less a basket's legs after it, and nothing
// while a 429's Retry-After runs.
func TestSnapshotRateBudget(t *testing.T) {
	s := startSim(t, nil)
	// 10 orders per 10 s refill one a second: a basket's 3 legs show
	h := newHarness(t, s, "", func(c *Config) { c.OrdersPer10s, c.UnwindReserve = 10, 2 })
	x := h.start()
	if got := x.Snapshot().RateBudget; got != 8 {
		t.Fatalf("RateBudget at start = %d, want 10 - 2 reserve = 8", got)
	}
	o := h.opp(10_000_000)
	n := int(o.N)
	if out := x.Submit(&o); out.Kind != OutFilled {
		t.Fatalf("outcome %+v", out)
	}
	h.poll("publish", time.Second, func() bool { return x.Snapshot().RateBudget < 8 })
	if got := x.Snapshot().RateBudget; got < 8-n {
		t.Fatalf("RateBudget after a %d-leg basket = %d, want >= %d", n, got, 8-n)
	}
	h.poll("closing", 2*time.Second, h.idle)

	s.Faults().Inject(sim.FaultRule{Method: "POST", Path: "/orders", Status: 429, RetryAfter: 30, Count: 1})
	o = h.opp(10_000_000)
	if out := x.Submit(&o); out.Reject != RejectRateLimited {
		t.Fatalf("outcome %+v", out)
	}
	h.poll("Retry-After published", time.Second, func() bool { return x.Snapshot().RateBudget == 0 })
}
