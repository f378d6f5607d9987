package logx

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// syncBuffer is a bytes.Buffer safe for the diode reader and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const (
	privKey    = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	apiSecret  = "c2VjcmV0LWFwaS1rZXk="
	passphrase = `pa"ss\phrase`
	tgToken    = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
)

func TestRedactionInLogLines(t *testing.T) {
	var red Redactor
	red.Add(privKey, apiSecret, passphrase, tgToken, "")
	buf := &syncBuffer{}
	l := NewWriter(buf, zerolog.DebugLevel, Config{PollInterval: time.Millisecond}, &red)
	l.Info().Str("key", privKey).Msg("loaded key")
	l.Info().Msg("secret in message: " + apiSecret + " end")
	l.Warn().Str("pass", passphrase).Msg("quoted")
	l.Error().Err(errors.New(`Get "https://api.telegram.org/bot` + tgToken + `/getUpdates": dial tcp: timeout`)).Msg("telegram")
	l.Debug().Str("k", "x"+privKey+privKey).Msg("twice")
	l.Info().Str("ok", "nothing secret").Msg("plain")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{privKey, apiSecret, passphrase, jsonEscape(passphrase), tgToken, "ABC-DEF1234"} {
		if strings.Contains(out, s) {
			t.Errorf("secret %q leaked:\n%s", s, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	for _, ln := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Errorf("line is not JSON after redaction: %v: %s", err, ln)
		}
	}
	for _, want := range []string{
		`"key":"[REDACTED]"`,
		`secret in message: [REDACTED] end`,
		`"pass":"[REDACTED]"`,
		`bot[REDACTED]/getUpdates`,
		`"k":"x[REDACTED][REDACTED]"`,
		`"ok":"nothing secret"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestRedactHelper(t *testing.T) {
	var red Redactor
	if got := red.Redact("x " + tgToken); got != "x "+tgToken {
		t.Errorf("empty redactor changed input: %q", got)
	}
	red.Add("abc", "abcdef") // one secret contains the other: longest wins
	red.Add("abc")           // duplicate ignored
	if got := red.Redact("1abcdef2abc3"); got != "1[REDACTED]2[REDACTED]3" {
		t.Errorf("got %q", got)
	}
	p := []byte("clean line")
	if q := red.RedactBytes(p); &q[0] != &p[0] {
		t.Error("clean line was copied")
	}
	if got := string(red.RedactBytes([]byte("zabcz"))); got != "z[REDACTED]z" {
		t.Errorf("got %q", got)
	}
}

func TestLevelAndDropped(t *testing.T) {
	buf := &syncBuffer{}
	l := NewWriter(buf, zerolog.WarnLevel, Config{}, nil)
	l.Info().Msg("hidden")
	l.Warn().Msg("shown")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, "shown") || !strings.Contains(out, `"time":`) {
		t.Errorf("got %q", out)
	}
	if _, err := New(Config{Level: "loud"}, nil); err == nil {
		t.Error("bad level accepted")
	}
}

// blockingWriter blocks every write until released, to fill the ring.
type blockingWriter struct {
	release chan struct{}
	buf     syncBuffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return b.buf.Write(p)
}

func TestNonBlockingDropsWhenFull(t *testing.T) {
	bw := &blockingWriter{release: make(chan struct{})}
	l := NewWriter(bw, zerolog.InfoLevel, Config{RingLines: 8, PollInterval: time.Millisecond}, nil)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 1000; i++ {
			l.Info().Int("i", i).Msg("x")
		}
		close(done)
	}()
	select {
	case <-done: // the caller never blocked although the sink is stuck
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on a stuck sink")
	}
	close(bw.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Dropped() == 0 {
		t.Errorf("dropped = 0 with an 8-line ring and 1000 lines (wrote %d bytes)", len(bw.buf.String()))
	}
}

func TestFileOutputRotates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotpath.log")
	var red Redactor
	red.Add(tgToken)
	l, err := New(Config{Output: path, MaxBytes: 400, MaxBackups: 2, PollInterval: time.Millisecond}, &red)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		l.Info().Int("i", i).Str("t", tgToken).Msg("line line line")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hotpath.log", "hotpath.log.1", "hotpath.log.2"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || len(b) > 400 {
			t.Errorf("%s: %d bytes", name, len(b))
		}
		if bytes.Contains(b, []byte(tgToken)) {
			t.Errorf("%s: token leaked", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hotpath.log.3")); !os.IsNotExist(err) {
		t.Errorf("backup beyond MaxBackups exists: %v", err)
	}
	last, _ := os.ReadFile(path)
	if !strings.Contains(string(last), `"i":39`) {
		t.Errorf("newest line not in current file: %s", last)
	}
}

func TestUnderSystemd(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "")
	if UnderSystemd() {
		t.Error("true without JOURNAL_STREAM")
	}
	t.Setenv("JOURNAL_STREAM", "8:12345")
	if !UnderSystemd() {
		t.Error("false with JOURNAL_STREAM")
	}
}
