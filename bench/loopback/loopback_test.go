package loopback

import (
	"context"
	"testing"
	"time"
)

// TestLoopback runs the whole path against the simulator on 127.0.0.1 for a
// short schedule: planted windows must reach the wire, every basket must
// get an answer, every hash must verify, and the latency histogram must hold
// exactly the planted changes that traded (measured from their schedule).
// The full run is `make bench` (bench/cmd/loopback).
func TestLoopback(t *testing.T) {
	opt := Options{Duration: 3 * time.Second, WarmUp: 2 * time.Second, Rate: 100, PlantEvery: 100 * time.Millisecond, Events: 6}
	if testing.Short() {
		opt.Duration, opt.WarmUp = 1500*time.Millisecond, 1500*time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *res)
	if res.Planted == 0 || res.Traded == 0 {
		t.Fatalf("planted %d, traded %d", res.Planted, res.Traded)
	}
	if res.Traded+res.Missed != res.Planted || res.FrameToWire.Count != int64(res.Traded) {
		t.Fatalf("traded %d + missed %d != planted %d, histogram count %d", res.Traded, res.Missed, res.Planted, res.FrameToWire.Count)
	}
	if res.Baskets < res.Traded || res.DecisionToAck.Count != int64(res.Baskets) || res.Filled+res.Rejected != res.Orders {
		t.Fatalf("baskets %d, acks %d, orders %d = filled %d + rejected %d", res.Baskets, res.DecisionToAck.Count, res.Orders, res.Filled, res.Rejected)
	}
	if res.HashChecks == 0 || res.HashMismatch != 0 {
		t.Fatalf("hash checks %d, mismatches %d", res.HashChecks, res.HashMismatch)
	}
	if res.FrameToWire.P50 <= 0 || res.FrameToWire.P50 < res.ReadToWire.P50/2 {
		t.Fatalf("frame-to-wire %+v vs read-to-wire %+v", res.FrameToWire, res.ReadToWire)
	}
}
