package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleBench = `goos: linux
goarch: amd64
pkg: github.com/hotpath/hotpath/bench
cpu: Test CPU @ 1GHz
BenchmarkTickToTrade-2   	    2000	     10000 ns/op	 8.375 legs/trade	  6000 p50-ns	 17000 p99-ns	 9000 wire-ns/trade	       0 B/op	       0 allocs/op
BenchmarkTickToTrade-2   	    2000	     12000 ns/op	 8.375 legs/trade	  6000 p50-ns	 17000 p99-ns	 9000 wire-ns/trade	       0 B/op	       0 allocs/op
BenchmarkTickToTrade-2   	    2000	     11000 ns/op	 8.375 legs/trade	  6000 p50-ns	 17000 p99-ns	 9000 wire-ns/trade	       0 B/op	       0 allocs/op
BenchmarkBaselineTickToTrade-2 	     100	   1100000 ns/op	 8.375 legs/trade	 900000 p50-ns	 2000000 p99-ns	 1000000 wire-ns/trade	   93000 B/op	    1619 allocs/op
BenchmarkOrderTemplateHit-2 	1000000	       700 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/hotpath/hotpath/bench	3.1s
pkg: github.com/hotpath/hotpath/book
BenchmarkApplyLevel/best-2	100000000	        12.5 ns/op
garbage line
BenchmarkBroken-2 12
`

func TestParseBench(t *testing.T) {
	bf, err := parseBench(strings.NewReader(sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pkg, name, unit string
		want            float64
	}{
		{"/bench", "TickToTrade", "ns/op", 11000}, // median of 10000, 12000, 11000
		{"/bench", "TickToTrade", "wire-ns/trade", 9000},
		{"/bench", "BaselineTickToTrade", "allocs/op", 1619},
		{"/book", "ApplyLevel/best", "ns/op", 12.5},
	}
	for _, c := range cases {
		s := bf.get(c.pkg, c.name)
		if s == nil {
			t.Fatalf("%s %s missing", c.pkg, c.name)
		}
		if got, ok := s.median(c.unit); !ok || got != c.want {
			t.Errorf("%s %s %s = %v, want %v", c.pkg, c.name, c.unit, got, c.want)
		}
	}
	if bf.cpu != "Test CPU @ 1GHz" || bf.count != 3 || bf.get("/book", "Broken") != nil {
		t.Fatalf("cpu %q count %d", bf.cpu, bf.count)
	}
	if _, err := parseBench(strings.NewReader("PASS\n")); err == nil {
		t.Fatal("no benchmark lines accepted")
	}
}

func TestRunWritesResults(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "bench.txt"), []byte(sampleBench), 0o644))
	must(os.WriteFile(filepath.Join(dir, "official.json"), []byte(`{"iterations":10,"median_ns":1400000,"p99_ns":3000000,"node":"v20","client":"c 1"}`), 0o644))
	must(os.MkdirAll(filepath.Join(dir, "loopback"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "loopback", "summary.json"), []byte(`{"Planted":10,"Traded":9,"Missed":1,"frame_to_wire":{"count":9,"p50_ns":1000000}}`), 0o644))
	out := filepath.Join(dir, "RESULTS.md")
	var so, se bytes.Buffer
	if rc := run([]string{"-dir", dir, "-o", out, "-load-start", "1.00 2.00 3.00 1/100 42"}, &so, &se); rc != 0 {
		t.Fatalf("rc %d: %s", rc, se.String())
	}
	b, _ := os.ReadFile(out)
	for _, want := range []string{"median of 3 runs", "| TickToTrade (trading frame + the frame that closes it) | 11.00 µs | 1.10 ms | **100×**",
		"| hotpath, template hit | 700.0 ns | | **2000×** |", "Planted 10, traded 9, missed 1", "at start 1.00 2.00 3.00", "| book | ApplyLevel/best | 12.5 ns |"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, b)
		}
	}
	if rc := run([]string{"-dir", filepath.Join(dir, "missing")}, &so, &se); rc != 1 {
		t.Fatalf("missing input: rc %d", rc)
	}
	if rc := run([]string{"-bogus"}, &so, &se); rc != 2 {
		t.Fatalf("bad flag: rc %d", rc)
	}
}

func FuzzParseBench(f *testing.F) {
	f.Add(sampleBench)
	f.Add("BenchmarkX-2 1 2 ns/op 3\n")
	f.Add("pkg: p\nBenchmarkY 10 NaN ns/op\n")
	f.Fuzz(func(t *testing.T, s string) {
		bf, err := parseBench(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, k := range bf.order {
			for unit := range bf.samples[k].values {
				if _, ok := bf.samples[k].median(unit); !ok {
					t.Fatalf("%s %s: no median", k, unit)
				}
			}
		}
	})
}
