package market

import (
	"context"
	"testing"
	"time"
)

func TestLimiterPacing(t *testing.T) {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(500, 10*time.Second, 3) // 20 ms per token, burst 3
	l.now = func() time.Time { return now }
	// A burst of 3 goes at once; then one per 20 ms.
	waits := make([]time.Duration, 6)
	for i := range waits {
		waits[i] = l.reserve()
	}
	want := []time.Duration{0, 0, 0, 20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("wait %d = %v, want %v", i, waits[i], want[i])
		}
	}
	// After a quiet second the bucket is full again.
	now = now.Add(time.Second)
	if w := l.reserve(); w != 0 {
		t.Errorf("after idle: wait %v", w)
	}
	// Defer (a 429's Retry-After) holds everyone back until then, then the
	// steady rate resumes without a burst.
	l.Defer(now.Add(2 * time.Second))
	if w := l.reserve(); w != 2*time.Second {
		t.Errorf("after Defer: wait %v, want 2s", w)
	}
	if w := l.reserve(); w != 2*time.Second+20*time.Millisecond {
		t.Errorf("second after Defer: wait %v", w)
	}
	// A Defer into the past changes nothing.
	l.Defer(now.Add(-time.Hour))
	if w := l.reserve(); w != 2*time.Second+40*time.Millisecond {
		t.Errorf("third after Defer: wait %v", w)
	}
}

func TestLimiterWaitCancelled(t *testing.T) {
	l := NewLimiter(1, time.Hour, 1)
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := l.Wait(ctx); err == nil {
		t.Fatal("Wait on a cancelled context returned nil")
	}
}
