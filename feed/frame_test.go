package feed

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/gobwas/ws"
)

// loopReader repeats data forever.
type loopReader struct {
	data []byte
	off  int
}

func (r *loopReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}

// serverFrame encodes an unmasked frame the way a server sends it.
func serverFrame(op ws.OpCode, fin bool, p []byte) []byte {
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, ws.Frame{Header: ws.Header{Fin: fin, OpCode: op, Length: int64(len(p))}, Payload: p}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func maskedFrame(op ws.OpCode, fin bool, p []byte) []byte {
	f := ws.NewFrame(op, fin, append([]byte(nil), p...))
	f = ws.MaskFrameInPlace(f)
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, f); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestFrameReader(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000) // 64-bit length form
	mid := bytes.Repeat([]byte("y"), 300)   // 16-bit length form
	type got struct {
		kind msgKind
		data string
	}
	cases := []struct {
		name   string
		stream [][]byte
		max    int
		want   []got
		err    error
	}{
		{"text", [][]byte{serverFrame(ws.OpText, true, []byte("PONG"))}, 1 << 20, []got{{msgText, "PONG"}}, io.EOF},
		{"16-bit and 64-bit lengths", [][]byte{serverFrame(ws.OpText, true, mid), serverFrame(ws.OpText, true, big)}, 1 << 20,
			[]got{{msgText, string(mid)}, {msgText, string(big)}}, io.EOF},
		{"masked frame is unmasked", [][]byte{maskedFrame(ws.OpText, true, []byte("hello"))}, 1 << 20, []got{{msgText, "hello"}}, io.EOF},
		{"fragments with a ping between", [][]byte{
			serverFrame(ws.OpText, false, []byte("ab")),
			serverFrame(ws.OpPing, true, []byte("p")),
			serverFrame(ws.OpContinuation, false, []byte("cd")),
			serverFrame(ws.OpContinuation, true, []byte("ef")),
		}, 1 << 20, []got{{msgPing, "p"}, {msgText, "abcdef"}}, io.EOF},
		{"close", [][]byte{serverFrame(ws.OpClose, true, []byte{3, 232})}, 1 << 20, []got{{msgClose, "\x03\xe8"}}, io.EOF},
		{"binary", [][]byte{serverFrame(ws.OpBinary, true, []byte{1, 2})}, 1 << 20, []got{{msgBinary, "\x01\x02"}}, io.EOF},
		{"oversize frame is refused before its payload", [][]byte{serverFrame(ws.OpText, true, mid)}, 100, nil, ErrFrameTooLarge},
		{"oversize across fragments", [][]byte{serverFrame(ws.OpText, false, mid[:80]), serverFrame(ws.OpContinuation, true, mid[:80])}, 100, nil, ErrFrameTooLarge},
		{"stray continuation", [][]byte{serverFrame(ws.OpContinuation, true, []byte("a"))}, 100, nil, ErrProtocol},
		{"text inside a fragmented message", [][]byte{serverFrame(ws.OpText, false, []byte("a")), serverFrame(ws.OpText, true, []byte("b"))}, 100, nil, ErrProtocol},
		{"fragmented control", [][]byte{serverFrame(ws.OpPing, false, []byte("a"))}, 100, nil, ErrProtocol},
		{"reserved bits", [][]byte{{0xC1, 0x00}}, 100, nil, ErrProtocol},
		{"reserved opcode", [][]byte{{0x83, 0x00}}, 100, nil, ErrProtocol},
		{"truncated payload", [][]byte{serverFrame(ws.OpText, true, []byte("hello"))[:4]}, 100, nil, io.ErrUnexpectedEOF},
		{"truncated header", [][]byte{{0x81}}, 100, nil, io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fr := newFrameReader(bufio.NewReader(bytes.NewReader(bytes.Join(tc.stream, nil))), tc.max)
			for i, w := range tc.want {
				k, p, err := fr.next()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if k != w.kind || string(p) != w.data {
					t.Fatalf("message %d: kind %d len %d, want kind %d len %d", i, k, len(p), w.kind, len(w.data))
				}
			}
			if _, _, err := fr.next(); !errors.Is(err, tc.err) {
				t.Fatalf("end: %v, want %v", err, tc.err)
			}
		})
	}
}

func TestAppendClientFrame(t *testing.T) {
	for _, n := range []int{0, 4, 125, 126, 65535, 65536} {
		p := bytes.Repeat([]byte("z"), n)
		b := appendClientFrame(nil, ws.OpText, p, [4]byte{1, 2, 3, 4})
		// The server side of gobwas decodes it.
		h, err := ws.ReadHeader(bytes.NewReader(b))
		if err != nil || !h.Masked || !h.Fin || h.OpCode != ws.OpText || h.Length != int64(n) {
			t.Fatalf("n=%d: header %+v err %v", n, h, err)
		}
		fr := newFrameReader(bufio.NewReader(bytes.NewReader(b)), 1<<20)
		_, got, err := fr.next()
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("n=%d: round trip err %v", n, err)
		}
	}
}

// FuzzFrameReader feeds raw bytes to the frame reader: it must not panic,
// never hold a buffer larger than the cap, and never return more than the
// cap.
func FuzzFrameReader(f *testing.F) {
	f.Add(serverFrame(ws.OpText, true, []byte(pcCurrent)), uint16(1024))
	f.Add(append(serverFrame(ws.OpText, false, []byte("ab")), serverFrame(ws.OpContinuation, true, []byte("cd"))...), uint16(16))
	f.Add(maskedFrame(ws.OpPing, true, []byte("x")), uint16(8))
	f.Add([]byte{0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1}, uint16(64))
	f.Add(binary.BigEndian.AppendUint16([]byte{0x81, 0x7e}, 60000), uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, max uint16) {
		limit := int(max%4096) + 1
		fr := newFrameReader(bufio.NewReaderSize(bytes.NewReader(data), 16), limit)
		for range 64 {
			k, p, err := fr.next()
			if err != nil {
				return
			}
			if k <= msgBinary && len(p) > limit || k > msgBinary && len(p) > maxControl {
				t.Fatalf("message of %d bytes over cap %d", len(p), limit)
			}
			if cap(fr.msg) > limit {
				t.Fatalf("buffer cap %d over limit %d", cap(fr.msg), limit)
			}
		}
	})
}
