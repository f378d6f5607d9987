// Package ring is a bounded single-producer single-consumer queue of fixed-size
// values, the only way hot-path stages hand work to each other.
//
// Invariants (enforced by construction, checked by the tests):
//   - Exactly one goroutine calls the producer methods (Push, Reserve, Commit,
//     Close) and exactly one goroutine calls the consumer methods (Pop, Peek,
//     Release, Wait) for the lifetime of a Ring. Nothing else is synchronised.
//   - head and tail only grow; head-tail is in [0, capacity]. Slots in
//     [tail, head) belong to the consumer, all others to the producer.
//   - A slot is published by a release-store of head after its value is
//     written, and recycled by a release-store of tail after it is read.
//   - Each side keeps a private cached copy of the other side's index and
//     reloads the shared one only when the cache says full/empty, so the
//     common case touches no shared cache line.
//   - Commit never publishes more than Reserve handed out and Release never
//     frees more than Peek showed; both panic rather than break the first
//     invariant (a caller bug, checked against the private cached index).
//   - Park never loses a wake-up: the sleeper sets its flag, then re-checks
//     the condition, then blocks on a 1-buffered channel; the other side
//     publishes, then checks the flag and signals. With Go's sequentially
//     consistent atomics one of the two always sees the other. Close always
//     signals.
//
// Producer and consumer fields live on separate cache lines so the two cores
// do not false-share.
package ring

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// cacheLine is padded to 128 bytes: adjacent-line prefetch on x86 pulls
// pairs of 64-byte lines.
const cacheLine = 128

// Ring is an SPSC queue. The zero value is not usable; call New.
// A Ring must not be copied after first use.
type Ring[T any] struct {
	_ noCopy

	_ [cacheLine]byte
	// producer-owned
	head       atomic.Uint64 // next slot to write; published
	cachedTail uint64        // producer's last view of tail
	_          [cacheLine - 16]byte

	// consumer-owned
	tail       atomic.Uint64 // next slot to read; published
	cachedHead uint64        // consumer's last view of head
	_          [cacheLine - 16]byte

	// shared, read-mostly
	mask   uint64
	buf    []T
	closed atomic.Bool

	// park support: a side that is about to sleep sets its flag, re-checks
	// the condition, then blocks on its channel; the other side signals
	// after publishing if the flag is set.
	consumerSleeping atomic.Bool
	producerSleeping atomic.Bool
	consumerWake     chan struct{}
	producerWake     chan struct{}
	_                [cacheLine]byte
}

// ErrCapacity is returned by New for a capacity that is not a power of two >= 2.
var ErrCapacity = errors.New("ring: capacity must be a power of two >= 2")

// New returns a ring holding up to capacity values. capacity must be a power
// of two so that positions map to slots with a mask.
func New[T any](capacity int) (*Ring[T], error) {
	if capacity < 2 || capacity&(capacity-1) != 0 {
		return nil, fmt.Errorf("%w (got %d)", ErrCapacity, capacity)
	}
	return &Ring[T]{
		mask:         uint64(capacity - 1),
		buf:          make([]T, capacity),
		consumerWake: make(chan struct{}, 1),
		producerWake: make(chan struct{}, 1),
	}, nil
}

// MustNew is New for capacities known at compile time.
func MustNew[T any](capacity int) *Ring[T] {
	r, err := New[T](capacity)
	if err != nil {
		panic(err)
	}
	return r
}

// Cap returns the capacity.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// Len returns the number of published, unconsumed values. It is exact only
// when called by one side while the other is idle; otherwise it is a
// snapshot, always within [0, Cap()].
func (r *Ring[T]) Len() int {
	// tail first: head only grows, so the later head read is >= this tail
	// and the difference cannot wrap below zero.
	t := r.tail.Load()
	n := r.head.Load() - t
	if n > uint64(len(r.buf)) {
		n = uint64(len(r.buf)) // both moved between the two reads
	}
	return int(n)
}

// ---- producer side ----

// Push appends v and publishes it. It returns false when the ring is full.
// Producer only.
func (r *Ring[T]) Push(v T) bool {
	h := r.head.Load() // own index: no contention
	if h-r.cachedTail == uint64(len(r.buf)) {
		r.cachedTail = r.tail.Load()
		if h-r.cachedTail == uint64(len(r.buf)) {
			return false
		}
	}
	r.buf[h&r.mask] = v
	r.head.Store(h + 1)
	r.wakeConsumer()
	return true
}

// Reserve returns up to n free slots, contiguous in memory, for the producer
// to fill before Commit. It returns fewer than n when the ring is nearly full
// or the free space wraps around the end of the buffer, and an empty slice
// when full or n <= 0. Nothing is visible to the consumer until Commit.
// Producer only.
func (r *Ring[T]) Reserve(n int) []T {
	if n <= 0 {
		return r.buf[:0]
	}
	h := r.head.Load()
	size := uint64(len(r.buf))
	free := size - (h - r.cachedTail)
	if free < uint64(n) {
		r.cachedTail = r.tail.Load()
		free = size - (h - r.cachedTail)
	}
	if uint64(n) > free {
		n = int(free)
	}
	start := h & r.mask
	if toEnd := size - start; uint64(n) > toEnd {
		n = int(toEnd)
	}
	return r.buf[start : start+uint64(n)]
}

// Commit publishes the first n slots returned by the preceding Reserve, in
// one release-store. Producer only. n must not exceed what Reserve
// returned: committing slots the consumer may still own would hand it
// garbage, so Commit panics when n exceeds the free space (checked against
// the producer's private view of tail, no shared load).
func (r *Ring[T]) Commit(n int) {
	if n <= 0 {
		return
	}
	h := r.head.Load()
	if uint64(n) > uint64(len(r.buf))-(h-r.cachedTail) {
		panic("ring: Commit of more slots than Reserve returned")
	}
	r.head.Store(h + uint64(n))
	r.wakeConsumer()
}

// Close marks the ring finished: the consumer drains what was published and
// then Wait returns false. Producer only; Push after Close is a bug.
func (r *Ring[T]) Close() {
	r.closed.Store(true)
	r.consumerSleeping.Store(false)
	select {
	case r.consumerWake <- struct{}{}:
	default:
	}
}

// Closed reports whether Close was called.
func (r *Ring[T]) Closed() bool { return r.closed.Load() }

func (r *Ring[T]) wakeConsumer() {
	if r.consumerSleeping.Load() {
		r.consumerSleeping.Store(false)
		select {
		case r.consumerWake <- struct{}{}:
		default:
		}
	}
}

// WaitSpace blocks until at least one slot is free, using the strategy w.
// It returns false if the ring was closed. Producer only.
func (r *Ring[T]) WaitSpace(w Strategy) bool {
	size := uint64(len(r.buf))
	for i := 0; ; i++ {
		h := r.head.Load()
		r.cachedTail = r.tail.Load()
		if h-r.cachedTail < size {
			return true
		}
		if r.closed.Load() {
			return false
		}
		if w == Park && i >= parkSpins {
			r.producerSleeping.Store(true)
			if r.head.Load()-r.tail.Load() < size {
				r.producerSleeping.Store(false)
				return true
			}
			<-r.producerWake
			i = 0
		}
		spinPause()
	}
}

// ---- consumer side ----

// Pop removes and returns the oldest value. ok is false when the ring is
// empty. Consumer only.
func (r *Ring[T]) Pop() (v T, ok bool) {
	t := r.tail.Load()
	if t == r.cachedHead {
		r.cachedHead = r.head.Load()
		if t == r.cachedHead {
			return v, false
		}
	}
	v = r.buf[t&r.mask]
	r.tail.Store(t + 1)
	r.wakeProducer()
	return v, true
}

// Peek returns the published, unconsumed values that are contiguous in
// memory starting at the oldest, without consuming them. The slice stays
// valid until Release. Consumer only.
func (r *Ring[T]) Peek() []T {
	t := r.tail.Load()
	if t == r.cachedHead {
		r.cachedHead = r.head.Load()
	}
	n := r.cachedHead - t
	start := t & r.mask
	if toEnd := uint64(len(r.buf)) - start; n > toEnd {
		n = toEnd
	}
	return r.buf[start : start+n]
}

// Release consumes the first n values returned by the preceding Peek.
// Consumer only. n must not exceed what Peek returned: releasing
// unpublished slots would let the producer overwrite values not yet read,
// so Release panics when n exceeds the values known to be published
// (checked against the consumer's private view of head, no shared load).
func (r *Ring[T]) Release(n int) {
	if n <= 0 {
		return
	}
	t := r.tail.Load()
	if uint64(n) > r.cachedHead-t {
		panic("ring: Release of more values than Peek returned")
	}
	r.tail.Store(t + uint64(n))
	r.wakeProducer()
}

func (r *Ring[T]) wakeProducer() {
	if r.producerSleeping.Load() {
		r.producerSleeping.Store(false)
		select {
		case r.producerWake <- struct{}{}:
		default:
		}
	}
}

// Wait blocks until at least one value is available, using the strategy w.
// It returns false once the ring is closed and drained. With Spin it never
// blocks in the scheduler; with Park it spins briefly and then sleeps until
// the producer publishes or closes. Consumer only.
func (r *Ring[T]) Wait(w Strategy) bool {
	for i := 0; ; i++ {
		t := r.tail.Load()
		if t != r.cachedHead {
			return true
		}
		r.cachedHead = r.head.Load()
		if t != r.cachedHead {
			return true
		}
		if r.closed.Load() {
			// Re-read head: values published before Close must be drained.
			r.cachedHead = r.head.Load()
			return t != r.cachedHead
		}
		if w == Park && i >= parkSpins {
			r.consumerSleeping.Store(true)
			if r.head.Load() != t || r.closed.Load() {
				r.consumerSleeping.Store(false)
				continue
			}
			<-r.consumerWake
			i = 0
			continue
		}
		spinPause()
	}
}

// noCopy makes `go vet` report copies of a Ring (see sync.noCopy).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
