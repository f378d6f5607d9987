package telegram

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
	"time"
)

// DefaultAPIBase is the public Bot API. Tests point APIBase at a local fake.
const DefaultAPIBase = "https://api.telegram.org"

// maxBody caps a Bot API response read (getUpdates returns ≤ 100 updates).
const maxBody = 4 << 20

// MaxMessageLen is Telegram's limit on a message's text (UTF-16 units; we
// count bytes, which is stricter).
const MaxMessageLen = 4096

// Client is a minimal Bot API client: getUpdates (long poll) and
// sendMessage, over net/http. The token is part of every request URL
// (https://api.telegram.org/bot<token>/<method>), so every error it returns
// has the token replaced by [REDACTED].
type Client struct {
	base  string // without trailing slash
	token string
	http  *http.Client
}

// NewClient returns a client for token at base (DefaultAPIBase when empty).
// hc may be nil (a private http.Client is used; requests are bounded by
// their contexts).
func NewClient(base, token string, hc *http.Client) (*Client, error) {
	if token == "" {
		return nil, errors.New("telegram: empty bot token")
	}
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("telegram: bad API base URL %q", base)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: strings.TrimRight(base, "/"), token: token, http: hc}, nil
}

// RequestError is a transport failure with the token removed from its text.
type RequestError struct {
	Method string
	msg    string // redacted
	err    error  // the transport cause (url.Error's Err: no URL inside)
}

func (e *RequestError) Error() string { return "telegram " + e.Method + ": " + e.msg }

// Unwrap returns the transport cause (context.DeadlineExceeded, a net.OpError…).
func (e *RequestError) Unwrap() error { return e.err }

func (c *Client) redact(s string) string { return strings.ReplaceAll(s, c.token, "[REDACTED]") }

// call POSTs a JSON body to method and returns the envelope's result.
func (c *Client) call(ctx context.Context, method string, body any) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("telegram %s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/bot"+c.token+"/"+method, bytes.NewReader(b))
	if err != nil {
		return nil, &RequestError{Method: method, msg: c.redact(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		cause := err
		var ue *url.Error
		if errors.As(err, &ue) {
			cause = ue.Err // drop the URL, keep the cause for errors.Is
		}
		return nil, &RequestError{Method: method, msg: c.redact(cause.Error()), err: cause}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &RequestError{Method: method, msg: c.redact("read body: " + err.Error()), err: err}
	}
	res, err := parseEnvelope(method, data)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) {
			ae.Description = c.redact(ae.Description)
			if ae.Code == 0 {
				ae.Code = resp.StatusCode
			}
			return nil, ae
		}
		return nil, fmt.Errorf("%s (HTTP %d)", c.redact(err.Error()), resp.StatusCode)
	}
	return res, nil
}

// GetUpdates long-polls for updates with update_id ≥ offset, waiting up to
// timeout on the server. ctx should allow timeout plus a margin.
func (c *Client) GetUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]Update, error) {
	body := map[string]any{
		"offset":          offset,
		"timeout":         int(timeout / time.Second),
		"allowed_updates": []string{"message"},
	}
	res, err := c.call(ctx, "getUpdates", body)
	if err != nil {
		return nil, err
	}
	return decodeUpdates(res)
}

// SendMessage sends plain text (no parse mode: nothing to escape) to chatID,
// truncated to MaxMessageLen.
func (c *Client) SendMessage(ctx context.Context, chatID int64, text string) error {
	_, err := c.call(ctx, "sendMessage", map[string]any{
		"chat_id":                  chatID,
		"text":                     truncate(text, MaxMessageLen),
		"disable_web_page_preview": true,
	})
	return err
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "\n…(truncated)"
	cut := n - len(mark)
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 { // inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + mark
}

// chatIDString formats a chat id for messages.
func chatIDString(id int64) string { return strconv.FormatInt(id, 10) }
