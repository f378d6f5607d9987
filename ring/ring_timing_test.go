package ring

import (
	"runtime"
	"testing"
	"time"
)

// echoStrategy is the wait strategy of the echo goroutine in
// BenchmarkRingHop. It spins only when the machine has at least two CPUs:
// a spinner must have a core to itself, and the benchmark goroutine (which
// parks) needs the other one. On a single CPU a spinning echo would hold the
// only core until preempted and the numbers would measure the scheduler's
// time slice, not the ring. Never more than one spinner: the project's
// machines are shared (design §4).
func echoStrategy() Strategy {
	if runtime.NumCPU() >= 2 {
		return Spin
	}
	return Park
}

// BenchmarkRingHop measures one-way latency between two goroutines: a value
// goes out over one ring and is echoed back over another. ns/op is the round
// trip; the ns/hop metric is half of it. The echo side uses echoStrategy,
// the benchmark side Park (it rarely sleeps: a round trip is far shorter
// than the spin phase of Park).
func BenchmarkRingHop(b *testing.B) {
	b.ReportAllocs()
	out, back := MustNew[uint64](64), MustNew[uint64](64)
	w := echoStrategy()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for out.Wait(w) {
			v, _ := out.Pop()
			for !back.Push(v) {
				back.WaitSpace(w)
			}
		}
	}()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for !out.Push(uint64(i)) {
			out.WaitSpace(Park)
		}
		back.Wait(Park)
		if v, _ := back.Pop(); v != uint64(i) {
			b.Fatalf("echo %d, want %d", v, i)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	out.Close()
	<-done
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/2, "ns/hop")
}

// BenchmarkRingThroughput moves b.N values from a producer using
// Reserve/Commit batches of 64 to a consumer using Peek/Release, both
// parked (no spinner: this is a throughput figure, not a latency one).
func BenchmarkRingThroughput(b *testing.B) {
	b.ReportAllocs()
	r := MustNew[uint64](1024)
	n := uint64(b.N)
	b.ResetTimer()
	start := time.Now()
	go func() {
		for i := uint64(0); i < n; {
			want := 64
			if rem := n - i; rem < 64 {
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
			r.Commit(len(s))
			i += uint64(len(s))
		}
		r.Close()
	}()
	var want uint64
	for r.Wait(Park) {
		p := r.Peek()
		for _, v := range p {
			if v != want {
				b.Fatalf("got %d want %d", v, want)
			}
			want++
		}
		r.Release(len(p))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if want != n {
		b.Fatalf("received %d of %d", want, n)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "values/s")
}

// BenchmarkPushPop is the single-goroutine cost of one Push and one Pop.
func BenchmarkPushPop(b *testing.B) {
	b.ReportAllocs()
	r := MustNew[uint64](64)
	for i := 0; i < b.N; i++ {
		r.Push(uint64(i))
		r.Pop()
	}
}
