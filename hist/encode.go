package hist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// V2 encoding cookies (HdrHistogram's V2 format; the 0x10 bits carry the
// word size, as every implementation writes them).
const (
	v2EncodingCookie           = 0x1c849303 | 0x10
	v2CompressedEncodingCookie = 0x1c849304 | 0x10
	v2HeaderSize               = 40
)

// v2Encoder writes histograms in HdrHistogram's V2 compressed format, base64
// encoded, as hlog lines carry them. It produces what hdrhistogram-go's
// Encode produces, but reuses its buffers and its deflater: the library
// allocates a new deflater (~600 KB) per call, which would make the collector
// a steady source of garbage in the engine's process. Not safe for
// concurrent use.
type v2Encoder struct {
	raw []byte       // header + zig-zag LEB128 counts, uncompressed
	z   bytes.Buffer // outer header + zlib stream
	zw  *zlib.Writer
}

// encode returns the base64 V2 compressed encoding of h in a new slice.
func (e *v2Encoder) encode(h *hdr.Histogram) ([]byte, error) {
	snap := h.Export()
	counts := snap.Counts
	last := len(counts) - 1
	for last >= 0 && counts[last] == 0 {
		last--
	}
	raw := e.raw[:0]
	raw = binary.BigEndian.AppendUint32(raw, v2EncodingCookie)
	raw = binary.BigEndian.AppendUint32(raw, 0) // payload length, patched below
	raw = binary.BigEndian.AppendUint32(raw, 0) // normalizing index offset
	raw = binary.BigEndian.AppendUint32(raw, uint32(snap.SignificantFigures))
	raw = binary.BigEndian.AppendUint64(raw, uint64(snap.LowestTrackableValue))
	raw = binary.BigEndian.AppendUint64(raw, uint64(snap.HighestTrackableValue))
	raw = binary.BigEndian.AppendUint64(raw, math.Float64bits(1)) // integer-to-double ratio
	// Counts up to the last non-zero one; a run of two or more zeros is
	// written as its negated length.
	for i := 0; i <= last; {
		c := counts[i]
		i++
		if c == 0 {
			zeros := int64(1)
			for i <= last && counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				raw = appendZigZag(raw, -zeros)
				continue
			}
		}
		raw = appendZigZag(raw, c)
	}
	binary.BigEndian.PutUint32(raw[4:8], uint32(len(raw)-v2HeaderSize))
	e.raw = raw

	e.z.Reset()
	e.z.Write(make([]byte, 8)) // cookie + compressed length, patched below
	if e.zw == nil {
		zw, err := zlib.NewWriterLevel(&e.z, zlib.BestCompression)
		if err != nil {
			return nil, err
		}
		e.zw = zw
	} else {
		e.zw.Reset(&e.z)
	}
	if _, err := e.zw.Write(raw); err != nil {
		return nil, err
	}
	if err := e.zw.Close(); err != nil {
		return nil, err
	}
	out := e.z.Bytes()
	binary.BigEndian.PutUint32(out[0:4], v2CompressedEncodingCookie)
	binary.BigEndian.PutUint32(out[4:8], uint32(len(out)-8))
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(out)))
	base64.StdEncoding.Encode(enc, out)
	return enc, nil
}

// appendZigZag appends v as a ZigZag LEB128-64b9B varint: seven bits per
// byte with a continuation bit, the ninth byte carrying the last eight bits.
func appendZigZag(b []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for range 8 {
		if u < 0x80 {
			return append(b, byte(u))
		}
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}
