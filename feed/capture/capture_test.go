package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

func write(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Created: time.Unix(1700000000, 5), URL: "ws://127.0.0.1:1/ws/market", Assets: []string{"1", "22", "333"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := w.Write(int64(1000+i), fmt.Appendf(nil, `{"event_type":"price_change","i":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	data := write(t, 1000)
	if !IsCapture(data) {
		t.Fatal("magic")
	}
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	if h.URL != "ws://127.0.0.1:1/ws/market" || len(h.Assets) != 3 || h.Assets[2] != "333" || h.Created.UnixNano() != 1700000000_000000005 {
		t.Fatalf("header %+v", h)
	}
	for i := range 1000 {
		ns, msg, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ns != int64(1000+i) || string(msg) != fmt.Sprintf(`{"event_type":"price_change","i":%d}`, i) {
			t.Fatalf("record %d: %d %q", i, ns, msg)
		}
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestDamagedFiles(t *testing.T) {
	good := write(t, 200)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"not a capture", []byte(`{"event_type":"book"}`), ErrNotCapture},
		{"short magic", []byte("HPC"), ErrTruncated},
		{"wrong version", append([]byte(Magic+"\x09\x00"), good[8:]...), ErrVersion},
		{"truncated in the stream", good[:len(good)/2], ErrTruncated},
		{"truncated preamble only", good[:8], ErrTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.data))
			if err == nil {
				for {
					_, _, err = r.Next()
					if err != nil {
						break
					}
				}
				r.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// Corruption in the compressed stream is reported, never a panic.
	bad := append([]byte(nil), good...)
	for i := 20; i < len(bad); i += 7 {
		bad[i] ^= 0x5a
	}
	r, err := NewReader(bytes.NewReader(bad))
	if err == nil {
		for err == nil {
			_, _, err = r.Next()
		}
		r.Close()
	}
	if err == io.EOF || !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
		t.Fatalf("corrupt stream: %v", err)
	}
}

// A writer that crashed (never closed) still yields what it flushed.
func TestCrashLosesAtMostTheLastBlock(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{URL: "u"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := w.Write(int64(i), []byte("flushed")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		_ = w.Write(int64(i), []byte("pending")) // never flushed: the "crash"
	}
	r, err := NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		_, msg, err := r.Next()
		if err != nil {
			if !errors.Is(err, ErrTruncated) {
				t.Fatalf("after %d records: %v", n, err)
			}
			break
		}
		if string(msg) != "flushed" {
			t.Fatalf("record %d: %q", n, msg)
		}
		n++
	}
	if n != 50 {
		t.Fatalf("recovered %d flushed records, want 50", n)
	}
}

func FuzzCaptureReader(f *testing.F) {
	f.Add(write(f, 3))
	f.Add(write(f, 0))
	f.Add([]byte(Magic + "\x01\x00"))
	f.Add([]byte("HPCAP"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer r.Close()
		total := 0
		for range 10000 {
			_, msg, err := r.Next()
			if err != nil {
				return
			}
			total += len(msg)
			if len(msg) > MaxRecord {
				t.Fatalf("record of %d bytes", len(msg))
			}
		}
	})
}
