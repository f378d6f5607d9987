//go:build !race

package ring

import "testing"

type event struct {
	asset uint32
	price uint32
	size  int64
	ts    int64
}

func TestRingAllocs(t *testing.T) {
	r := MustNew[event](64)
	ev := event{asset: 1, price: 500_000, size: 10, ts: 1}
	if n := testing.AllocsPerRun(1000, func() {
		r.Push(ev)
		r.Pop()
	}); n != 0 {
		t.Errorf("Push/Pop: %v allocs/op", n)
	}
	if n := testing.AllocsPerRun(1000, func() {
		s := r.Reserve(8)
		for i := range s {
			s[i] = ev
		}
		r.Commit(len(s))
		p := r.Peek()
		r.Release(len(p))
	}); n != 0 {
		t.Errorf("Reserve/Commit/Peek/Release: %v allocs/op", n)
	}
	if n := testing.AllocsPerRun(1000, func() {
		r.Push(ev)
		if r.Wait(Park) {
			r.Pop()
		}
		r.WaitSpace(Park)
		_ = r.Len()
	}); n != 0 {
		t.Errorf("Wait/WaitSpace: %v allocs/op", n)
	}
}
