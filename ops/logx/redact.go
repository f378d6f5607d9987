package logx

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// Placeholder replaces every registered secret.
const Placeholder = "[REDACTED]"

// Redactor replaces registered secrets (private key, API secret, passphrase,
// Telegram token, …) by Placeholder. Register secrets at start-up, before
// anything can log them; Add is safe to call later too. Each secret is also
// matched in its JSON-escaped form, as zerolog writes it.
//
// The zero value is ready to use.
type Redactor struct {
	mu      sync.Mutex               // serialises Add
	secrets atomic.Pointer[[][]byte] // copy-on-write list, read without locks
	rep     atomic.Pointer[strings.Replacer]
}

// Add registers a secret. Empty strings are ignored. Short secrets are
// accepted (better a shredded log line than a leaked key).
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var list [][]byte
	if p := r.secrets.Load(); p != nil {
		list = append(list, *p...)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		list = appendUnique(list, []byte(s))
		if esc := jsonEscape(s); esc != s {
			list = appendUnique(list, []byte(esc))
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && len(list[j]) > len(list[j-1]); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, string(s), Placeholder)
	}
	r.secrets.Store(&list)
	r.rep.Store(strings.NewReplacer(pairs...))
}

func appendUnique(list [][]byte, s []byte) [][]byte {
	for _, have := range list {
		if bytes.Equal(have, s) {
			return list
		}
	}
	return append(list, s)
}

// jsonEscape returns s as it appears inside a JSON string (without quotes,
// HTML characters left alone, as zerolog writes them).
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// Redact returns s with every registered secret replaced. Use it on any
// string that leaves the process by another route than the logger (error
// messages sent to Telegram, HTTP error bodies).
func (r *Redactor) Redact(s string) string {
	rep := r.rep.Load()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// RedactBytes returns p with every registered secret replaced; p itself is
// returned (no copy) when it contains none.
func (r *Redactor) RedactBytes(p []byte) []byte {
	sp := r.secrets.Load()
	if sp == nil {
		return p
	}
	found := false
	for _, s := range *sp {
		if bytes.Contains(p, s) {
			found = true
			break
		}
	}
	if !found {
		return p
	}
	return []byte(r.rep.Load().Replace(string(p)))
}

// Writer wraps w so that every Write is redacted first. One Write is one log
// line (zerolog and the diode both write whole lines), so a secret is never
// split across calls.
func (r *Redactor) Writer(w io.Writer) io.Writer { return &redactWriter{r: r, w: w} }

type redactWriter struct {
	r *Redactor
	w io.Writer
}

// Write reports len(p) on success even when the redacted line differs in length.
func (rw *redactWriter) Write(p []byte) (int, error) {
	if _, err := rw.w.Write(rw.r.RedactBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
