package hist

import (
	"bytes"
	"math"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Our encoder must round-trip through the library's decoder and produce the
// library's own bytes.
func TestV2EncoderMatchesLibrary(t *testing.T) {
	var e v2Encoder
	tests := []struct {
		name   string
		values []int64
	}{
		{"one", []int64{1}},
		{"zero", []int64{0}},
		{"spread", []int64{1, 2, 3, 1000, 1001, 50_000, 1_000_000, 9_999_999_999}},
		{"max", []int64{HighestValue}},
		{"repeated", []int64{350, 350, 350, 351, 700}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHistogram()
			for _, v := range tc.values {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
			}
			h.RecordValues(5000, 1<<40) // a large count: multi-byte varints
			got, err := e.encode(h)
			if err != nil {
				t.Fatal(err)
			}
			want, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encoding differs from the library's\n got %s\nwant %s", got, want)
			}
			back, err := hdr.Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Equals(h) {
				t.Error("decoded histogram differs")
			}
		})
	}
}

func TestAppendZigZag(t *testing.T) {
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{2}},
		{-1, []byte{1}},
		{-2, []byte{3}},
		{63, []byte{126}},
		{64, []byte{0x80, 0x01}},
		{math.MaxInt64, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{math.MinInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		if got := appendZigZag(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("appendZigZag(%d) = %x, want %x", tc.v, got, tc.want)
		}
	}
}
