package engine

import (
	"fmt"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/scan"
)

// applyChanges applies one refresh's changes without stopping the hot
// path. How: a new scanner is built here, off the path, over the same
// group list (so group indexes, which the executor and the journal use,
// never move) with the refreshed fee models and minimum sizes, and with
// the groups that left the universe marked removed. It is handed to the
// book+scan stage through an atomic pointer; the stage installs it between
// two frames (stage.maybeSwap), re-tells it every asset's current ask, and
// from then on never forwards a removed group. Assets no group uses any
// more are unsubscribed.
//
// What cannot be applied live is deferred to the next start, counted and
// alerted: a group that joined the universe or whose legs changed needs
// assets the running feed's registry does not have (the decoder's registry
// is read-only while it runs), so it is not traded until a restart; a group
// whose legs changed is removed at once (its old basket is no longer
// complete).
func (e *Engine) applyChanges(changes []market.Change) {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	p := e.plan
	removed := make([]bool, len(p.groups))
	copy(removed, e.removedNow())
	// Start from the parameters of the last refresh (the plan's at first):
	// each refresh builds on the previous one.
	if e.refFees == nil {
		e.refFees, e.refMin = p.fees, p.minSize
	}
	fees := append([]scan.FeeModel(nil), e.refFees...)
	minSize := append([]book.Size(nil), e.refMin...)
	touched := false
	for _, ch := range changes {
		switch ch.Kind {
		case market.DiscoveryFailed:
			continue
		case market.GroupRemoved:
			if g, ok := e.groupByKey(ch.Key); ok && !removed[g] {
				removed[g] = true
				touched = true
			}
		case market.GroupAdded:
			if g, ok := e.groupByKey(ch.Key); ok && removed[g] && sameLegs(p, g, ch.New) {
				removed[g] = false // back, unchanged: trade it again
				touched = true
				continue
			}
			e.defer_(ch)
		case market.GroupLegsChanged:
			if g, ok := e.groupByKey(ch.Key); ok && !removed[g] {
				removed[g] = true
				touched = true
			}
			e.defer_(ch)
		case market.GroupParamsChanged:
			g, ok := e.groupByKey(ch.Key)
			if !ok || ch.New == nil {
				continue
			}
			if ch.New.Payout != p.groups[g].Payout || !sameLegs(p, g, ch.New) {
				removed[g] = true
				touched = true
				e.defer_(ch)
				continue
			}
			for _, l := range ch.New.Legs {
				a, ok := p.u.Registry.Lookup([]byte(l.TokenID))
				if !ok {
					continue
				}
				fm := scan.FeeModel{Rate: uint32(max(min(l.FeeRateMicros, scan.RateMax), 0)), Exponent: l.FeeExponent, TakerOnly: l.TakerOnly}
				if fm.Validate() != nil {
					removed[g] = true // a fee we cannot compute: do not trade
					continue
				}
				fees[a] = fm
				if l.MinSize > 0 {
					minSize[a] = l.MinSize
				}
			}
			touched = true
		}
	}
	if !touched {
		return
	}
	assets := make([]scan.Asset, len(fees))
	for a := range assets {
		if p.used[a] {
			assets[a] = scan.Asset{Book: e.in.Book(book.AssetIndex(a)), Fee: fees[a], MinSize: minSize[a]}
		}
	}
	sc, err := scan.New(e.sc.Config(), assets, p.specs, e.stage.poolSelf)
	if err != nil {
		e.alert("refresh", fmt.Sprintf("market refresh: scanner rebuild failed, keeping the old one: %v", err))
		return
	}
	e.setRemoved(removed)
	e.refFees, e.refMin = fees, minSize
	e.stage.next.Store(&swap{sc: sc, removed: removed})
	e.unsubscribeUnused(removed)
}

func (e *Engine) defer_(ch market.Change) {
	e.pending = append(e.pending, ch)
	e.alert("refresh", fmt.Sprintf("market refresh: %s %s %s needs a restart to be traded (%s)", ch.Kind, ch.Key.Kind, ch.Key.ID, ch.Detail))
}

func (e *Engine) alert(kind, msg string) {
	if e.opt.OnAlert != nil {
		e.opt.OnAlert(kind, msg)
	}
}

func (e *Engine) groupByKey(k market.GroupKey) (int, bool) {
	for i := range e.plan.groups {
		if e.plan.groups[i].Key == k {
			return i, true
		}
	}
	return 0, false
}

// sameLegs reports whether group g's legs are ng's, by token id, in order.
func sameLegs(p *plan, g int, ng *market.Group) bool {
	if ng == nil || len(ng.Legs) != len(p.groups[g].Legs) {
		return false
	}
	for i, l := range ng.Legs {
		if p.u.Registry.Info(p.groups[g].Legs[i]).TokenID != l.TokenID {
			return false
		}
	}
	return true
}

// removedNow is the removed set as last decided by a refresh (the stage
// owns its own copy; this one is the refresh goroutine's).
func (e *Engine) removedNow() []bool {
	if e.removedSet == nil {
		e.removedSet = make([]bool, len(e.plan.groups))
	}
	return e.removedSet
}

func (e *Engine) setRemoved(r []bool) { e.removedSet = append(e.removedSet[:0], r...) }

// unsubscribeUnused unsubscribes every asset that only removed groups use.
func (e *Engine) unsubscribeUnused(removed []bool) {
	if e.client == nil {
		return
	}
	p := e.plan
	for _, cn := range e.client.Conns() {
		var drop []book.AssetIndex
		for _, a := range cn.Assets() {
			live := false
			for _, g := range p.byAsset[a] {
				if !removed[g] {
					live = true
					break
				}
			}
			if !live {
				drop = append(drop, a)
			}
		}
		if len(drop) > 0 {
			cn.Unsubscribe(drop...)
		}
	}
}
