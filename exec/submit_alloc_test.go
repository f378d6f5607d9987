//go:build !race

package exec

import "testing"

// TestSubmitTemplateHitAllocs proves that Submit on the template-hit path
// allocates nothing end to end: risk and budget checks, template takes,
// the journaled intent, batch body and L2 HMAC, the write on the warm
// connection, reading and parsing the response, the journaled response
// and the accounting. The loopback venue answers without allocating.
func TestSubmitTemplateHitAllocs(t *testing.T) {
	f := newHitFixture(t, 128, nil)
	f.submit(t) // warm: first-use growth of reused buffers
	if n := testing.AllocsPerRun(100, func() { f.submit(t) }); n != 0 {
		t.Fatalf("Submit (template hit) allocates %v per basket", n)
	}
}

// TestIdlePollAllocs: Poll with nothing to follow allocates nothing (the
// engine calls it whenever the exec goroutine is idle).
func TestIdlePollAllocs(t *testing.T) {
	f := newHitFixture(t, 4, nil)
	f.submit(t)
	now := f.x.cfg.Now()
	f.x.Poll(now) // publishes the change once
	if n := testing.AllocsPerRun(200, func() { f.x.Poll(now) }); n != 0 {
		t.Fatalf("idle Poll allocates %v", n)
	}
}
