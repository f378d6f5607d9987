package exec

import (
	"testing"
	"time"
)

func TestBudgetEntriesKeepTheReserve(t *testing.T) {
	now := int64(0)
	b := NewBudget(100, 20, now) // 10/s, burst 100, 20 reserved
	taken := 0
	for b.Take(3, now, false) {
		taken += 3
	}
	if taken != 78 { // 100-20 = 80 → 26 batches of 3
		t.Fatalf("entries took %d, want 78", taken)
	}
	if !b.Take(22, now, true) {
		t.Fatal("an unwind could not use the reserve")
	}
	if b.Take(1, now, true) {
		t.Fatal("took more than the bucket holds")
	}
	now += int64(time.Second) // refills 10
	if !b.Take(1, now, true) || b.Remaining(now) != 0 {
		t.Fatalf("refill: remaining %d", b.Remaining(now))
	}
	now += int64(time.Hour)
	if r := b.Remaining(now); r != 80 {
		t.Fatalf("after an hour remaining %d, want capped at 80", r)
	}
}

func TestBudgetRetryAfterBlocksEverything(t *testing.T) {
	b := NewBudget(300, 30, 0)
	b.RetryAfter(0, 2*time.Second)
	if b.Take(1, int64(time.Second), true) {
		t.Fatal("sent during Retry-After")
	}
	if b.Blocked != 1 {
		t.Fatalf("Blocked = %d", b.Blocked)
	}
	if !b.Take(1, int64(2*time.Second)+int64(200*time.Millisecond), true) {
		t.Fatal("still blocked after Retry-After (and 200ms of refill)")
	}
}

func TestRiskLimits(t *testing.T) {
	r := NewRisk(Limits{MaxBasketNotional: 50e6, MaxEventExposure: 80e6, MaxOpenBaskets: 2, MaxDailyLoss: 5e6}, 3)
	if v := r.Check(0, 51e6); v != VetoBasketNotional {
		t.Fatalf("%v", v)
	}
	r.Open(0, 50e6)
	if v := r.Check(0, 40e6); v != VetoEventExposure {
		t.Fatalf("%v", v)
	}
	if v := r.Check(1, 40e6); v != VetoNone {
		t.Fatalf("%v", v)
	}
	r.Open(1, 40e6)
	if v := r.Check(2, 1e6); v != VetoOpenBaskets {
		t.Fatalf("%v", v)
	}
	r.Close(0, 50e6, -5e6)
	if v := r.Check(2, 1e6); v != VetoDailyLoss {
		t.Fatalf("%v", v)
	}
	r.NewDay()
	r.Pause()
	if v := r.Check(2, 1e6); v != VetoPaused {
		t.Fatalf("%v", v)
	}
	r.Resume()
	r.Kill()
	if v := r.Check(2, 1e6); v != VetoKilled {
		t.Fatalf("%v", v)
	}
	if r.OpenBaskets() != 1 || r.Exposure(0) != 0 || r.Exposure(1) != 40e6 {
		t.Fatalf("state: open %d exposure %d/%d", r.OpenBaskets(), r.Exposure(0), r.Exposure(1))
	}
}
