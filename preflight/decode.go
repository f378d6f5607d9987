package preflight

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/sign"
)

// Decoding errors. They never echo the body (which may hold credentials).
var (
	ErrTimeBody     = errors.New("preflight: /time answer is not a unix time")
	ErrVersionBody  = errors.New("preflight: /version answer is not {\"version\": N}")
	ErrBalanceBody  = errors.New("preflight: /balance-allowance answer is not {balance, allowances}")
	ErrGeoblockBody = errors.New("preflight: geoblock answer is not {blocked, country, region}")
	ErrCredsBody    = errors.New("preflight: API key answer is not {apiKey, secret, passphrase}")
	ErrAPIKeysBody  = errors.New("preflight: /auth/api-keys answer is not {apiKeys: [...]}")
)

// msThreshold separates unix seconds from unix milliseconds: 1e11 seconds
// is the year 5138, 1e11 milliseconds is 1973.
const msThreshold = 100_000_000_000

// ParseServerTime decodes GET /time: unix seconds as a bare JSON number
// (protocol.md §4). It returns unix milliseconds and the resolution of the
// answer (the server's time lies in [ms, ms+resolution)). To be safe under
// every reading it also accepts a quoted number, a fractional part (kept to
// the millisecond, truncated) and milliseconds (a value of 1e11 or more).
func ParseServerTime(body []byte) (unixMilli int64, resolution time.Duration, err error) {
	s := strings.TrimSpace(string(body))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(whole) > 15 || !allDigits(whole) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return 0, 0, ErrTimeBody
	}
	v, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || v == 0 {
		return 0, 0, ErrTimeBody
	}
	if v >= msThreshold {
		return v, time.Millisecond, nil // already milliseconds; a fraction of one is dropped
	}
	if !hasFrac {
		return v * 1000, time.Second, nil
	}
	n, _ := strconv.ParseInt((frac + "000")[:3], 10, 64) // truncated to the millisecond
	return v*1000 + n, time.Millisecond, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseVersion decodes GET /version ({"version": 2}). present is false when
// the field is missing (the official client then assumes 2).
func ParseVersion(body []byte) (version int, present bool, err error) {
	var v struct {
		Version *json.Number `json:"version"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return 0, false, ErrVersionBody
	}
	if v.Version == nil {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v.Version.String())
	if err != nil || n < 0 {
		return 0, true, ErrVersionBody
	}
	return n, true, nil
}

// BalanceAllowance is a decoded GET /balance-allowance answer. Amounts are
// integer micro-units of pUSD as the venue sends them ("1000000" = $1);
// allowances can be up to 2^256-1, so they stay big.
type BalanceAllowance struct {
	Balance int64
	// Allowances maps a spender contract to its allowance.
	Allowances map[common.Address]*big.Int
	// Single is the V1-era single "allowance" field (nil when absent): it
	// does not say which contract it is for.
	Single *big.Int
}

// ParseBalanceAllowance decodes {"balance": "…", "allowances": {addr: "…"}}
// and the V1 form {"balance": "…", "allowance": "…"}. Balances beyond int64
// micro-units (9 trillion dollars) are rejected rather than rounded.
func ParseBalanceAllowance(body []byte) (BalanceAllowance, error) {
	var raw struct {
		Balance    *json.RawMessage           `json:"balance"`
		Allowances map[string]json.RawMessage `json:"allowances"`
		Allowance  *json.RawMessage           `json:"allowance"`
	}
	if json.Unmarshal(body, &raw) != nil || raw.Balance == nil {
		return BalanceAllowance{}, ErrBalanceBody
	}
	bal, ok := parseUnits(*raw.Balance)
	if !ok || !bal.IsInt64() {
		return BalanceAllowance{}, ErrBalanceBody
	}
	out := BalanceAllowance{Balance: bal.Int64()}
	if raw.Allowances != nil {
		out.Allowances = make(map[common.Address]*big.Int, len(raw.Allowances))
		for k, v := range raw.Allowances {
			if !common.IsHexAddress(k) {
				return BalanceAllowance{}, ErrBalanceBody
			}
			a, ok := parseUnits(v)
			if !ok {
				return BalanceAllowance{}, ErrBalanceBody
			}
			out.Allowances[common.HexToAddress(k)] = a
		}
	}
	if raw.Allowance != nil {
		a, ok := parseUnits(*raw.Allowance)
		if !ok {
			return BalanceAllowance{}, ErrBalanceBody
		}
		out.Single = a
	}
	return out, nil
}

// maxUint256 bounds an allowance.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// parseUnits reads a non-negative integer amount written as a JSON string or
// number, without a fraction or exponent (the venue's raw 6-decimal units).
func parseUnits(m json.RawMessage) (*big.Int, bool) {
	s := strings.TrimSpace(string(m))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > 78 || !allDigits(s) {
		return nil, false
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Cmp(maxUint256) > 0 {
		return nil, false
	}
	return v, true
}

// Geoblock is the answer of Polymarket's geoblock endpoint
// (GET https://polymarket.com/api/geoblock).
type Geoblock struct {
	Blocked bool   `json:"blocked"`
	Country string `json:"country"`
	Region  string `json:"region"`
}

// ParseGeoblock decodes {"blocked": bool, "ip": "…", "country": "…",
// "region": "…"}; blocked is required. The IP is not kept.
func ParseGeoblock(body []byte) (Geoblock, error) {
	var raw struct {
		Blocked *bool  `json:"blocked"`
		Country string `json:"country"`
		Region  string `json:"region"`
	}
	if json.Unmarshal(body, &raw) != nil || raw.Blocked == nil {
		return Geoblock{}, ErrGeoblockBody
	}
	return Geoblock{Blocked: *raw.Blocked, Country: printable(raw.Country, 16), Region: printable(raw.Region, 16)}, nil
}

// Credentials are L2 API credentials. String and Format never print the
// secret or the passphrase.
type Credentials struct {
	APIKey     string `json:"apiKey"`
	Secret     string `json:"secret"`
	Passphrase string `json:"passphrase"`
}

// String prints the API key only.
func (c Credentials) String() string { return "API key " + c.APIKey }

// GoString prints the API key only.
func (c Credentials) GoString() string { return c.String() }

// ParseCredentials decodes the answer of POST /auth/api-key and GET
// /auth/derive-api-key; all three fields must be present and the secret
// must be base64.
func ParseCredentials(body []byte) (Credentials, error) {
	var c Credentials
	if json.Unmarshal(body, &c) != nil || c.APIKey == "" || c.Secret == "" || c.Passphrase == "" {
		return Credentials{}, ErrCredsBody
	}
	if !printableASCII(c.APIKey) || !printableASCII(c.Passphrase) {
		return Credentials{}, ErrCredsBody
	}
	if _, err := sign.DecodeSecret(c.Secret); err != nil {
		return Credentials{}, ErrCredsBody
	}
	return c, nil
}

// ParseAPIKeys decodes GET /auth/api-keys: {"apiKeys": [...]} whose items
// are key strings or objects with an "apiKey" (or "key") field (both forms
// are seen; the official type names the objects).
func ParseAPIKeys(body []byte) ([]string, error) {
	var raw struct {
		APIKeys []json.RawMessage `json:"apiKeys"`
	}
	if json.Unmarshal(body, &raw) != nil || raw.APIKeys == nil {
		return nil, ErrAPIKeysBody
	}
	keys := make([]string, 0, len(raw.APIKeys))
	for _, item := range raw.APIKeys {
		var s string
		if json.Unmarshal(item, &s) == nil {
			keys = append(keys, s)
			continue
		}
		var o struct {
			APIKey string `json:"apiKey"`
			Key    string `json:"key"`
		}
		if json.Unmarshal(item, &o) != nil {
			return nil, ErrAPIKeysBody
		}
		if o.APIKey == "" {
			o.APIKey = o.Key
		}
		keys = append(keys, o.APIKey)
	}
	return keys, nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// printable keeps at most n printable ASCII characters of s (venue text shown
// in a report line).
func printable(s string, n int) string {
	b := make([]byte, 0, min(len(s), n))
	for i := 0; i < len(s) && len(b) < n; i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7e {
			b = append(b, c)
		}
	}
	return string(b)
}
