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

// Unpin restores the thread's affinity to the CPUs in allowed (normally
// what AllowedCPUs returned before Pin) and unlocks the goroutine from its
// thread. The thread is unlocked even when restoring fails.
func Unpin(allowed []int) error {
	defer runtime.UnlockOSThread()
	if len(allowed) == 0 {
		return fmt.Errorf("ring: unpin: empty cpu set")
	}
	var set unix.CPUSet
	for _, c := range allowed {
		if c < 0 || c >= cpuSetSize {
			return fmt.Errorf("ring: unpin: cpu %d out of range", c)
		}
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("ring: unpin to %v: %w", allowed, err)
	}
	return nil
}

// cpuSetSize is the number of CPUs a unix.CPUSet can name.
const cpuSetSize = 1024

// AllowedCPUs lists the CPUs this process may run on, in ascending order.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("ring: read affinity: %w", err)
	}
	var cpus []int
	n := set.Count()
	for c := 0; c < cpuSetSize && len(cpus) < n; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}
