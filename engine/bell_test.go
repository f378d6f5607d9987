package engine

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestBellNoLostWakeup: a producer that publishes and rings right after the
// sleeper armed is always seen, either by the re-check or by the wake-up.
func TestBellNoLostWakeup(t *testing.T) {
	b := newBell()
	var published atomic.Int64
	const n = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= n; i++ {
			published.Store(int64(i))
			b.ring()
			if i%64 == 0 {
				time.Sleep(10 * time.Microsecond)
			}
		}
	}()
	seen := int64(0)
	deadline := time.Now().Add(10 * time.Second)
	for seen < n {
		if time.Now().After(deadline) {
			t.Fatalf("stuck at %d of %d", seen, n)
		}
		if v := published.Load(); v > seen {
			seen = v
			continue
		}
		b.arm()
		if published.Load() > seen {
			b.cancel()
			continue
		}
		start := time.Now()
		b.sleep(time.Second)
		if time.Since(start) >= time.Second && published.Load() > seen {
			t.Fatal("slept the whole timeout with a value published: lost wake-up")
		}
	}
	<-done
}

func TestBellTimeout(t *testing.T) {
	b := newBell()
	b.arm()
	start := time.Now()
	b.sleep(5 * time.Millisecond)
	if d := time.Since(start); d < 5*time.Millisecond {
		t.Fatalf("woke after %v without a ring", d)
	}
	if b.sleeping.Load() {
		t.Fatal("still marked sleeping")
	}
}
