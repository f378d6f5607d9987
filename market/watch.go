package market

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ChangeKind says what happened to a group between two discoveries.
type ChangeKind uint8

// Change kinds.
const (
	GroupAdded         ChangeKind = iota + 1 // a group became tradeable
	GroupRemoved                             // a group is no longer tradeable (Reasons say why)
	GroupLegsChanged                         // outcomes joined or left the group
	GroupParamsChanged                       // tick, min size, fee model or payout of a leg changed
	DiscoveryFailed                          // a refresh failed; the previous universe stays in force
)

// String names the kind.
func (k ChangeKind) String() string {
	switch k {
	case GroupAdded:
		return "added"
	case GroupRemoved:
		return "removed"
	case GroupLegsChanged:
		return "legs_changed"
	case GroupParamsChanged:
		return "params_changed"
	case DiscoveryFailed:
		return "discovery_failed"
	}
	return "unknown"
}

// Change is one difference between two universes.
//
// Asset indexes belong to one Universe: New's legs index Next.Registry and
// Old's legs index the previous registry. An engine that applies a batch of
// changes rebuilds its asset mapping from Next.
type Change struct {
	Kind    ChangeKind
	Key     GroupKey
	Old     *Group   // nil for GroupAdded
	New     *Group   // nil for GroupRemoved
	Reasons []Reason // GroupRemoved: why the event or market is excluded now
	Detail  string   // what changed, for people
	Next    *Universe
	Err     error // DiscoveryFailed only
}

// Diff lists the changes from old to next, in next's group order followed
// by removals in old's order. A nil old counts as empty.
func Diff(old, next *Universe) []Change {
	prev := map[GroupKey]*Group{}
	if old != nil {
		for i := range old.Groups {
			prev[old.Groups[i].Key()] = &old.Groups[i]
		}
	}
	var out []Change
	present := map[GroupKey]bool{}
	for i := range next.Groups {
		g := &next.Groups[i]
		k := g.Key()
		present[k] = true
		o, ok := prev[k]
		if !ok {
			out = append(out, Change{Kind: GroupAdded, Key: k, New: g, Next: next,
				Detail: fmt.Sprintf("%s %q: %d legs", k.Kind, g.Title, len(g.Legs))})
			continue
		}
		if d := legsDiff(o, g); d != "" {
			out = append(out, Change{Kind: GroupLegsChanged, Key: k, Old: o, New: g, Next: next, Detail: d})
			continue
		}
		if d := paramsDiff(o, g); d != "" {
			out = append(out, Change{Kind: GroupParamsChanged, Key: k, Old: o, New: g, Next: next, Detail: d})
		}
	}
	if old != nil {
		for i := range old.Groups {
			g := &old.Groups[i]
			k := g.Key()
			if present[k] {
				continue
			}
			reasons, detail := whyGone(next, g)
			out = append(out, Change{Kind: GroupRemoved, Key: k, Old: g, Next: next, Reasons: reasons, Detail: detail})
		}
	}
	return out
}

func legsDiff(o, n *Group) string {
	have := map[string]bool{}
	for _, l := range o.Legs {
		have[l.TokenID] = true
	}
	var added, removed []string
	for _, l := range n.Legs {
		if !have[l.TokenID] {
			added = append(added, l.Question)
		}
		delete(have, l.TokenID)
	}
	for _, l := range o.Legs {
		if have[l.TokenID] {
			removed = append(removed, l.Question)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d → %d legs", len(o.Legs), len(n.Legs))
	if len(added) > 0 {
		fmt.Fprintf(&b, "; joined: %s", strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		fmt.Fprintf(&b, "; left: %s", strings.Join(removed, ", "))
	}
	return b.String()
}

func paramsDiff(o, n *Group) string {
	byToken := map[string]*Leg{}
	for i := range o.Legs {
		byToken[o.Legs[i].TokenID] = &o.Legs[i]
	}
	var parts []string
	for i := range n.Legs {
		nl := &n.Legs[i]
		ol := byToken[nl.TokenID]
		if ol == nil {
			continue
		}
		if ol.Tick != nl.Tick {
			parts = append(parts, fmt.Sprintf("%s: tick %v → %v", nl.Question, ol.Tick, nl.Tick))
		}
		if ol.MinSize != nl.MinSize {
			parts = append(parts, fmt.Sprintf("%s: min size %v → %v", nl.Question, ol.MinSize, nl.MinSize))
		}
		if ol.FeeRateMicros != nl.FeeRateMicros || ol.FeeExponent != nl.FeeExponent || ol.TakerOnly != nl.TakerOnly {
			parts = append(parts, fmt.Sprintf("%s: fee %d/1e6^%d → %d/1e6^%d", nl.Question,
				ol.FeeRateMicros, ol.FeeExponent, nl.FeeRateMicros, nl.FeeExponent))
		}
		if ol.NegRisk != nl.NegRisk {
			parts = append(parts, fmt.Sprintf("%s: neg-risk %v → %v", nl.Question, ol.NegRisk, nl.NegRisk))
		}
	}
	if o.Payout != n.Payout {
		parts = append(parts, fmt.Sprintf("payout %s → %s", FormatMicros(o.Payout), FormatMicros(n.Payout)))
	}
	return strings.Join(parts, "; ")
}

// whyGone finds the exclusions in next that explain a removed group.
func whyGone(next *Universe, g *Group) ([]Reason, string) {
	var reasons []Reason
	var details []string
	seen := map[Reason]bool{}
	for _, x := range next.Exclusions {
		var hit bool
		if g.Kind == KindBinaryPair {
			hit = x.ConditionID == g.Legs[0].Market
		} else {
			hit = x.EventID == g.EventID && x.Level == LevelEvent
		}
		if hit && !seen[x.Reason] {
			seen[x.Reason] = true
			reasons = append(reasons, x.Reason)
			details = append(details, x.Reason.String()+": "+x.Detail)
		}
	}
	if len(reasons) == 0 {
		return nil, "no longer listed by Gamma"
	}
	sort.Slice(reasons, func(i, j int) bool { return reasons[i] < reasons[j] })
	return reasons, strings.Join(details, "; ")
}

// DiscoverFunc produces a fresh universe (Client.Discover bound to its
// options, or a fake in tests).
type DiscoverFunc func(ctx context.Context) (*Universe, error)

// Watcher re-runs discovery every interval and reports each difference on
// its channel. Sends block until the consumer reads them or ctx ends, so a
// slow engine delays the next refresh rather than losing a change.
type Watcher struct {
	discover DiscoverFunc
	interval time.Duration
	current  *Universe
	out      chan Change
}

// NewWatcher returns a watcher starting from current (nil: the first
// refresh reports every group as added).
func NewWatcher(discover DiscoverFunc, interval time.Duration, current *Universe) *Watcher {
	return &Watcher{discover: discover, interval: interval, current: current, out: make(chan Change, 64)}
}

// Changes is the channel of changes; it is closed when Run returns.
func (w *Watcher) Changes() <-chan Change { return w.out }

// Current returns the universe of the last successful refresh.
// Not safe to call concurrently with Run.
func (w *Watcher) Current() *Universe { return w.current }

// Run refreshes every interval until ctx is done, then closes the channel
// and returns ctx's error.
func (w *Watcher) Run(ctx context.Context) error {
	defer close(w.out)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	if w.current == nil {
		if err := w.refresh(ctx); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := w.refresh(ctx); err != nil {
				return err
			}
		}
	}
}

// refresh runs one discovery and sends its changes; it returns an error
// only when ctx ends.
func (w *Watcher) refresh(ctx context.Context) error {
	next, err := w.discover(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return w.send(ctx, Change{Kind: DiscoveryFailed, Err: err, Detail: err.Error(), Next: w.current})
	}
	changes := Diff(w.current, next)
	w.current = next
	for _, c := range changes {
		if err := w.send(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (w *Watcher) send(ctx context.Context, c Change) error {
	select {
	case w.out <- c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
