package engine

import (
	"fmt"
	"strings"

	"github.com/hotpath/hotpath/ring"
)

// Layout is how the hot-path stages are laid out on goroutines and cores
// (design §4).
type Layout uint8

// Layouts.
const (
	// Pinned runs feed, book+scan and exec each on its own dedicated core
	// with the spin strategy. Needs cores for all three plus one left to the
	// Go runtime and the kernel.
	Pinned Layout = iota
	// Compact runs the same three stages unpinned with the park strategy.
	Compact
	// Fused decodes, applies and scans inside each connection's reader
	// goroutine (one stage hop fewer), with a parked executor.
	Fused
)

func (l Layout) String() string {
	switch l {
	case Pinned:
		return "pinned"
	case Compact:
		return "compact"
	case Fused:
		return "fused"
	}
	return fmt.Sprintf("Layout(%d)", uint8(l))
}

// Topology is the chosen layout with its cores and wait strategy.
type Topology struct {
	Layout Layout
	Wait   ring.Strategy
	// Cores for feed, book+scan, exec when Pinned; empty otherwise.
	FeedCore, ScanCore, ExecCore int
	// Spinners is how many goroutines busy-poll: never more than dedicated
	// cores.
	Spinners int
	// Why explains the choice in one line for the start-up summary.
	Why string
}

// pinnedStages is the number of dedicated cores the pinned layout needs;
// one more core is left for the runtime, the kernel and cold goroutines.
const pinnedStages = 3

// ChooseTopology picks the layout from the configuration and the CPUs this
// process may use. layout and wait are the config strings ("auto" or an
// explicit choice); cores are the configured cores for the pinned layout.
//
// Rules: auto picks pinned only with at least pinnedStages+1 usable cores
// (three spinners on two cores measured 30 ms per round trip: a spinner
// must own its core); otherwise compact with park on 2-3 cores, fused with
// park on 1. An explicit spin wait is refused unless every spinner gets a
// dedicated core.
func ChooseTopology(layout, wait string, cores, allowed []int) (Topology, error) {
	n := len(allowed)
	var t Topology
	switch layout {
	case "auto", "":
		switch {
		case n >= pinnedStages+1:
			t.Layout = Pinned
			t.Why = fmt.Sprintf("%d usable cores: three pinned spinning stages, one core left for the runtime and kernel", n)
		case n >= 2:
			t.Layout = Compact
			t.Why = fmt.Sprintf("%d usable cores: too few to pin three spinners and keep one free, so stages park", n)
		default:
			t.Layout = Fused
			t.Why = "1 usable core: decode, book and scan fused into the reader goroutine, executor parked"
		}
	case "pinned":
		t.Layout = Pinned
		t.Why = "configured"
	case "compact":
		t.Layout = Compact
		t.Why = "configured"
	case "fused":
		t.Layout = Fused
		t.Why = "configured"
	default:
		return t, fmt.Errorf("topology: unknown layout %q (want auto, pinned, compact or fused)", layout)
	}
	if t.Layout == Pinned {
		if len(cores) == 0 {
			if n < pinnedStages+1 {
				return t, fmt.Errorf("topology: pinned needs %d usable cores plus one spare, this process may use %d (%v)", pinnedStages, n, allowed)
			}
			// Leave the lowest core (where IRQs and the runtime usually
			// land) to everything else; take the highest three.
			cores = allowed[n-pinnedStages:]
		}
		if len(cores) < pinnedStages {
			return t, fmt.Errorf("topology: pinned needs %d cores, %d configured", pinnedStages, len(cores))
		}
		for _, c := range cores[:pinnedStages] {
			if !contains(allowed, c) {
				return t, fmt.Errorf("topology: core %d is not in the allowed set %v", c, allowed)
			}
		}
		if n < pinnedStages+1 {
			return t, fmt.Errorf("topology: pinned on %d usable cores would leave none for the runtime; use compact", n)
		}
		t.FeedCore, t.ScanCore, t.ExecCore = cores[0], cores[1], cores[2]
	}
	switch wait {
	case "auto", "":
		if t.Layout == Pinned {
			t.Wait = ring.Spin
		} else {
			t.Wait = ring.Park
		}
	case "spin":
		if t.Layout != Pinned {
			return t, fmt.Errorf("topology: wait=spin needs the pinned layout (a spinner must own its core); layout is %s", t.Layout)
		}
		t.Wait = ring.Spin
	case "park":
		t.Wait = ring.Park
	default:
		return t, fmt.Errorf("topology: unknown wait %q (want auto, spin or park)", wait)
	}
	if t.Wait == ring.Spin {
		t.Spinners = pinnedStages
	}
	return t, nil
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// String is the start-up summary line.
func (t Topology) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "layout=%s wait=%s spinners=%d", t.Layout, t.Wait, t.Spinners)
	if t.Layout == Pinned {
		fmt.Fprintf(&b, " cores(feed,scan,exec)=%d,%d,%d", t.FeedCore, t.ScanCore, t.ExecCore)
	}
	fmt.Fprintf(&b, " (%s)", t.Why)
	return b.String()
}
