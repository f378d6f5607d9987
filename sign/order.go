package sign

import (
	"encoding/binary"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Sides and signature types as signed (protocol.md §6.3, §7.4).
const (
	Buy  uint8 = 0
	Sell uint8 = 1

	SigEOA      uint8 = 0 // maker = signer = EOA
	SigProxy    uint8 = 1 // maker = Polymarket proxy wallet, signer = EOA owner
	SigSafe     uint8 = 2 // maker = Polymarket Safe, signer = EOA owner
	SigPoly1271 uint8 = 3 // maker = signer = deposit wallet; ERC-7739 blob (V2/V3 only)
)

// MaxSalt is the largest salt the venue accepts: the JSON number must be an
// exact IEEE-754 double ("the backend parses as an IEEE 754").
const MaxSalt = 1<<53 - 1

// OrderTypeString is the V2/V3 EIP-712 Order type (186 bytes).
const OrderTypeString = "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"

// OrderTypeStringV1 is the legacy V1 EIP-712 Order type.
const OrderTypeStringV1 = "Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)"

// Type hashes, computed once.
var (
	OrderTypeHash   = crypto.Keccak256Hash([]byte(OrderTypeString))
	OrderTypeHashV1 = crypto.Keccak256Hash([]byte(OrderTypeStringV1))
)

// Order is a V2/V3 order: the 11 signed fields plus the JSON-only expiration.
// Amounts are in 1e-6 units (USDC and shares both have 6 decimals).
type Order struct {
	Salt          uint64 // ≤ MaxSalt for the JSON body
	Maker         common.Address
	Signer        common.Address
	TokenID       [32]byte // uint256, big-endian
	MakerAmount   uint64
	TakerAmount   uint64
	Side          uint8  // Buy or Sell
	SignatureType uint8  // SigEOA … SigPoly1271
	Timestamp     uint64 // creation time, unix milliseconds
	Metadata      [32]byte
	Builder       [32]byte
	Expiration    uint64 // unix seconds, 0 = none; in the JSON body only, not signed
}

// OrderV1 is the legacy 12-field V1 order (reference values only).
type OrderV1 struct {
	Salt          uint64
	Maker         common.Address
	Signer        common.Address
	Taker         common.Address
	TokenID       [32]byte
	MakerAmount   uint64
	TakerAmount   uint64
	Expiration    uint64
	Nonce         uint64
	FeeRateBps    uint64
	Side          uint8
	SignatureType uint8
}

// hasher is a keccak state with fixed scratch buffers. It is pooled so that
// hashing is goroutine-safe and allocation-free: every Write reads from a
// buffer that already lives on the heap inside the hasher.
type hasher struct {
	k   crypto.KeccakState
	buf [12 * 32]byte // struct encoding: typehash + 11 words (V1: + 12 words below)
	pre [2 + 32 + 32]byte
	out [32]byte
}

var hasherPool = sync.Pool{New: func() any { return &hasher{k: crypto.NewKeccakState()} }}

func getHasher() *hasher { return hasherPool.Get().(*hasher) }

func (h *hasher) sum(b []byte) [32]byte {
	h.k.Reset()
	h.k.Write(b)
	h.k.Read(h.out[:])
	return h.out
}

// typedDigest is keccak256(0x19 0x01 ‖ domainSeparator ‖ structHash).
func (h *hasher) typedDigest(domain, structHash *[32]byte) [32]byte {
	h.pre[0], h.pre[1] = 0x19, 0x01
	copy(h.pre[2:34], domain[:])
	copy(h.pre[34:66], structHash[:])
	return h.sum(h.pre[:])
}

func putUint64Word(w []byte, v uint64) {
	clear(w[:24])
	binary.BigEndian.PutUint64(w[24:32], v)
}

func putAddressWord(w []byte, a *common.Address) {
	clear(w[:12])
	copy(w[12:32], a[:])
}

// encode writes the V2/V3 struct encoding (typehash + 11 words) into h.buf.
func (h *hasher) encode(o *Order) {
	b := h.buf[:]
	copy(b[0:32], OrderTypeHash[:])
	putUint64Word(b[32:], o.Salt)
	putAddressWord(b[64:], &o.Maker)
	putAddressWord(b[96:], &o.Signer)
	copy(b[128:160], o.TokenID[:])
	putUint64Word(b[160:], o.MakerAmount)
	putUint64Word(b[192:], o.TakerAmount)
	putUint64Word(b[224:], uint64(o.Side))
	putUint64Word(b[256:], uint64(o.SignatureType))
	putUint64Word(b[288:], o.Timestamp)
	copy(b[320:352], o.Metadata[:])
	copy(b[352:384], o.Builder[:])
}

// StructHash is the EIP-712 hashStruct of a V2/V3 order (the POLY_1271
// "contents" hash). It does not allocate.
func StructHash(o *Order) [32]byte {
	h := getHasher()
	h.encode(o)
	s := h.sum(h.buf[:])
	hasherPool.Put(h)
	return s
}

// Digest is the EIP-712 digest of a V2/V3 order under this exchange's domain:
// the hash the EOA signs and the venue's order hash. It does not allocate.
// V1 exchanges use DigestV1.
func (e *Exchange) Digest(o *Order) [32]byte {
	h := getHasher()
	h.encode(o)
	s := h.sum(h.buf[:])
	d := h.typedDigest(&e.DomainSeparator, &s)
	hasherPool.Put(h)
	return d
}

// StructHashV1 is the EIP-712 hashStruct of a legacy V1 order.
func StructHashV1(o *OrderV1) [32]byte {
	var b [13 * 32]byte
	copy(b[0:32], OrderTypeHashV1[:])
	putUint64Word(b[32:], o.Salt)
	putAddressWord(b[64:], &o.Maker)
	putAddressWord(b[96:], &o.Signer)
	putAddressWord(b[128:], &o.Taker)
	copy(b[160:192], o.TokenID[:])
	putUint64Word(b[192:], o.MakerAmount)
	putUint64Word(b[224:], o.TakerAmount)
	putUint64Word(b[256:], o.Expiration)
	putUint64Word(b[288:], o.Nonce)
	putUint64Word(b[320:], o.FeeRateBps)
	putUint64Word(b[352:], uint64(o.Side))
	putUint64Word(b[384:], uint64(o.SignatureType))
	return crypto.Keccak256Hash(b[:])
}

// DigestV1 is the EIP-712 digest of a legacy V1 order under e's domain.
func (e *Exchange) DigestV1(o *OrderV1) [32]byte {
	s := StructHashV1(o)
	h := getHasher()
	d := h.typedDigest(&e.DomainSeparator, &s)
	hasherPool.Put(h)
	return d
}

// POLY_1271 (ERC-7739 nested typed data, protocol.md §7.8).
const typedDataSignTypeString = "TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)" + OrderTypeString

var (
	typedDataSignTypeHash = crypto.Keccak256Hash([]byte(typedDataSignTypeString))
	depositWalletNameHash = crypto.Keccak256Hash([]byte("DepositWallet"))
	depositWalletVerHash  = crypto.Keccak256Hash([]byte("1"))
)

// Poly1271Len is the length of a POLY_1271 signature blob:
// innerSig(65) ‖ appDomainSeparator(32) ‖ contentsHash(32) ‖ type string(186) ‖ uint16 length.
const Poly1271Len = 65 + 32 + 32 + len(OrderTypeString) + 2

// poly1271Digest is the digest the deposit wallet's EOA owner signs: the
// TypedDataSign struct (contents = the order, name "DepositWallet",
// version "1", chainId, verifyingContract = the wallet (= o.Signer), salt 0)
// under the exchange domain. contents is StructHash(o).
func (e *Exchange) poly1271Digest(o *Order, contents *[32]byte) [32]byte {
	var b [7 * 32]byte
	copy(b[0:32], typedDataSignTypeHash[:])
	copy(b[32:64], contents[:])
	copy(b[64:96], depositWalletNameHash[:])
	copy(b[96:128], depositWalletVerHash[:])
	putUint64Word(b[128:], e.ChainID)
	putAddressWord(b[160:], &o.Signer)
	// b[192:224] salt = bytes32 zero
	s := crypto.Keccak256Hash(b[:])
	h := getHasher()
	d := h.typedDigest(&e.DomainSeparator, (*[32]byte)(&s))
	hasherPool.Put(h)
	return d
}
