package feed

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hotpath/hotpath/book"
	"github.com/hotpath/hotpath/feed/capture"
)

// polypyCapture writes the WS messages of the polypy capture as a capture
// file, 10 ms apart.
func polypyCapture(t testing.TB) []byte {
	var buf bytes.Buffer
	w, err := capture.NewWriter(&buf, capture.Header{Created: time.Unix(1761179883, 0), URL: "ws://test", Assets: []string{tokYes, tokNo}})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{0, 1, 3} {
		if err := w.Write(int64(i)*int64(10*time.Millisecond), polypyLine(t, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReplay(t *testing.T) {
	data := polypyCapture(t)
	sum, err := Replay(bytes.NewReader(data), ReplayOptions{MinOrderSize: "5", TickSize: "0.01"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 3 || sum.Books != 1 || sum.Decoder.Errors() != 0 {
		t.Fatalf("%+v", sum)
	}
	// The book and both deltas of the asset whose book is in the capture
	// verify; markets were learnt from the messages.
	if sum.Integrity.HashMatch[book.HashLayout9] != 3 || sum.Integrity.HashMismatch != 0 {
		t.Fatalf("%+v", sum.Integrity)
	}
	// Paced at 1×: the 20 ms of recorded time take at least that long.
	start := time.Now()
	if _, err := Replay(bytes.NewReader(data), ReplayOptions{Speed: 1}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 20*time.Millisecond {
		t.Fatalf("paced replay took %v", el)
	}
	// A truncated capture replays what it can and says so.
	sum, err = Replay(bytes.NewReader(data[:len(data)-10]), ReplayOptions{})
	if !errors.Is(err, capture.ErrTruncated) && !errors.Is(err, capture.ErrCorrupt) {
		t.Fatalf("truncated: %v (%+v)", err, sum)
	}
}
