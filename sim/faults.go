package sim

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultRule makes matching REST requests fail or slow down.
type FaultRule struct {
	Method     string        // "" = any
	Path       string        // exact path, or a prefix ending in '*'; "" = any
	Status     int           // answer this status instead (425, 429, 500, 503…); 0 = serve normally
	RetryAfter int           // seconds, sent as Retry-After (429)
	Delay      time.Duration // sleep before answering
	Count      int           // apply to this many requests, 0 = until cleared
}

// Faults injects venue misbehaviour: REST errors and slow answers, delayed
// matching, failed settlements, and market-data stalls, drops and bad
// frames. Safe for concurrent use; the zero value injects nothing.
type Faults struct {
	mu         sync.Mutex
	rules      []*FaultRule
	failNext   int
	failRate   float64
	rng        *rand.Rand
	delayNext  int
	delayFor   time.Duration
	stallUntil time.Time
	hub        *marketHub
	uhub       *userHub
}

// Inject adds a REST fault rule.
func (f *Faults) Inject(r FaultRule) {
	f.mu.Lock()
	f.rules = append(f.rules, &r)
	f.mu.Unlock()
}

// Clear removes every REST rule, delay and settlement failure.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.rules, f.failNext, f.failRate, f.delayNext = nil, 0, 0, 0
	f.stallUntil = time.Time{}
	f.mu.Unlock()
}

// FailNextTrades makes the settlement of the next n trades FAIL (their
// ledger effect is rolled back).
func (f *Faults) FailNextTrades(n int) {
	f.mu.Lock()
	f.failNext += n
	f.mu.Unlock()
}

// SetFailRate makes each settlement fail with probability p (deterministic
// from the seed).
func (f *Faults) SetFailRate(p float64) {
	f.mu.Lock()
	f.failRate = p
	f.mu.Unlock()
}

// DelayMatching answers the next n orders "delayed" and matches them d
// later (protocol.md §5.3 status delayed).
func (f *Faults) DelayMatching(n int, d time.Duration) {
	f.mu.Lock()
	f.delayNext, f.delayFor = n, d
	f.mu.Unlock()
}

// StallMarketData stops market-channel data (book, price_change, …) for d
// while PING/PONG keeps working: the "silent freeze".
func (f *Faults) StallMarketData(d time.Duration) {
	f.mu.Lock()
	f.stallUntil = time.Now().Add(d)
	f.mu.Unlock()
}

// DropMarketConnections closes every market-channel connection.
func (f *Faults) DropMarketConnections() {
	if f.hub != nil {
		f.hub.dropAll()
	}
}

// DropUserConnections closes every user-channel connection.
func (f *Faults) DropUserConnections() {
	if f.uhub != nil {
		f.uhub.closeAll()
	}
}

// SendMarketFrame sends raw bytes as a text frame to every market-channel
// connection (malformed or oversized frames).
func (f *Faults) SendMarketFrame(b []byte) {
	if f.hub != nil {
		f.hub.broadcastRaw(b)
	}
}

func (f *Faults) stalled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Before(f.stallUntil)
}

func (f *Faults) takeDelay() (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delayNext == 0 {
		return 0, false
	}
	f.delayNext--
	return f.delayFor, true
}

func (f *Faults) shouldFail() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext > 0 {
		f.failNext--
		return true
	}
	return f.failRate > 0 && f.rng != nil && f.rng.Float64() < f.failRate
}

// match returns the first rule for r, consuming one use.
func (f *Faults) match(r *http.Request) *FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, fr := range f.rules {
		if fr.Method != "" && !strings.EqualFold(fr.Method, r.Method) {
			continue
		}
		if fr.Path != "" {
			if p, ok := strings.CutSuffix(fr.Path, "*"); ok {
				if !strings.HasPrefix(r.URL.Path, p) {
					continue
				}
			} else if fr.Path != r.URL.Path {
				continue
			}
		}
		out := *fr
		if fr.Count > 0 {
			fr.Count--
			if fr.Count == 0 {
				f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// middleware applies REST fault rules before the real handler.
func (f *Faults) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fr := f.match(r)
		if fr == nil {
			next.ServeHTTP(w, r)
			return
		}
		if fr.Delay > 0 {
			select {
			case <-time.After(fr.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if fr.Status == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if fr.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(fr.RetryAfter))
		}
		msg := http.StatusText(fr.Status)
		switch fr.Status {
		case 425:
			msg = "Too Early: the matching engine is restarting"
		case 503:
			msg = "Trading is currently disabled. Check polymarket.com for updates"
		}
		writeErr(w, fr.Status, msg)
	})
}
