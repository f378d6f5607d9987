package engine

import (
	"sync/atomic"
	"time"
)

// bell wakes a parked stage that waits on several rings (or on one ring and
// a clock): the producers ring it after publishing, the stage sleeps on it
// with a timeout so that its periodic work (integrity checks, executor
// polls, histogram hand-over) runs even when nothing arrives.
//
// No wake-up is lost: the sleeper sets sleeping, re-checks its rings, then
// blocks; a producer publishes, then checks sleeping and signals. With Go's
// sequentially consistent atomics one of the two always sees the other (the
// same argument as ring's Park). ring is cheap when nobody sleeps: one
// atomic load.
type bell struct {
	sleeping atomic.Bool
	ch       chan struct{}
	timer    *time.Timer
}

func newBell() *bell {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &bell{ch: make(chan struct{}, 1), timer: t}
}

// ring signals the sleeper, if any. Any goroutine.
func (b *bell) ring() {
	if b.sleeping.Load() {
		b.sleeping.Store(false)
		select {
		case b.ch <- struct{}{}:
		default:
		}
	}
}

// arm announces that the owner is about to sleep; it must re-check its
// inputs after arm and call cancel (instead of sleep) if any has data.
func (b *bell) arm() { b.sleeping.Store(true) }

// cancel withdraws arm.
func (b *bell) cancel() { b.sleeping.Store(false) }

// sleep blocks until rung or d has passed. Owner goroutine only; call after
// arm and a re-check that found nothing. It does not allocate.
func (b *bell) sleep(d time.Duration) {
	b.timer.Reset(d)
	select {
	case <-b.ch:
	case <-b.timer.C:
	}
	b.timer.Stop()
	b.sleeping.Store(false)
}
