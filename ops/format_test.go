package ops

import (
	"math"
	"testing"
)

func TestFormatUSD(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "$0.00"},
		{1, "$0.000001"},
		{10_000, "$0.01"},
		{1_500_000, "$1.50"},
		{1_234_567, "$1.234567"},
		{1_230_000, "$1.23"},
		{1_234_500, "$1.2345"},
		{-3_250_000, "-$3.25"},
		{-1, "-$0.000001"},
		{100_000_000_000, "$100000.00"},
		{math.MaxInt64, "$9223372036854.775807"},
		{math.MinInt64, "-$9223372036854.775808"},
	}
	for _, tt := range tests {
		if got := FormatUSD(tt.in); got != tt.want {
			t.Errorf("FormatUSD(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatShares(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{1_000_000, "1"},
		{12_500_000, "12.5"},
		{1, "0.000001"},
		{-2_000_000, "-2"},
	}
	for _, tt := range tests {
		if got := FormatShares(tt.in); got != tt.want {
			t.Errorf("FormatShares(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatPrice(t *testing.T) {
	for in, want := range map[uint32]string{480_000: "0.48", 1_000_000: "1", 2_500: "0.0025", 0: "0"} {
		if got := FormatPrice(in); got != want {
			t.Errorf("FormatPrice(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatRatioBps(t *testing.T) {
	if got := FormatRatioBps(1_012_300, 1_000_000); got != "10123 bps" {
		t.Errorf("got %q", got)
	}
	if got := FormatRatioBps(1, 0); got != "n/a" {
		t.Errorf("got %q", got)
	}
}

func TestRunStateString(t *testing.T) {
	for s, want := range map[RunState]string{StateStarting: "starting", StateRunning: "running", StatePaused: "paused", StateKilled: "killed", 9: "unknown"} {
		if s.String() != want {
			t.Errorf("%d: %q", s, s.String())
		}
	}
}
