package main

import (
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

const seedHgrm = ` Value	Percentile	TotalCount	1/(1-Percentile)

       1.000     0.000000            1         1.00
     500.223     0.500000          500         2.00
     900.095     0.900000          900        10.00
    1000.447     1.000000         1000          inf
#[Mean    =      500.505, StdDeviation   =      288.676]
#[Max     =     1000.447, Total count    =         1000]
#[Buckets =           24, SubBuckets     =         2048]
`

func FuzzReadHgrm(f *testing.F) {
	f.Add(seedHgrm)
	f.Add("       Value     Percentile TotalCount 1/(1-Percentile)\n\n 0.5 0.0 1 1.00\n 0.5 1.0 1 Infinity\n")
	f.Add("1 0.5 3 2\n1 0.4 2 2\n")
	f.Add("#only a comment\n")
	f.Add("1e300 1 1 inf\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		h, err := readHgrm(strings.NewReader(text), 1000)
		if err != nil {
			return
		}
		if h.TotalCount() <= 0 {
			t.Fatalf("no error but %d values", h.TotalCount())
		}
		if h.Max() < 0 || h.Max() > maxFileValueNs*2 {
			t.Fatalf("max %d out of range", h.Max())
		}
	})
}

func FuzzReadHlog(f *testing.F) {
	h := hdr.New(1, 10_000_000_000, 3)
	for v := int64(1); v <= 100; v++ {
		h.RecordValue(v * 1000)
	}
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("#[Histogram log format version 1.3]\n#[StartTime: 1795251601.000 (seconds since epoch), x]\n" +
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n" +
		"Tag=decode,0.000,1.000,0.100," + string(enc) + "\n")
	f.Add("0.127,1.007,2.769," + string(enc))
	f.Add("#[Conditions: go1.26 linux/amd64\n#[Conditions: ]\nTag=,1,1,1,HISTFAAAAA==\n")
	f.Add("Tag=x\n")
	f.Add("1,2,3,not-base64!\n")
	f.Add("-1,2,3," + string(enc) + "\n")
	f.Fuzz(func(t *testing.T, text string) {
		ivs, _, err := readHlog(strings.NewReader(text))
		if err != nil {
			return
		}
		if len(ivs) == 0 {
			t.Fatal("no error but no intervals")
		}
		st, err := mergeIntervals(ivs)
		if err != nil {
			return
		}
		var in, out int64
		for _, iv := range ivs {
			in += iv.h.TotalCount()
		}
		for _, s := range st {
			out += s.h.TotalCount()
		}
		if in != out {
			t.Fatalf("merged %d values of %d", out, in)
		}
	})
}
