package sign

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Errors. None of them ever contains key material or echoes its input.
var (
	ErrBadKey         = errors.New("sign: private key must be 32 bytes of hex (64 hex digits, optional 0x)")
	ErrSigType        = errors.New("sign: unknown signature type")
	ErrSigLen         = errors.New("sign: bad signature length")
	ErrBadSig         = errors.New("sign: signature does not recover")
	ErrPoly1271       = errors.New("sign: POLY_1271 blob does not match the order or exchange")
	ErrPoly1271V1     = errors.New("sign: POLY_1271 is not supported for V1 orders")
	ErrSignerMismatch = errors.New("sign: order signer is not the signing key's address")
)

// Signer holds a secp256k1 private key. Its String, GoString and Format
// print only the address; the key itself never leaves the struct. A Signer
// is safe for concurrent use.
type Signer struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

// NewSigner parses a hex private key (with or without 0x, surrounding
// whitespace ignored). A malformed key yields ErrBadKey, which never echoes
// the input.
func NewSigner(privKeyHex string) (*Signer, error) {
	s := strings.TrimSpace(privKeyHex)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s) != 64 {
		return nil, ErrBadKey
	}
	var raw [32]byte
	if _, err := hex.Decode(raw[:], []byte(s)); err != nil {
		return nil, ErrBadKey // hex's error would name the offending character
	}
	defer clear(raw[:])
	return signerFromBytes(raw[:])
}

func signerFromBytes(raw []byte) (*Signer, error) {
	k, err := crypto.ToECDSA(raw)
	if err != nil {
		return nil, ErrBadKey
	}
	return newSignerFromKey(k), nil
}

func newSignerFromKey(k *ecdsa.PrivateKey) *Signer {
	return &Signer{key: k, addr: crypto.PubkeyToAddress(k.PublicKey)}
}

// Address is the EOA address of the key.
func (s *Signer) Address() common.Address { return s.addr }

// String prints the address only (value receiver, so a copied Signer is
// just as safe to print).
func (s Signer) String() string { return "sign.Signer{" + s.addr.Hex() + "}" }

// GoString prints the address only.
func (s Signer) GoString() string { return s.String() }

// Format prints the address only, whatever the verb or flags.
func (s Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// SignDigest signs a 32-byte digest: 65 bytes r‖s‖v with v ∈ {27, 28},
// appended to dst.
func (s *Signer) SignDigest(dst []byte, digest *[32]byte) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], s.key)
	if err != nil {
		return dst, fmt.Errorf("sign: secp256k1: %w", err)
	}
	sig[64] += 27
	return append(dst, sig...), nil
}

// SignOrder signs a V2/V3 order for exchange e and appends the signature to
// sigOut[:0]: 65 bytes r‖s‖v for signature types 0–2, the POLY_1271 blob
// (Poly1271Len bytes, protocol.md §7.8) for type 3. For types 0–2 the
// order's Signer must be this key's address; for type 3 it is the deposit
// wallet (= Maker) and this key is its EOA owner.
func (s *Signer) SignOrder(e *Exchange, o *Order, sigOut []byte) ([]byte, error) {
	if e.Version == V1 {
		return sigOut[:0], errors.New("sign: SignOrder signs V2/V3 orders; use SignOrderV1")
	}
	switch o.SignatureType {
	case SigEOA, SigProxy, SigSafe:
		if o.Signer != s.addr {
			return sigOut[:0], ErrSignerMismatch
		}
		d := e.Digest(o)
		return s.SignDigest(sigOut[:0], &d)
	case SigPoly1271:
		contents := StructHash(o)
		d := e.poly1271Digest(o, &contents)
		out, err := s.SignDigest(sigOut[:0], &d)
		if err != nil {
			return out, err
		}
		out = append(out, e.DomainSeparator[:]...)
		out = append(out, contents[:]...)
		out = append(out, OrderTypeString...)
		return append(out, byte(len(OrderTypeString)>>8), byte(len(OrderTypeString))), nil
	}
	return sigOut[:0], ErrSigType
}

// SignOrderV1 signs a legacy V1 order (signature types 0–2).
func (s *Signer) SignOrderV1(e *Exchange, o *OrderV1, sigOut []byte) ([]byte, error) {
	if o.SignatureType > SigSafe {
		return sigOut[:0], ErrPoly1271V1
	}
	d := e.DigestV1(o)
	return s.SignDigest(sigOut[:0], &d)
}

// RecoverDigest returns the address that produced a 65-byte r‖s‖v signature
// (v 27/28 or 0/1) over digest.
func RecoverDigest(digest *[32]byte, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, ErrSigLen
	}
	var rsv [65]byte
	copy(rsv[:], sig)
	if rsv[64] >= 27 {
		rsv[64] -= 27
	}
	if rsv[64] > 1 {
		return common.Address{}, ErrBadSig
	}
	pub, err := crypto.SigToPub(digest[:], rsv[:])
	if err != nil {
		return common.Address{}, ErrBadSig
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// RecoverOrderSigner returns the EOA that signed a V2/V3 order for exchange
// e. For types 0–2 that is the address recovered from the order digest (the
// caller compares it with o.Signer). For type 3 it checks that the blob's
// app domain separator, contents hash, type string and length field match
// e and o, and returns the EOA that signed the nested TypedDataSign digest
// (the deposit wallet's owner; the wallet itself is o.Signer).
func RecoverOrderSigner(e *Exchange, o *Order, sig []byte) (common.Address, error) {
	switch o.SignatureType {
	case SigEOA, SigProxy, SigSafe:
		d := e.Digest(o)
		return RecoverDigest(&d, sig)
	case SigPoly1271:
		if len(sig) != Poly1271Len {
			return common.Address{}, ErrSigLen
		}
		contents := StructHash(o)
		rest := sig[65:]
		if !bytes.Equal(rest[:32], e.DomainSeparator[:]) || !bytes.Equal(rest[32:64], contents[:]) ||
			string(rest[64:64+len(OrderTypeString)]) != OrderTypeString ||
			int(rest[len(rest)-2])<<8|int(rest[len(rest)-1]) != len(OrderTypeString) {
			return common.Address{}, ErrPoly1271
		}
		d := e.poly1271Digest(o, &contents)
		return RecoverDigest(&d, sig[:65])
	}
	return common.Address{}, ErrSigType
}
