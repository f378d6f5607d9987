//go:build !race

package hist

import "testing"

// The hot-path side of a Recorder: Record (in range and clamped), Flip with
// nothing asked and Flip handing a bank over must not allocate.
func TestRecorderAllocs(t *testing.T) {
	c := NewCollector(Options{})
	r := c.NewRecorder("alloc")
	v := int64(0)
	tests := []struct {
		name string
		fn   func()
	}{
		{"Record", func() { v += 997; r.Record(FrameToWire, v%5_000_000) }},
		{"RecordClampedLow", func() { r.Record(Decode, -1) }},
		{"RecordClampedHigh", func() { r.Record(Decode, HighestValue*3) }},
		{"RecordSpan", func() { r.RecordSpan(Build, 100, 2100) }},
		{"FlipIdle", func() { r.Flip() }},
		{"Now", func() { v += Now() & 1 }},
		{"FlipHandOver", func() {
			// Play the collector's side without allocating: ask, let the
			// owner flip, take the bank back as the spare.
			r.want.Store(true)
			r.Flip()
			if b := r.handoff.Swap(nil); b != nil {
				r.spare.Store(b)
			}
		}},
	}
	for _, tc := range tests {
		if got := testing.AllocsPerRun(1000, tc.fn); got != 0 {
			t.Errorf("%s: %v allocs/op, want 0", tc.name, got)
		}
	}
}
