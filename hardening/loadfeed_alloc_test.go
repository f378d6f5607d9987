//go:build !race

package hardening

import (
	"math/rand/v2"
	"testing"
)

// TestLoadFeedAllocs: generating a message allocates nothing, so the load
// drill's allocations per message are the engine's (and the simulator's).
func TestLoadFeedAllocs(t *testing.T) {
	lf, err := NewLoadFeed(testAssets(), 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	fc := &feedConn{f: lf, has: map[string]bool{"111": true, "222": true}, tokens: []string{"111", "222"}}
	rng := rand.New(rand.NewPCG(1, 2))
	step := func() {
		if ops := fc.randomOps(rng); len(ops) > 0 {
			fc.undoN = append(fc.undoN, len(ops))
			fc.applyAndBuild(ops, true)
		}
		for len(fc.undoN) > 0 {
			n := fc.undoN[len(fc.undoN)-1]
			fc.undoN = fc.undoN[:len(fc.undoN)-1]
			ops := fc.undo[len(fc.undo)-n:]
			fc.undo = fc.undo[:len(fc.undo)-n]
			fc.applyAndBuild(ops, false)
		}
	}
	for range 100 {
		step() // grow the buffers
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Errorf("%.2f allocations per generated message pair", n)
	}
}
