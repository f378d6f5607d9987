package engine

import (
	"time"

	"github.com/hotpath/hotpath/scan"
)

// Signer-feed pacing. Groups near the pool's band edge flap in and out as
// makers requote, and every re-entry used to re-sign all of the group's
// templates (~50 µs each, a whole core on a busy universe). The feed
// therefore keeps a group's templates for poolLinger after it leaves (a
// re-entry within it only moves prices), and re-lays a hot group's prices
// at most every poolRefreshEvery (templates cover TicksBelow ticks under
// the ask meanwhile).
const (
	poolLinger       = 2 * time.Second
	poolRefreshEvery = 250 * time.Millisecond
)

// signerFeed decides which pool events reach the template signer. It is
// owned by the cold pool goroutine.
type signerFeed struct {
	groups []feedGroup
	active []uint32 // groups with something to do (want != sent, or dirty)
	inList []bool
}

type feedGroup struct {
	want, sent, dirty bool
	latest            scan.PoolEvent // the last enter (or refresh) with its asks
	lastSend, leftAt  int64
}

func newSignerFeed(groups int) *signerFeed {
	return &signerFeed{groups: make([]feedGroup, groups), inList: make([]bool, groups)}
}

// observe takes one pool event from the stage at now.
func (f *signerFeed) observe(ev *scan.PoolEvent, now int64) {
	g := ev.Group
	if int(g) >= len(f.groups) {
		return
	}
	st := &f.groups[g]
	if ev.Event == scan.PoolEnter {
		st.want, st.dirty, st.latest = true, true, *ev
	} else {
		st.want, st.leftAt = false, now
	}
	if !f.inList[g] {
		f.inList[g] = true
		f.active = append(f.active, g)
	}
}

// due calls send for every event the signer should get now: a first entry
// at once, a refresh once poolRefreshEvery has passed since the last send,
// a leave once the group has stayed out for poolLinger.
func (f *signerFeed) due(now int64, send func(ev *scan.PoolEvent, enter bool)) {
	keep := f.active[:0]
	for _, g := range f.active {
		st := &f.groups[g]
		switch {
		case st.want && (!st.sent || st.dirty && now-st.lastSend >= int64(poolRefreshEvery)):
			send(&st.latest, true)
			st.sent, st.dirty, st.lastSend = true, false, now
		case !st.want && st.sent && now-st.leftAt >= int64(poolLinger):
			send(&st.latest, false)
			st.sent = false
		}
		if st.want && st.dirty || st.want != st.sent {
			keep = append(keep, g)
		} else {
			f.inList[g] = false
		}
	}
	f.active = keep
}
