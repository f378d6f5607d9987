package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hotpath/hotpath/exec"
	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/sign"
)

// Environment variables (or systemd credentials) holding L2 API
// credentials.
const (
	EnvAPIKey        = "HOTPATH_API_KEY"
	EnvAPISecret     = "HOTPATH_API_SECRET"
	EnvAPIPassphrase = "HOTPATH_API_PASSPHRASE"
)

// CredentialsFromEnv reads the L2 API credentials from the environment or
// systemd credentials. ok is false when none is set; a partial set is an
// error (never guess the missing part).
func CredentialsFromEnv() (c exec.Credentials, ok bool, err error) {
	var vals [3]string
	var set int
	for i, name := range []string{EnvAPIKey, EnvAPISecret, EnvAPIPassphrase} {
		v, src, err := creds.Lookup(name)
		if err != nil {
			return c, false, err
		}
		if src != creds.None {
			set++
		}
		vals[i] = v
	}
	switch set {
	case 0:
		return c, false, nil
	case 3:
		return exec.Credentials{APIKey: vals[0], Secret: vals[1], Passphrase: vals[2]}, true, nil
	}
	return c, false, fmt.Errorf("API credentials: set all of %s, %s and %s, or none (they are then derived with the key)", EnvAPIKey, EnvAPISecret, EnvAPIPassphrase)
}

// DeriveCredentials obtains L2 API credentials with an L1 (ClobAuth)
// signature (protocol.md §6.1): GET /auth/derive-api-key, and when the venue
// has none for this key yet, POST /auth/api-key. Nothing secret appears in
// its errors.
func DeriveCredentials(ctx context.Context, clobURL string, s *sign.Signer, chainID uint64, hc *http.Client) (exec.Credentials, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	base := strings.TrimRight(clobURL, "/")
	try := func(method, path string) (exec.Credentials, int, error) {
		var c exec.Credentials
		h, err := s.L1Headers(chainID, strconv.FormatInt(time.Now().Unix(), 10), 0)
		if err != nil {
			return c, 0, err
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, nil)
		if err != nil {
			return c, 0, err
		}
		req.Header.Set(sign.HeaderAddress, h.Address)
		req.Header.Set(sign.HeaderSignature, h.Signature)
		req.Header.Set(sign.HeaderTimestamp, h.Timestamp)
		req.Header.Set(sign.HeaderNonce, h.Nonce)
		resp, err := hc.Do(req)
		if err != nil {
			return c, 0, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return c, resp.StatusCode, err
		}
		if resp.StatusCode != http.StatusOK {
			return c, resp.StatusCode, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
		}
		var v struct {
			APIKey     string `json:"apiKey"`
			Secret     string `json:"secret"`
			Passphrase string `json:"passphrase"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.APIKey == "" || v.Secret == "" {
			return c, resp.StatusCode, fmt.Errorf("%s %s: no credentials in the response", method, path)
		}
		return exec.Credentials{APIKey: v.APIKey, Secret: v.Secret, Passphrase: v.Passphrase}, resp.StatusCode, nil
	}
	c, _, err := try(http.MethodGet, "/auth/derive-api-key")
	if err == nil {
		return c, nil
	}
	c, _, err2 := try(http.MethodPost, "/auth/api-key")
	if err2 == nil {
		return c, nil
	}
	return c, fmt.Errorf("deriving API credentials: %v; creating them: %v", err, err2)
}
