package engine

import (
	"runtime"
	"time"

	"github.com/hotpath/hotpath/feed"
	"github.com/hotpath/hotpath/ring"
)

// idleSpins is how many empty polls of every ring a parked stage makes
// before it sleeps on its bell: a few microseconds, enough to catch the
// next frame of a burst without burning a shared core.
const idleSpins = 512

// maxSleep bounds a parked stage's sleep so its periodic work runs on time
// even without traffic (and a ring closed without a last ring of the bell
// is noticed).
const maxSleep = 50 * time.Millisecond

// runLoop is the book+scan goroutine of the compact and pinned layouts: it
// drains every connection's ring round robin, closes frames, runs the
// periodic work when idle, installs refreshed scanners between frames, and
// waits with w (Spin: busy-polls on its own pinned core; Park: sleeps on
// the bell the feed readers ring after each message). It returns when every
// ring is closed and drained.
func (s *stage) runLoop(rings []*ring.Ring[feed.Event], w ring.Strategy, b *bell, pin int) {
	if w == ring.Spin && pin >= 0 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := ring.Pin(pin); err != nil {
			// Pinning was checked at start; a failure here leaves the
			// stage unpinned but correct.
			_ = err
		}
	}
	idle := 0
	for {
		n := 0
		for _, r := range rings {
			n += s.drain(r)
		}
		if s.inFrame { // a frame without FlagLast (never expected): close it anyway
			s.frameEnd(s.frameTs)
		}
		if n > 0 {
			idle = 0
			// s.scanTs is this batch's last clock reading: no extra read.
			if s.scanTs-s.lastPub >= s.pubEvery || s.scanTs-s.lastCheck >= s.checkEvery {
				s.periodic(s.scanTs)
			}
			s.rec.Flip()
			if s.next.Load() != nil {
				s.maybeSwap(s.scanTs)
			}
			continue
		}
		if allDone(rings) {
			s.publish(s.now())
			return
		}
		idle++
		if idle < idleSpins {
			continue
		}
		now := s.now()
		s.periodic(now)
		s.maybeSwap(now)
		if w == ring.Spin {
			idle = 0
			continue
		}
		b.arm()
		if anyReady(rings) {
			b.cancel()
			idle = 0
			continue
		}
		b.sleep(min(maxSleep, time.Duration(s.checkEvery)))
		idle = 0
	}
}

// fused returns the feed Notify hook of the fused layout: the single
// reader goroutine runs book+scan itself right after pushing a message's
// events, so there is no stage hop (and no wake-up) between decode and scan.
// Periodic work runs on the reader's own rhythm: every message, including
// the PONG that answers the 10 s PING, gives it a turn.
func (s *stage) fused(r *ring.Ring[feed.Event]) func(uint16) {
	return func(uint16) {
		s.drain(r)
		if s.inFrame {
			s.frameEnd(s.frameTs)
		}
		if s.scanTs-s.lastPub >= s.pubEvery || s.scanTs-s.lastCheck >= s.checkEvery {
			s.periodic(s.scanTs)
		}
		s.rec.Flip()
		if s.next.Load() != nil {
			s.maybeSwap(s.scanTs)
		}
	}
}

func allDone(rings []*ring.Ring[feed.Event]) bool {
	for _, r := range rings {
		if !r.Closed() || r.Len() > 0 {
			return false
		}
	}
	return true
}

func anyReady(rings []*ring.Ring[feed.Event]) bool {
	for _, r := range rings {
		if r.Len() > 0 {
			return true
		}
	}
	return false
}
