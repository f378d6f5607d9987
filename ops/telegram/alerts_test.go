package telegram

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBucket(time.Second, 2, t0)
	steps := []struct {
		at   time.Duration
		wait time.Duration
		take bool
	}{
		{0, 0, true},
		{0, 0, true},
		{0, time.Second, false},
		{400 * time.Millisecond, 600 * time.Millisecond, false},
		{time.Second, 0, true},
		{1500 * time.Millisecond, 500 * time.Millisecond, false},
		{10 * time.Second, 0, true}, // refill capped at burst
		{10 * time.Second, 0, true},
		{10 * time.Second, time.Second, false},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if w := b.wait(now); w != s.wait {
			t.Fatalf("step %d: wait %v, want %v", i, w, s.wait)
		}
		if s.take {
			b.take(now)
		}
	}
	b.block(t0.Add(20 * time.Second))
	if w := b.wait(t0.Add(10 * time.Second)); w != 10*time.Second {
		t.Errorf("blocked wait %v", w)
	}
	if w := b.wait(t0.Add(20 * time.Second)); w != 0 {
		t.Errorf("after block %v", w)
	}
}

func TestCoalesce(t *testing.T) {
	if got := coalesce([]Alert{{KindFill, "x"}}); got != "✅ fill: x" {
		t.Error(got)
	}
	var many []Alert
	for i := range 500 {
		many = append(many, Alert{KindError, "distinct error number " + strconv.Itoa(i) + strings.Repeat(".", 20)})
	}
	got := coalesce(many)
	if len(got) > MaxMessageLen {
		t.Errorf("len %d", len(got))
	}
	if !strings.HasPrefix(got, "500 alerts") || !strings.Contains(got, "more") || !strings.Contains(got, "number 0.") {
		t.Errorf("got %q…", got[:200])
	}
}

func TestKindString(t *testing.T) {
	if KindSummary.String() != "📊 summary" || Kind(200).String() != "alert" {
		t.Error(KindSummary.String(), Kind(200).String())
	}
}
