package feed

import (
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
)

type fakeControl struct {
	resyncs    []book.AssetIndex
	reconnects []uint16
}

func (f *fakeControl) Resync(a book.AssetIndex) bool { f.resyncs = append(f.resyncs, a); return true }
func (f *fakeControl) Reconnect(c uint16) bool       { f.reconnects = append(f.reconnects, c); return true }

func applyAll(in *Integrity, evs []Event) {
	for i := range evs {
		in.Apply(&evs[i])
	}
}

func snapshotted(t *testing.T) (*Integrity, *Decoder, *fakeControl) {
	t.Helper()
	reg := polypyRegistry(t)
	ctl := &fakeControl{}
	in := NewIntegrity(IntegrityConfig{Registry: reg, Control: ctl, Hash: HashHot,
		AssetStale: time.Second, ConnStale: 10 * time.Second, CanarySilence: time.Hour, ResyncRetry: 100 * time.Millisecond})
	in.SetHot(0, true)
	d := NewDecoder(reg, 0)
	applyAll(in, d.Decode(polypyLine(t, 0), 1_000))
	if !in.Usable(0) {
		t.Fatal("not usable after snapshot")
	}
	return in, d, ctl
}

func TestIntegrityExclusions(t *testing.T) {
	cases := []struct {
		name string
		msg  string
		excl Exclusion
	}{
		{"hash mismatch", strings.Replace(string(polypyLine(t, 1)), `"size":"0","side":"SELL"`, `"size":"1","side":"SELL"`, 1), ExclHashMismatch},
		{"crossed book", `{"event_type":"price_change","price_changes":[{"asset_id":"` + tokYes + `","price":"0.5","size":"10","side":"BUY"}],"timestamp":"1"}`, ExclCrossed},
		{"top of book disagrees", `{"event_type":"price_change","price_changes":[{"asset_id":"` + tokYes + `","price":"0.2","size":"10","side":"BUY","best_bid":"0.2","best_ask":"0.34"}],"timestamp":"1"}`, ExclTopMismatch},
		{"tick size change", `{"event_type":"tick_size_change","asset_id":"` + tokYes + `","new_tick_size":"0.001","timestamp":"1"}`, ExclTickChange},
		{"decoder suspect", `{"event_type":"price_change","price_changes":[{"asset_id":"` + tokYes + `","price":"0.333","size":"10","side":"BUY"}],"timestamp":"1"}`, ExclSuspect},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, d, ctl := snapshotted(t)
			epoch := in.Book(0).Epoch()
			applyAll(in, d.Decode([]byte(tc.msg), 2_000))
			st := in.Stats()
			if in.Usable(0) || st.Exclusions[tc.excl] != 1 {
				t.Fatalf("usable %v, exclusions %v", in.Usable(0), st.Exclusions)
			}
			if in.Book(0).Epoch() == epoch {
				t.Fatal("epoch unchanged")
			}
			if len(ctl.resyncs) != 1 || ctl.resyncs[0] != 0 {
				t.Fatalf("resyncs %v", ctl.resyncs)
			}
			// Deltas are ignored until the fresh snapshot.
			applyAll(in, d.Decode(polypyLine(t, 3), 3_000))
			if in.Stats().DeltasIgnored == 0 {
				t.Fatal("delta applied to an excluded book")
			}
			applyAll(in, d.Decode(polypyLine(t, 0), 4_000))
			if tc.excl != ExclTickChange && !in.Usable(0) {
				t.Fatal("snapshot did not restore the book")
			}
		})
	}
}

func TestIntegrityHashLayoutsAndPolicy(t *testing.T) {
	in, d, _ := snapshotted(t)
	applyAll(in, d.Decode(polypyLine(t, 1), 2_000))
	st := in.Stats()
	// The snapshot and the hot asset's delta verify with layout 9; the
	// other token has no book (its delta is ignored, its hash unchecked).
	if st.HashMatch[book.HashLayout9] != 2 || st.HashMismatch != 0 || st.HashUnchecked != 1 {
		t.Fatalf("%+v", st)
	}
	in.SetHot(0, false)
	applyAll(in, d.Decode(polypyLine(t, 3), 3_000))
	if st2 := in.Stats(); st2.HashChecks() != st.HashChecks() || st2.HashUnchecked != 3 {
		t.Fatalf("cold asset verified: %+v", st2)
	}
}

func TestIntegrityStalenessAndResyncRetry(t *testing.T) {
	in, _, ctl := snapshotted(t)
	in.Check(1_000 + int64(500*time.Millisecond))
	if !in.Usable(0) {
		t.Fatal("stale too early")
	}
	in.Check(1_000 + int64(2*time.Second))
	if in.Usable(0) || in.Stats().StaleAssets != 1 || len(ctl.resyncs) != 1 {
		t.Fatalf("not stale: %+v resyncs %v", in.Stats(), ctl.resyncs)
	}
	in.Check(1_000 + int64(2*time.Second+200*time.Millisecond))
	if len(ctl.resyncs) != 2 {
		t.Fatalf("resync not retried: %v", ctl.resyncs)
	}
	// No data on the connection for ConnStale: reconnect, once.
	in.Check(1_000 + int64(11*time.Second))
	in.Check(1_000 + int64(11*time.Second+time.Millisecond))
	if len(ctl.reconnects) != 1 || ctl.reconnects[0] != 0 {
		t.Fatalf("reconnects %v", ctl.reconnects)
	}
}

func TestIntegrityDisconnect(t *testing.T) {
	in, _, ctl := snapshotted(t)
	in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: 5_000, Flags: FlagLast})
	if in.Usable(0) || in.Stats().Exclusions[ExclDisconnected] != 1 || len(ctl.resyncs) != 0 {
		t.Fatalf("%+v %v", in.Stats(), ctl.resyncs)
	}
}

// Several entries for one asset in one frame: only the last entry's hash
// and top of book are checked by default (true under both readings of the
// venue's per-entry values); CheckEveryEntry checks each.
func TestIntegrityChecksLastEntryPerFrame(t *testing.T) {
	extra := `{"asset_id":"` + tokYes + `","price":"0.06","size":"5.11","side":"BUY","hash":"0000000000000000000000000000000000000000","best_bid":"0.5","best_ask":"0.5"},`
	msg := strings.Replace(string(polypyLine(t, 1)), `{"asset_id":"`+tokYes, extra+`{"asset_id":"`+tokYes, 1)
	for _, every := range []bool{false, true} {
		in, d, _ := snapshotted(t)
		in.cfg.CheckEveryEntry = every
		applyAll(in, d.Decode([]byte(msg), 2_000))
		st := in.Stats()
		if every != (st.HashMismatch+st.Exclusions[ExclTopMismatch] > 0) || every == in.Usable(0) {
			t.Fatalf("every=%v: usable %v stats %+v", every, in.Usable(0), st)
		}
	}
}

// A consumer draining several rings can see part of one connection's frame
// and then another connection's whole frame. The second frame's end must
// not check the first frame's unfinished books: with the venue's per-entry
// values describing the whole message (one reading of protocol §2.5),
// asset 0's first entry disagrees with the book until its second entry is
// applied.
func TestIntegrityFrameEndPerConnection(t *testing.T) {
	in, d, _ := snapshotted(t)
	b := in.Book(0)
	p1, _, _ := b.BestBid()
	p2, _, ok2 := b.NextBid(p1)
	p3, _, ok3 := b.NextBid(p2)
	ba, _, _ := b.BestAsk()
	if !ok2 || !ok3 {
		t.Fatal("need three bid levels")
	}
	// Remove the two best bids; both entries carry the top after both.
	entry := func(p book.Price, size string) string {
		return `{"asset_id":"` + tokYes + `","price":"` + string(book.AppendPrice(nil, p)) + `","size":"` + size + `","side":"BUY","best_bid":"` +
			string(book.AppendPrice(nil, p3)) + `","best_ask":"` + string(book.AppendPrice(nil, ba)) + `"}`
	}
	evs := d.Decode([]byte(`{"event_type":"price_change","price_changes":[`+entry(p1, "0")+`,`+entry(p2, "0")+`],"timestamp":"2"}`), 2_000)
	if len(evs) != 2 || evs[1].Flags&FlagLast == 0 {
		t.Fatalf("events %+v", evs)
	}
	in.Apply(&evs[0])                                                                        // connection 0: first entry only
	in.Apply(&Event{Kind: KindLastTrade, Asset: 1, Conn: 1, RecvNs: 2_100, Flags: FlagLast}) // connection 1: a whole frame
	in.Apply(&evs[1])                                                                        // connection 0: the rest
	if st := in.Stats(); !in.Usable(0) || st.Exclusions[ExclTopMismatch] != 0 || st.Deltas != 2 {
		t.Fatalf("usable %v stats %+v", in.Usable(0), st)
	}
	// The frame's end does check asset 0: a wrong top is still caught.
	applyAll(in, d.Decode([]byte(`{"event_type":"price_change","price_changes":[`+entry(p1, "7")+`],"timestamp":"3"}`), 3_000))
	if in.Usable(0) || in.Stats().Exclusions[ExclTopMismatch] != 1 {
		t.Fatalf("wrong top not caught: %+v", in.Stats())
	}
}

// stallRig is an Integrity with one usable book (asset 0, connection 0)
// on a simulated clock in ns.
type stallRig struct {
	t   *testing.T
	in  *Integrity
	d   *Decoder
	ctl *fakeControl
	now int64
}

func newStallRig(t *testing.T, cfg IntegrityConfig, withControl bool) *stallRig {
	reg := polypyRegistry(t)
	r := &stallRig{t: t, ctl: &fakeControl{}, now: int64(time.Second)}
	cfg.Registry = reg
	if withControl {
		cfg.Control = r.ctl
	}
	r.in = NewIntegrity(cfg)
	r.d = NewDecoder(reg, 0)
	r.snapshot()
	return r
}

func (r *stallRig) snapshot() {
	applyAll(r.in, r.d.Decode(polypyLine(r.t, 0), r.now))
	if !r.in.Usable(0) {
		r.t.Fatal("not usable after snapshot")
	}
}

// run advances the clock to until in 10 ms steps, running Check at each
// and sending an update of asset 0 whenever send says so. It returns the
// first time asset 0 was not usable (0: always usable).
func (r *stallRig) run(until int64, send func(now int64) bool) int64 {
	var lost int64
	for r.now+int64(10*time.Millisecond) <= until {
		r.now += int64(10 * time.Millisecond)
		if send != nil && send(r.now) {
			r.in.Apply(&Event{Kind: KindLastTrade, Asset: 0, RecvNs: r.now, Price: 500_000, Flags: FlagLast})
		}
		r.in.Check(r.now)
		if lost == 0 && !r.in.Usable(0) {
			lost = r.now
		}
	}
	return lost
}

func every(d time.Duration) func(int64) bool {
	return func(now int64) bool { return now%int64(d) == 0 }
}

// A busy, regular connection: a stall (no data, no error) is caught at 4×
// its longest recent gap (at least CanarySilence/4), the connection's books
// are excluded and it is reconnected (no per-book resync: the reconnect
// brings the snapshots); the fresh snapshot makes the book usable again.
func TestIntegrityPaceCatchesSilentStall(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, true)
	if lost := r.run(int64(12*time.Second), every(50*time.Millisecond)); lost != 0 {
		t.Fatalf("excluded at %d while busy: %+v", lost, r.in.Stats())
	}
	stallAt := r.in.LastUpdate(0)
	lost := r.run(r.now+int64(270*time.Millisecond), nil)
	// Its longest gap was 50 ms: limit max(4 × 50 ms, CanarySilence/4) = 250 ms.
	if lost <= stallAt+int64(250*time.Millisecond) || lost > stallAt+int64(260*time.Millisecond) {
		t.Fatalf("excluded %v after the last update, want just past 250ms", time.Duration(lost-stallAt))
	}
	st := r.in.Stats()
	if st.StallReconnects != 1 || st.Exclusions[ExclConnStale] != 1 ||
		len(r.ctl.reconnects) != 1 || r.ctl.reconnects[0] != 0 || len(r.ctl.resyncs) != 0 {
		t.Fatalf("stats %+v reconnects %v resyncs %v", st, r.ctl.reconnects, r.ctl.resyncs)
	}
	// The client's new session: every book resynced; 2 s of reconnecting
	// (no trip: ConnStale applies between sessions); the snapshot.
	r.in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: r.now, Flags: FlagLast})
	r.run(r.now+int64(2*time.Second), nil)
	r.snapshot()
	if lost := r.run(r.now+int64(6*time.Second), every(50*time.Millisecond)); lost != 0 {
		t.Fatalf("excluded again at +%v", time.Duration(lost-stallAt))
	}
	if st := r.in.Stats(); st.StallReconnects != 1 || len(r.ctl.reconnects) != 1 {
		t.Fatalf("tripped while reconnecting: %+v", st)
	}
	// The reconnect's 2 s gap is not the venue's pace: the next stall is
	// caught as fast as the first.
	stallAt = r.in.LastUpdate(0)
	lost = r.run(r.now+int64(time.Second), nil)
	if lost <= stallAt+int64(250*time.Millisecond) || lost > stallAt+int64(260*time.Millisecond) {
		t.Fatalf("second stall excluded %v after the last update, want just past 250ms", time.Duration(lost-stallAt))
	}
}

// A stall that outlasts the first reconnect: the back-off doubles the limit
// (500 ms) so a 400 ms silence after the new session's snapshots trips no
// Check, but when data resumes after it the venue may have withheld
// updates: every book of the connection is excluded and it is reconnected.
// A gap under the pace limit changes nothing.
func TestIntegrityDataAfterStallLengthGapReconnects(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, true)
	r.run(int64(12*time.Second), every(50*time.Millisecond))
	update := func() {
		r.in.Apply(&Event{Kind: KindLastTrade, Asset: 0, RecvNs: r.now, Price: 500_000, Flags: FlagLast})
	}
	// 200 ms of silence (under 250 ms), then data: nothing happens.
	r.run(r.now+int64(200*time.Millisecond), nil)
	update()
	if st := r.in.Stats(); st.GapReconnects != 0 || !r.in.Usable(0) {
		t.Fatalf("a gap under the limit: %+v", st)
	}
	// The stall: caught by Check at 250 ms; the new session's snapshot.
	r.run(r.now+int64(300*time.Millisecond), nil)
	if st := r.in.Stats(); st.StallReconnects != 1 || len(r.ctl.reconnects) != 1 {
		t.Fatalf("stall not caught: %+v", st)
	}
	r.in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: r.now, Flags: FlagLast})
	r.run(r.now+int64(100*time.Millisecond), nil)
	r.snapshot()
	// Still stalled: 400 ms, under the backed-off 500 ms limit.
	if lost := r.run(r.now+int64(400*time.Millisecond), nil); lost != 0 || len(r.ctl.reconnects) != 1 {
		t.Fatalf("back-off did not hold: lost at %d, %d reconnects", lost, len(r.ctl.reconnects))
	}
	update() // the venue resumes
	st := r.in.Stats()
	if st.GapReconnects != 1 || len(r.ctl.reconnects) != 2 || r.in.Usable(0) {
		t.Fatalf("data after a 400 ms gap: %+v, reconnects %v, usable %v", st, r.ctl.reconnects, r.in.Usable(0))
	}
	// The reconnect's snapshot makes it usable again, and the next data
	// (no gap) changes nothing.
	r.in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: r.now, Flags: FlagLast})
	r.snapshot()
	r.now += int64(10 * time.Millisecond)
	update()
	if st := r.in.Stats(); st.GapReconnects != 1 || !r.in.Usable(0) {
		t.Fatalf("after the resync: %+v usable %v", st, r.in.Usable(0))
	}
}

// A pause of this process is not a gap at the venue: data read 400 ms late
// whose venue timestamps are 10 ms apart rebuilds nothing; data whose venue
// timestamps are as far apart as the silence does.
func TestIntegrityGapMustBeTheVenues(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, true)
	r.run(int64(12*time.Second), every(50*time.Millisecond))
	venue := int64(1_700_000_000_000)
	update := func(venueMs int64) {
		r.in.Apply(&Event{Kind: KindLastTrade, Asset: 0, RecvNs: r.now, VenueMs: venueMs, Price: 500_000, Flags: FlagLast})
	}
	update(venue)
	r.now += int64(400 * time.Millisecond) // no Check ran: this process was paused
	update(venue + 10)
	if st := r.in.Stats(); st.GapReconnects != 0 || !r.in.Usable(0) {
		t.Fatalf("a local pause rebuilt the books: %+v", st)
	}
	r.now += int64(400 * time.Millisecond)
	update(venue + 410)
	if st := r.in.Stats(); st.GapReconnects != 1 || r.in.Usable(0) || len(r.ctl.reconnects) != 1 {
		t.Fatalf("a venue gap of 400 ms: %+v, reconnects %v", st, r.ctl.reconnects)
	}
}

// A stall that spans the end of a canary window is not taken for the
// connection's pace: the limit stays tight (so the data that resumes after
// it rebuilds the books) and the back-off is not reset.
func TestIntegrityStallAcrossWindowKeepsThePace(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, true)
	r.run(int64(11*time.Second), every(50*time.Millisecond))
	// busy until 300 ms before the window ends, then the stall
	r.run(r.in.lastWin+int64(CanaryWindows*time.Second-300*time.Millisecond), every(50*time.Millisecond))
	stallAt, win := r.now, r.in.lastWin
	for r.now < stallAt+int64(2500*time.Millisecond) { // 2.5 s of stall, resynced after each trip
		n := len(r.ctl.reconnects)
		r.run(r.now+int64(10*time.Millisecond), nil)
		if len(r.ctl.reconnects) > n {
			r.in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: r.now, Flags: FlagLast})
			r.snapshot()
		}
	}
	if r.in.lastWin == win {
		t.Fatal("the stall did not span a window's end")
	}
	trips := len(r.ctl.reconnects)
	if trips != 3 {
		t.Fatalf("%d trips in a 2.5 s stall, want the back-off's 3", trips)
	}
	r.in.Apply(&Event{Kind: KindLastTrade, Asset: 0, RecvNs: r.now, Price: 500_000, Flags: FlagLast})
	if st := r.in.Stats(); st.GapReconnects != 1 || r.in.Usable(0) {
		t.Fatalf("data after the stall: %+v, usable %v (the window's end loosened the limit)", st, r.in.Usable(0))
	}
}

// A pace needs evidence: right after the start, and for a connection with
// fewer than 50 updates in a window, the limit is ConnStale.
func TestIntegrityPaceNeedsEvidence(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 5 * time.Second}, true)
	// Just after the snapshot: a 2 s silence is no stall yet.
	if lost := r.run(r.now+int64(2*time.Second), nil); lost != 0 {
		t.Fatalf("tripped %v after the start", time.Duration(lost-int64(time.Second)))
	}
	// 25 updates per 5 s window: regular, but too few for a pace.
	r.run(int64(20*time.Second), every(200*time.Millisecond))
	last := r.in.LastUpdate(0)
	lost := r.run(r.now+int64(6*time.Second), nil)
	if lost-last < int64(5*time.Second) || lost-last > int64(5*time.Second+10*time.Millisecond) {
		t.Fatalf("excluded %v after the last update, want ConnStale (5s)", time.Duration(lost-last))
	}
}

// The canary catches a connection that still carries data, but no longer
// its busiest asset's.
func TestIntegrityCanaryCatchesPartialStall(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, true)
	other := func(now int64) {
		if now%int64(50*time.Millisecond) == 0 {
			r.in.Apply(&Event{Kind: KindLastTrade, Asset: 1, RecvNs: now, Price: 500_000, Flags: FlagLast})
		}
	}
	busy := every(20 * time.Millisecond)
	if lost := r.run(int64(12*time.Second), func(now int64) bool { other(now); return busy(now) }); lost != 0 {
		t.Fatalf("excluded at %d while busy: %+v", lost, r.in.Stats())
	}
	if r.in.Canary(0) != 0 {
		t.Fatalf("canary %d, want asset 0", r.in.Canary(0))
	}
	stallAt := r.now
	lost := r.run(stallAt+int64(time.Second), func(now int64) bool { other(now); return false })
	// The canary's longest gap was 20 ms: limit max(80 ms, 250 ms).
	if lost <= stallAt+int64(250*time.Millisecond) || lost > stallAt+int64(260*time.Millisecond) {
		t.Fatalf("excluded %v after the canary's last update, want just past 250ms", time.Duration(lost-stallAt))
	}
	if st := r.in.Stats(); st.CanaryReconnects != 1 || st.StallReconnects != 0 || len(r.ctl.reconnects) != 1 {
		t.Fatalf("stats %+v reconnects %v", st, r.ctl.reconnects)
	}
}

// A connection whose traffic comes in bursts has no canary (a lull would
// trip it); ConnStale catches its stall, and trips in a row without the
// connection turning busy back off (5 s, 10 s, 20 s) instead of
// reconnecting a quiet connection in a loop.
func TestIntegrityQuietConnectionBacksOff(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 5 * time.Second}, true)
	bursty := func(now int64) bool { return now%int64(2*time.Second) < int64(50*time.Millisecond) }
	if lost := r.run(int64(30*time.Second), bursty); lost != 0 || r.in.Canary(0) != NoAsset {
		t.Fatalf("lost %d canary %d: %+v", lost, r.in.Canary(0), r.in.Stats())
	}
	last := r.in.LastUpdate(0)
	var trips []time.Duration
	prev := r.in.Stats().StallReconnects
	for r.now < last+int64(40*time.Second) {
		r.run(r.now+int64(10*time.Millisecond), nil)
		if n := r.in.Stats().StallReconnects; n != prev {
			prev = n
			trips = append(trips, time.Duration(r.now-last).Round(100*time.Millisecond))
			r.in.Apply(&Event{Kind: KindResync, Asset: 0, RecvNs: r.now, Flags: FlagLast})
		}
	}
	want := []time.Duration{5 * time.Second, 15 * time.Second, 35 * time.Second}
	if len(trips) != len(want) || trips[0] != want[0] || trips[1] != want[1] || trips[2] != want[2] {
		t.Fatalf("trips at %v after the last update, want %v", trips, want)
	}
	if st := r.in.Stats(); st.CanaryReconnects != 0 || st.Exclusions[ExclConnStale] != 1 {
		t.Fatalf("%+v", st)
	}
	// Busy again: a canary is chosen and the back-off resets.
	r.snapshot()
	r.run(r.now+int64(11*time.Second), every(20*time.Millisecond))
	if r.in.Canary(0) != 0 || r.in.conns[0].trips != 0 {
		t.Fatalf("canary %d trips %d", r.in.Canary(0), r.in.conns[0].trips)
	}
}

// Without a Control (replay) there is no reconnect to bring snapshots: a
// silent connection's books are stale until their next event.
func TestIntegrityStallWithoutControl(t *testing.T) {
	r := newStallRig(t, IntegrityConfig{CanarySilence: time.Second, ConnStale: 10 * time.Second}, false)
	r.run(int64(12*time.Second), every(50*time.Millisecond))
	if lost := r.run(r.now+int64(time.Second), nil); lost == 0 {
		t.Fatal("stall not detected")
	}
	if st := r.in.Stats(); st.Exclusions[ExclConnStale] != 1 || st.StaleAssets != 1 || !r.in.Book(0).Valid() {
		t.Fatalf("%+v", st)
	}
	r.run(r.now+int64(10*time.Millisecond), func(int64) bool { return true })
	if !r.in.Usable(0) {
		t.Fatal("not usable after fresh data")
	}
}

func TestCheckEvery(t *testing.T) {
	for _, tc := range []struct{ silence, want time.Duration }{
		{0, 100 * time.Millisecond}, // the default, 1 s
		{time.Second, 100 * time.Millisecond},
		{100 * time.Millisecond, 20 * time.Millisecond},
		{time.Minute, time.Second},
	} {
		if got := (IntegrityConfig{CanarySilence: tc.silence}).CheckEvery(); got != tc.want {
			t.Errorf("CanarySilence %v: CheckEvery %v, want %v", tc.silence, got, tc.want)
		}
	}
}
