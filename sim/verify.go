package sim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
)

// This file verifies what the venue verifies, with go-ethereum's generic
// EIP-712 implementation (apitypes), deliberately independent of the
// engine's hand-rolled sign package: a bug in one is caught by the other.

// Exchange contract addresses (protocol.md §7.1).
const (
	ExchangeV2        = "0xE111180000d2663C0091e4f400237545B87B996B"
	ExchangeV2NegRisk = "0xe2222d279d744050d28e00520010520000310F59"
	ExchangeV3Polygon = "0xe3333700cA9d93003F00f0F71f8515005F6c00Aa"
	ExchangeV3Amoy    = "0x9fE6e61422AdB6F610d8597F9684b16912D50C3D"
)

// OrderTypeString is the V2/V3 EIP-712 Order type (protocol.md §7.3).
const OrderTypeString = "Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)"

// ClobAuthMessage is the fixed L1 attestation text (protocol.md §6.1).
const ClobAuthMessage = "This message attests that I control the given wallet"

var errBadSignature = errors.New("invalid signature")

var orderFields = []apitypes.Type{
	{Name: "salt", Type: "uint256"},
	{Name: "maker", Type: "address"},
	{Name: "signer", Type: "address"},
	{Name: "tokenId", Type: "uint256"},
	{Name: "makerAmount", Type: "uint256"},
	{Name: "takerAmount", Type: "uint256"},
	{Name: "side", Type: "uint8"},
	{Name: "signatureType", Type: "uint8"},
	{Name: "timestamp", Type: "uint256"},
	{Name: "metadata", Type: "bytes32"},
	{Name: "builder", Type: "bytes32"},
}

var domainFields = []apitypes.Type{
	{Name: "name", Type: "string"},
	{Name: "version", Type: "string"},
	{Name: "chainId", Type: "uint256"},
	{Name: "verifyingContract", Type: "address"},
}

// SignedOrder is the signed part of a V2/V3 order plus its signature, in
// the decimal/hex forms the JSON body carries.
type SignedOrder struct {
	Salt          string // decimal
	Maker         string // 0x address
	Signer        string
	TokenID       string // decimal uint256
	MakerAmount   string // decimal, 1e6 units
	TakerAmount   string
	Side          int    // 0 BUY, 1 SELL
	SignatureType int    // 0..3
	Timestamp     string // decimal ms
	Metadata      string // 0x bytes32
	Builder       string
	Signature     []byte
}

// Domain names one exchange's EIP-712 domain.
type Domain struct {
	Version  string // "2" or "3"
	ChainID  int64
	Contract string
}

// ExchangeDomain applies the routing rule of protocol.md §7.9: a Protocol-V2
// position id (bits 40..103 all zero) signs for ExchangeV3, otherwise V2 on
// the neg-risk or standard exchange.
func ExchangeDomain(tokenID string, negRisk bool, chainID int64) Domain {
	id, ok := new(big.Int).SetString(tokenID, 10)
	if ok && isV2PositionID(id) {
		c := ExchangeV3Polygon
		if chainID == 80002 {
			c = ExchangeV3Amoy
		}
		return Domain{Version: "3", ChainID: chainID, Contract: c}
	}
	if negRisk {
		return Domain{Version: "2", ChainID: chainID, Contract: ExchangeV2NegRisk}
	}
	return Domain{Version: "2", ChainID: chainID, Contract: ExchangeV2}
}

func isV2PositionID(id *big.Int) bool {
	mask := new(big.Int).Lsh(new(big.Int).SetUint64(1<<64-1), 40)
	return new(big.Int).And(id, mask).Sign() == 0
}

func (d Domain) typed() apitypes.TypedDataDomain {
	return apitypes.TypedDataDomain{
		Name:              "Polymarket CTF Exchange",
		Version:           d.Version,
		ChainId:           math.NewHexOrDecimal256(d.ChainID),
		VerifyingContract: d.Contract,
	}
}

func (o *SignedOrder) message() apitypes.TypedDataMessage {
	meta, builder := o.Metadata, o.Builder
	if meta == "" {
		meta = zeroBytes32
	}
	if builder == "" {
		builder = zeroBytes32
	}
	return apitypes.TypedDataMessage{
		"salt":          o.Salt,
		"maker":         o.Maker,
		"signer":        o.Signer,
		"tokenId":       o.TokenID,
		"makerAmount":   o.MakerAmount,
		"takerAmount":   o.TakerAmount,
		"side":          big.NewInt(int64(o.Side)),
		"signatureType": big.NewInt(int64(o.SignatureType)),
		"timestamp":     o.Timestamp,
		"metadata":      meta,
		"builder":       builder,
	}
}

const zeroBytes32 = "0x0000000000000000000000000000000000000000000000000000000000000000"

// OrderHash returns the EIP-712 digest of o under d: the venue's orderID.
func OrderHash(o *SignedOrder, d Domain) ([32]byte, error) {
	td := apitypes.TypedData{
		Types:       apitypes.Types{"EIP712Domain": domainFields, "Order": orderFields},
		PrimaryType: "Order",
		Domain:      d.typed(),
		Message:     o.message(),
	}
	h, _, err := apitypes.TypedDataAndHash(td)
	var out [32]byte
	if err != nil {
		return out, fmt.Errorf("order hash: %w", err)
	}
	copy(out[:], h)
	return out, nil
}

// recoverEOA recovers the address that produced a 65-byte r‖s‖v signature
// (v 27/28 or 0/1) over digest.
func recoverEOA(digest []byte, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, errBadSignature
	}
	s := make([]byte, 65)
	copy(s, sig)
	if s[64] >= 27 {
		s[64] -= 27
	}
	if s[64] > 1 {
		return common.Address{}, errBadSignature
	}
	pub, err := crypto.SigToPub(digest, s)
	if err != nil {
		return common.Address{}, errBadSignature
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// VerifyOrder checks o's signature under domain d and returns the order hash
// and the EOA that signed it. For signature types 0–2 the signature is a
// plain ECDSA signature over the order digest; for type 3 (POLY_1271) it is
// the ERC-7739 blob of protocol.md §7.8, and the returned EOA is the inner
// signer (the caller checks it owns the deposit wallet).
func VerifyOrder(o *SignedOrder, d Domain) (hash [32]byte, eoa common.Address, err error) {
	hash, err = OrderHash(o, d)
	if err != nil {
		return hash, eoa, errBadSignature
	}
	if o.SignatureType != 3 {
		eoa, err = recoverEOA(hash[:], o.Signature)
		return hash, eoa, err
	}
	eoa, err = verify1271(o, d)
	return hash, eoa, err
}

func verify1271(o *SignedOrder, d Domain) (common.Address, error) {
	sig := o.Signature
	n := len(sig)
	if n < 65+64+2 {
		return common.Address{}, errBadSignature
	}
	tl := int(binary.BigEndian.Uint16(sig[n-2:]))
	if 65+64+tl+2 != n || string(sig[129:129+tl]) != OrderTypeString {
		return common.Address{}, errBadSignature
	}
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": domainFields,
			"Order":        orderFields,
			"TypedDataSign": {
				{Name: "contents", Type: "Order"},
				{Name: "name", Type: "string"},
				{Name: "version", Type: "string"},
				{Name: "chainId", Type: "uint256"},
				{Name: "verifyingContract", Type: "address"},
				{Name: "salt", Type: "bytes32"},
			},
		},
		PrimaryType: "TypedDataSign",
		Domain:      d.typed(),
		Message: apitypes.TypedDataMessage{
			"contents":          o.message(),
			"name":              "DepositWallet",
			"version":           "1",
			"chainId":           big.NewInt(d.ChainID),
			"verifyingContract": o.Signer,
			"salt":              zeroBytes32,
		},
	}
	domSep, err := td.HashStruct("EIP712Domain", td.Domain.Map())
	if err != nil {
		return common.Address{}, errBadSignature
	}
	contents, err := td.HashStruct("Order", o.message())
	if err != nil {
		return common.Address{}, errBadSignature
	}
	if !bytes.Equal(sig[65:97], domSep) || !bytes.Equal(sig[97:129], contents) {
		return common.Address{}, errBadSignature
	}
	digest, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		return common.Address{}, errBadSignature
	}
	return recoverEOA(digest, sig[:65])
}

// ClobAuthDigest is the L1 EIP-712 digest (protocol.md §6.1).
func ClobAuthDigest(address string, timestamp string, nonce string, chainID int64) ([]byte, error) {
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": {
				{Name: "name", Type: "string"},
				{Name: "version", Type: "string"},
				{Name: "chainId", Type: "uint256"},
			},
			"ClobAuth": {
				{Name: "address", Type: "address"},
				{Name: "timestamp", Type: "string"},
				{Name: "nonce", Type: "uint256"},
				{Name: "message", Type: "string"},
			},
		},
		PrimaryType: "ClobAuth",
		Domain: apitypes.TypedDataDomain{
			Name: "ClobAuthDomain", Version: "1", ChainId: math.NewHexOrDecimal256(chainID),
		},
		Message: apitypes.TypedDataMessage{
			"address": address, "timestamp": timestamp, "nonce": nonce, "message": ClobAuthMessage,
		},
	}
	h, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		return nil, fmt.Errorf("clob auth digest: %w", err)
	}
	return h, nil
}

// VerifyClobAuth checks L1 headers: the signature must recover to address.
func VerifyClobAuth(address, timestamp, nonce, sigHex string, chainID int64) error {
	if !common.IsHexAddress(address) {
		return errBadSignature
	}
	sig, err := decodeHex(sigHex)
	if err != nil {
		return errBadSignature
	}
	d, err := ClobAuthDigest(address, timestamp, nonce, chainID)
	if err != nil {
		return errBadSignature
	}
	got, err := recoverEOA(d, sig)
	if err != nil || got != common.HexToAddress(address) {
		return errBadSignature
	}
	return nil
}

// HMACSignature computes the L2 POLY_SIGNATURE (protocol.md §6.2):
// base64url(HMAC-SHA256(base64url_decode(secret), ts+method+path+body)),
// keeping the '=' padding.
func HMACSignature(secret, timestamp, method, path, body string) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte(method))
	m.Write([]byte(path))
	m.Write([]byte(body))
	return base64.URLEncoding.EncodeToString(m.Sum(nil)), nil
}

// decodeSecret accepts URL-safe or standard base64, padded or not, as the
// TS client does.
func decodeSecret(s string) ([]byte, error) {
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	s = strings.TrimRight(s, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return b, nil
}

func decodeHex(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return nil, errBadSignature
	}
	return common.FromHex(s), validHex(s[2:])
}

func validHex(s string) error {
	if len(s)%2 != 0 {
		return errBadSignature
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return errBadSignature
		}
	}
	return nil
}

// typedDataForDomain hashes a bare EIP-712 domain (domain separator).
type typedDataForDomain struct{}

func (typedDataForDomain) hash(d apitypes.TypedDataDomain) ([]byte, error) {
	td := apitypes.TypedData{Types: apitypes.Types{"EIP712Domain": domainFields}, Domain: d}
	return td.HashStruct("EIP712Domain", d.Map())
}
