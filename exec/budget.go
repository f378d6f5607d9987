package exec

import "time"

// Budget is the executor's share of the venue's order rate limits: a token
// bucket (one token = one order; a batch of n legs costs n, as the venue's
// per-signer buckets count it, protocol.md §10.2) with a reserve that only
// unwinds and set completions may spend, and a hard stop while a 429's
// Retry-After runs.
//
// Budget is owned by the executor goroutine; it is not safe for concurrent
// use. Times are monotonic nanoseconds supplied by the caller (no clock read
// inside).
type Budget struct {
	capacity     int64 // nano-tokens
	reserve      int64 // nano-tokens kept for unwinds
	perSecond    int64 // tokens per second (= nano-tokens per ns)
	tokens       int64 // nano-tokens available
	last         int64 // ns of the last refill
	blockedUntil int64 // ns; Retry-After
	// Denied counts refusals; Blocked counts refusals caused by Retry-After.
	Denied, Blocked uint64
}

const nano = int64(time.Second)

// NewBudget allows `per10s` orders every 10 s (the documented windows are
// per 10 s), bursting up to per10s, keeping `reserve` of them for unwinds.
// It starts full.
func NewBudget(per10s, reserve int, now int64) *Budget {
	b := &Budget{
		capacity:  int64(per10s) * nano,
		reserve:   int64(reserve) * nano,
		perSecond: int64(per10s) / 10,
		last:      now,
	}
	if b.perSecond == 0 {
		b.perSecond = 1
	}
	b.tokens = b.capacity
	return b
}

func (b *Budget) refill(now int64) {
	if now <= b.last {
		return
	}
	elapsed := now - b.last
	b.last = now
	add := elapsed * b.perSecond // nano-tokens: tokens/s × ns
	if add/b.perSecond != elapsed || b.tokens+add > b.capacity || b.tokens+add < 0 {
		b.tokens = b.capacity // overflow or full
		return
	}
	b.tokens += add
}

// Take spends n tokens if the budget allows. Entries (new baskets) may not
// dip into the reserve; unwinds may. Nothing may be sent while a
// Retry-After is in force.
func (b *Budget) Take(n int, now int64, unwind bool) bool {
	if now < b.blockedUntil {
		b.Denied++
		b.Blocked++
		return false
	}
	b.refill(now)
	need := int64(n) * nano
	floor := b.reserve
	if unwind {
		floor = 0
	}
	if b.tokens-need < floor {
		b.Denied++
		return false
	}
	b.tokens -= need
	return true
}

// RetryAfter stops all sending until now+d and empties the bucket: the
// venue has told us we are over its limit.
func (b *Budget) RetryAfter(now int64, d time.Duration) {
	if d <= 0 {
		d = time.Second
	}
	if until := now + int64(d); until > b.blockedUntil {
		b.blockedUntil = until
	}
	b.tokens = 0
	b.last = now
}

// Remaining is the number of whole tokens available to entries at now.
func (b *Budget) Remaining(now int64) int {
	b.refill(now)
	r := (b.tokens - b.reserve) / nano
	if r < 0 || now < b.blockedUntil {
		return 0
	}
	return int(r)
}

// BlockedUntil is the end of the current Retry-After, or 0.
func (b *Budget) BlockedUntil() int64 { return b.blockedUntil }
