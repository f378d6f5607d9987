// Package capture records raw market-channel messages with their receive
// times and reads them back, so that a session can be replayed through the
// same decoder and books, deterministically.
//
// # File format (version 1)
//
//	offset 0   6 bytes  magic "HPCAP\x00"
//	offset 6   uint16   format version, little endian (1)
//	offset 8   …        one zstd stream (github.com/klauspost/compress/zstd) holding:
//	             header:  int64 LE   creation time, Unix ns
//	                      uvarint n + n bytes   subscription URL
//	                      uvarint k, then k × (uvarint n + n bytes)   asset (token) ids
//	             records, until the stream ends:
//	                      int64 LE   receive time, Unix ns (feed.Now: monotonic-derived)
//	                      uint32 LE  length n of the message
//	                      n bytes    the message as received (a reassembled text
//	                                 WebSocket message: one JSON frame, or PONG)
//
// The magic and version are outside the compressed stream so a file can be
// recognised from its first 8 bytes (IsCapture).
//
// # Durability
//
// The Writer flushes a compressed block at least every FlushInterval
// (default 1 s) and on Close. A crash loses at most the records since the
// last flush (the last block); the Reader then returns every record before
// the damage and reports ErrTruncated.
package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Magic starts every capture file.
const Magic = "HPCAP\x00"

// Version is the format version this package writes and reads.
const Version = 1

// Limits that keep a corrupt or hostile file from making the reader
// allocate without bound.
const (
	MaxURL     = 64 << 10
	MaxAssets  = 1 << 20
	MaxAssetID = 1 << 10
	MaxRecord  = 64 << 20
)

// Errors the Reader returns (wrapped with detail; test with errors.Is).
var (
	ErrNotCapture = errors.New("capture: not a hotpath capture file (bad magic)")
	ErrVersion    = errors.New("capture: unsupported format version")
	ErrTruncated  = errors.New("capture: file is truncated")
	ErrCorrupt    = errors.New("capture: file is corrupt")
)

// Header describes a capture.
type Header struct {
	Created time.Time
	URL     string
	Assets  []string
}

// IsCapture reports whether prefix (at least the first 6 bytes of a file)
// starts with the capture magic.
func IsCapture(prefix []byte) bool {
	return len(prefix) >= len(Magic) && string(prefix[:len(Magic)]) == Magic
}

// Writer appends records to a capture. It is not safe for concurrent use.
type Writer struct {
	zw            *zstd.Encoder
	buf           []byte
	lastFlush     time.Time
	FlushInterval time.Duration // time between block flushes (default 1 s)
	records       uint64
	bytes         uint64
}

// NewWriter writes the magic, version and header to w and returns a Writer.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	var pre [8]byte
	copy(pre[:], Magic)
	binary.LittleEndian.PutUint16(pre[6:], Version)
	if _, err := w.Write(pre[:]); err != nil {
		return nil, fmt.Errorf("capture: write magic: %w", err)
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return nil, fmt.Errorf("capture: zstd: %w", err)
	}
	cw := &Writer{zw: zw, FlushInterval: time.Second, lastFlush: time.Now()}
	b := binary.LittleEndian.AppendUint64(nil, uint64(h.Created.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(h.URL)))
	b = append(b, h.URL...)
	b = binary.AppendUvarint(b, uint64(len(h.Assets)))
	for _, a := range h.Assets {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("capture: write header: %w", err)
	}
	return cw, nil
}

// Write appends one record. It flushes a block when FlushInterval has passed
// since the last flush.
func (w *Writer) Write(recvNs int64, msg []byte) error {
	if len(msg) > MaxRecord {
		return fmt.Errorf("capture: record of %d bytes exceeds %d", len(msg), MaxRecord)
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf[:0], uint64(recvNs))
	w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(len(msg)))
	w.buf = append(w.buf, msg...)
	if _, err := w.zw.Write(w.buf); err != nil {
		return fmt.Errorf("capture: write record: %w", err)
	}
	w.records++
	w.bytes += uint64(len(msg))
	if time.Since(w.lastFlush) >= w.FlushInterval {
		return w.Flush()
	}
	return nil
}

// Flush writes the pending records as a complete compressed block.
func (w *Writer) Flush() error {
	w.lastFlush = time.Now()
	if err := w.zw.Flush(); err != nil {
		return fmt.Errorf("capture: flush: %w", err)
	}
	return nil
}

// Records and Bytes count what was written (bytes: message payload bytes).
func (w *Writer) Records() uint64 { return w.records }

// Bytes is the total length of the recorded messages.
func (w *Writer) Bytes() uint64 { return w.bytes }

// Close flushes and ends the stream. It does not close the underlying writer.
func (w *Writer) Close() error {
	if err := w.zw.Close(); err != nil {
		return fmt.Errorf("capture: close: %w", err)
	}
	return nil
}

// Reader reads a capture. Next's message is valid until the next call.
type Reader struct {
	zr      *zstd.Decoder
	br      *bufio.Reader
	h       Header
	buf     []byte
	records uint64
}

// NewReader checks the magic and version and reads the header.
func NewReader(r io.Reader) (*Reader, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n >= len(Magic) && !IsCapture(pre[:n]) || n < len(Magic) && n > 0 && string(pre[:n]) != Magic[:n] {
			return nil, ErrNotCapture
		}
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte preamble", ErrTruncated, n)
	}
	if !IsCapture(pre[:]) {
		return nil, ErrNotCapture
	}
	if v := binary.LittleEndian.Uint16(pre[6:]); v != Version {
		return nil, fmt.Errorf("%w: %d (this build reads %d)", ErrVersion, v, Version)
	}
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, fmt.Errorf("capture: zstd: %w", err)
	}
	cr := &Reader{zr: zr, br: bufio.NewReaderSize(zr, 64<<10)}
	if err := cr.readHeader(); err != nil {
		zr.Close()
		return nil, err
	}
	return cr, nil
}

// Header returns the capture's header.
func (r *Reader) Header() Header { return r.h }

// Records is the number of records returned so far.
func (r *Reader) Records() uint64 { return r.records }

// Close releases the decoder.
func (r *Reader) Close() { r.zr.Close() }

func (r *Reader) readHeader() error {
	var t [8]byte
	if _, err := io.ReadFull(r.br, t[:]); err != nil {
		return r.damage("header", err)
	}
	r.h.Created = time.Unix(0, int64(binary.LittleEndian.Uint64(t[:])))
	u, err := r.readString(MaxURL, "URL")
	if err != nil {
		return err
	}
	r.h.URL = u
	k, err := binary.ReadUvarint(r.br)
	if err != nil {
		return r.damage("header asset count", err)
	}
	if k > MaxAssets {
		return fmt.Errorf("%w: header lists %d assets (limit %d)", ErrCorrupt, k, MaxAssets)
	}
	r.h.Assets = make([]string, 0, min(k, 4096))
	for range k {
		id, err := r.readString(MaxAssetID, "asset id")
		if err != nil {
			return err
		}
		r.h.Assets = append(r.h.Assets, id)
	}
	return nil
}

func (r *Reader) readString(limit uint64, what string) (string, error) {
	n, err := binary.ReadUvarint(r.br)
	if err != nil {
		return "", r.damage("header "+what, err)
	}
	if n > limit {
		return "", fmt.Errorf("%w: header %s of %d bytes (limit %d)", ErrCorrupt, what, n, limit)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return "", r.damage("header "+what, err)
	}
	return string(b), nil
}

// damage classifies a read error inside the stream.
func (r *Reader) damage(where string, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: in %s after %d records", ErrTruncated, where, r.records)
	}
	return fmt.Errorf("%w: in %s after %d records: %v", ErrCorrupt, where, r.records, err)
}

// Next returns the next record. It returns io.EOF at the clean end of the
// file, and an error wrapping ErrTruncated or ErrCorrupt for a damaged one
// (the records before the damage have been returned).
func (r *Reader) Next() (recvNs int64, msg []byte, err error) {
	var h [12]byte
	n, err := io.ReadFull(r.br, h[:])
	if err != nil {
		if err == io.EOF && n == 0 {
			return 0, nil, io.EOF
		}
		return 0, nil, r.damage("record header", err)
	}
	recvNs = int64(binary.LittleEndian.Uint64(h[:8]))
	length := int(binary.LittleEndian.Uint32(h[8:]))
	if length > MaxRecord {
		return 0, nil, fmt.Errorf("%w: record %d claims %d bytes (limit %d)", ErrCorrupt, r.records, length, MaxRecord)
	}
	// Grow in steps so that a lying length costs at most what the stream
	// really holds (plus one step), not the claimed size.
	r.buf = r.buf[:0]
	for len(r.buf) < length {
		step := min(length-len(r.buf), 1<<20)
		start := len(r.buf)
		if cap(r.buf) < start+step {
			nb := make([]byte, start, max(start+step, 2*cap(r.buf)))
			copy(nb, r.buf)
			r.buf = nb
		}
		r.buf = r.buf[:start+step]
		if _, err := io.ReadFull(r.br, r.buf[start:]); err != nil {
			return 0, nil, r.damage("record body", err)
		}
	}
	r.records++
	return recvNs, r.buf, nil
}
