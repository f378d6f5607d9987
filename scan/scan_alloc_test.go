//go:build !race

package scan

import (
	"testing"

	"github.com/hotpath/hotpath/book"
)

// TestOnBestAskAllocs: best-ask changes that move groups in and out of the
// pool and the pending queue allocate nothing.
func TestOnBestAskAllocs(t *testing.T) {
	f := benchFixture(t, 10, 5)
	var o Opportunity
	prices := []book.Price{60_000, 90_000, 120_000, 200_000} // basket sum 0.87 .. 1.01 .. 1.73
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		f.s.OnBestAsk(0, prices[i%len(prices)], i%7 != 0)
		i++
		for f.s.Next(&o) {
		}
		for {
			if _, ok := f.pool.Pop(); !ok {
				break
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("OnBestAsk: %v allocs per run", allocs)
	}
	if f.s.Stats.PoolEnters == 0 || f.s.Stats.Evaluations == 0 {
		t.Fatalf("the loop did not exercise the pool and sizing: %+v", f.s.Stats)
	}
}

// TestSizeAllocs: sizing a 10-leg, 5-level opportunity allocates nothing.
func TestSizeAllocs(t *testing.T) {
	f := benchFixture(t, 10, 5)
	var o Opportunity
	allocs := testing.AllocsPerRun(1000, func() {
		if r := f.s.Evaluate(0, &o); r != OK {
			t.Fatalf("reason %v", r)
		}
	})
	if allocs != 0 {
		t.Fatalf("Evaluate: %v allocs per run", allocs)
	}
	if o.Legs[0].Levels != 5 {
		t.Fatalf("walked %d levels, want 5", o.Legs[0].Levels)
	}
}

func TestFeeAllocs(t *testing.T) {
	m := FeeModel{Rate: 250_000, Exponent: 4}
	if a := testing.AllocsPerRun(1000, func() { m.FeeUp(470_000, 123*share, 12) }); a != 0 {
		t.Fatalf("FeeUp: %v allocs", a)
	}
}
