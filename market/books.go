package market

import (
	"encoding/json"
	"fmt"

	"github.com/hotpath/hotpath/book"
)

// BookTop is the best ask of one asset from a REST book snapshot.
type BookTop struct {
	AssetID string
	BestAsk book.Price
	HasAsk  bool
}

type restLevel struct {
	Price Decimal `json:"price"`
	Size  Decimal `json:"size"`
}

type restBook struct {
	AssetID Text        `json:"asset_id"`
	Asks    []restLevel `json:"asks"`
}

// DecodeBookTops reads a REST `POST /books` response (an array of
// `/book` objects; a single object is accepted too) and returns each
// asset's best ask. The array order of levels is uncertain (protocol.md
// §4.1), so the best ask is the lowest price with a positive size. A level
// that does not parse exactly is an error: a display of basket costs must
// not silently skip a leg.
func DecodeBookTops(data []byte) (map[string]BookTop, error) {
	items, err := splitItems(data)
	if err != nil {
		// splitItems wants an "id" for a single object; books have asset_id.
		var one restBook
		if json.Unmarshal(data, &one) != nil || one.AssetID == "" {
			return nil, fmt.Errorf("decode books: %w", err)
		}
		items = []json.RawMessage{data}
	}
	tops := make(map[string]BookTop, len(items))
	for i, raw := range items {
		var rb restBook
		if err := json.Unmarshal(raw, &rb); err != nil {
			return nil, fmt.Errorf("decode books: item %d: %w", i, err)
		}
		if rb.AssetID == "" {
			return nil, fmt.Errorf("decode books: item %d has no asset_id", i)
		}
		top := BookTop{AssetID: string(rb.AssetID)}
		for j, l := range rb.Asks {
			pb, err := l.Price.plain()
			if err != nil {
				return nil, fmt.Errorf("decode books: %s ask %d price %q: %w", rb.AssetID, j, l.Price, err)
			}
			p, err := book.ParsePrice(pb)
			if err != nil {
				return nil, fmt.Errorf("decode books: %s ask %d price %q: %w", rb.AssetID, j, l.Price, err)
			}
			s, err := l.Size.Size()
			if err != nil {
				return nil, fmt.Errorf("decode books: %s ask %d size %q: %w", rb.AssetID, j, l.Size, err)
			}
			if s > 0 && (!top.HasAsk || p < top.BestAsk) {
				top.BestAsk, top.HasAsk = p, true
			}
		}
		tops[top.AssetID] = top
	}
	return tops, nil
}

// BestAskSum returns Σ best ask over the group's legs in micro-dollars
// (exact: a sum of prices), and false when a leg has no ask in tops.
// It ignores fees and depth; it is a display, not the scanner.
func BestAskSum(g *Group, tops map[string]BookTop) (int64, bool) {
	var sum int64
	for _, l := range g.Legs {
		t, ok := tops[l.TokenID]
		if !ok || !t.HasAsk {
			return 0, false
		}
		sum += int64(t.BestAsk)
	}
	return sum, true
}

// FormatMicros writes millionths as a decimal ("0.985", "2", "-0.01").
func FormatMicros(v int64) string {
	// Same scale as shares: book's venue-style formatter is exact here.
	return string(book.AppendSize(nil, book.Size(v)))
}
