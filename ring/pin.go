package ring

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Pin locks the calling goroutine to its OS thread and restricts that thread
// to the single CPU cpu. It reads the affinity back after setting it and
// fails if the kernel did not apply it. The caller must call Unpin (or exit
// the goroutine) to release the thread.
//
// Errors name the CPU and the set the process may use, so a bad config reads
// as such: "cpu 5 is not in the allowed set [0 1]".
func Pin(cpu int) error {
	if cpu < 0 {
		return fmt.Errorf("ring: cpu %d is negative", cpu)
	}
	allowed, err := AllowedCPUs()
	if err != nil {
		return err
	}
	ok := false
	for _, c := range allowed {
		if c == cpu {
			ok = true
			break
		}
	}
	if !ok {
		return fmt.Errorf("ring: cpu %d is not in the allowed set %v", cpu, allowed)
	}
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("ring: pin to cpu %d: %w", cpu, err)
	}
	var got unix.CPUSet
	if err := unix.SchedGetaffinity(0, &got); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("ring: read back affinity: %w", err)
	}
	if got.Count() != 1 || !got.IsSet(cpu) {
		runtime.UnlockOSThread()
		return fmt.Errorf("ring: pinned to cpu %d but the kernel reports %d cpus", cpu, got.Count())
	}
	return nil
}

// Unpin restores the thread's affinity to every allowed CPU and unlocks the
// goroutine from its thread.
func Unpin(allowed []int) error {
	var set unix.CPUSet
	for _, c := range allowed {
		set.Set(c)
	}
	err := unix.SchedSetaffinity(0, &set)
	runtime.UnlockOSThread()
	return err
}

// AllowedCPUs lists the CPUs this process may run on, in ascending order.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("ring: read affinity: %w", err)
	}
	var cpus []int
	for c := 0; c < 1024 && len(cpus) < set.Count(); c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
