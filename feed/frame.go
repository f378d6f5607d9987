package feed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"

	"github.com/gobwas/ws"
)

// Frame-reader errors (sentinels: the reader allocates nothing on them).
var (
	// ErrFrameTooLarge: a frame, or a message reassembled from fragments,
	// is longer than the cap. It is detected from the header, before any
	// payload byte is read.
	ErrFrameTooLarge = errors.New("feed: websocket frame exceeds the size cap")
	// ErrProtocol: the peer broke RFC 6455 (reserved bits, unknown opcode,
	// fragmented or long control frame, stray continuation, 64-bit length
	// with the top bit set).
	ErrProtocol = errors.New("feed: websocket protocol violation")
)

// msgKind is what frameReader.next returns.
type msgKind uint8

const (
	msgText msgKind = iota
	msgBinary
	msgPing
	msgPong
	msgClose
)

// maxControl is the longest control-frame payload RFC 6455 allows.
const maxControl = 125

// frameReader reads WebSocket messages from a bufio.Reader: it parses each
// header itself (zero allocation), checks the length against max before
// reading the payload, unmasks masked frames, and reassembles fragmented
// messages into one reused buffer. Control frames may arrive between
// fragments and are returned on their own.
//
// Invariant: cap(msg) never exceeds max (so a hostile peer cannot make the
// reader allocate more than the cap), and no byte beyond the current frame
// is consumed from br.
type frameReader struct {
	br     *bufio.Reader
	max    int
	msg    []byte
	ctl    [maxControl]byte
	inMsg  bool    // inside a fragmented data message
	inKind msgKind // its kind
}

func newFrameReader(br *bufio.Reader, max int) *frameReader {
	return &frameReader{br: br, max: max}
}

// reset forgets any partial message (after a reconnect).
func (fr *frameReader) reset(br *bufio.Reader) {
	fr.br = br
	fr.msg = fr.msg[:0]
	fr.inMsg = false
}

// next returns the next complete message or control frame. The payload is
// valid until the next call. Errors: io.EOF / network errors from br,
// ErrFrameTooLarge, ErrProtocol.
func (fr *frameReader) next() (msgKind, []byte, error) {
	for {
		h, err := fr.br.Peek(2)
		if err != nil {
			if err == io.EOF && len(h) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		fin := h[0]&0x80 != 0
		if h[0]&0x70 != 0 { // no extension negotiated: RSV bits must be 0
			return 0, nil, ErrProtocol
		}
		op := ws.OpCode(h[0] & 0x0f)
		masked := h[1]&0x80 != 0
		n := 2
		switch h[1] & 0x7f {
		case 126:
			n += 2
		case 127:
			n += 8
		}
		if masked {
			n += 4
		}
		h, err = fr.br.Peek(n)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
		var length uint64
		switch l7 := h[1] & 0x7f; l7 {
		case 126:
			length = uint64(binary.BigEndian.Uint16(h[2:4]))
		case 127:
			length = binary.BigEndian.Uint64(h[2:10])
			if length>>63 != 0 {
				return 0, nil, ErrProtocol
			}
		default:
			length = uint64(l7)
		}
		var mask [4]byte
		if masked {
			copy(mask[:], h[n-4:n])
		}
		if op.IsControl() {
			if !fin || length > maxControl {
				return 0, nil, ErrProtocol
			}
			_, _ = fr.br.Discard(n)
			p := fr.ctl[:length]
			if _, err := io.ReadFull(fr.br, p); err != nil {
				return 0, nil, unexpected(err)
			}
			if masked {
				ws.Cipher(p, mask, 0)
			}
			switch op {
			case ws.OpPing:
				return msgPing, p, nil
			case ws.OpPong:
				return msgPong, p, nil
			case ws.OpClose:
				return msgClose, p, nil
			}
			return 0, nil, ErrProtocol
		}
		switch op {
		case ws.OpText, ws.OpBinary:
			if fr.inMsg {
				return 0, nil, ErrProtocol
			}
			fr.msg = fr.msg[:0]
			fr.inKind = msgText
			if op == ws.OpBinary {
				fr.inKind = msgBinary
			}
		case ws.OpContinuation:
			if !fr.inMsg {
				return 0, nil, ErrProtocol
			}
		default:
			return 0, nil, ErrProtocol
		}
		// The cap is checked before a single payload byte is read.
		if length > uint64(fr.max-len(fr.msg)) {
			return 0, nil, ErrFrameTooLarge
		}
		_, _ = fr.br.Discard(n)
		start := len(fr.msg)
		end := start + int(length)
		if end > cap(fr.msg) {
			c := 2 * cap(fr.msg)
			if c < end {
				c = end
			}
			if c < 512 {
				c = 512
			}
			if c > fr.max {
				c = fr.max
			}
			grown := make([]byte, start, c)
			copy(grown, fr.msg)
			fr.msg = grown
		}
		fr.msg = fr.msg[:end]
		p := fr.msg[start:end]
		if _, err := io.ReadFull(fr.br, p); err != nil {
			return 0, nil, unexpected(err)
		}
		if masked {
			ws.Cipher(p, mask, 0)
		}
		if !fin {
			fr.inMsg = true
			continue
		}
		fr.inMsg = false
		return fr.inKind, fr.msg, nil
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendClientFrame appends one complete, masked, final frame (clients must
// mask, RFC 6455 §5.3) so that it can go out in a single Write.
func appendClientFrame(dst []byte, op ws.OpCode, payload []byte, mask [4]byte) []byte {
	dst = append(dst, 0x80|byte(op))
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, mask[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	ws.Cipher(dst[start:], mask, 0)
	return dst
}
