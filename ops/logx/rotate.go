package logx

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

// RotatingFile is an append-only log file rotated by size: when a write
// would take it past MaxBytes, path is renamed to path.1 (path.1 to path.2,
// …, the oldest beyond MaxBackups removed) and a fresh path is opened. A
// single line larger than MaxBytes is written whole into a fresh file.
// Safe for concurrent use.
type RotatingFile struct {
	path       string
	maxBytes   int64
	maxBackups int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Rotation defaults.
const (
	DefaultMaxBytes   = 100 << 20
	DefaultMaxBackups = 5
)

// OpenRotating opens (appending to) path. maxBytes ≤ 0 and maxBackups ≤ 0
// take the defaults. The file is created with mode 0640.
func OpenRotating(path string, maxBytes int64, maxBackups int) (*RotatingFile, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if maxBackups <= 0 {
		maxBackups = DefaultMaxBackups
	}
	r := &RotatingFile{path: path, maxBytes: maxBytes, maxBackups: maxBackups}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("logx: open log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("logx: stat log file: %w", err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

// Write appends p, rotating first if p would not fit.
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.maxBytes {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts path.N-1 → path.N … path → path.1 and reopens path.
// Called with mu held.
func (r *RotatingFile) rotate() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("logx: close for rotation: %w", err)
	}
	r.f = nil
	_ = os.Remove(r.backup(r.maxBackups)) // may not exist
	for i := r.maxBackups - 1; i >= 1; i-- {
		if err := os.Rename(r.backup(i), r.backup(i+1)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("logx: rotate: %w", err)
		}
	}
	if err := os.Rename(r.path, r.backup(1)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("logx: rotate: %w", err)
	}
	return r.open()
}

func (r *RotatingFile) backup(i int) string { return r.path + "." + strconv.Itoa(i) }

// Close closes the file; later writes fail with os.ErrClosed.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
