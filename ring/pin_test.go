package ring

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// onLockedThread runs f on a fresh goroutine, so that whatever Pin does to
// the thread dies with it (a goroutine that exits while locked takes its
// thread down) and the test goroutine's thread is never touched.
func onLockedThread(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // keeps the thread private even if Unpin runs
		f()
	}()
	<-done
}

func threadCPUs(t *testing.T) []int {
	t.Helper()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	var cpus []int
	for c := 0; c < cpuSetSize; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

func TestAllowedCPUs(t *testing.T) {
	cpus, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cpus) == 0 || !slices.IsSorted(cpus) {
		t.Fatalf("AllowedCPUs = %v", cpus)
	}
}

// TestPinReadsBackAndUnpinRestores pins to each allowed CPU in turn and
// checks the kernel's view of the thread, then that Unpin restores it.
func TestPinReadsBackAndUnpinRestores(t *testing.T) {
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	for _, cpu := range allowed {
		onLockedThread(t, func() {
			if err := Pin(cpu); err != nil {
				t.Errorf("Pin(%d): %v", cpu, err)
				return
			}
			if got := threadCPUs(t); !slices.Equal(got, []int{cpu}) {
				t.Errorf("after Pin(%d) thread may run on %v", cpu, got)
			}
			if err := Unpin(allowed); err != nil {
				t.Errorf("Unpin: %v", err)
			}
			if got := threadCPUs(t); !slices.Equal(got, allowed) {
				t.Errorf("after Unpin thread may run on %v, want %v", got, allowed)
			}
		})
	}
}

func TestPinRejects(t *testing.T) {
	for _, tc := range []struct {
		cpu  int
		want string
	}{
		{-1, "negative"},
		{cpuSetSize + 5, "not in the allowed set"}, // no such CPU
		{cpuSetSize - 1, "not in the allowed set"}, // exists nowhere on a test box
	} {
		onLockedThread(t, func() {
			before := threadCPUs(t)
			err := Pin(tc.cpu)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Pin(%d) err = %v, want it to say %q", tc.cpu, err, tc.want)
			}
			if got := threadCPUs(t); !slices.Equal(got, before) {
				t.Errorf("failed Pin(%d) changed affinity %v -> %v", tc.cpu, before, got)
			}
		})
	}
}

// TestPinNotAllowed restricts the thread to one CPU, then asks for another
// CPU that exists but is no longer allowed.
func TestPinNotAllowed(t *testing.T) {
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) < 2 {
		t.Skip("needs two allowed CPUs")
	}
	onLockedThread(t, func() {
		var one unix.CPUSet
		one.Set(allowed[0])
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			t.Errorf("restrict: %v", err)
			return
		}
		err := Pin(allowed[1])
		if err == nil || !strings.Contains(err.Error(), "not in the allowed set") {
			t.Errorf("Pin(%d) on a thread restricted to %d: err = %v", allowed[1], allowed[0], err)
		}
	})
}

func TestUnpinRejectsEmptySet(t *testing.T) {
	onLockedThread(t, func() {
		if err := Unpin(nil); err == nil {
			t.Error("Unpin(nil) succeeded")
		}
		if err := Unpin([]int{-2}); err == nil {
			t.Error("Unpin([-2]) succeeded")
		}
	})
}
