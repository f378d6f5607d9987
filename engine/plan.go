package engine

import (
	"fmt"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/market"
	"github.com/hotpath/hotpath/scan"
	"github.com/hotpath/hotpath/sign"
)

// GroupInfo is what the engine (and the executor) knows about one scanner
// group; its index is the scanner's group index (scan.Opportunity.Group).
type GroupInfo struct {
	EventIndex int // dense index of the event (YES and NO baskets share it)
	Kind       scan.Kind
	Payout     int64 // micro-dollars per set
	Legs       []book.AssetIndex
	Event      string // event slug or title, for people
	Key        market.GroupKey
}

// plan is a universe laid out for the hot path: the scanner's assets and
// group specs, the groups as the executor sees them, and the reverse maps the
// book+scan loop needs (asset → groups, event → groups). It is built off the
// path and never changes once handed to a stage; a market refresh builds a
// new plan.
type plan struct {
	u         *market.Universe
	fees      []scan.FeeModel // per asset
	minSize   []book.Size     // per asset
	specs     []scan.GroupSpec
	groups    []GroupInfo
	events    []string    // event index → event id
	byAsset   [][]uint32  // asset → groups that contain it
	byEvent   [][]uint32  // event index → groups
	tokenIDs  [][32]byte  // asset → token id as signed
	negRisk   []bool      // per asset
	initTicks []book.Tick // per asset, from discovery
	used      []bool      // per asset: in some group
	assets    []book.AssetIndex
}

// newPlan lays out u. Every group of u becomes a scanner group in u's order;
// binary pairs are kept only when includeBinary.
func newPlan(u *market.Universe, includeBinary bool) (*plan, error) {
	if u == nil || u.Registry == nil {
		return nil, fmt.Errorf("engine: empty universe")
	}
	n := u.Registry.Len()
	p := &plan{u: u, fees: make([]scan.FeeModel, n), minSize: make([]book.Size, n),
		byAsset: make([][]uint32, n), tokenIDs: make([][32]byte, n), negRisk: make([]bool, n),
		initTicks: make([]book.Tick, n), used: make([]bool, n)}
	for a := 0; a < n; a++ {
		info := u.Registry.Info(book.AssetIndex(a))
		id, err := sign.ParseTokenID(info.TokenID)
		if err != nil {
			return nil, fmt.Errorf("engine: asset %q: %w", info.TokenID, err)
		}
		p.tokenIDs[a] = id
		p.negRisk[a] = info.NegRisk
		p.initTicks[a] = info.Tick
		p.minSize[a] = info.MinSize
	}
	eventIdx := map[string]int{}
	for gi := range u.Groups {
		g := &u.Groups[gi]
		kind, ok := scanKind(g.Kind)
		if !ok {
			return nil, fmt.Errorf("engine: group %s %s: unknown kind", g.EventID, g.Kind)
		}
		if kind == scan.BinaryPair && !includeBinary {
			continue
		}
		if len(g.Legs) > scan.MaxLegs {
			return nil, fmt.Errorf("engine: group %s has %d legs, the scanner takes at most %d", g.EventID, len(g.Legs), scan.MaxLegs)
		}
		evKey := g.EventID
		if kind == scan.BinaryPair || evKey == "" {
			evKey = g.Key().ID
		}
		ei, ok := eventIdx[evKey]
		if !ok {
			ei = len(p.events)
			eventIdx[evKey] = ei
			p.events = append(p.events, evKey)
			p.byEvent = append(p.byEvent, nil)
		}
		legs := make([]book.AssetIndex, len(g.Legs))
		for i, l := range g.Legs {
			if int(l.Asset) >= n {
				return nil, fmt.Errorf("engine: group %s: leg asset %d outside the registry", g.EventID, l.Asset)
			}
			legs[i] = l.Asset
			if l.FeeRateMicros < 0 || l.FeeRateMicros > scan.RateMax {
				return nil, fmt.Errorf("engine: group %s: fee rate %d out of range", g.EventID, l.FeeRateMicros)
			}
			fm := scan.FeeModel{Rate: uint32(l.FeeRateMicros), Exponent: l.FeeExponent, TakerOnly: l.TakerOnly}
			if err := fm.Validate(); err != nil {
				return nil, fmt.Errorf("engine: group %s leg %s: %w", g.EventID, l.TokenID, err)
			}
			p.fees[l.Asset] = fm
			if l.MinSize > 0 {
				p.minSize[l.Asset] = l.MinSize
			}
			if !p.used[l.Asset] {
				p.used[l.Asset] = true
				p.assets = append(p.assets, l.Asset)
			}
		}
		idx := uint32(len(p.specs))
		title := g.Slug
		if title == "" {
			title = g.Title
		}
		p.specs = append(p.specs, scan.GroupSpec{Kind: kind, Event: title, Legs: legs, Payout: g.Payout})
		p.groups = append(p.groups, GroupInfo{EventIndex: ei, Kind: kind, Payout: g.Payout, Legs: legs, Event: title, Key: g.Key()})
		p.byEvent[ei] = append(p.byEvent[ei], idx)
		for _, a := range legs {
			p.byAsset[a] = append(p.byAsset[a], idx)
		}
	}
	return p, nil
}

func scanKind(k market.Kind) (scan.Kind, bool) {
	switch k {
	case market.KindYesBasket:
		return scan.YesBasket, true
	case market.KindNoBasket:
		return scan.NoBasket, true
	case market.KindBinaryPair:
		return scan.BinaryPair, true
	}
	return 0, false
}

// scanAssets returns the scanner's per-asset table over the books of bookOf.
func (p *plan) scanAssets(bookOf func(book.AssetIndex) *book.Book) []scan.Asset {
	out := make([]scan.Asset, len(p.fees))
	for a := range out {
		if !p.used[a] {
			continue
		}
		out[a] = scan.Asset{Book: bookOf(book.AssetIndex(a)), Fee: p.fees[a], MinSize: p.minSize[a]}
	}
	return out
}

// counts returns events, groups and subscribed assets.
func (p *plan) counts() (events, groups, assets int) {
	return len(p.events), len(p.groups), len(p.assets)
}
