// Package journal is hotpath's append-only record of every intent, request,
// response, fill, settlement and unwind. The executor appends a record
// before it acts on it, so a crash at any point leaves a journal that says
// what may have happened, and a restart reconciles it with the venue.
//
// # Format
//
// A journal is a directory of segment files named journal-NNNNNN.log. Each
// record is one line:
//
//	<crc32c of payload, 8 lower-case hex digits> <payload>\n
//
// where payload is a JSON object without newlines. A line whose checksum
// does not match, or which has no newline, can only be the last line of the
// newest segment (a write torn by a crash); Open truncates it and counts it.
// Anywhere else it is corruption and Open fails.
//
// # Durability
//
// Append writes the record with one write(2) before returning, so the record
// survives the death of the process (SIGKILL, panic, OOM kill) — it is in the
// kernel's page cache. Surviving a crash of the machine needs fsync:
//   - SyncEvery: Append also fsyncs (fdatasync) before returning. Safest,
//     slowest (a disk flush on every order).
//   - SyncBackground (default): a background goroutine fdatasyncs whenever
//     records were appended, at most every SyncInterval. A machine crash can
//     lose the last interval; a process crash loses nothing.
//
// # Concurrency
//
// One goroutine appends (the executor). Sync and Close may be called from
// any goroutine. Lock order: syncMu before mu. mu guards the file position
// and is held by Append only while writing; the flush itself runs under
// syncMu alone (fdatasync may run concurrently with write on the same file),
// so a slow disk flush never blocks Append — only a segment rotation waits
// for an in-flight flush.
package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SyncMode says when appended records are flushed to stable storage.
type SyncMode uint8

const (
	// SyncBackground flushes from a background goroutine (see package doc).
	SyncBackground SyncMode = iota
	// SyncEvery flushes inside every Append.
	SyncEvery
)

// Options configure a journal.
type Options struct {
	Sync         SyncMode
	SyncInterval time.Duration // for SyncBackground; default 5ms
	SegmentBytes int64         // rotate after this many bytes; default 64 MiB
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors.
var (
	ErrClosed    = errors.New("journal: closed")
	ErrNewline   = errors.New("journal: record contains a newline")
	ErrCorrupt   = errors.New("journal: corrupt record")
	errBadHeader = errors.New("bad header")
)

// Journal is an open journal. It must not be copied.
type Journal struct {
	dir  string
	opts Options

	syncMu  sync.Mutex // held during a flush; taken before mu
	mu      sync.Mutex
	f       *os.File
	seq     int   // current segment number
	size    int64 // bytes in the current segment
	dirty   bool  // written since the last sync
	closed  bool
	line    []byte // reused write buffer
	stop    chan struct{}
	done    chan struct{}
	syncErr error

	// Recovered is the number of torn records truncated by Open.
	Recovered int
}

// Open opens (creating if needed) the journal in dir and positions it for
// appending after the last complete record.
func Open(dir string, opts Options) (*Journal, error) {
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = 5 * time.Millisecond
	}
	if opts.SegmentBytes <= 0 {
		opts.SegmentBytes = 64 << 20
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{dir: dir, opts: opts, line: make([]byte, 0, 4096)}
	segs, err := segments(dir)
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		if err := j.openSegment(1); err != nil {
			return nil, err
		}
	} else {
		last := segs[len(segs)-1]
		torn, size, err := repairTail(filepath.Join(dir, segName(last)))
		if err != nil {
			return nil, err
		}
		j.Recovered = torn
		f, err := os.OpenFile(filepath.Join(dir, segName(last)), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		j.f, j.seq, j.size = f, last, size
	}
	if opts.Sync == SyncBackground {
		j.stop, j.done = make(chan struct{}), make(chan struct{})
		go j.syncLoop()
	}
	return j, nil
}

func segName(n int) string { return fmt.Sprintf("journal-%06d.log", n) }

func segments(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var out []int
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "journal-") || !strings.HasSuffix(name, ".log") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(name, "journal-"), ".log"))
		if err != nil {
			continue
		}
		out = append(out, n)
	}
	sort.Ints(out)
	return out, nil
}

func (j *Journal) openSegment(n int) error {
	f, err := os.OpenFile(filepath.Join(j.dir, segName(n)), os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if d, err := os.Open(j.dir); err == nil { // make the new name durable
		_ = d.Sync()
		d.Close()
	}
	j.f, j.seq, j.size = f, n, 0
	return nil
}

// repairTail validates every record of the newest segment and truncates a
// torn final record. It returns how many were truncated (0 or 1) and the
// size of the valid prefix.
func repairTail(path string) (int, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) == 0 {
				return 0, good, nil
			}
			// no newline: torn final write
			return 1, good, truncate(f, good)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("journal: %w", err)
		}
		if _, perr := parseLine(line); perr != nil {
			// Torn only if nothing follows it.
			if _, peekErr := r.Peek(1); peekErr == io.EOF {
				return 1, good, truncate(f, good)
			}
			return 0, 0, fmt.Errorf("%w in %s at byte %d: %v", ErrCorrupt, filepath.Base(path), good, perr)
		}
		good += int64(len(line))
	}
}

func truncate(f *os.File, n int64) error {
	if err := f.Truncate(n); err != nil {
		return fmt.Errorf("journal: truncate torn record: %w", err)
	}
	return f.Sync()
}

// parseLine checks a line's checksum and returns its payload.
func parseLine(line []byte) ([]byte, error) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	if len(line) < 10 || line[8] != ' ' {
		return nil, errBadHeader
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return nil, errBadHeader
	}
	payload := line[9:]
	if crc32.Checksum(payload, castagnoli) != uint32(want) {
		return nil, fmt.Errorf("checksum mismatch")
	}
	return payload, nil
}

// Append writes one record. payload must be a single-line JSON object; it
// is copied, so the caller may reuse its buffer. Append does not allocate
// in steady state.
func (j *Journal) Append(payload []byte) error {
	if bytes.IndexByte(payload, '\n') >= 0 {
		return ErrNewline
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	if j.size >= j.opts.SegmentBytes {
		if err := j.rotate(); err != nil {
			return err
		}
	}
	sum := crc32.Checksum(payload, castagnoli)
	l := j.line[:0]
	l = appendHex8(l, sum)
	l = append(l, ' ')
	l = append(l, payload...)
	l = append(l, '\n')
	j.line = l
	if _, err := j.f.Write(l); err != nil {
		return fmt.Errorf("journal: write: %w", err)
	}
	j.size += int64(len(l))
	if j.opts.Sync == SyncEvery {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("journal: sync: %w", err)
		}
		return nil
	}
	j.dirty = true
	return nil
}

func appendHex8(dst []byte, v uint32) []byte {
	const hexdigits = "0123456789abcdef"
	for i := 28; i >= 0; i -= 4 {
		dst = append(dst, hexdigits[(v>>uint(i))&0xf])
	}
	return dst
}

// rotate is called with mu held; it must not wait for syncMu (lock
// order), so it flushes the old segment itself and the background flusher
// skips files that are already closed.
func (j *Journal) rotate() error {
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal: sync before rotate: %w", err)
	}
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("journal: close segment: %w", err)
	}
	return j.openSegment(j.seq + 1)
}

// Sync flushes appended records to stable storage now.
func (j *Journal) Sync() error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	f, dirty := j.f, j.dirty
	j.dirty = false
	j.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		// ErrClosed: rotated meanwhile, and rotate flushed the old segment.
		return fmt.Errorf("journal: sync: %w", err)
	}
	return nil
}

func (j *Journal) syncLoop() {
	defer close(j.done)
	t := time.NewTicker(j.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			if err := j.Sync(); err != nil && !errors.Is(err, ErrClosed) {
				j.mu.Lock()
				if j.syncErr == nil {
					j.syncErr = err
				}
				j.mu.Unlock()
			}
		}
	}
}

// Err returns the first background sync error, if any. The executor checks
// it and stops trading when the journal cannot be made durable.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.syncErr
}

// Close syncs and closes the journal.
func (j *Journal) Close() error {
	if j.stop != nil {
		close(j.stop)
		<-j.done
		j.stop = nil
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	err := j.f.Sync()
	if err != nil {
		err = fmt.Errorf("journal: sync: %w", err)
	}
	if cerr := j.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("journal: close: %w", cerr)
	}
	return err
}

// Replay calls fn with the payload of every record in dir, oldest first.
// The payload slice is only valid during the call. A torn final record is
// skipped (Open truncates it); a corrupt record elsewhere is an error.
func Replay(dir string, fn func(payload []byte) error) error {
	segs, err := segments(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for i, n := range segs {
		if err := replaySegment(filepath.Join(dir, segName(n)), i == len(segs)-1, fn); err != nil {
			return err
		}
	}
	return nil
}

func replaySegment(path string, last bool, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var off int64
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 && !last {
				return fmt.Errorf("%w: %s ends without a newline", ErrCorrupt, filepath.Base(path))
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		payload, perr := parseLine(line)
		if perr != nil {
			if _, peekErr := r.Peek(1); peekErr == io.EOF && last {
				return nil
			}
			return fmt.Errorf("%w in %s at byte %d: %v", ErrCorrupt, filepath.Base(path), off, perr)
		}
		if err := fn(payload); err != nil {
			return err
		}
		off += int64(len(line))
	}
}
