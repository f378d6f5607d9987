package sim

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimit configures the per-signer token buckets of protocol.md §10.2:
// an order bucket (POST /order costs 1, POST /orders the number of orders)
// and a cancel bucket (DELETE /order 1, DELETE /orders the number of ids,
// cancel-all and cancel-market-orders 1). A request that would overdraw its
// bucket is refused whole with 429 and Retry-After; every answer carries
// Poly-RateLimit-Remaining and Poly-RateLimit-Reset. Zero rates disable it.
type RateLimit struct {
	OrderRate, OrderBurst   float64 // tokens per second, bucket size (Standard tier: 40, 60)
	CancelRate, CancelBurst float64 // (Standard tier: 80, 120)
}

type bucket struct {
	tokens float64
	at     time.Time
}

type limiter struct {
	cfg RateLimit
	mu  sync.Mutex
	b   map[string]*bucket // key "o:"+apiKey or "c:"+apiKey
}

// take tries to spend cost tokens; it returns the remaining tokens and, when
// refused, how long until enough have accrued.
func (l *limiter) take(key string, cancel bool, cost float64, now time.Time) (remaining float64, wait time.Duration, ok bool) {
	rate, burst, k := l.cfg.OrderRate, l.cfg.OrderBurst, "o:"+key
	if cancel {
		rate, burst, k = l.cfg.CancelRate, l.cfg.CancelBurst, "c:"+key
	}
	if rate <= 0 {
		return math.Inf(1), 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b == nil {
		l.b = map[string]*bucket{}
	}
	b := l.b[k]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		l.b[k] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	if b.tokens < cost {
		return b.tokens, time.Duration((cost - b.tokens) / rate * float64(time.Second)), false
	}
	b.tokens -= cost
	return b.tokens, 0, true
}

// limit applies the bucket to an authenticated request; false means the
// 429 has been written.
func (s *Server) limit(w http.ResponseWriter, k *apiKey, cancel bool, cost int) bool {
	rem, wait, ok := s.limiter.take(k.Key, cancel, float64(cost), time.Now())
	if math.IsInf(rem, 1) {
		return true
	}
	w.Header().Set("Poly-RateLimit-Remaining", strconv.Itoa(int(rem)))
	w.Header().Set("Poly-RateLimit-Reset", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	w.Header().Set("Poly-RateLimit-Tier", "standard")
	if ok {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	writeErr(w, http.StatusTooManyRequests, "Too Many Requests")
	return false
}
