package book

import (
	"errors"
	"fmt"
)

// AssetIndex is the dense index of an asset (one outcome token) assigned at
// load. Token id strings never cross a ring; indexes do (design §3).
type AssetIndex = uint32

// AssetInfo is what the engine knows about one outcome token.
type AssetInfo struct {
	TokenID    string // decimal uint256, as the venue spells it
	Market     string // condition id, 0x-hex, as the venue spells it
	Tick       Tick
	MinSize    Size // minimum order size in micro-shares
	NegRisk    bool
	Outcome    string     // "Yes"/"No" or the outcome label
	Partner    AssetIndex // the other token of the same binary market
	HasPartner bool
}

// Registry maps token ids to dense indexes and back. It is built before the
// hot path starts and is read-only afterwards, so lookups need no lock.
//
// Lookup with a []byte key does not allocate: the Go compiler turns
// m[string(b)] into a no-copy lookup.
type Registry struct {
	byToken map[string]AssetIndex
	infos   []AssetInfo
}

// ErrDuplicateAsset is returned by Add for a token id already present.
var ErrDuplicateAsset = errors.New("book: duplicate asset")

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byToken: make(map[string]AssetIndex)} }

// Add registers an asset and returns its index.
func (r *Registry) Add(info AssetInfo) (AssetIndex, error) {
	if info.TokenID == "" {
		return 0, errors.New("book: empty token id")
	}
	if _, dup := r.byToken[info.TokenID]; dup {
		return 0, fmt.Errorf("%w: %s", ErrDuplicateAsset, info.TokenID)
	}
	i := AssetIndex(len(r.infos))
	r.infos = append(r.infos, info)
	r.byToken[info.TokenID] = i
	return i, nil
}

// Pair records that a and b are the two tokens of one binary market.
func (r *Registry) Pair(a, b AssetIndex) {
	r.infos[a].Partner, r.infos[a].HasPartner = b, true
	r.infos[b].Partner, r.infos[b].HasPartner = a, true
}

// Lookup returns the index of a token id given as bytes, without allocating.
func (r *Registry) Lookup(tokenID []byte) (AssetIndex, bool) {
	i, ok := r.byToken[string(tokenID)]
	return i, ok
}

// Info returns the asset's description; the pointer stays valid while the
// registry is not added to.
func (r *Registry) Info(i AssetIndex) *AssetInfo { return &r.infos[i] }

// Len is the number of assets.
func (r *Registry) Len() int { return len(r.infos) }
