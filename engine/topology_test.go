package engine

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hotpath/hotpath/ring"
)

func TestChooseTopology(t *testing.T) {
	cases := []struct {
		layout, wait string
		cores        []int
		allowed      []int
		want         Layout
		wantWait     ring.Strategy
		spinners     int
		err          string
	}{
		{"auto", "auto", nil, []int{0, 1}, Compact, ring.Park, 0, ""},
		{"auto", "auto", nil, []int{0}, Fused, ring.Park, 0, ""},
		{"auto", "auto", nil, []int{0, 1, 2, 3}, Pinned, ring.Spin, 3, ""},
		{"auto", "auto", nil, []int{0, 1, 2}, Compact, ring.Park, 0, ""},
		{"pinned", "auto", nil, []int{0, 1}, Pinned, 0, 0, "plus one spare"},
		{"pinned", "auto", []int{0, 1, 2}, []int{0, 1, 2}, Pinned, 0, 0, "would leave none"},
		{"pinned", "auto", []int{1, 2, 9}, []int{0, 1, 2, 3}, Pinned, 0, 0, "core 9 is not in the allowed set"},
		{"compact", "spin", nil, []int{0, 1}, Compact, 0, 0, "wait=spin needs the pinned layout"},
		{"pinned", "park", []int{1, 2, 3}, []int{0, 1, 2, 3}, Pinned, ring.Park, 0, ""},
		{"sideways", "auto", nil, []int{0}, 0, 0, 0, "unknown layout"},
	}
	for _, c := range cases {
		got, err := ChooseTopology(c.layout, c.wait, c.cores, c.allowed)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s/%s on %v: err %v, want %q", c.layout, c.wait, c.allowed, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s/%s on %v: %v", c.layout, c.wait, c.allowed, err)
			continue
		}
		if got.Layout != c.want || got.Wait != c.wantWait || got.Spinners != c.spinners {
			t.Errorf("%s/%s on %v: got %v", c.layout, c.wait, c.allowed, got)
		}
		if got.Spinners > 0 && got.Spinners >= len(c.allowed) {
			t.Errorf("%v: %d spinners on %d cores", got, got.Spinners, len(c.allowed))
		}
	}
}

// TestThisMachine checks what can be checked here: the auto choice never
// spins more goroutines than dedicated cores, and pinning reads back.
func TestThisMachine(t *testing.T) {
	allowed, err := ring.AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	top, err := ChooseTopology("auto", "auto", nil, allowed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cpus: %v", len(allowed), top)
	if top.Spinners >= len(allowed) {
		t.Fatalf("%d spinners on %d cores", top.Spinners, len(allowed))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // pin on a throwaway goroutine: its thread dies with it
		defer wg.Done()
		if err := ring.Pin(allowed[len(allowed)-1]); err != nil {
			t.Errorf("pin: %v", err)
			return
		}
		runtime.Goexit()
	}()
	wg.Wait()
}
