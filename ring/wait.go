package ring

import "fmt"

// Strategy says how a stage waits for its ring.
type Strategy uint8

const (
	// Spin busy-polls and never blocks in the scheduler. Only for a goroutine
	// pinned to a dedicated core: a spinner sharing a core starves its peer.
	Spin Strategy = iota
	// Park spins for a short while, then sleeps until the other side signals.
	// Safe for unpinned goroutines and for machines with few cores.
	Park
)

// parkSpins is how many empty polls Park makes before sleeping. About
// 1-3 µs on a current x86 core: long enough to catch a back-to-back burst,
// short enough not to burn a shared core.
const parkSpins = 2000

func (s Strategy) String() string {
	switch s {
	case Spin:
		return "spin"
	case Park:
		return "park"
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

// ParseStrategy reads "spin" or "park".
func ParseStrategy(s string) (Strategy, error) {
	switch s {
	case "spin":
		return Spin, nil
	case "park":
		return Park, nil
	}
	return 0, fmt.Errorf("ring: unknown wait strategy %q (want spin or park)", s)
}

// spinPause is the body of a busy-wait iteration. Go has no PAUSE
// intrinsic; an empty non-inlined call keeps the loop from being optimised
// into a tight load and costs a few nanoseconds.
//
//go:noinline
func spinPause() {}
