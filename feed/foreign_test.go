package feed

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"testing"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed/capture"
)

// The two captures were recorded from the simulator as it was before sim
// commit d4645df, which sent every price_change entry and every post-trade
// snapshot of a market to each connection subscribed to either of its
// tokens (protocol §2.5 "mirrored books": the venue may do the same). One
// recorder subscribed the YES token (connection 0), the other the NO token
// (connection 1), so each connection also received the other's token.
// `hotpath run` against that simulator excluded books 71 times for
// top_mismatch and 3 for hash_mismatch in 20 s, without any fault: the
// consumer interleaves two rings, so one connection's copy of a change was
// applied after the other connection's newer change or snapshot.
const (
	foreignMarket = "0x4d3abb5a449bb991834fbc2508a0dbf088e2e99b228c7b3144597189542b7634"
	foreignYes    = "68195407857369834498137000352002792694792017301043319102286897348960537952346"
	foreignNo     = "53950308451239687803457323362054695496560982770938236141498123098313230299959"
)

type recorded struct {
	recvNs int64
	msg    []byte
}

func readCapture(t *testing.T, name string) []recorded {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := capture.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []recorded
	for {
		ns, msg, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recorded{ns, append([]byte(nil), msg...)})
	}
}

func foreignRegistry(t *testing.T) *book.Registry {
	t.Helper()
	r := book.NewRegistry()
	for i, id := range []string{foreignYes, foreignNo} {
		if _, err := r.Add(book.AssetInfo{TokenID: id, Market: foreignMarket, Tick: book.Tick0_01, MinSize: 5 * book.OneShare,
			NegRisk: true, Partner: book.AssetIndex(1 - i), HasPartner: true}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// replayTwo feeds the two connections' recordings to one Integrity in the
// order given by next (which connection's next message comes), each
// through its own decoder, filtered by keepOwned when filter is set.
func replayTwo(t *testing.T, recs [2][]recorded, filter bool, next func(pos [2]int) int) (*Integrity, uint64) {
	t.Helper()
	reg := foreignRegistry(t)
	in := NewIntegrity(IntegrityConfig{Registry: reg, Hash: HashAll})
	owner := make([]atomic.Int32, 2)
	owner[0].Store(0)
	owner[1].Store(1)
	decs := [2]*Decoder{NewDecoder(reg, 0), NewDecoder(reg, 1)}
	var pos [2]int
	var foreign uint64
	for pos[0] < len(recs[0]) || pos[1] < len(recs[1]) {
		c := next(pos)
		if pos[c] >= len(recs[c]) {
			c = 1 - c
		}
		r := recs[c][pos[c]]
		pos[c]++
		evs := decs[c].Decode(r.msg, r.recvNs)
		if filter {
			evs = keepOwned(evs, owner, int32(c), &foreign)
		}
		applyAll(in, evs)
	}
	return in, foreign
}

func TestForeignEntriesDropped(t *testing.T) {
	recs := [2][]recorded{readCapture(t, "foreign-conn0-yes.hpcap"), readCapture(t, "foreign-conn1-no.hpcap")}
	// Orders the consumer could see: as received, and one connection
	// running k messages behind the other (a ring drained late).
	byTime := func(pos [2]int) int {
		if pos[1] >= len(recs[1]) || pos[0] < len(recs[0]) && recs[0][pos[0]].recvNs <= recs[1][pos[1]].recvNs {
			return 0
		}
		return 1
	}
	lag := func(late, k int) func([2]int) int {
		return func(pos [2]int) int {
			if pos[1-late] < pos[late]+k {
				return 1 - late
			}
			return late
		}
	}
	orders := []struct {
		name string
		next func([2]int) int
	}{{"as received", byTime}, {"conn 0 behind by 5", lag(0, 5)}, {"conn 1 behind by 5", lag(1, 5)}, {"conn 0 behind by 20", lag(0, 20)}}

	// Each connection alone, filtered: the books it owns as the venue had them.
	want := [2]string{}
	for c := range 2 {
		var alone [2][]recorded
		alone[c] = recs[c]
		in, _ := replayTwo(t, alone, true, func([2]int) int { return c })
		if !in.Usable(book.AssetIndex(c)) {
			t.Fatalf("connection %d alone: book not usable (%+v)", c, in.Stats())
		}
		want[c] = levels(in.Book(book.AssetIndex(c)))
	}

	tripped := 0
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			in, foreign := replayTwo(t, recs, true, o.next)
			st := in.Stats()
			bad := st.Exclusions[ExclTopMismatch] + st.Exclusions[ExclHashMismatch] + st.Exclusions[ExclCrossed]
			if bad != 0 || st.Deltas == 0 || st.HashMatch[book.HashLayout9] == 0 || foreign == 0 {
				t.Fatalf("filtered: exclusions %v, deltas %d, hash matches %v, foreign %d", st.Exclusions, st.Deltas, st.HashMatch, foreign)
			}
			for c := range 2 {
				a := book.AssetIndex(c)
				if !in.Usable(a) || levels(in.Book(a)) != want[c] {
					t.Fatalf("asset %d: usable %v\n got %s\nwant %s", a, in.Usable(a), levels(in.Book(a)), want[c])
				}
			}
			// The same order without the filter: the failure this test guards.
			in, _ = replayTwo(t, recs, false, o.next)
			st = in.Stats()
			if n := st.Exclusions[ExclTopMismatch] + st.Exclusions[ExclHashMismatch]; n > 0 {
				tripped++
				t.Logf("unfiltered: %d top and %d hash mismatches", st.Exclusions[ExclTopMismatch], st.Exclusions[ExclHashMismatch])
			}
		})
	}
	if tripped == 0 {
		t.Fatal("no interleaving of the recording trips the unfiltered integrity checks: the regression test proves nothing")
	}
}

func TestKeepOwned(t *testing.T) {
	owner := make([]atomic.Int32, 3)
	owner[0].Store(0)
	owner[1].Store(1)
	owner[2].Store(-1) // not subscribed anywhere
	cases := []struct {
		name string
		in   []Event
		want []book.AssetIndex // assets left, in order; the last carries FlagLast
	}{
		{"all own", []Event{{Asset: 0, Kind: KindLevel}, {Asset: 0, Kind: KindLevel, Flags: FlagLast}}, []book.AssetIndex{0, 0}},
		{"foreign last", []Event{{Asset: 0, Kind: KindLevel}, {Asset: 1, Kind: KindLevel, Flags: FlagLast}}, []book.AssetIndex{0}},
		{"foreign first", []Event{{Asset: 1, Kind: KindBookBegin}, {Asset: 1, Kind: KindLevel, Flags: FlagSnapshot}, {Asset: 1, Kind: KindBookEnd}, {Asset: 0, Kind: KindLastTrade, Flags: FlagLast}}, []book.AssetIndex{0}},
		{"all foreign", []Event{{Asset: 1, Kind: KindTickSize}, {Asset: 2, Kind: KindSuspect, Flags: FlagLast}}, nil},
		{"unsubscribed and unknown", []Event{{Asset: 2, Kind: KindBestBidAsk}, {Asset: 7, Kind: KindLevel}, {Asset: 0, Kind: KindLevel, Flags: FlagLast}}, []book.AssetIndex{0}},
		{"resolution and new market pass", []Event{{Asset: 1, Kind: KindResolved}, {Asset: 1, Kind: KindNewMarket}, {Asset: NoAsset, Kind: KindSuspect, Flags: FlagLast}}, []book.AssetIndex{1, 1, NoAsset}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var foreign uint64
			got := keepOwned(append([]Event(nil), tc.in...), owner, 0, &foreign)
			if len(got) != len(tc.want) || foreign != uint64(len(tc.in)-len(tc.want)) {
				t.Fatalf("kept %d (foreign %d), want %d", len(got), foreign, len(tc.want))
			}
			for i, e := range got {
				if e.Asset != tc.want[i] || (e.Flags&FlagLast != 0) != (i == len(got)-1) {
					t.Fatalf("event %d: asset %d flags %b", i, e.Asset, e.Flags)
				}
			}
		})
	}
}
