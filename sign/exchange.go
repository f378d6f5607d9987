package sign

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Version is a CTF Exchange order version (the EIP-712 domain version).
type Version uint8

// Exchange versions. V1 is legacy (12-field order, reference values only);
// V2 is the current CLOB order; V3 is ExchangeV3 (same order schema as V2,
// domain version "3", for Protocol-V2 position ids).
const (
	V1 Version = 1
	V2 Version = 2
	V3 Version = 3
)

// Chain ids the venue runs on.
const (
	ChainPolygon uint64 = 137
	ChainAmoy    uint64 = 80002
)

// Exchange is one EIP-712 signing domain: a CTF Exchange contract on a chain.
// Values returned by ExchangeFor are shared and must not be modified.
type Exchange struct {
	Version         Version
	ChainID         uint64
	Address         common.Address
	NegRisk         bool
	DomainSeparator [32]byte
}

// Contract addresses (protocol.md §7.1; clob-client-v2 config.ts).
var (
	addrV1Polygon        = common.HexToAddress("0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E")
	addrV1Amoy           = common.HexToAddress("0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40")
	addrV1NegRisk        = common.HexToAddress("0xC5d563A36AE78145C45a50134d48A1215220f80a")
	addrV2               = common.HexToAddress("0xE111180000d2663C0091e4f400237545B87B996B")
	addrV2NegRisk        = common.HexToAddress("0xe2222d279d744050d28e00520010520000310F59")
	addrV3Polygon        = common.HexToAddress("0xe3333700cA9d93003F00f0F71f8515005F6c00Aa")
	addrV3Amoy           = common.HexToAddress("0x9fE6e61422AdB6F610d8597F9684b16912D50C3D")
	exchangeDomainName   = "Polymarket CTF Exchange"
	domainTypeString     = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
	domainTypeHash       = crypto.Keccak256Hash([]byte(domainTypeString))
	errUnknownChain      = errors.New("sign: unknown chain id (want 137 or 80002)")
	errUnknownVersion    = errors.New("sign: unknown CLOB version (want 1, 2 or 3)")
	errV1PositionV3Asset = errors.New("sign: Protocol-V2 position ids trade only on ExchangeV3")
)

// known holds the venue's exchanges, built once at init:
// [chain: 0 Polygon, 1 Amoy][version 1..3][negRisk 0/1].
var known [2][4][2]*Exchange

func init() {
	for ci, chain := range [2]uint64{ChainPolygon, ChainAmoy} {
		v1 := addrV1Polygon
		v3 := addrV3Polygon
		if chain == ChainAmoy {
			v1, v3 = addrV1Amoy, addrV3Amoy
		}
		known[ci][V1][0] = NewExchange(V1, chain, v1, false)
		known[ci][V1][1] = NewExchange(V1, chain, addrV1NegRisk, true)
		known[ci][V2][0] = NewExchange(V2, chain, addrV2, false)
		known[ci][V2][1] = NewExchange(V2, chain, addrV2NegRisk, true)
		known[ci][V3][0] = NewExchange(V3, chain, v3, false)
	}
}

// NewExchange builds a signing domain for any contract, e.g. a simulator's or
// the dummy contracts of the official test vectors. Use ExchangeFor for the
// venue's own exchanges.
func NewExchange(v Version, chainID uint64, addr common.Address, negRisk bool) *Exchange {
	e := &Exchange{Version: v, ChainID: chainID, Address: addr, NegRisk: negRisk}
	e.DomainSeparator = DomainSeparator(exchangeDomainName, versionString(v), chainID, &addr)
	return e
}

func versionString(v Version) string { return string([]byte{'0' + byte(v)}) }

// DomainSeparator returns the EIP-712 domain separator for
// EIP712Domain(string name,string version,uint256 chainId[,address verifyingContract]);
// a nil contract selects the domain type without verifyingContract.
func DomainSeparator(name, version string, chainID uint64, contract *common.Address) [32]byte {
	var buf [5 * 32]byte
	typ := domainTypeHash
	if contract == nil {
		typ = crypto.Keccak256Hash([]byte("EIP712Domain(string name,string version,uint256 chainId)"))
	}
	copy(buf[0:], typ[:])
	n := crypto.Keccak256Hash([]byte(name))
	copy(buf[32:], n[:])
	vh := crypto.Keccak256Hash([]byte(version))
	copy(buf[64:], vh[:])
	binary.BigEndian.PutUint64(buf[96+24:], chainID)
	if contract == nil {
		return crypto.Keccak256Hash(buf[:128])
	}
	copy(buf[128+12:], contract[:])
	return crypto.Keccak256Hash(buf[:])
}

// IsV3Position reports whether a token id is a "Protocol V2 position id",
// which trades on ExchangeV3: bits 40–103 of the uint256 are all zero
// (protocol.md §7.9). The id is big-endian, so bit k lives in byte 31-k/8.
func IsV3Position(id *[32]byte) bool {
	// bits 40..103 are bytes 31-5 = 26 down to 31-12 = 19 (8 bytes: 19..26).
	for i := 19; i <= 26; i++ {
		if id[i] != 0 {
			return false
		}
	}
	return true
}

// ExchangeFor returns the venue exchange to sign for (protocol.md §7.9):
// clobVersion is what GET /version reports (1, 2 or 3). With version ≥ 2 a
// token id in the Protocol-V2 position namespace (IsV3Position) routes to
// ExchangeV3; otherwise V2 picks the neg-risk or the standard exchange.
// tokenID may be nil when the caller routes by version alone. The result is
// shared and read-only; ExchangeFor does not allocate.
func ExchangeFor(chainID uint64, clobVersion int, negRisk bool, tokenID *[32]byte) (*Exchange, error) {
	ci := 0
	switch chainID {
	case ChainPolygon:
	case ChainAmoy:
		ci = 1
	default:
		return nil, errUnknownChain
	}
	nr := 0
	if negRisk {
		nr = 1
	}
	switch clobVersion {
	case 1:
		if tokenID != nil && IsV3Position(tokenID) {
			return nil, errV1PositionV3Asset
		}
		return known[ci][V1][nr], nil
	case 2:
		if tokenID != nil && IsV3Position(tokenID) {
			return known[ci][V3][0], nil
		}
		return known[ci][V2][nr], nil
	case 3:
		return known[ci][V3][0], nil
	}
	return nil, errUnknownVersion
}

// String describes the exchange (never secret).
func (e *Exchange) String() string {
	kind := "standard"
	if e.NegRisk {
		kind = "neg-risk"
	}
	return fmt.Sprintf("CTF Exchange V%d %s chain %d %s", e.Version, kind, e.ChainID, e.Address.Hex())
}
