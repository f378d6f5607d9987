package market

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClient points a client at srv with fast retries.
func testClient(srv *httptest.Server) *Client {
	c := NewClient(srv.URL, srv.URL)
	c.HTTP = srv.Client()
	c.BaseBackoff = time.Millisecond
	c.MaxBackoff = 5 * time.Millisecond
	c.MaxAttempts = 4
	return c
}

// gammaServer serves /events from events (offset/limit paging) and
// /clob-markets from infos; hook may answer a request first.
type gammaServer struct {
	mu     sync.Mutex
	events []map[string]any
	infos  map[string]string
	hook   func(w http.ResponseWriter, r *http.Request, n int) bool
	log    []string
	times  []time.Time
}

func (g *gammaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.log = append(g.log, r.URL.RequestURI())
	g.times = append(g.times, time.Now())
	n := len(g.log)
	g.mu.Unlock()
	if g.hook != nil && g.hook(w, r, n) {
		return
	}
	switch {
	case r.URL.Path == "/events":
		q := r.URL.Query()
		if q.Get("active") != "true" || q.Get("closed") != "false" {
			http.Error(w, `{"error":"bad filter"}`, http.StatusBadRequest)
			return
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		offset, _ := strconv.Atoi(q.Get("offset"))
		end := min(offset+limit, len(g.events))
		page := []map[string]any{}
		if offset < end {
			page = g.events[offset:end]
		}
		_ = json.NewEncoder(w).Encode(page)
	case strings.HasPrefix(r.URL.Path, "/clob-markets/"):
		cid := strings.TrimPrefix(r.URL.Path, "/clob-markets/")
		body, ok := g.infos[cid]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"market not found"}`))
			return
		}
		_, _ = w.Write([]byte(body))
	default:
		http.NotFound(w, r)
	}
}

func (g *gammaServer) requests() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.log...)
}

func TestEventsPagingWith429And5xx(t *testing.T) {
	gs := &gammaServer{}
	for i := 0; i < 250; i++ {
		gs.events = append(gs.events, map[string]any{"id": strconv.Itoa(i + 1), "title": "e"})
	}
	var once429, once503 sync.Once
	gs.hook = func(w http.ResponseWriter, r *http.Request, n int) bool {
		hit := false
		switch r.URL.Query().Get("offset") {
		case "100":
			once429.Do(func() {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				hit = true
			})
		case "200":
			once503.Do(func() {
				w.WriteHeader(http.StatusServiceUnavailable)
				hit = true
			})
		}
		return hit
	}
	srv := httptest.NewServer(gs)
	defer srv.Close()
	c := testClient(srv)
	evs, err := c.Events(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 250 || evs[0].ID != "1" || evs[249].ID != "250" {
		t.Fatalf("got %d events", len(evs))
	}
	want := []string{"offset=0", "offset=100", "offset=100", "offset=200", "offset=200"}
	got := gs.requests()
	if len(got) != len(want) {
		t.Fatalf("requests = %v", got)
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i], "limit=100&"+w) {
			t.Errorf("request %d = %s, want …%s", i, got[i], w)
		}
	}
	// The retry after the 429 waited for Retry-After (1 s).
	if d := gs.times[2].Sub(gs.times[1]); d < 900*time.Millisecond {
		t.Errorf("retry after 429 came %v later, want ≥ 1 s", d)
	}
}

func TestGetErrors(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/bad":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"Invalid"}`))
		case "/down":
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := testClient(srv)

	_, err := c.get(context.Background(), c.eventsLim, srv.URL+"/bad")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Body, "Invalid") || calls.Load() != 1 {
		t.Fatalf("err = %v, calls = %d", err, calls.Load())
	}
	calls.Store(0)
	_, err = c.get(context.Background(), c.eventsLim, srv.URL+"/down")
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") || calls.Load() != 4 {
		t.Fatalf("err = %v, calls = %d", err, calls.Load())
	}
}

func TestGetHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := testClient(srv)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Events(ctx, 10)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}

	// A long Retry-After is cut short by cancellation too.
	srv429 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv429.Close()
	c = testClient(srv429)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.Events(ctx2, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              time.Second,
		"3":                             3 * time.Second,
		"0":                             0,
		"-5":                            time.Second,
		"junk":                          time.Second,
		"99999":                         time.Hour,
		"Wed, 01 Jul 2026 12:00:07 GMT": 7 * time.Second,
		"Wed, 01 Jul 2026 11:00:00 GMT": 0,
	}
	for h, want := range tests {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestDiscoverEndToEnd(t *testing.T) {
	aug := goodEvent(2, 2)
	aug["negRiskAugmented"] = true
	gs := &gammaServer{
		events: []map[string]any{goodEvent(1, 3), aug},
		infos: map[string]string{
			conditionID(1, 0): clobInfoJSON(1, 0, ""),
			conditionID(1, 1): clobInfoJSON(1, 1, ""),
			// market 2 of event 1: 404, falls back to Gamma
		},
	}
	srv := httptest.NewServer(gs)
	defer srv.Close()
	c := testClient(srv)
	u, err := c.Discover(context.Background(), DiscoverOptions{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Groups) != 2 || u.Groups[0].EventID != "1" {
		t.Fatalf("groups = %+v; exclusions = %+v", u.Groups, u.Exclusions)
	}
	legs := u.Groups[0].Legs
	if legs[0].Sources.Tick != SourceCLOB || legs[2].Sources.Tick != SourceGamma {
		t.Errorf("sources = %+v / %+v", legs[0].Sources, legs[2].Sources)
	}
	if len(u.Warnings) != 1 || !strings.Contains(u.Warnings[0], conditionID(1, 2)) {
		t.Errorf("warnings = %v", u.Warnings)
	}
	if rs := eventReasons(u, "2"); len(rs) != 1 || rs[0] != ReasonAugmented {
		t.Errorf("event 2 reasons = %v", rs)
	}
	// CLOB info was asked only for markets that could be traded.
	for _, r := range gs.requests() {
		if strings.Contains(r, conditionID(2, 0)) || strings.Contains(r, conditionID(2, 1)) {
			t.Errorf("fetched CLOB info for an augmented event's market: %s", r)
		}
	}
}

func TestMarketsPaging(t *testing.T) {
	fixture := readFile(t, "testdata/gamma_markets_2026_06.json")
	var all []json.RawMessage
	if err := json.Unmarshal(fixture, &all); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		if r.URL.Path != "/markets" {
			http.NotFound(w, r)
			return
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		end := min(offset+limit, len(all))
		_ = json.NewEncoder(w).Encode(all[min(offset, end):end])
	}))
	defer srv.Close()
	ms, err := testClient(srv).Markets(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 || ms[0].ID != "540817" || ms[4].ID != "540843" {
		t.Fatalf("markets = %d", len(ms))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || !strings.HasSuffix(seen[2], "limit=2&offset=4") {
		t.Errorf("requests = %v", seen)
	}
}
