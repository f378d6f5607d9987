//go:build !race

package feed

import (
	"sync/atomic"
	"testing"
)

// keepOwned filters in place: nothing allocated, whether it drops or not.
func TestKeepOwnedAllocs(t *testing.T) {
	owner := make([]atomic.Int32, 2)
	owner[1].Store(1)
	evs := []Event{{Asset: 0, Kind: KindLevel}, {Asset: 1, Kind: KindLevel}, {Asset: 0, Kind: KindLevel, Flags: FlagLast}}
	buf := make([]Event, len(evs))
	var foreign uint64
	if n := testing.AllocsPerRun(200, func() {
		copy(buf, evs)
		keepOwned(buf, owner, 0, &foreign)
	}); n != 0 {
		t.Fatalf("%.1f allocs per call", n)
	}
}
