package sim

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Credentials are L2 API credentials as the venue returns them.
type Credentials struct {
	APIKey     string `json:"apiKey"`
	Secret     string `json:"secret"`
	Passphrase string `json:"passphrase"`
}

type apiKey struct {
	Key, Secret, Passphrase string
	Address                 common.Address
}

// DeriveCredentials returns the sim's deterministic credentials for an
// address and nonce: what POST /auth/api-key and GET /auth/derive-api-key
// answer.
func DeriveCredentials(addr common.Address, nonce uint64) Credentials {
	n := []byte(strconv.FormatUint(nonce, 10))
	k := hex.EncodeToString(crypto.Keccak256([]byte("simclob-key"), addr[:], n))
	sec := crypto.Keccak256([]byte("simclob-secret"), addr[:], n)
	pass := crypto.Keccak256([]byte("simclob-pass"), addr[:], n)
	return Credentials{
		APIKey:     k[0:8] + "-" + k[8:12] + "-" + k[12:16] + "-" + k[16:20] + "-" + k[20:32],
		Secret:     base64.URLEncoding.EncodeToString(sec),
		Passphrase: hex.EncodeToString(pass),
	}
}

type keyStore struct {
	mu   sync.Mutex
	keys map[string]*apiKey
}

func (ks *keyStore) register(addr common.Address, nonce uint64) Credentials {
	c := DeriveCredentials(addr, nonce)
	ks.mu.Lock()
	if ks.keys == nil {
		ks.keys = make(map[string]*apiKey)
	}
	ks.keys[c.APIKey] = &apiKey{Key: c.APIKey, Secret: c.Secret, Passphrase: c.Passphrase, Address: addr}
	ks.mu.Unlock()
	return c
}

func (ks *keyStore) get(key string) *apiKey {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.keys[key]
}

// byAddress returns the API keys of an address.
func (ks *keyStore) byAddress(a common.Address) []string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	var out []string
	for k, v := range ks.keys {
		if v.Address == a {
			out = append(out, k)
		}
	}
	return out
}

// l1 verifies ClobAuth headers and returns the address and nonce.
func (s *Server) l1(r *http.Request) (common.Address, uint64, bool) {
	addr := r.Header.Get("POLY_ADDRESS")
	sig := r.Header.Get("POLY_SIGNATURE")
	ts := r.Header.Get("POLY_TIMESTAMP")
	nonce := r.Header.Get("POLY_NONCE")
	if nonce == "" {
		nonce = "0"
	}
	n, err := strconv.ParseUint(nonce, 10, 64)
	if err != nil || ts == "" || VerifyClobAuth(addr, ts, nonce, sig, s.cfg.ChainID) != nil {
		return common.Address{}, 0, false
	}
	return common.HexToAddress(addr), n, true
}

// l2 verifies the HMAC headers of an authenticated call (protocol.md §6.2)
// over the exact body bytes.
func (s *Server) l2(r *http.Request, body []byte) (*apiKey, bool) {
	k := s.keys.get(r.Header.Get("POLY_API_KEY"))
	if k == nil {
		return nil, false
	}
	addr := r.Header.Get("POLY_ADDRESS")
	if !common.IsHexAddress(addr) || common.HexToAddress(addr) != k.Address {
		return nil, false
	}
	if r.Header.Get("POLY_PASSPHRASE") != k.Passphrase {
		return nil, false
	}
	ts := r.Header.Get("POLY_TIMESTAMP")
	if ts == "" {
		return nil, false
	}
	want, err := HMACSignature(k.Secret, ts, r.Method, r.URL.Path, string(body))
	if err != nil {
		return nil, false
	}
	got := r.Header.Get("POLY_SIGNATURE")
	// accept a signature with or without the '=' padding
	if !hmac.Equal([]byte(want), []byte(got)) && !hmac.Equal([]byte(strings.TrimRight(want, "=")), []byte(got)) {
		return nil, false
	}
	return k, true
}
