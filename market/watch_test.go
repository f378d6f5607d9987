package market

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDiff(t *testing.T) {
	base := Build(decodeMaps(t, goodEvent(1, 3)), Options{})
	tests := []struct {
		name   string
		next   func() []map[string]any
		kinds  []ChangeKind
		detail string
		reason Reason
	}{
		{"unchanged", func() []map[string]any { return []map[string]any{goodEvent(1, 3)} }, nil, "", 0},
		{"outcome joins", func() []map[string]any { return []map[string]any{goodEvent(1, 4)} },
			[]ChangeKind{GroupLegsChanged, GroupLegsChanged}, "3 → 4 legs; joined: Candidate 3", 0},
		{"market closes", func() []map[string]any {
			e := goodEvent(1, 3)
			market(e, 1)["closed"] = true
			return []map[string]any{e}
		}, []ChangeKind{GroupRemoved, GroupRemoved}, "market_excluded", ReasonMarketExcluded},
		{"becomes augmented", func() []map[string]any {
			e := goodEvent(1, 3)
			e["negRiskAugmented"] = true
			return []map[string]any{e}
		}, []ChangeKind{GroupRemoved, GroupRemoved}, "augmented", ReasonAugmented},
		{"tick changes", func() []map[string]any {
			e := goodEvent(1, 3)
			market(e, 0)["orderPriceMinTickSize"] = json.Number("0.001")
			return []map[string]any{e}
		}, []ChangeKind{GroupParamsChanged, GroupParamsChanged}, "Candidate 0: tick 0.01 → 0.001", 0},
		{"fee changes", func() []map[string]any {
			e := goodEvent(1, 3)
			market(e, 2)["feeSchedule"] = map[string]any{"rate": "0.05", "exponent": "1"}
			return []map[string]any{e}
		}, []ChangeKind{GroupParamsChanged, GroupParamsChanged}, "fee 40000/1e6^1 → 50000/1e6^1", 0},
		{"new event", func() []map[string]any { return []map[string]any{goodEvent(1, 3), goodEvent(2, 2)} },
			[]ChangeKind{GroupAdded, GroupAdded}, "yes_basket \"Event 2\": 2 legs", 0},
		{"event delisted", func() []map[string]any { return nil },
			[]ChangeKind{GroupRemoved, GroupRemoved}, "no longer listed", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := Build(decodeMaps(t, tc.next()...), Options{})
			cs := Diff(base, next)
			if len(cs) != len(tc.kinds) {
				t.Fatalf("changes = %+v", cs)
			}
			for i, c := range cs {
				if c.Kind != tc.kinds[i] || c.Next != next {
					t.Errorf("change %d = %v", i, c.Kind)
				}
				if c.Kind == GroupRemoved && (c.Old == nil || c.New != nil) || c.Kind == GroupAdded && c.New == nil {
					t.Errorf("change %d old/new = %v/%v", i, c.Old, c.New)
				}
				if tc.reason != 0 && !hasReason(c.Reasons, tc.reason) {
					t.Errorf("change %d reasons = %v, want %v", i, c.Reasons, tc.reason)
				}
			}
			if len(cs) > 0 && !strings.Contains(cs[0].Detail, tc.detail) {
				t.Errorf("detail = %q, want it to contain %q", cs[0].Detail, tc.detail)
			}
		})
	}
	// From nothing, everything is added.
	if cs := Diff(nil, base); len(cs) != 2 || cs[0].Kind != GroupAdded {
		t.Errorf("from nil: %+v", cs)
	}
}

func TestWatcherRun(t *testing.T) {
	steps := []func() (*Universe, error){
		func() (*Universe, error) { return Build(decodeMaps(t, goodEvent(1, 3)), Options{}), nil },
		func() (*Universe, error) { return nil, errors.New("gamma down") },
		func() (*Universe, error) { return Build(decodeMaps(t, goodEvent(1, 3)), Options{}), nil },
		func() (*Universe, error) { return Build(decodeMaps(t, goodEvent(1, 4)), Options{}), nil },
	}
	var mu sync.Mutex
	n := 0
	discover := func(ctx context.Context) (*Universe, error) {
		mu.Lock()
		defer mu.Unlock()
		i := min(n, len(steps)-1)
		n++
		return steps[i]()
	}
	w := NewWatcher(discover, 2*time.Millisecond, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	want := []ChangeKind{GroupAdded, GroupAdded, DiscoveryFailed, GroupLegsChanged, GroupLegsChanged}
	var got []Change
	for len(got) < len(want) {
		select {
		case c := <-w.Changes():
			got = append(got, c)
		case <-ctx.Done():
			t.Fatalf("timed out; got %+v", got)
		}
	}
	for i := range want {
		if got[i].Kind != want[i] {
			t.Errorf("change %d = %v, want %v", i, got[i].Kind, want[i])
		}
	}
	if got[2].Err == nil || got[2].Next == nil {
		t.Errorf("failure change = %+v", got[2])
	}
	if got[3].Next == nil || len(got[3].New.Legs) != 4 {
		t.Errorf("legs change = %+v", got[3])
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	// The channel is closed after Run returns.
	for range w.Changes() {
	}
}
