package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Public hosts (protocol.md §1).
const (
	DefaultGammaURL = "https://gamma-api.polymarket.com"
	DefaultClobURL  = "https://clob.polymarket.com"
)

// maxBody bounds one response; a full /events page is a few MB.
const maxBody = 64 << 20

// Client reads Gamma and the CLOB's market-info endpoint. Each endpoint
// family has its own token bucket set under the documented Cloudflare
// limits (protocol.md §10.1): /events 500 per 10 s, /markets 300 per 10 s,
// CLOB general 9,000 per 10 s. It retries 5xx and transport errors with
// exponential backoff and honours 429 Retry-After. The zero value is not
// usable; call NewClient.
type Client struct {
	GammaURL string
	ClobURL  string
	HTTP     *http.Client

	MaxAttempts   int           // per request, including the first
	BaseBackoff   time.Duration // first retry delay after a 5xx; doubles each time
	MaxBackoff    time.Duration
	MaxRetryAfter time.Duration // a longer Retry-After is capped to this
	MaxPages      int           // paging stops with an error beyond this

	eventsLim, marketsLim, clobLim *Limiter
}

// NewClient returns a client for the given hosts (empty = the public
// ones) with limits at 90% of the documented ones.
func NewClient(gammaURL, clobURL string) *Client {
	if gammaURL == "" {
		gammaURL = DefaultGammaURL
	}
	if clobURL == "" {
		clobURL = DefaultClobURL
	}
	return &Client{
		GammaURL:      strings.TrimRight(gammaURL, "/"),
		ClobURL:       strings.TrimRight(clobURL, "/"),
		HTTP:          &http.Client{Timeout: 30 * time.Second},
		MaxAttempts:   6,
		BaseBackoff:   250 * time.Millisecond,
		MaxBackoff:    8 * time.Second,
		MaxRetryAfter: 60 * time.Second,
		MaxPages:      2000,
		eventsLim:     NewLimiter(450, 10*time.Second, 20),
		marketsLim:    NewLimiter(270, 10*time.Second, 20),
		clobLim:       NewLimiter(900, 10*time.Second, 20),
	}
}

// StatusError is a non-retryable HTTP status (4xx other than 429).
type StatusError struct {
	URL    string
	Status int
	Body   string // first bytes of the body
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d: %s", e.URL, e.Status, e.Body)
}

// errRetry marks an attempt that failed in a retryable way.
var errRetry = errors.New("market: retryable failure")

// get fetches u under lim, retrying as documented on Client.
func (c *Client) get(ctx context.Context, lim *Limiter, u string) ([]byte, error) {
	var last error
	for attempt := 0; attempt < c.MaxAttempts; attempt++ {
		if err := lim.Wait(ctx); err != nil {
			return nil, err
		}
		body, wait, err := c.try(ctx, lim, u)
		if err == nil {
			return body, nil
		}
		if !errors.Is(err, errRetry) {
			return nil, err
		}
		last = err
		if wait == 0 { // 5xx or transport error: exponential backoff with jitter
			d := c.BaseBackoff << attempt
			if d > c.MaxBackoff || d <= 0 {
				d = c.MaxBackoff
			}
			wait = d/2 + rand.N(d/2+1)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("GET %s: giving up after %d attempts: %w", u, c.MaxAttempts, last)
}

// try makes one request. A retryable failure wraps errRetry; wait > 0 is
// the server's Retry-After, already applied to lim.
func (c *Client) try(ctx context.Context, lim *Limiter, u string) (body []byte, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("GET %s: %w: %w", u, errRetry, err)
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if wait > c.MaxRetryAfter {
			wait = c.MaxRetryAfter
		}
		lim.Defer(time.Now().Add(wait))
		return nil, wait, fmt.Errorf("GET %s: HTTP 429, retry after %v: %w", u, wait, errRetry)
	case resp.StatusCode >= 500:
		return nil, 0, fmt.Errorf("GET %s: HTTP %d: %w", u, resp.StatusCode, errRetry)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		snippet := body
		if len(snippet) > 200 {
			snippet = snippet[:200]
		}
		return nil, 0, &StatusError{URL: u, Status: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	case rerr != nil:
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		return nil, 0, fmt.Errorf("GET %s: reading body: %w: %w", u, errRetry, rerr)
	case len(body) > maxBody:
		return nil, 0, fmt.Errorf("GET %s: response larger than %d bytes", u, maxBody)
	}
	return body, 0, nil
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date.
// Missing or unreadable means 1 s.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return time.Second
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return time.Second
		}
		if s > 3600 {
			s = 3600
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return time.Second
}

// Events pages `GET /events?active=true&closed=false` until a short page.
func (c *Client) Events(ctx context.Context, pageSize int) ([]Event, error) {
	var all []Event
	err := c.page(ctx, c.eventsLim, "/events", pageSize, func(b []byte) (int, error) {
		evs, err := DecodeEvents(b)
		all = append(all, evs...)
		return len(evs), err
	})
	return all, err
}

// Markets pages `GET /markets?active=true&closed=false` until a short page.
func (c *Client) Markets(ctx context.Context, pageSize int) ([]Market, error) {
	var all []Market
	err := c.page(ctx, c.marketsLim, "/markets", pageSize, func(b []byte) (int, error) {
		ms, err := DecodeMarkets(b)
		all = append(all, ms...)
		return len(ms), err
	})
	return all, err
}

func (c *Client) page(ctx context.Context, lim *Limiter, path string, pageSize int, decode func([]byte) (int, error)) error {
	if pageSize <= 0 {
		pageSize = 100
	}
	offset := 0
	for p := 0; p < c.MaxPages; p++ {
		u := fmt.Sprintf("%s%s?active=true&closed=false&limit=%d&offset=%d", c.GammaURL, path, pageSize, offset)
		body, err := c.get(ctx, lim, u)
		if err != nil {
			return err
		}
		n, err := decode(body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		if n < pageSize {
			return nil
		}
		offset += n
	}
	return fmt.Errorf("GET %s%s: more than %d pages", c.GammaURL, path, c.MaxPages)
}

// ClobMarket fetches `GET /clob-markets/{condition_id}`.
func (c *Client) ClobMarket(ctx context.Context, conditionID string) (ClobMarketInfo, error) {
	body, err := c.get(ctx, c.clobLim, c.ClobURL+"/clob-markets/"+url.PathEscape(conditionID))
	if err != nil {
		return ClobMarketInfo{}, err
	}
	info, err := DecodeClobMarketInfo(body)
	if err != nil {
		return ClobMarketInfo{}, fmt.Errorf("clob market %s: %w", conditionID, err)
	}
	return info, nil
}

// DiscoverOptions tune Discover.
type DiscoverOptions struct {
	PageSize      int  // Gamma page size; default 100
	IncludeBinary bool // add binary YES+NO pair groups
	SkipClob      bool // use Gamma fields only
	ClobWorkers   int  // concurrent CLOB requests; default 4
}

// Discover pages Gamma's events, fetches CLOB market info for every market
// that could be traded, and builds the universe. A CLOB failure for one
// market falls back to Gamma fields (recorded in Universe.Warnings); a
// Gamma failure or a cancelled ctx is an error.
func (c *Client) Discover(ctx context.Context, opt DiscoverOptions) (*Universe, error) {
	events, err := c.Events(ctx, opt.PageSize)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	bo := Options{IncludeBinary: opt.IncludeBinary}
	if !opt.SkipClob {
		bo.ClobInfo, bo.ClobErrors = c.clobInfos(ctx, candidateConditions(events, opt.IncludeBinary), opt.ClobWorkers)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("discover: %w", err)
		}
	}
	return Build(events, bo), nil
}

// candidateConditions lists the condition ids worth a CLOB request: every
// market of an event that may pass the event gate, and with binary pairs
// every market Gamma says is open.
func candidateConditions(events []Event, binary bool) []string {
	seen := map[string]bool{}
	var out []string
	for i := range events {
		e := &events[i]
		basket := (e.NegRisk.True() || e.EnableNegRisk.True()) && e.NegRiskAugmented.False()
		for j := range e.Markets {
			m := &e.Markets[j]
			cid := strings.TrimSpace(string(m.ConditionID))
			if cid == "" || seen[cid] {
				continue
			}
			open := m.Active.True() && m.Closed.False() && m.AcceptingOrders.True()
			if basket || (binary && open) {
				seen[cid] = true
				out = append(out, cid)
			}
		}
	}
	return out
}

func (c *Client) clobInfos(ctx context.Context, conds []string, workers int) (map[string]ClobMarketInfo, map[string]error) {
	if workers <= 0 {
		workers = 4
	}
	infos := make(map[string]ClobMarketInfo, len(conds))
	errs := map[string]error{}
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for cid := range work {
				info, err := c.ClobMarket(ctx, cid)
				mu.Lock()
				if err != nil {
					if ctx.Err() == nil {
						errs[cid] = err
					}
				} else {
					infos[cid] = info
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, cid := range conds {
		select {
		case work <- cid:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return infos, errs
}
