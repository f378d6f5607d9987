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
