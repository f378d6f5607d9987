package book

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

type lvl struct {
	p Price
	s Size
}

func walkAsks(b *Book) []lvl {
	var out []lvl
	for p, s, ok := b.BestAsk(); ok; p, s, ok = b.NextAsk(p) {
		out = append(out, lvl{p, s})
	}
	return out
}

func walkBids(b *Book) []lvl {
	var out []lvl
	for p, s, ok := b.BestBid(); ok; p, s, ok = b.NextBid(p) {
		out = append(out, lvl{p, s})
	}
	return out
}

func mustSet(t *testing.T, b *Book, sd Side, p Price, s Size) {
	t.Helper()
	if err := b.SetLevel(sd, p, s); err != nil {
		t.Fatalf("SetLevel(%v, %v, %v): %v", sd, p, s, err)
	}
}

func TestSide(t *testing.T) {
	if Bid != 0 || Ask != 1 || Bid.String() != "bid" || Ask.String() != "ask" || Side(9).String() != "side?" {
		t.Fatal("Side constants or names")
	}
}

func TestNewBookState(t *testing.T) {
	b := NewBook(Tick0_01)
	if b.Tick() != Tick0_01 || b.Valid() || b.Epoch() != 0 || b.Levels(Bid) != 0 || b.Levels(Ask) != 0 || b.Crossed() {
		t.Fatal("fresh book state")
	}
	if _, _, ok := b.BestBid(); ok {
		t.Fatal("best bid on empty book")
	}
	if _, _, ok := b.BestAsk(); ok {
		t.Fatal("best ask on empty book")
	}
	if _, _, ok := b.NextAsk(0); ok {
		t.Fatal("NextAsk on empty book")
	}
	if _, _, ok := b.NextBid(One); ok {
		t.Fatal("NextBid on empty book")
	}
	b.BeginSnapshot()
	if b.Valid() || b.Epoch() != 1 {
		t.Fatal("during snapshot")
	}
	b.EndSnapshot()
	if !b.Valid() || b.Epoch() != 1 {
		t.Fatal("after snapshot")
	}
	b.Invalidate()
	if b.Valid() || b.Epoch() != 2 {
		t.Fatal("after Invalidate")
	}
}

func TestSetLevelErrors(t *testing.T) {
	b := NewBook(Tick0_01)
	mustSet(t, b, Bid, 400_000, 5)
	for _, tc := range []struct {
		sd  Side
		p   Price
		s   Size
		err error
	}{
		{2, 500_000, 1, ErrSide},
		{255, 500_000, 1, ErrSide},
		{Bid, One + 10_000, 1, ErrAboveOne},
		{Ask, ^Price(0), 1, ErrAboveOne},
		{Bid, 485_000, 1, ErrOffGrid},
		{Ask, 1, 1, ErrOffGrid},
		{Ask, One - 1, 1, ErrOffGrid},
		{Bid, 500_000, -1, ErrNegative},
		{Bid, 400_000, -5, ErrNegative},
	} {
		if err := b.SetLevel(tc.sd, tc.p, tc.s); !errors.Is(err, tc.err) {
			t.Errorf("SetLevel(%d, %d, %d) = %v want %v", tc.sd, tc.p, tc.s, err, tc.err)
		}
	}
	// Nothing changed.
	if p, s, ok := b.BestBid(); !ok || p != 400_000 || s != 5 || b.Levels(Bid) != 1 || b.Levels(Ask) != 0 {
		t.Fatalf("book changed by rejected updates: %v %v %v", p, s, ok)
	}
	if b.Levels(7) != 0 {
		t.Fatal("Levels of an invalid side")
	}
}

func TestGridEnds(t *testing.T) {
	for _, tk := range []Tick{Tick0_1, Tick0_01, Tick0_005, Tick0_0025, Tick0_001, Tick0_0001} {
		b := NewBook(tk)
		mustSet(t, b, Ask, One, 1)
		mustSet(t, b, Ask, Price(tk), 2)
		mustSet(t, b, Bid, 0, 3)
		mustSet(t, b, Bid, One-Price(tk), 4)
		if got := walkAsks(b); !slices.Equal(got, []lvl{{Price(tk), 2}, {One, 1}}) {
			t.Errorf("%v asks %v", tk, got)
		}
		if got := walkBids(b); !slices.Equal(got, []lvl{{One - Price(tk), 4}, {0, 3}}) {
			t.Errorf("%v bids %v", tk, got)
		}
		if !b.Crossed() {
			t.Errorf("%v: bid %v >= ask %v not crossed", tk, One-Price(tk), Price(tk))
		}
	}
}

func TestBestMaintenance(t *testing.T) {
	b := NewBook(Tick0_0001) // 10001 levels: the bitmap spans several summary words
	b.BeginSnapshot()
	asks := []Price{520_000, 100, 999_900, 640_000, 520_100}
	bids := []Price{0, 400_000, 9_900, 519_900, 130_000}
	for i, p := range asks {
		mustSet(t, b, Ask, p, Size(i+1))
	}
	for i, p := range bids {
		mustSet(t, b, Bid, p, Size(i+1))
	}
	b.EndSnapshot()
	if p, _, _ := b.BestAsk(); p != 100 {
		t.Fatalf("best ask %v", p)
	}
	if p, _, _ := b.BestBid(); p != 519_900 {
		t.Fatalf("best bid %v", p)
	}
	// Remove the best asks one by one: the next best must be found far away.
	sorted := slices.Clone(asks)
	slices.Sort(sorted)
	for i, p := range sorted {
		got, _, ok := b.BestAsk()
		if !ok || got != p {
			t.Fatalf("step %d: best ask %v, want %v", i, got, p)
		}
		mustSet(t, b, Ask, p, 0)
	}
	if _, _, ok := b.BestAsk(); ok || b.Levels(Ask) != 0 {
		t.Fatal("asks not empty")
	}
	sorted = slices.Clone(bids)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	for i, p := range sorted {
		got, _, ok := b.BestBid()
		if !ok || got != p {
			t.Fatalf("step %d: best bid %v, want %v", i, got, p)
		}
		mustSet(t, b, Bid, p, 0)
	}
	if _, _, ok := b.BestBid(); ok || b.Levels(Bid) != 0 {
		t.Fatal("bids not empty")
	}
	// Removing an absent level is a no-op.
	mustSet(t, b, Bid, 500_000, 0)
	if b.Levels(Bid) != 0 {
		t.Fatal("removing an absent level changed the count")
	}
	// Updating the size of an existing level keeps the count.
	mustSet(t, b, Ask, 300_000, 7)
	mustSet(t, b, Ask, 300_000, 9)
	if p, s, _ := b.BestAsk(); p != 300_000 || s != 9 || b.Levels(Ask) != 1 {
		t.Fatalf("update: %v %v %d", p, s, b.Levels(Ask))
	}
}

func TestDepthWalkOffGrid(t *testing.T) {
	b := NewBook(Tick0_01)
	mustSet(t, b, Ask, 500_000, 1)
	mustSet(t, b, Ask, 510_000, 2)
	mustSet(t, b, Bid, 480_000, 3)
	mustSet(t, b, Bid, 470_000, 4)
	for _, tc := range []struct {
		after Price
		want  Price
		ok    bool
	}{
		{0, 500_000, true}, {499_999, 500_000, true}, {500_000, 510_000, true}, {505_000, 510_000, true},
		{510_000, 0, false}, {One, 0, false}, {^Price(0), 0, false},
	} {
		p, _, ok := b.NextAsk(tc.after)
		if ok != tc.ok || p != tc.want {
			t.Errorf("NextAsk(%d) = %v,%v want %v,%v", tc.after, p, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		after Price
		want  Price
		ok    bool
	}{
		{^Price(0), 480_000, true}, {One, 480_000, true}, {480_001, 480_000, true}, {480_000, 470_000, true},
		{475_000, 470_000, true}, {470_000, 0, false}, {0, 0, false},
	} {
		p, _, ok := b.NextBid(tc.after)
		if ok != tc.ok || p != tc.want {
			t.Errorf("NextBid(%d) = %v,%v want %v,%v", tc.after, p, ok, tc.want, tc.ok)
		}
	}
}

func TestCrossed(t *testing.T) {
	b := NewBook(Tick0_01)
	mustSet(t, b, Bid, 500_000, 1)
	if b.Crossed() {
		t.Fatal("one side only is not crossed")
	}
	mustSet(t, b, Ask, 510_000, 1)
	if b.Crossed() {
		t.Fatal("spread of one tick is not crossed")
	}
	mustSet(t, b, Ask, 500_000, 1)
	if !b.Crossed() {
		t.Fatal("locked book (bid == ask) is crossed")
	}
	mustSet(t, b, Ask, 500_000, 0)
	mustSet(t, b, Bid, 520_000, 1)
	if !b.Crossed() {
		t.Fatal("bid above ask is crossed")
	}
}

func TestSnapshotReplaces(t *testing.T) {
	b := NewBook(Tick0_001)
	for i := range 50 {
		mustSet(t, b, Bid, Price(i*1000), Size(i+1))
		mustSet(t, b, Ask, Price(500_000+i*1000), Size(i+1))
	}
	b.EndSnapshot()
	e := b.Epoch()
	b.BeginSnapshot()
	if b.Levels(Bid) != 0 || b.Levels(Ask) != 0 || b.Valid() || b.Epoch() == e {
		t.Fatal("BeginSnapshot did not clear")
	}
	if _, _, ok := b.NextAsk(0); ok {
		t.Fatal("stale ask after BeginSnapshot")
	}
	mustSet(t, b, Ask, 700_000, 5)
	b.EndSnapshot()
	if got := walkAsks(b); !slices.Equal(got, []lvl{{700_000, 5}}) || len(walkBids(b)) != 0 {
		t.Fatalf("after second snapshot: asks %v bids %v", got, walkBids(b))
	}
}

func TestSetTick(t *testing.T) {
	b := NewBook(Tick0_001)
	mustSet(t, b, Bid, 480_000, 1)
	mustSet(t, b, Bid, 485_000, 2)
	mustSet(t, b, Ask, 501_000, 3)
	mustSet(t, b, Ask, 510_000, 4)
	b.EndSnapshot()
	e := b.Epoch()
	if err := b.SetTick(Tick0_01); err != nil {
		t.Fatal(err)
	}
	if b.Valid() || b.Epoch() == e || b.Tick() != Tick0_01 {
		t.Fatal("SetTick must invalidate and bump the epoch")
	}
	if got := walkBids(b); !slices.Equal(got, []lvl{{480_000, 1}}) {
		t.Errorf("bids after coarser tick: %v", got)
	}
	if got := walkAsks(b); !slices.Equal(got, []lvl{{510_000, 4}}) {
		t.Errorf("asks after coarser tick: %v", got)
	}
	if err := b.SetLevel(Bid, 485_000, 1); !errors.Is(err, ErrOffGrid) {
		t.Errorf("old grid price accepted: %v", err)
	}
	if err := b.SetTick(Tick0_0001); err != nil {
		t.Fatal(err)
	}
	if got := walkBids(b); !slices.Equal(got, []lvl{{480_000, 1}}) {
		t.Errorf("bids after finer tick: %v", got)
	}
	mustSet(t, b, Ask, 500_100, 8)
	e = b.Epoch()
	if err := b.SetTick(Tick0_0001); err != nil || b.Epoch() == e || b.Valid() {
		t.Error("same tick still invalidates")
	}
	if err := b.SetTick(20_000); !errors.Is(err, ErrTick) || b.Tick() != Tick0_0001 {
		t.Errorf("invalid tick: %v", err)
	}
}

func TestInvalidTickBook(t *testing.T) {
	for _, tk := range []Tick{0, 3, 20_000} {
		b := NewBook(tk)
		if err := b.SetLevel(Bid, 0, 1); !errors.Is(err, ErrNoGrid) {
			t.Errorf("tick %d: SetLevel err %v", tk, err)
		}
		b.BeginSnapshot()
		b.EndSnapshot()
		if b.Valid() {
			t.Errorf("tick %d: book without a grid became Valid", tk)
		}
		if _, _, ok := b.NextAsk(0); ok {
			t.Error("NextAsk on gridless book")
		}
		if _, _, ok := b.NextBid(One); ok {
			t.Error("NextBid on gridless book")
		}
		if got := string(b.AppendHashJSON(nil, &HashMeta{}, HashLayout6)); !strings.Contains(got, `"bids":[],"asks":[]`) {
			t.Errorf("hash JSON of gridless book: %s", got)
		}
		if err := b.SetTick(Tick0_01); err != nil {
			t.Fatal(err)
		}
		mustSet(t, b, Bid, 10_000, 1)
	}
}

func TestLevelSet(t *testing.T) {
	for _, n := range []int{1, 63, 64, 65, 101, 4096, 4097, 10001} {
		var s levelSet
		s.reset(n)
		if s.next(0) != -1 || s.prev(n-1) != -1 || s.prev(-1) != -1 || s.next(n) != -1 || s.prev(1<<20) != -1 {
			t.Fatalf("n=%d: empty set not empty", n)
		}
		members := []int{0, n - 1, n / 2, n / 3, 64 % n, 4095 % n}
		for _, m := range members {
			s.add(m)
		}
		slices.Sort(members)
		members = slices.Compact(members)
		for i := -1; i <= n; i++ {
			wantNext, wantPrev := -1, -1
			for _, m := range members {
				if m >= i && wantNext < 0 {
					wantNext = m
				}
				if m <= i {
					wantPrev = m
				}
			}
			if got := s.next(i); got != wantNext {
				t.Fatalf("n=%d next(%d) = %d want %d", n, i, got, wantNext)
			}
			if got := s.prev(i); got != wantPrev {
				t.Fatalf("n=%d prev(%d) = %d want %d", n, i, got, wantPrev)
			}
		}
		for _, m := range members {
			s.remove(m)
		}
		if s.next(0) != -1 || s.prev(n) != -1 {
			t.Fatalf("n=%d: not empty after removing all", n)
		}
		for _, w := range s.summary {
			if w != 0 {
				t.Fatalf("n=%d: summary bit left set", n)
			}
		}
	}
}

// refBook is the obviously-correct model FuzzBookOps compares Book with.
type refBook struct {
	tick  Tick
	sides [2]map[Price]Size
	valid bool
	epoch uint32
}

func newRefBook(t Tick) *refBook {
	return &refBook{tick: t, sides: [2]map[Price]Size{{}, {}}}
}

func (r *refBook) setLevel(sd Side, p Price, s Size) error {
	switch {
	case sd > Ask:
		return ErrSide
	case !r.tick.Valid():
		return ErrNoGrid
	case p > One:
		return ErrAboveOne
	case uint32(p)%uint32(r.tick) != 0:
		return ErrOffGrid
	case s < 0:
		return ErrNegative
	case s == 0:
		delete(r.sides[sd], p)
	default:
		r.sides[sd][p] = s
	}
	return nil
}

func (r *refBook) sorted(sd Side) []lvl {
	var out []lvl
	for p, s := range r.sides[sd] {
		out = append(out, lvl{p, s})
	}
	slices.SortFunc(out, func(a, b lvl) int {
		if sd == Bid {
			return int(b.p) - int(a.p)
		}
		return int(a.p) - int(b.p)
	})
	return out
}

func (r *refBook) hashJSON(m *HashMeta) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `{"market":"%s","asset_id":"%s","timestamp":"%s","hash":"","bids":[`, m.Market, m.AssetID, m.Timestamp)
	bids := r.sorted(Bid)
	slices.Reverse(bids) // ascending
	for i, l := range bids {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"price":"%s","size":"%s"}`, l.p, l.s)
	}
	sb.WriteString(`],"asks":[`)
	asks := r.sorted(Ask)
	slices.Reverse(asks) // descending
	for i, l := range asks {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"price":"%s","size":"%s"}`, l.p, l.s)
	}
	sb.WriteString(`]}`)
	return sb.String()
}

var fuzzTicks = [...]Tick{Tick0_1, Tick0_01, Tick0_005, Tick0_0025, Tick0_001, Tick0_0001, 0, 30_000}

// FuzzBookOps applies a random sequence of snapshots, level changes, tick
// changes and invalidations to a Book and to refBook, and compares every
// observable after each step.
func FuzzBookOps(f *testing.F) {
	// Asks at two adjacent levels, then the best removed: the next best is
	// the neighbour.
	f.Add([]byte{1, 4, 0x21, 0, 0, 0, 0, 5, 0, 4, 0x21, 1, 0, 0, 0, 6, 0, 4, 0x01, 0, 0, 0, 0, 0, 0})
	// The same on the bid side.
	f.Add([]byte{1, 4, 0x20, 0, 0, 0, 0, 5, 0, 4, 0x20, 1, 0, 0, 0, 6, 0, 4, 0x00, 1, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 3, 0, 5, 0, 10, 3, 0, 9, 1, 4, 0, 40, 0, 7, 0, 1})
	f.Add([]byte{5, 3, 1, 0, 0, 1, 3, 0, 0, 0, 0, 3, 1, 0, 0, 0, 0, 4, 2, 6, 3, 0, 1, 20, 0, 1})
	f.Add([]byte{0, 6, 6, 6, 6, 3, 0, 200, 200, 5, 3, 1, 39, 16, 9, 7, 2})
	f.Add([]byte{5, 8, 3, 0, 255, 255, 255, 255, 9, 3, 1, 1, 0, 0, 0, 0, 7, 7, 4, 3, 0, 0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) == 0 {
			return
		}
		tick := fuzzTicks[int(ops[0])%len(fuzzTicks)]
		b, ref := NewBook(tick), newRefBook(tick)
		meta := HashMeta{Market: []byte("0x1"), AssetID: []byte("7"), Timestamp: []byte("1")}
		next := func(n int) []byte {
			if len(ops) < n {
				ops = append(ops, make([]byte, n-len(ops))...)
			}
			v := ops[:n]
			ops = ops[n:]
			return v
		}
		ops = ops[1:]
		for step := 0; len(ops) > 0 && step < 200; step++ {
			op := next(1)[0]
			switch op % 8 {
			case 0:
				b.BeginSnapshot()
				for sd := range ref.sides {
					clear(ref.sides[sd])
				}
				ref.valid = false
				ref.epoch++
			case 1:
				b.EndSnapshot()
				ref.valid = ref.tick.Valid()
			case 2:
				b.Invalidate()
				ref.valid = false
				ref.epoch++
			case 3:
				nt := fuzzTicks[int(next(1)[0])%len(fuzzTicks)]
				err := b.SetTick(nt)
				if nt.Valid() {
					if err != nil {
						t.Fatalf("SetTick(%v): %v", nt, err)
					}
					for sd := range ref.sides {
						for p := range ref.sides[sd] {
							if uint32(p)%uint32(nt) != 0 {
								delete(ref.sides[sd], p)
							}
						}
					}
					ref.tick = nt
					ref.valid = false
					ref.epoch++
				} else if !errors.Is(err, ErrTick) {
					t.Fatalf("SetTick(%v) = %v want ErrTick", nt, err)
				}
			default: // SetLevel, the common case
				a := next(7)
				sd := Side(a[0] & 1)
				if a[0]&0x80 != 0 {
					sd = Side(a[0] >> 4) // mostly invalid sides
				}
				var p Price
				if a[0]&0x40 != 0 || !ref.tick.Valid() {
					p = Price(binary.LittleEndian.Uint32(a[1:5])) // raw: off grid, above one
				} else if a[1]&0x80 == 0 {
					// A dense window of 32 levels near the middle of the grid, so
					// that adjacent levels and repeated prices are common.
					levels := ref.tick.Levels()
					p = Price(min(max(levels/2+int(a[1]&0x1f)-16, 0), levels+1)) * Price(ref.tick)
				} else {
					levels := ref.tick.Levels() + 2 // two levels past 1: ErrAboveOne
					p = Price(int(binary.LittleEndian.Uint16(a[1:3]))%levels) * Price(ref.tick)
				}
				s := Size(binary.LittleEndian.Uint16(a[5:7]))
				switch a[0] & 0x30 {
				case 0x00:
					s = 0 // removes are common
				case 0x10:
					s = -s
				}
				gotErr, wantErr := b.SetLevel(sd, p, s), ref.setLevel(sd, p, s)
				if gotErr != wantErr {
					t.Fatalf("SetLevel(%d, %d, %d) = %v want %v", sd, p, s, gotErr, wantErr)
				}
			}
			compareBooks(t, b, ref, &meta)
		}
	})
}

func compareBooks(t *testing.T, b *Book, ref *refBook, meta *HashMeta) {
	t.Helper()
	if b.Valid() != ref.valid || b.Epoch() != ref.epoch || b.Tick() != ref.tick {
		t.Fatalf("state valid=%v epoch=%d tick=%v, want %v %d %v", b.Valid(), b.Epoch(), b.Tick(), ref.valid, ref.epoch, ref.tick)
	}
	asks, bids := ref.sorted(Ask), ref.sorted(Bid)
	if b.Levels(Ask) != len(asks) || b.Levels(Bid) != len(bids) {
		t.Fatalf("levels %d/%d want %d/%d", b.Levels(Bid), b.Levels(Ask), len(bids), len(asks))
	}
	p, s, ok := b.BestAsk()
	if ok != (len(asks) > 0) || (ok && (lvl{p, s}) != asks[0]) {
		t.Fatalf("best ask %v %v %v, want %v", p, s, ok, asks)
	}
	p, s, ok = b.BestBid()
	if ok != (len(bids) > 0) || (ok && (lvl{p, s}) != bids[0]) {
		t.Fatalf("best bid %v %v %v, want %v", p, s, ok, bids)
	}
	crossed := len(asks) > 0 && len(bids) > 0 && bids[0].p >= asks[0].p
	if b.Crossed() != crossed {
		t.Fatalf("crossed %v want %v", b.Crossed(), crossed)
	}
	if got := walkAsks(b); !slices.Equal(got, asks) {
		t.Fatalf("ask walk %v want %v", got, asks)
	}
	if got := walkBids(b); !slices.Equal(got, bids) {
		t.Fatalf("bid walk %v want %v", got, bids)
	}
	if got, want := string(b.AppendHashJSON(nil, meta, HashLayout6)), ref.hashJSON(meta); got != want {
		t.Fatalf("hash JSON\n got %s\nwant %s", got, want)
	}
}
