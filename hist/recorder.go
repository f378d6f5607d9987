// Package hist records per-stage latency distributions of the engine's hot
// path in HDR histograms and exports them as .hgrm percentile files and .hlog
// interval logs (design §9).
//
// # Ownership and hand-over
//
// Each recording goroutine owns one Recorder; Record is a plain histogram
// increment with no lock, no atomic and no allocation. A Collector goroutine
// merges the recorders into totals and into an interval log off the hot path.
//
// The choice is a double buffer handed over through atomics, not a seqlock
// (readers would race on the counts array) and not a mutex (the owner could
// block behind the collector). A Recorder has three banks of histograms:
//
//   - cur: the bank the owner records into; only the owner touches it.
//   - spare: an empty bank the collector has handed back (atomic pointer).
//   - handoff: a full bank the owner has handed over (atomic pointer).
//
// The collector asks for a hand-over by setting the want flag. The owner
// calls Flip at a point of its choosing (once per loop iteration or batch);
// Flip is one atomic load when nothing was asked. When asked, Flip swaps the
// spare in as cur, clears want and publishes the old bank in handoff. The
// collector takes the bank, merges it, resets it and stores it back as spare.
// The owner never waits: if no spare is there, Flip simply does nothing.
//
// Invariants:
//   - cur is read and written only by the owner goroutine.
//   - A bank is owned by exactly one side at a time; the transfer is a
//     release-store (Store) paired with an acquire-load (Swap/Load) of the
//     pointer that carries it.
//   - want is set only while spare holds a bank and handoff is empty, so a
//     Flip that sees want always finds a spare.
//   - After Close the owner never touches the Recorder again and the
//     collector takes the last bank directly.
//
// An owner that blocks (a parked stage with no traffic) does not answer until
// it runs again: Collect waits up to its timeout and then carries on; the
// values stay in cur and appear in a later interval, or at Close.
package hist

import (
	"sync/atomic"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Range and precision of every histogram: 1 ns .. 10 s, 3 significant digits.
const (
	LowestValue       = 1
	HighestValue      = 10_000_000_000 // 10 s in ns
	SignificantDigits = 3
)

func newHistogram() *hdr.Histogram {
	return hdr.New(LowestValue, HighestValue, SignificantDigits)
}

// bank is one set of per-stage histograms plus the clamp counters for values
// that were outside [0, HighestValue] and were recorded at the nearest bound.
type bank struct {
	h     [NumStages]*hdr.Histogram
	below [NumStages]int64 // negative values, recorded as 0
	above [NumStages]int64 // values > HighestValue, recorded as HighestValue
}

func newBank() *bank {
	b := &bank{}
	for i := range b.h {
		b.h[i] = newHistogram()
	}
	return b
}

func (b *bank) reset() {
	for i := range b.h {
		if b.h[i].TotalCount() != 0 {
			b.h[i].Reset()
		}
	}
	b.below = [NumStages]int64{}
	b.above = [NumStages]int64{}
}

// Recorder holds the histograms of one recording goroutine (its owner).
// Create it with Collector.NewRecorder. Record, Flip and Close may be called
// only by the owner; a Recorder must not be copied.
type Recorder struct {
	_ noCopy

	cur     *bank       // owner only
	last    *bank       // set by Close; read by the collector after closed
	name    string      // for diagnostics
	_       [64]byte    // keep the owner's line apart from the shared words
	want    atomic.Bool // collector asks the owner to hand over cur
	_       [63]byte
	spare   atomic.Pointer[bank] // empty bank for the owner to swap in
	handoff atomic.Pointer[bank] // full bank for the collector to take
	closed  atomic.Bool
}

func newRecorder(name string) *Recorder {
	r := &Recorder{cur: newBank(), name: name}
	r.spare.Store(newBank())
	return r
}

// Name returns the name the recorder was created with.
func (r *Recorder) Name() string { return r.name }

// Record adds one value of ns nanoseconds to stage s. It never allocates,
// locks or blocks. A negative value is recorded as 0 and a value above
// HighestValue as HighestValue; both are counted (Summary.Clamped), never
// dropped. s must be a valid stage (it indexes an array).
func (r *Recorder) Record(s Stage, ns int64) {
	b := r.cur
	if ns < 0 {
		b.below[s]++
		ns = 0
	} else if ns > HighestValue {
		b.above[s]++
		ns = HighestValue
	}
	// In range by the clamp above, so RecordValue cannot fail (its error
	// path is the only one that allocates).
	_ = b.h[s].RecordValue(ns)
}

// RecordSpan records the interval between two clock readings in ns:
// Record(s, to-from).
func (r *Recorder) RecordSpan(s Stage, from, to int64) { r.Record(s, to-from) }

// Flip hands the current bank to the collector if it asked for it. Call it
// from the owner at a convenient point (once per loop iteration or batch).
// When nothing was asked it costs one atomic load; it never blocks.
func (r *Recorder) Flip() {
	if r.want.Load() {
		r.flip()
	}
}

//go:noinline
func (r *Recorder) flip() {
	s := r.spare.Swap(nil)
	if s == nil {
		return // collector still holds the spare; try again next time
	}
	old := r.cur
	r.cur = s
	r.want.Store(false)
	r.handoff.Store(old)
}

// Close hands everything recorded so far to the collector. It is the owner's
// last call: after it the Recorder must not be used (Record panics).
func (r *Recorder) Close() {
	r.last = r.cur
	r.cur = nil
	r.closed.Store(true)
}

// noCopy makes `go vet` report copies of a Recorder or Collector.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
