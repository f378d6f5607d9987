// Package logx builds hotpath's structured logger: zerolog JSON lines through
// a non-blocking writer (zerolog's diode ring: a full ring drops lines and
// counts them, it never blocks the caller), secret redaction, and output to
// stderr/stdout (right under systemd: journald captures it) or to a file with
// size-based rotation.
//
// Even so, the hot path does not log (design §4): stages count into atomics
// and cold goroutines log. The pipeline is
//
//	zerolog.Logger → diode ring (caller returns) → redaction → stderr | RotatingFile
//
// so the redaction scan and the write happen on the diode's reader goroutine.
package logx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/diode"
)

// Config selects level, destination and buffering.
type Config struct {
	// Level is a zerolog level name: trace, debug, info (default), warn, error.
	Level string
	// Output is "stderr" (default), "stdout", or a file path.
	Output string
	// MaxBytes rotates a file output when it would grow past this size
	// (default 100 MiB). Ignored for stderr/stdout.
	MaxBytes int64
	// MaxBackups is how many rotated files (path.1 … path.N) are kept
	// (default 5).
	MaxBackups int
	// RingLines is the diode ring capacity in lines (default 4096); when the
	// writer falls behind by more, lines are dropped and counted.
	RingLines int
	// PollInterval is how often the ring's reader polls when idle (default
	// 10 ms). Polling keeps the writer side lock-free.
	PollInterval time.Duration
}

// Logger is the process logger and what it owns.
type Logger struct {
	zerolog.Logger
	diode   diode.Writer
	sink    io.Writer
	dropped *atomic.Uint64
}

// New builds the logger. red may be nil (no redaction); secrets are usually
// registered on it before New and may be added later. Close flushes.
func New(cfg Config, red *Redactor) (*Logger, error) {
	lvl := zerolog.InfoLevel
	if cfg.Level != "" {
		var err error
		if lvl, err = zerolog.ParseLevel(strings.ToLower(cfg.Level)); err != nil {
			return nil, fmt.Errorf("logx: level %q: %w", cfg.Level, err)
		}
	}
	var sink io.Writer
	switch cfg.Output {
	case "", "stderr":
		sink = os.Stderr
	case "stdout":
		sink = os.Stdout
	default:
		f, err := OpenRotating(cfg.Output, cfg.MaxBytes, cfg.MaxBackups)
		if err != nil {
			return nil, err
		}
		sink = f
	}
	return newLogger(sink, lvl, cfg, red), nil
}

// NewWriter builds a logger on any sink (tests, embedding). The sink is
// closed by Close when it implements io.Closer.
func NewWriter(sink io.Writer, level zerolog.Level, cfg Config, red *Redactor) *Logger {
	return newLogger(sink, level, cfg, red)
}

func newLogger(sink io.Writer, lvl zerolog.Level, cfg Config, red *Redactor) *Logger {
	if cfg.RingLines <= 0 {
		cfg.RingLines = 4096
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	// The diode closes its writer if that is an io.Closer; hide the sink's
	// Close so that Close decides (never closing stderr/stdout).
	var w io.Writer = writerOnly{sink}
	if red != nil {
		w = red.Writer(sink)
	}
	l := &Logger{sink: sink, dropped: new(atomic.Uint64)}
	dropped := l.dropped
	l.diode = diode.NewWriter(w, cfg.RingLines, cfg.PollInterval, func(missed int) { dropped.Add(uint64(missed)) })
	l.Logger = zerolog.New(l.diode).Level(lvl).With().Timestamp().Logger()
	return l
}

// Dropped is the number of lines dropped because the ring was full (export
// it as hotpath_log_dropped_total).
func (l *Logger) Dropped() uint64 { return l.dropped.Load() }

// Close drains the ring, then closes the sink if it is a file. Lines logged
// after Close are lost.
func (l *Logger) Close() error {
	err := l.diode.Close()
	if c, ok := l.sink.(io.Closer); ok && l.sink != os.Stderr && l.sink != os.Stdout {
		if cerr := c.Close(); cerr != nil && !errors.Is(cerr, os.ErrClosed) {
			err = errors.Join(err, cerr)
		}
	}
	return err
}

// UnderSystemd reports whether stderr is connected to journald (systemd sets
// JOURNAL_STREAM for services whose output goes to the journal). Plain JSON
// lines on stderr are then the right output: journald timestamps and stores
// them, `journalctl -u hotpath -o cat | jq` reads them back.
func UnderSystemd() bool { return os.Getenv("JOURNAL_STREAM") != "" }

// writerOnly hides everything but Write.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }
