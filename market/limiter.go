package market

import (
	"context"
	"sync"
	"time"
)

// Limiter is a token bucket in its GCRA form: requests are spaced by
// window/limit on average, with up to burst of them back to back. It is
// safe for concurrent use. A 429's Retry-After is applied with Defer so
// that every caller sharing the limiter backs off, not only the one that
// was refused.
type Limiter struct {
	mu        sync.Mutex
	interval  time.Duration // one token's worth of time
	tolerance time.Duration // (burst−1) × interval
	tat       time.Time     // theoretical arrival time of the next request
	now       func() time.Time
}

// NewLimiter allows limit requests per window with bursts of up to burst.
func NewLimiter(limit int, window time.Duration, burst int) *Limiter {
	if limit < 1 {
		limit = 1
	}
	if burst < 1 {
		burst = 1
	}
	iv := window / time.Duration(limit)
	return &Limiter{interval: iv, tolerance: time.Duration(burst-1) * iv, now: time.Now}
}

// reserve books the next slot and returns how long to wait for it.
func (l *Limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	t := l.tat
	if t.Before(now) {
		t = now
	}
	l.tat = t.Add(l.interval)
	if d := t.Sub(now) - l.tolerance; d > 0 {
		return d
	}
	return 0
}

// Wait blocks until a request may be sent or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	return sleepCtx(ctx, l.reserve())
}

// Defer makes the limiter grant nothing before until (a server's
// Retry-After); afterwards requests resume at the steady rate.
func (l *Limiter) Defer(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := until.Add(l.tolerance); t.After(l.tat) {
		l.tat = t
	}
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
