package preflight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/sign"
)

// maxAnswer bounds a REST answer read by the checks.
const maxAnswer = 1 << 20

// Venue is a small client of the CLOB REST API for the pre-flight checks and
// key management (cold path; it allocates freely). It never puts a
// credential into an error. Safe for concurrent use.
type Venue struct {
	base      string // no trailing slash
	hc        *http.Client
	now       func() time.Time
	forbidden atomic.Bool
}

// NewVenue returns a client of the CLOB at baseURL (http or https). hc nil
// means a client with a 10 s timeout; now nil means time.Now (it stamps
// POLY_TIMESTAMP).
func NewVenue(baseURL string, hc *http.Client, now func() time.Time) (*Venue, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("preflight: CLOB URL %q is not an absolute http(s) URL", baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Venue{base: strings.TrimRight(baseURL, "/"), hc: hc, now: now}, nil
}

// Forbidden reports whether any answer so far was 403 Forbidden (the venue's
// geoblock answer).
func (v *Venue) Forbidden() bool { return v.forbidden.Load() }

// StatusError is a non-2xx answer. Message is the venue's error text (the
// "error" or "error_msg" field, or the start of the body), cleaned for one
// report line.
type StatusError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
}

// StatusOf returns the HTTP status of a *StatusError in err's chain, or 0.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// Auth is what an L2 request is signed with: the signer EOA (POLY_ADDRESS)
// and the API credentials.
type Auth struct {
	Address common.Address
	Creds   Credentials
}

// Get sends an unauthenticated GET and returns the body of a 2xx answer.
func (v *Venue) Get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	return v.do(ctx, http.MethodGet, path, query, nil, nil)
}

// Post sends an unauthenticated POST (body may be nil).
func (v *Venue) Post(ctx context.Context, path string, body []byte) ([]byte, error) {
	return v.do(ctx, http.MethodPost, path, nil, nil, body)
}

// L2 sends an L2-authenticated request: the HMAC covers the timestamp, the
// method, the path without its query, and exactly the body bytes sent
// (protocol.md §6.2).
func (v *Venue) L2(ctx context.Context, a Auth, method, path string, query url.Values, body []byte) ([]byte, error) {
	l2, err := sign.NewL2Signer(a.Creds.Secret)
	if err != nil {
		return nil, fmt.Errorf("API secret: %w", err)
	}
	h := l2.Headers(a.Address, a.Creds.APIKey, a.Creds.Passphrase, v.now().Unix(), method, path, body)
	hdr := http.Header{}
	hdr.Set(sign.HeaderAddress, h.Address)
	hdr.Set(sign.HeaderSignature, h.Signature)
	hdr.Set(sign.HeaderTimestamp, h.Timestamp)
	hdr.Set(sign.HeaderAPIKey, h.APIKey)
	hdr.Set(sign.HeaderPassphrase, h.Passphrase)
	return v.do(ctx, method, path, query, hdr, body)
}

// APIKey L1-signs ClobAuth with s and asks the venue for the API
// credentials of (s, nonce): GET /auth/derive-api-key (deterministic; the
// key must exist) or, with create, POST /auth/api-key (protocol.md §6.1).
func (v *Venue) APIKey(ctx context.Context, s *sign.Signer, chainID, nonce uint64, create bool) (Credentials, error) {
	h, err := s.L1Headers(chainID, strconv.FormatInt(v.now().Unix(), 10), nonce)
	if err != nil {
		return Credentials{}, fmt.Errorf("L1 signature: %w", err)
	}
	hdr := http.Header{}
	hdr.Set(sign.HeaderAddress, h.Address)
	hdr.Set(sign.HeaderSignature, h.Signature)
	hdr.Set(sign.HeaderTimestamp, h.Timestamp)
	hdr.Set(sign.HeaderNonce, h.Nonce)
	method, path := http.MethodGet, "/auth/derive-api-key"
	if create {
		method, path = http.MethodPost, "/auth/api-key"
	}
	body, err := v.do(ctx, method, path, nil, hdr, nil)
	if err != nil {
		return Credentials{}, err
	}
	c, err := ParseCredentials(body)
	if err != nil {
		return Credentials{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return c, nil
}

func (v *Venue) do(ctx context.Context, method, path string, query url.Values, hdr http.Header, body []byte) ([]byte, error) {
	u := v.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "hotpath-doctor")
	resp, err := v.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, cleanNetError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if len(data) > maxAnswer {
		return nil, fmt.Errorf("%s %s: answer larger than %d bytes", method, path, maxAnswer)
	}
	if resp.StatusCode == http.StatusForbidden {
		v.forbidden.Store(true)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Method: method, Path: path, Status: resp.StatusCode, Message: errorText(data)}
	}
	return data, nil
}

// errorText extracts the venue's error message from an error body.
func errorText(b []byte) string {
	var e struct {
		Error    any    `json:"error"`
		ErrorMsg string `json:"error_msg"`
	}
	if json.Unmarshal(b, &e) == nil {
		if s, ok := e.Error.(string); ok && s != "" {
			return printable(s, 160)
		}
		if e.ErrorMsg != "" {
			return printable(e.ErrorMsg, 160)
		}
	}
	return printable(strings.Join(strings.Fields(string(b)), " "), 160)
}

// cleanNetError drops the URL from a *url.Error (the report line names the
// endpoint already) and keeps the cause.
func cleanNetError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}
