// Package telegramtest is a fake Telegram Bot API for tests: an httptest
// server on 127.0.0.1 that implements getUpdates (long poll with offset)
// and sendMessage, checks the bot token, records every message sent, and
// can be told to answer sendMessage with 429 retry_after.
package telegramtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Message is one sendMessage call received.
type Message struct {
	ChatID int64
	Text   string
}

// Server is the fake Bot API. URL() is the APIBase to configure.
type Server struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	cond     *sync.Cond
	nextID   int64
	updates  []json.RawMessage // pending updates, ids ascending
	ids      []int64
	sent     []Message
	fail429  int // answer the next n sendMessage calls with 429
	retryAft int
	polls    int
	closed   bool
}

// New starts a fake for token.
func New(token string) *Server {
	s := &Server{token: token, nextID: 1}
	s.cond = sync.NewCond(&s.mu)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve)) // listens on 127.0.0.1
	return s
}

// URL is the base URL (use as Config.APIBase).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and releases waiting long polls.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SendText queues a text message from chat (user id = chat id) and returns
// its update id.
func (s *Server) SendText(chat int64, text string) int64 {
	return s.push(map[string]any{
		"message": map[string]any{
			"message_id": 1,
			"from":       map[string]any{"id": chat, "is_bot": false, "first_name": "op"},
			"chat":       map[string]any{"id": chat, "type": "private"},
			"date":       time.Now().Unix(),
			"text":       text,
		},
	})
}

// PushRaw queues an arbitrary update object (update_id is filled in).
func (s *Server) PushRaw(update map[string]any) int64 { return s.push(update) }

func (s *Server) push(u map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	u["update_id"] = id
	b, _ := json.Marshal(u)
	s.updates = append(s.updates, b)
	s.ids = append(s.ids, id)
	s.cond.Broadcast()
	return id
}

// Fail429 makes the next n sendMessage calls fail with 429 and retry_after
// seconds.
func (s *Server) Fail429(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail429, s.retryAft = n, retryAfter
}

// Sent returns a copy of the messages received so far.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent...)
}

// WaitSent waits until at least n messages were sent or timeout passes, and
// returns them.
func (s *Server) WaitSent(n int, timeout time.Duration) []Message {
	deadline := time.Now().Add(timeout)
	for {
		m := s.Sent()
		if len(m) >= n || time.Now().After(deadline) {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Pending is the number of updates not yet confirmed by an offset.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// Polls counts getUpdates calls.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || tok != s.token {
		writeJSON(w, 401, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	var req struct {
		Offset  int64  `json:"offset"`
		Timeout int    `json:"timeout"`
		ChatID  int64  `json:"chat_id"`
		Text    string `json:"text"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	switch method {
	case "getUpdates":
		s.getUpdates(w, r, req.Offset, time.Duration(req.Timeout)*time.Second)
	case "sendMessage":
		s.mu.Lock()
		if s.fail429 > 0 {
			s.fail429--
			ra := s.retryAft
			s.mu.Unlock()
			writeJSON(w, 429, map[string]any{"ok": false, "error_code": 429,
				"description": "Too Many Requests: retry after " + itoa(ra), "parameters": map[string]any{"retry_after": ra}})
			return
		}
		if req.Text == "" {
			s.mu.Unlock()
			writeJSON(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: message text is empty"})
			return
		}
		s.sent = append(s.sent, Message{ChatID: req.ChatID, Text: req.Text})
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": 1, "chat": map[string]any{"id": req.ChatID}, "text": req.Text}})
	default:
		writeJSON(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, offset int64, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	// Wake the cond when the client goes away or the timeout passes.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-stop:
			return
		}
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	s.mu.Lock()
	s.polls++
	// Confirm (drop) updates below offset, as Telegram does.
	for len(s.ids) > 0 && s.ids[0] < offset {
		s.ids, s.updates = s.ids[1:], s.updates[1:]
	}
	for len(s.updates) == 0 && !s.closed && time.Now().Before(deadline) && r.Context().Err() == nil {
		s.cond.Wait()
		for len(s.ids) > 0 && s.ids[0] < offset {
			s.ids, s.updates = s.ids[1:], s.updates[1:]
		}
	}
	res := append([]json.RawMessage{}, s.updates...)
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"ok": true, "result": res})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
