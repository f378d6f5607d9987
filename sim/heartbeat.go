package sim

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// heartbeats is the dead-man switch of protocol.md §5.8: once a key has
// sent a heartbeat, missing the deadline cancels all of its orders.
type heartbeats struct {
	mu      sync.Mutex
	byKey   map[string]*hbState
	timeout time.Duration
}

type hbState struct {
	expect   string
	deadline time.Time
	timer    *time.Timer
}

func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request, k *apiKey, body []byte) {
	var req struct {
		ID *string `json:"heartbeat_id"`
	}
	if len(body) > 0 && json.Unmarshal(body, &req) != nil {
		writeErr(w, 400, "Invalid payload")
		return
	}
	hb := &s.hb
	hb.mu.Lock()
	defer hb.mu.Unlock()
	st := hb.byKey[k.Key]
	if r.URL.Path == "/heartbeats" { // legacy: resets the expected id
		if st != nil {
			st.expect = ""
		}
		writeJSON(w, 200, map[string]string{"status": "ok"})
		return
	}
	got := ""
	if req.ID != nil {
		got = *req.ID
	}
	if st != nil && got != st.expect {
		writeJSON(w, 400, map[string]string{"error_msg": "Invalid Heartbeat ID", "heartbeat_id": st.expect})
		return
	}
	if st == nil {
		st = &hbState{}
		hb.byKey[k.Key] = st
		key := k.Key
		st.timer = time.AfterFunc(hb.timeout, func() { s.heartbeatExpired(key, st) })
	} else {
		st.timer.Reset(hb.timeout)
	}
	st.deadline = time.Now().Add(hb.timeout)
	st.expect = s.x.newIDLocked("heartbeat")[2:34]
	writeJSON(w, 200, map[string]string{"heartbeat_id": st.expect})
}

func (s *Server) heartbeatExpired(key string, st *hbState) {
	s.hb.mu.Lock()
	if s.hb.byKey[key] != st || time.Now().Before(st.deadline) {
		s.hb.mu.Unlock()
		return
	}
	delete(s.hb.byKey, key)
	s.hb.mu.Unlock()
	s.x.CancelWhere(key, nil)
}
