package logx

import (
	"io"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// BenchmarkLogInfo is the caller's cost of one structured line through the
// diode ring (the write and redaction happen on the reader goroutine).
func BenchmarkLogInfo(b *testing.B) {
	var red Redactor
	red.Add(privKey, tgToken)
	l := NewWriter(io.Discard, zerolog.InfoLevel, Config{RingLines: 1 << 14, PollInterval: time.Millisecond}, &red)
	defer l.Close()
	b.ReportAllocs()
	for b.Loop() {
		l.Info().Int("conn", 1).Str("state", "live").Msg("feed state")
	}
}

// BenchmarkRedactClean is the reader goroutine's cost for a line without
// secrets (the common case: scanned, not copied).
func BenchmarkRedactClean(b *testing.B) {
	var red Redactor
	red.Add(privKey, apiSecret, passphrase, tgToken)
	line := []byte(`{"level":"info","conn":1,"state":"live","time":"2026-11-21T09:00:00Z","message":"feed state"}` + "\n")
	b.ReportAllocs()
	for b.Loop() {
		red.RedactBytes(line)
	}
}
