//go:build !race

package exec

import "testing"

// TestSubmitTemplateAboveAllocs: Submit with a dipped leg served by a
// template above its limit (edge and depth re-checked) allocates nothing.
func TestSubmitTemplateAboveAllocs(t *testing.T) {
	f := newAboveFixture(t, nil, false, 128, nil)
	run := func() {
		out := f.x.Submit(&f.opp)
		if out.Kind != OutFilled || out.Hits != 3 || out.HitsAbove != 1 {
			t.Fatalf("outcome %+v", out)
		}
		f.release()
	}
	run() // warm: first-use growth of reused buffers
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Fatalf("Submit (template above the limit) allocates %v per basket", n)
	}
}
