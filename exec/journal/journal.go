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
// The newest segment of a journal that is open, or whose process or machine
// crashed, may end in zero bytes after its last record: space allocated
// ahead of the records (see Durability). Open and Replay skip them (a torn
// record may lie between the last record and the zeros); a segment closed
// by Close or by a rotation is cut to its records, so at rest every segment
// holds records only.
//
// # Durability
//
// The newest segment is mapped shared into memory, and the file is extended
// ahead of the records by writing zeros (written blocks, so a flush has no
// extents to convert and a store into a page finds it in the page cache).
// Append copies the record into the mapping: the bytes are then in the
// kernel's page cache — the mapping is the page cache — and survive the
// death of the process (SIGKILL, panic, OOM kill) exactly like a write(2)
// would, without a system call. Extending ahead means a full disk is
// reported by Append (or by Err, when the background goroutine meets it) as
// an error, as write(2) would, never as a SIGBUS; a fault on the mapping (an
// I/O error paging in the partially written page) is also caught and
// returned as ErrFault, after which the journal refuses further appends.
//
// Surviving a crash of the machine needs the pages on disk. fsync(2) writes
// back the pages dirtied through the mapping (on Linux it is what
// msync(MS_SYNC) does) and the file size:
//   - SyncEvery: Append also fsyncs before returning. Safest, slowest (a
//     disk flush on every order).
//   - SyncBackground (default): a background goroutine fsyncs whenever
//     records were appended, at most every SyncInterval. A machine crash can
//     lose the last interval (the lost pages read back as zeros or as a
//     torn tail, which Open repairs); a process crash loses nothing.
//
// On every tick the background goroutine also keeps at least 512 KiB of
// zeros ahead of the records (in 1 MiB steps, writing them without holding
// the lock Append takes). After each flush (Sync), and on every tick, the
// page the next record goes to and the one after it are re-dirtied by
// storing a zero into the unused space: a flush (ours, or the kernel's own
// writeback) write-protects the pages it cleaned, and the store that finds
// one protected pays the page fault there rather than in Append.
//
// # Concurrency
//
// One goroutine appends (the executor). Sync and Close may be called from
// any goroutine. Lock order: syncMu, mu, growMu. mu guards the mapping,
// the file and the record positions and is held by Append only while
// copying; the flush itself runs under syncMu alone (fsync may run
// concurrently with stores into the mapping), so a slow disk flush never
// blocks Append — only a segment rotation waits for an in-flight flush.
// growMu guards extending the file; the background goroutine writes zeros
// under growMu alone, and Append takes it only when it runs out of space
// (or rotates).
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
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
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
	ErrClosed  = errors.New("journal: closed")
	ErrNewline = errors.New("journal: record contains a newline")
	ErrCorrupt = errors.New("journal: corrupt record")
	// ErrFault: a store into the mapped segment faulted (an I/O error); the
	// record may be incomplete and the journal accepts no more records.
	ErrFault     = errors.New("journal: fault writing the mapped segment")
	errBadHeader = errors.New("bad header")
)

const (
	pageSize = 4096
	// allocChunk is how much the file is extended at a time ahead of the
	// records; the background goroutine extends when less than
	// allocChunk/2 is left.
	allocChunk = 1 << 20
	// mapSlack is mapped beyond SegmentBytes, so a record that starts
	// just before the rotation threshold still fits without remapping.
	mapSlack = 64 << 10
)

// Journal is an open journal. It must not be copied.
type Journal struct {
	dir  string
	opts Options

	syncMu sync.Mutex   // held during a flush; taken before mu
	mu     sync.Mutex   // taken before growMu
	growMu sync.Mutex   // held while extending the file; f changes under mu and growMu
	f      *os.File     // nil between segments (a failed rotation)
	m      []byte       // the current segment, mapped shared read-write
	seq    int          // current segment number
	size   int64        // bytes of records in the current segment
	alloc  atomic.Int64 // file size: zeros from size to alloc; stored under growMu
	dirty  bool         // written since the last sync
	closed bool
	failed error // ErrFault once a store faulted
	stop   chan struct{}
	done   chan struct{}

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
	j := &Journal{dir: dir, opts: opts}
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
		path := filepath.Join(dir, segName(last))
		torn, size, err := repairTail(path)
		if err != nil {
			return nil, err
		}
		j.Recovered = torn
		f, err := os.OpenFile(path, os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		if err := j.mapSegment(f, last, size); err != nil {
			f.Close()
			return nil, err
		}
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
	f, err := os.OpenFile(filepath.Join(j.dir, segName(n)), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if d, err := os.Open(j.dir); err == nil { // make the new name durable
		_ = d.Sync()
		d.Close()
	}
	if err := j.mapSegment(f, n, 0); err != nil {
		f.Close()
		return err
	}
	return nil
}

func roundUp(n, to int64) int64 { return (n + to - 1) / to * to }

// mapSegment makes f (whose records end at size; the file holds nothing
// after them) the current segment: it maps the segment and writes the
// first chunk of zeros. Called with mu held, or before the journal is
// shared.
func (j *Journal) mapSegment(f *os.File, seq int, size int64) error {
	mapLen := roundUp(max(j.opts.SegmentBytes, size)+mapSlack, pageSize)
	m, err := unix.Mmap(int(f.Fd()), 0, int(mapLen), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("journal: map segment: %w", err)
	}
	j.growMu.Lock()
	defer j.growMu.Unlock()
	j.alloc.Store(size)
	if err := j.extend(f, size+1, int64(len(zeros)), mapLen); err != nil { // the background goroutine extends further
		_ = unix.Munmap(m)
		return err
	}
	j.f, j.m, j.seq, j.size = f, m, seq, size
	return nil
}

// zeros is what extend writes.
var zeros [64 << 10]byte

// extend makes f (the current segment) at least need bytes long by writing
// zeros after its end, up to the next multiple of chunk or the end of the
// mapping (limit ≥ need). Called with growMu held.
func (j *Journal) extend(f *os.File, need, chunk, limit int64) error {
	from := j.alloc.Load()
	if need <= from {
		return nil
	}
	to := min(roundUp(need, chunk), limit)
	for off := from; off < to; {
		n, err := f.WriteAt(zeros[:min(int64(len(zeros)), to-off)], off)
		off += int64(n)
		if err != nil {
			j.alloc.Store(off) // what was written is zeros: usable
			return fmt.Errorf("journal: extend segment: %w", err)
		}
	}
	j.alloc.Store(to)
	return nil
}

// extendLocked is extend for Append, which holds mu.
func (j *Journal) extendLocked(need int64) error {
	j.growMu.Lock()
	defer j.growMu.Unlock()
	return j.extend(j.f, need, allocChunk, int64(len(j.m)))
}

// grow keeps allocChunk/2 of zeros ahead of the records (background
// goroutine). It holds growMu, not mu, while writing: Append proceeds
// unless it needs the space being written.
func (j *Journal) grow() error {
	j.mu.Lock()
	if j.closed || j.f == nil {
		j.mu.Unlock()
		return nil
	}
	seq, need, limit := j.seq, j.size+allocChunk/2, int64(len(j.m))
	j.mu.Unlock()
	if need <= j.alloc.Load() || need > limit {
		return nil
	}
	j.growMu.Lock()
	defer j.growMu.Unlock()
	if j.f == nil || j.seq != seq { // closed or rotated meanwhile
		return nil
	}
	return j.extend(j.f, need, allocChunk, limit)
}

// remap replaces the mapping with one of at least need bytes (a record
// larger than the mapping's slack; rare). Called with mu held.
func (j *Journal) remap(need int64) error {
	m, err := unix.Mmap(int(j.f.Fd()), 0, int(roundUp(need+mapSlack, pageSize)), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("journal: map segment: %w", err)
	}
	_ = unix.Munmap(j.m)
	j.m = m
	return nil
}

// closeSegment unmaps the current segment, cuts it to its records, flushes
// and closes it; then there is no current segment. Called with mu held.
func (j *Journal) closeSegment() error {
	j.growMu.Lock()
	defer j.growMu.Unlock()
	f := j.f
	if f == nil {
		return nil
	}
	_ = unix.Munmap(j.m)
	j.f, j.m = nil, nil
	err := f.Truncate(j.size)
	if err != nil {
		err = fmt.Errorf("journal: cut segment: %w", err)
	}
	if serr := f.Sync(); serr != nil && err == nil {
		err = fmt.Errorf("journal: sync: %w", serr)
	}
	if cerr := f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("journal: close segment: %w", cerr)
	}
	return err
}

// repairTail validates every record of the newest segment and truncates
// what follows the last one: a torn final record and the zeros of space
// allocated ahead. It returns how many records were torn (0 or 1) and the
// size of the valid prefix.
func repairTail(path string) (int, int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %w", err)
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return 0, 0, fmt.Errorf("journal: %w", err)
		}
		if len(line) == 0 {
			return 0, good, cut(f, good, st.Size())
		}
		if err == io.EOF || !validLine(line) {
			torn, ok, terr := tail(line, r)
			if terr != nil {
				return 0, 0, fmt.Errorf("journal: %w", terr)
			}
			if !ok {
				_, perr := parseLine(line)
				if perr == nil {
					perr = errors.New("no newline")
				}
				return 0, 0, fmt.Errorf("%w in %s at byte %d: %v", ErrCorrupt, filepath.Base(path), good, perr)
			}
			return torn, good, cut(f, good, st.Size())
		}
		good += int64(len(line))
	}
}

// tail reports whether line (the first bad or unterminated line after the
// valid records of the newest segment) and everything after it in r are one
// torn record followed only by zero bytes: ok is false when any non-zero
// byte follows a newline. torn is 1 when there is a non-zero byte at all (a
// record was being written), 0 for zeros alone.
func tail(line []byte, r *bufio.Reader) (torn int, ok bool, err error) {
	nl := false
	scan := func(b []byte) bool {
		for _, c := range b {
			if c == 0 {
				continue
			}
			if nl {
				return false
			}
			torn = 1
			nl = c == '\n'
		}
		return true
	}
	if !scan(line) {
		return 0, false, nil
	}
	var buf [4096]byte
	for {
		n, rerr := r.Read(buf[:])
		if !scan(buf[:n]) {
			return 0, false, nil
		}
		if rerr == io.EOF {
			return torn, true, nil
		}
		if rerr != nil {
			return 0, false, rerr
		}
	}
}

// cut truncates f to n bytes when it is longer (torn record, zeros).
func cut(f *os.File, n, size int64) error {
	if size == n {
		return nil
	}
	if err := f.Truncate(n); err != nil {
		return fmt.Errorf("journal: truncate torn record: %w", err)
	}
	return f.Sync()
}

func validLine(line []byte) bool {
	_, err := parseLine(line)
	return err == nil
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
// and, in steady state, makes no system call (SyncBackground).
func (j *Journal) Append(payload []byte) error {
	if bytes.IndexByte(payload, '\n') >= 0 {
		return ErrNewline
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return ErrClosed
	}
	if j.failed != nil {
		return j.failed
	}
	if j.size >= j.opts.SegmentBytes || j.f == nil {
		if err := j.rotate(); err != nil {
			return err
		}
	}
	n := int64(len(payload)) + 10
	end := j.size + n
	if end > int64(len(j.m)) {
		if err := j.remap(end); err != nil {
			return err
		}
	}
	if end > j.alloc.Load() {
		if err := j.extendLocked(end); err != nil {
			return err
		}
	}
	if !store(j.m[j.size:end], payload) {
		j.failed = ErrFault
		return ErrFault
	}
	j.size = end
	if j.opts.Sync == SyncEvery {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("journal: sync: %w", err)
		}
		return nil
	}
	j.dirty = true
	return nil
}

// store writes the record line of payload into rec (len(payload)+10 bytes
// of the mapping). It reports false when a store faulted (SIGBUS: an I/O
// error on the page, or no space on a file system without fallocate).
func store(rec, payload []byte) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			ok = false
		}
	}()
	sum := crc32.Checksum(payload, castagnoli)
	const hexdigits = "0123456789abcdef"
	_ = rec[9]
	for i := 0; i < 8; i++ {
		rec[i] = hexdigits[(sum>>(28-4*uint(i)))&0xf]
	}
	rec[8] = ' '
	copy(rec[9:], payload)
	rec[len(rec)-1] = '\n'
	return true
}

// touch dirties the page holding the next record's first byte and the page
// after it (within the zeros ahead) by storing a zero into the unused
// space, so the store that writes the next record does not fault. Called
// with mu held after each flush and on every tick of the background
// goroutine: a flush (ours, or the kernel's own writeback) write-protects
// the pages it cleaned, and the store that finds one protected pays the
// fault here rather than in Append.
func (j *Journal) touch() {
	if j.closed || j.failed != nil || j.m == nil {
		return
	}
	end := min(roundUp(j.size+1, pageSize)+pageSize, j.alloc.Load(), int64(len(j.m)))
	if !zero(j.m, j.size, end) {
		j.failed = ErrFault
	}
}

// zero stores a zero at off and at every page start in (off, end): bytes
// past the records are zero already, so nothing changes but the pages'
// state. It reports false when a store faulted.
func zero(m []byte, off, end int64) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			ok = false
		}
	}()
	for p := off; p < end; p = roundUp(p+1, pageSize) {
		m[p] = 0
	}
	return true
}

// rotate is called with mu held; it must not wait for syncMu (lock
// order), so it flushes the old segment itself and the background flusher
// skips files that are already closed.
func (j *Journal) rotate() error {
	if err := j.closeSegment(); err != nil {
		return err
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
	if !dirty || f == nil {
		return nil
	}
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrClosed) {
		// ErrClosed: rotated meanwhile, and rotate flushed the old segment.
		return fmt.Errorf("journal: sync: %w", err)
	}
	j.mu.Lock()
	j.touch() // the flush write-protected the pages it cleaned
	j.mu.Unlock()
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
			err := j.Sync()
			if gerr := j.grow(); err == nil {
				err = gerr
			}
			j.mu.Lock()
			if err != nil && !errors.Is(err, ErrClosed) && j.syncErr == nil {
				j.syncErr = err
			}
			j.touch()
			j.mu.Unlock()
		}
	}
}

// Err returns the first background sync error, if any. The executor checks
// it and stops trading when the journal cannot be made durable.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.syncErr == nil {
		return j.failed
	}
	return j.syncErr
}

// Close syncs and closes the journal, cutting the segment to its records.
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
	return j.closeSegment()
}

// Replay calls fn with the payload of every record in dir, oldest first.
// The payload slice is only valid during the call. A torn final record is
// skipped (Open truncates it), as are the zeros of space allocated after
// the newest segment's records; a corrupt record elsewhere is an error.
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
		if err != nil && err != io.EOF {
			return fmt.Errorf("journal: %w", err)
		}
		if len(line) == 0 {
			return nil
		}
		payload, perr := parseLine(line)
		if err == io.EOF || perr != nil {
			if last {
				_, ok, terr := tail(line, r)
				if terr != nil {
					return fmt.Errorf("journal: %w", terr)
				}
				if ok {
					return nil
				}
			}
			if err == io.EOF {
				return fmt.Errorf("%w: %s ends without a newline", ErrCorrupt, filepath.Base(path))
			}
			return fmt.Errorf("%w in %s at byte %d: %v", ErrCorrupt, filepath.Base(path), off, perr)
		}
		if err := fn(payload); err != nil {
			return err
		}
		off += int64(len(line))
	}
}
