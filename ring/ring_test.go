package ring

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// hangTimeout fails a test that would otherwise hang on a lost wake-up. It
// is generous: the box is shared and -race is slow.
const hangTimeout = 60 * time.Second

// within runs f in a goroutine and fails the test if it does not return in
// d: a lost wake-up shows as a timeout, not as a hung test binary.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: no progress after %v (lost wake-up?)", what, d)
	}
}

func TestNewCapacity(t *testing.T) {
	for _, c := range []int{-4, 0, 1, 3, 6, 100} {
		if _, err := New[int](c); !errors.Is(err, ErrCapacity) {
			t.Errorf("New(%d) err = %v, want ErrCapacity", c, err)
		}
	}
	for _, c := range []int{2, 4, 1024} {
		r, err := New[int](c)
		if err != nil || r.Cap() != c || r.Len() != 0 {
			t.Errorf("New(%d) = cap %d len %d err %v", c, r.Cap(), r.Len(), err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustNew(3) did not panic")
		}
	}()
	MustNew[int](3)
}

func TestPushPopFullEmpty(t *testing.T) {
	r := MustNew[int](4)
	if _, ok := r.Pop(); ok {
		t.Fatal("Pop on empty ring succeeded")
	}
	for i := range 4 {
		if !r.Push(i) {
			t.Fatalf("Push %d failed on a ring with room", i)
		}
	}
	if r.Push(99) {
		t.Fatal("Push on full ring succeeded")
	}
	if r.Len() != 4 {
		t.Fatalf("Len = %d, want 4", r.Len())
	}
	if s := r.Reserve(1); len(s) != 0 {
		t.Fatalf("Reserve on full ring returned %d slots", len(s))
	}
	for i := range 4 {
		v, ok := r.Pop()
		if !ok || v != i {
			t.Fatalf("Pop = %d,%v want %d", v, ok, i)
		}
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("Pop after draining succeeded")
	}
	if p := r.Peek(); len(p) != 0 {
		t.Fatalf("Peek on empty ring returned %d values", len(p))
	}
}

// TestWraparound moves values through a small ring in uneven bursts so that
// head and tail cross the buffer end at every offset.
func TestWraparound(t *testing.T) {
	r := MustNew[uint64](8)
	var next, want uint64
	for round := range 500 {
		k := round%8 + 1
		for range k {
			if !r.Push(next) {
				t.Fatalf("round %d: push failed with Len %d", round, r.Len())
			}
			next++
		}
		for range k {
			v, ok := r.Pop()
			if !ok || v != want {
				t.Fatalf("round %d: Pop = %d,%v want %d", round, v, ok, want)
			}
			want++
		}
	}
}

func TestReserveCommitAcrossWrap(t *testing.T) {
	r := MustNew[int](8)
	for i := range 5 {
		r.Push(i)
	}
	for range 5 {
		r.Pop()
	}
	// head = tail = 5: three slots to the end of the buffer, then five more.
	if s := r.Reserve(0); len(s) != 0 {
		t.Fatalf("Reserve(0) = %d slots", len(s))
	}
	if s := r.Reserve(-3); len(s) != 0 {
		t.Fatalf("Reserve(-3) = %d slots", len(s))
	}
	s := r.Reserve(8)
	if len(s) != 3 {
		t.Fatalf("Reserve(8) at offset 5 = %d slots, want 3 (contiguous to the end)", len(s))
	}
	for i := range s {
		s[i] = 100 + i
	}
	if r.Len() != 0 {
		t.Fatal("reserved slots visible before Commit")
	}
	r.Commit(3)
	s = r.Reserve(8)
	if len(s) != 5 {
		t.Fatalf("Reserve(8) after wrap = %d slots, want 5", len(s))
	}
	for i := range s {
		s[i] = 103 + i
	}
	r.Commit(4) // commit fewer than reserved: allowed
	if r.Len() != 7 {
		t.Fatalf("Len = %d, want 7", r.Len())
	}
	for i := range 7 {
		v, ok := r.Pop()
		if !ok || v != 100+i {
			t.Fatalf("Pop = %d,%v want %d", v, ok, 100+i)
		}
	}
	if _, ok := r.Pop(); ok {
		t.Fatal("uncommitted slot was popped")
	}
}

func TestPeekReleaseAcrossWrap(t *testing.T) {
	r := MustNew[int](8)
	for i := range 6 {
		r.Push(i)
	}
	for range 6 {
		r.Pop()
	}
	for i := range 7 { // positions 6..12: wraps after two
		if !r.Push(10 + i) {
			t.Fatal("push failed")
		}
	}
	p := r.Peek()
	if len(p) != 2 || p[0] != 10 || p[1] != 11 {
		t.Fatalf("Peek = %v, want [10 11] (contiguous to the end)", p)
	}
	r.Release(1)
	p = r.Peek()
	if len(p) != 1 || p[0] != 11 {
		t.Fatalf("Peek after Release(1) = %v, want [11]", p)
	}
	r.Release(1)
	p = r.Peek()
	if len(p) != 5 || p[0] != 12 || p[4] != 16 {
		t.Fatalf("Peek after wrap = %v, want [12..16]", p)
	}
	r.Release(0) // no-op
	r.Release(5)
	if len(r.Peek()) != 0 || r.Len() != 0 {
		t.Fatal("ring not empty after releasing everything")
	}
}

func TestCommitReleaseOverrunPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	r := MustNew[int](4)
	r.Push(1)
	r.Push(2)
	r.Push(3)
	mustPanic("Commit(2) with one free slot", func() { r.Commit(2) })
	if r.Len() != 3 {
		t.Fatalf("Len = %d after refused Commit", r.Len())
	}
	_ = r.Peek()
	mustPanic("Release(4) with three values", func() { r.Release(4) })
	if r.Len() != 3 {
		t.Fatalf("Len = %d after refused Release", r.Len())
	}
}

func TestCloseDrains(t *testing.T) {
	for _, w := range []Strategy{Spin, Park} {
		r := MustNew[int](8)
		for i := range 3 {
			r.Push(i)
		}
		r.Close()
		if !r.Closed() {
			t.Fatal("Closed() false after Close")
		}
		for i := range 3 {
			if !r.Wait(w) {
				t.Fatalf("%v: Wait false with %d values left", w, 3-i)
			}
			if v, ok := r.Pop(); !ok || v != i {
				t.Fatalf("%v: Pop = %d,%v want %d", w, v, ok, i)
			}
		}
		if r.Wait(w) {
			t.Fatalf("%v: Wait true on a closed, drained ring", w)
		}
	}
}

// TestParkWakesConsumer: the consumer is asleep in Wait (the test waits
// until it has set its sleeping flag), then one Push must wake it.
func TestParkWakesConsumer(t *testing.T) {
	r := MustNew[int](4)
	got := make(chan int, 1)
	go func() {
		if r.Wait(Park) {
			v, _ := r.Pop()
			got <- v
		}
	}()
	waitFlag(t, &r.consumerSleeping)
	r.Push(42)
	select {
	case v := <-got:
		if v != 42 {
			t.Fatalf("woke with %d", v)
		}
	case <-time.After(hangTimeout):
		t.Fatal("consumer asleep in Wait(Park) was not woken by Push")
	}
}

// TestParkWakesOnClose: Close must wake a consumer asleep on an empty ring.
func TestParkWakesOnClose(t *testing.T) {
	r := MustNew[int](4)
	res := make(chan bool, 1)
	go func() { res <- r.Wait(Park) }()
	waitFlag(t, &r.consumerSleeping)
	r.Close()
	select {
	case ok := <-res:
		if ok {
			t.Fatal("Wait true on a closed empty ring")
		}
	case <-time.After(hangTimeout):
		t.Fatal("Close did not wake a parked consumer")
	}
}

// TestParkWakesProducer: the producer is asleep in WaitSpace on a full
// ring; one Pop (and, separately, one Release) must wake it.
func TestParkWakesProducer(t *testing.T) {
	for _, viaRelease := range []bool{false, true} {
		r := MustNew[int](2)
		r.Push(1)
		r.Push(2)
		res := make(chan bool, 1)
		go func() { res <- r.WaitSpace(Park) }()
		waitFlag(t, &r.producerSleeping)
		if viaRelease {
			r.Release(len(r.Peek()))
		} else {
			r.Pop()
		}
		select {
		case ok := <-res:
			if !ok {
				t.Fatal("WaitSpace false on an open ring")
			}
		case <-time.After(hangTimeout):
			t.Fatalf("producer asleep in WaitSpace(Park) not woken (release=%v)", viaRelease)
		}
	}
}

type flag interface{ Load() bool }

// waitFlag polls until the other goroutine has announced it is about to
// sleep, so the following signal exercises the sleeping path.
func waitFlag(t *testing.T, f flag) {
	t.Helper()
	deadline := time.Now().Add(hangTimeout)
	for !f.Load() {
		if time.Now().After(deadline) {
			t.Fatal("other side never went to sleep")
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// TestPingPongPark bounces a token between two goroutines over two rings,
// both parked: every hop needs the sleeping side to be woken, so a lost
// wake-up hangs the exchange, which the timeout turns into a failure.
func TestPingPongPark(t *testing.T) {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	ab, ba := MustNew[int](2), MustNew[int](2)
	go func() {
		for ab.Wait(Park) {
			v, _ := ab.Pop()
			for !ba.Push(v + 1) {
				ba.WaitSpace(Park)
			}
		}
		ba.Close()
	}()
	within(t, hangTimeout, "ping-pong", func() {
		for i := 0; i < n; i++ {
			for !ab.Push(2 * i) {
				ab.WaitSpace(Park)
			}
			if !ba.Wait(Park) {
				t.Error("echo side closed early")
				return
			}
			if v, _ := ba.Pop(); v != 2*i+1 {
				t.Errorf("hop %d: got %d want %d", i, v, 2*i+1)
				return
			}
		}
		ab.Close()
		if ba.Wait(Park) {
			t.Error("echo ring not closed after ab closed")
		}
	})
}

// TestConcurrentPushPop: one producer, one consumer, both Park, a tiny ring
// so both full and empty happen constantly; values must arrive in order,
// none lost or duplicated.
func TestConcurrentPushPop(t *testing.T) {
	n := uint64(200_000)
	if testing.Short() {
		n = 10_000
	}
	r := MustNew[uint64](4)
	go func() {
		for i := uint64(0); i < n; i++ {
			for !r.Push(i) {
				r.WaitSpace(Park)
			}
		}
		r.Close()
	}()
	within(t, hangTimeout, "push/pop", func() {
		var want uint64
		for r.Wait(Park) {
			v, _ := r.Pop()
			if v != want {
				t.Errorf("got %d want %d", v, want)
				return
			}
			want++
		}
		if want != n {
			t.Errorf("received %d values, want %d", want, n)
		}
	})
}

// moveBatched sends n sequence numbers through r with Reserve/Commit batches
// of random size and receives them with Peek/Release batches of random size,
// both sides parked, and checks the sequence.
func moveBatched(t *testing.T, r *Ring[uint64], n uint64) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(1, 2))
		for i := uint64(0); i < n; {
			want := 1 + rng.IntN(r.Cap())
			if rem := n - i; uint64(want) > rem {
				want = int(rem)
			}
			s := r.Reserve(want)
			if len(s) == 0 {
				r.WaitSpace(Park)
				continue
			}
			for j := range s {
				s[j] = i + uint64(j)
			}
			commit := len(s)
			if rng.IntN(4) == 0 {
				commit = 1 + rng.IntN(len(s)) // partial commits too
			}
			r.Commit(commit)
			i += uint64(commit)
		}
		r.Close()
	}()
	within(t, hangTimeout, "batched stress", func() {
		rng := rand.New(rand.NewPCG(3, 4))
		var want uint64
		for r.Wait(Park) {
			p := r.Peek()
			k := len(p)
			if rng.IntN(3) == 0 {
				k = 1 + rng.IntN(len(p))
			}
			for _, v := range p[:k] {
				if v != want {
					t.Errorf("got %d want %d", v, want)
					return
				}
				want++
			}
			r.Release(k)
		}
		if want != n {
			t.Errorf("received %d values, want %d", want, n)
		}
	})
	wg.Wait()
}

func TestBatchedConcurrent(t *testing.T) {
	n := uint64(100_000)
	if testing.Short() {
		n = 20_000
	}
	moveBatched(t, MustNew[uint64](16), n)
}

// TestStress moves 10 M values (1 M with -short) with a sequence check.
func TestStress(t *testing.T) {
	n := uint64(10_000_000)
	if testing.Short() {
		n = 1_000_000
	}
	moveBatched(t, MustNew[uint64](1024), n)
}

func TestLenBounded(t *testing.T) {
	r := MustNew[int](4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 5_000 {
			for !r.Push(i) {
				r.WaitSpace(Park)
			}
		}
		r.Close()
	}()
	for r.Wait(Park) {
		if l := r.Len(); l < 0 || l > r.Cap() {
			t.Fatalf("Len = %d outside [0, %d]", l, r.Cap())
		}
		r.Pop()
	}
	<-done
}

func TestStrategyStrings(t *testing.T) {
	for _, w := range []Strategy{Spin, Park} {
		got, err := ParseStrategy(w.String())
		if err != nil || got != w {
			t.Errorf("ParseStrategy(%q) = %v, %v", w.String(), got, err)
		}
	}
	if _, err := ParseStrategy("yield"); err == nil {
		t.Error("ParseStrategy accepted an unknown name")
	}
	if s := Strategy(7).String(); s != "Strategy(7)" {
		t.Errorf("String = %q", s)
	}
}

// TestSpinConsumer: one spinning consumer against a parked producer (the
// only spinner in the test, as the shared box allows), ordering checked.
func TestSpinConsumer(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("a spinner needs a core of its own")
	}
	n := uint64(100_000)
	if testing.Short() {
		n = 10_000
	}
	r := MustNew[uint64](8)
	go func() {
		for i := uint64(0); i < n; i++ {
			for !r.Push(i) {
				r.WaitSpace(Park)
			}
		}
		r.Close()
	}()
	within(t, hangTimeout, "spin consumer", func() {
		var want uint64
		for r.Wait(Spin) {
			v, _ := r.Pop()
			if v != want {
				t.Errorf("got %d want %d", v, want)
				return
			}
			want++
		}
		if want != n {
			t.Errorf("received %d values, want %d", want, n)
		}
	})
}
