package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Header names (protocol.md §6).
const (
	HeaderAddress    = "POLY_ADDRESS"
	HeaderSignature  = "POLY_SIGNATURE"
	HeaderTimestamp  = "POLY_TIMESTAMP"
	HeaderNonce      = "POLY_NONCE"
	HeaderAPIKey     = "POLY_API_KEY"
	HeaderPassphrase = "POLY_PASSPHRASE"
)

// ClobAuthMessage is the fixed text of the L1 ClobAuth struct.
const ClobAuthMessage = "This message attests that I control the given wallet"

var (
	clobAuthTypeHash = crypto.Keccak256Hash([]byte("ClobAuth(address address,string timestamp,uint256 nonce,string message)"))
	clobAuthMsgHash  = crypto.Keccak256Hash([]byte(ClobAuthMessage))
)

// ClobAuthDigest is the EIP-712 digest of the L1 ClobAuth struct under the
// domain {name "ClobAuthDomain", version "1", chainId} (no verifyingContract).
// timestamp is the unix-seconds string exactly as sent in POLY_TIMESTAMP.
func ClobAuthDigest(chainID uint64, addr common.Address, timestamp string, nonce uint64) [32]byte {
	domain := DomainSeparator("ClobAuthDomain", "1", chainID, nil)
	var b [5 * 32]byte
	copy(b[0:32], clobAuthTypeHash[:])
	putAddressWord(b[32:], &addr)
	ts := crypto.Keccak256Hash([]byte(timestamp))
	copy(b[64:96], ts[:])
	putUint64Word(b[96:], nonce)
	copy(b[128:160], clobAuthMsgHash[:])
	s := crypto.Keccak256Hash(b[:])
	h := getHasher()
	d := h.typedDigest(&domain, (*[32]byte)(&s))
	hasherPool.Put(h)
	return d
}

// L1Headers are the four headers of an L1 (key management) request.
type L1Headers struct {
	Address   string // checksummed EOA address
	Signature string // 0x-hex, 65 bytes
	Timestamp string
	Nonce     string
}

// L1Headers signs ClobAuth for (chainID, timestamp, nonce) with this key.
func (s *Signer) L1Headers(chainID uint64, timestamp string, nonce uint64) (L1Headers, error) {
	d := ClobAuthDigest(chainID, s.addr, timestamp, nonce)
	sig, err := s.SignDigest(make([]byte, 0, 65), &d)
	if err != nil {
		return L1Headers{}, err
	}
	return L1Headers{
		Address:   s.addr.Hex(),
		Signature: "0x" + hexString(sig),
		Timestamp: timestamp,
		Nonce:     strconv.FormatUint(nonce, 10),
	}, nil
}

// ErrSecret is returned for an API secret that is not base64.
var ErrSecret = errors.New("sign: API secret is not valid base64")

// DecodeSecret decodes an API secret the way the official client does: URL-
// safe or standard base64, padding optional.
func DecodeSecret(secret string) ([]byte, error) {
	if secret == "" {
		return nil, ErrSecret
	}
	s := strings.NewReplacer("-", "+", "_", "/").Replace(secret)
	s = strings.TrimRight(s, "=")
	key, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrSecret
	}
	return key, nil
}

// L2Signature is the L2 HMAC: url-safe base64 (with '=' padding) of
// HMAC-SHA256(base64decode(secret), timestamp+method+path+body). Off the
// hot path; the engine uses an L2Signer.
func L2Signature(secret string, timestamp string, method, path string, body []byte) (string, error) {
	l, err := NewL2Signer(secret)
	if err != nil {
		return "", err
	}
	return string(l.AppendSignature(nil, []byte(timestamp), method, path, body)), nil
}

// L2SigLen is the length of an L2 signature (44 base64 characters).
const L2SigLen = 44

// L2Signer computes L2 HMAC signatures with a reused hasher. It is not safe
// for concurrent use (one per exec goroutine).
type L2Signer struct {
	mac hash.Hash
	msg []byte
	sum [sha256.Size]byte
}

// NewL2Signer decodes the API secret and prepares the HMAC state.
func NewL2Signer(secret string) (*L2Signer, error) {
	key, err := DecodeSecret(secret)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return &L2Signer{mac: hmac.New(sha256.New, key), msg: make([]byte, 0, 64)}, nil
}

// AppendSignature appends the 44-byte signature of ts+method+path+body to
// dst. ts is the unix-seconds POLY_TIMESTAMP; body is exactly the bytes sent
// (nil or empty for none). It does not allocate when dst has room.
func (l *L2Signer) AppendSignature(dst []byte, ts []byte, method, path string, body []byte) []byte {
	l.msg = append(append(append(l.msg[:0], ts...), method...), path...)
	l.mac.Reset()
	l.mac.Write(l.msg)
	l.mac.Write(body)
	sum := l.mac.Sum(l.sum[:0])
	return base64.URLEncoding.AppendEncode(dst, sum)
}

// AppendUnix appends the decimal form of a unix time (POLY_TIMESTAMP).
func AppendUnix(dst []byte, sec int64) []byte { return strconv.AppendInt(dst, sec, 10) }

const hexDigits = "0123456789abcdef"

// AppendHex appends 0x-less lower-case hex of b.
func AppendHex(dst, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

func hexString(b []byte) string { return string(AppendHex(make([]byte, 0, 2*len(b)), b)) }

// L2Headers are the five headers of an authenticated (L2) request.
type L2Headers struct {
	Address    string // POLY_ADDRESS: the signer EOA (not the funder), checksummed
	Signature  string // POLY_SIGNATURE
	Timestamp  string // POLY_TIMESTAMP: unix seconds
	APIKey     string // POLY_API_KEY
	Passphrase string // POLY_PASSPHRASE
}

// Headers signs one request and returns its five L2 headers (allocates; the
// hot path uses Batch.Finish or AppendSignature and constant header values).
func (l *L2Signer) Headers(addr common.Address, apiKey, passphrase string, unixSec int64, method, path string, body []byte) L2Headers {
	ts := AppendUnix(nil, unixSec)
	return L2Headers{
		Address:    addr.Hex(),
		Signature:  string(l.AppendSignature(nil, ts, method, path, body)),
		Timestamp:  string(ts),
		APIKey:     apiKey,
		Passphrase: passphrase,
	}
}
