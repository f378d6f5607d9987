package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/hotpath/hotpath/hist"
)

// writeRun records known values with package hist and writes them with
// WriteDir into a new directory: decode gets 1..1000 µs (times scale),
// frame_to_wire 1000 values of 2..2000 µs (times scale), in two intervals.
func writeRun(t *testing.T, scale float64, extra ...hist.Stage) string {
	t.Helper()
	clock := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	c := hist.NewCollector(hist.Options{
		FlipTimeout: time.Millisecond,
		Now:         func() time.Time { clock = clock.Add(time.Second); return clock },
	})
	for half := range 2 {
		r := c.NewRecorder("test")
		for v := int64(1 + 500*half); v <= int64(500+500*half); v++ {
			r.Record(hist.Decode, int64(float64(v*1000)*scale))
			r.Record(hist.FrameToWire, int64(float64(v*2000)*scale))
		}
		for _, s := range extra {
			r.Record(s, 777)
		}
		r.Close()
		c.Collect()
	}
	dir := t.TempDir()
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// knownHistogram is what writeRun recorded for decode at scale 1.
func knownHistogram() *hdr.Histogram {
	h := hdr.New(hist.LowestValue, hist.HighestValue, hist.SignificantDigits)
	for v := int64(1); v <= 1000; v++ {
		h.RecordValue(v * 1000)
	}
	return h
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = dispatch(args, &o, &e)
	return code, o.String(), e.String()
}

func TestReportHgrmKnownValues(t *testing.T) {
	dir := writeRun(t, 1)
	code, out, errOut := runCLI("report", filepath.Join(dir, "decode.hgrm"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The exact values are HdrHistogram's (highest equivalent value of each
	// percentile's bucket at 3 digits); the true ones are 500, 900, 990,
	// 999, 1000 and 1000 µs.
	want := summarize(knownHistogram())
	u := units[1]
	row := strings.Join([]string{"decode", "1000", u.format(want.P50), u.format(want.P90), u.format(want.P99),
		u.format(want.P999), u.format(want.P9999), u.format(want.Max)}, " ")
	if got := strings.Join(strings.Fields(lineStarting(out, "decode")), " "); got != row {
		t.Errorf("row = %q\nwant  %q\n%s", got, row, out)
	}
	if want.P50 != 500223 || want.P99 != 990207 || want.Max != 1000447 {
		t.Errorf("reference summary changed: %+v", want)
	}
	for _, col := range []string{"stage", "count", "p50", "p90", "p99", "p99.9", "p99.99", "max"} {
		if !strings.Contains(lineStarting(out, "stage"), col) {
			t.Errorf("header lacks %q:\n%s", col, out)
		}
	}
}

func lineStarting(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}

func TestReportUnitsAndJSON(t *testing.T) {
	dir := writeRun(t, 1)
	tests := []struct {
		unit string
		p50  string
		max  string
	}{
		{"ns", "500223", "1000447"},
		{"us", "500.223", "1000.447"},
		{"ms", "0.500", "1.000"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI("report", "--unit", tc.unit, filepath.Join(dir, "decode.hgrm"))
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.unit, code, errOut)
		}
		f := strings.Fields(lineStarting(out, "decode"))
		if len(f) != 8 || f[2] != tc.p50 || f[7] != tc.max {
			t.Errorf("--unit %s: row %q, want p50 %s max %s", tc.unit, f, tc.p50, tc.max)
		}
	}

	code, out, errOut := runCLI("report", "--json", "--unit", "ns", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep reportJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if rep.Unit != "ns" || len(rep.Runs) != 1 || len(rep.Runs[0].Stages) != 2 {
		t.Fatalf("report = %+v", rep)
	}
	d := rep.Runs[0].Stages[0]
	if d.Stage != "decode" || d.Count != 1000 || d.P50 != 500223 || d.Max != 1000447 {
		t.Errorf("decode = %+v", d)
	}
	if f := rep.Runs[0].Stages[1]; f.Stage != "frame_to_wire" || f.Count != 1000 {
		t.Errorf("frame_to_wire = %+v", f)
	}
}

// The .hgrm (µs text) and the .hlog (exact histograms) of one run give the
// same table.
func TestReportHgrmMatchesHlog(t *testing.T) {
	dir := writeRun(t, 1)
	_, fromHgrm, _ := runCLI("report", "--unit", "ns", filepath.Join(dir, "frame_to_wire.hgrm"))
	_, fromHlog, _ := runCLI("report", "--unit", "ns", filepath.Join(dir, "latency.hlog"))
	a := lineStarting(fromHgrm, "frame_to_wire")
	b := lineStarting(fromHlog, "frame_to_wire")
	if a == "" || strings.Join(strings.Fields(a), " ") != strings.Join(strings.Fields(b), " ") {
		t.Errorf("hgrm row %q != hlog row %q", a, b)
	}
	if !strings.Contains(fromHlog, "decode") {
		t.Errorf("hlog report lacks the decode tag:\n%s", fromHlog)
	}
}

func TestReadHlogMergesIntervalsPerTag(t *testing.T) {
	dir := writeRun(t, 1)
	f, err := os.Open(filepath.Join(dir, "latency.hlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ivs, conds, err := readHlog(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(conds) != 1 || !strings.Contains(conds[0], "GOMAXPROCS=") {
		t.Errorf("conditions = %q", conds)
	}
	if len(ivs) != 4 {
		t.Fatalf("%d intervals, want 4 (2 stages x 2 intervals)", len(ivs))
	}
	st, err := mergeIntervals(ivs)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].name != "decode" || !st[0].h.Equals(knownHistogram()) {
		t.Errorf("merged decode differs from the recorded values")
	}
}

func TestReportHlogUntaggedAndForeign(t *testing.T) {
	h := knownHistogram()
	enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	// A log as the Java tools write it: no tags, no BaseTime.
	log := "#[Logged with jHiccup version 2.0.10]\n#[Histogram log format version 1.2]\n" +
		"#[StartTime: 1441812279.474 (seconds since epoch), Wed Sep 09 08:24:39 PDT 2015]\n" +
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n" +
		"0.127,1.007,1.000," + string(enc) + "\n" +
		"1.134,0.999,1.000," + string(enc) // no final newline
	path := filepath.Join(t.TempDir(), "java.hlog")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("report", "--unit", "ns", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f := strings.Fields(lineStarting(out, untagged))
	if len(f) != 8 || f[1] != "2000" || f[2] != "500223" {
		t.Errorf("untagged row = %q\n%s", f, out)
	}
}

func TestCompare(t *testing.T) {
	a := writeRun(t, 1)
	b := writeRun(t, 1.25, hist.Ack) // 25% slower, plus a stage A lacks
	code, out, errOut := runCLI("compare", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"A = " + a, "B = " + b, "ack: only in B", "12 regression(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// p50 ratio: 625 µs vs 500 µs, at HdrHistogram resolution.
	f := strings.Fields(lineStarting(out, "p50"))
	if len(f) != 6 || f[4] != "<<" || !strings.HasPrefix(f[3], "1.2") {
		t.Errorf("p50 row = %q", f)
	}
	if f := strings.Fields(lineStarting(out, "count")); len(f) != 4 || f[3] != "1.000" {
		t.Errorf("count row = %q (never a regression)", f)
	}

	// Same run: every ratio 1, no regression; --fail keeps exit 0.
	code, out, _ = runCLI("compare", "--fail", a, a)
	if code != 0 || !strings.Contains(out, "0 regression(s)") || strings.Contains(out, "REGRESSION") {
		t.Errorf("self-compare: exit %d\n%s", code, out)
	}
	// --fail turns regressions into exit 1; a threshold of 30% tolerates 25%.
	if code, _, _ := runCLI("compare", "--fail", a, b); code != 1 {
		t.Errorf("--fail with regressions: exit %d, want 1", code)
	}
	if code, out, _ := runCLI("compare", "--fail", "--threshold", "30", a, b); code != 0 {
		t.Errorf("--threshold 30: exit %d\n%s", code, out)
	}
	// B faster than A is never a regression.
	if code, _, _ := runCLI("compare", "--fail", b, a); code != 0 {
		t.Errorf("improvement flagged as regression")
	}
}

func TestCompareRatiosJSON(t *testing.T) {
	a := writeRun(t, 1)
	b := writeRun(t, 2)
	code, out, errOut := runCLI("compare", "--json", filepath.Join(a, "decode.hgrm"), filepath.Join(b, "decode.hgrm"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var c comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Stages) != 1 || len(c.Stages[0].Rows) != 7 {
		t.Fatalf("comparison = %+v", c)
	}
	for _, r := range c.Stages[0].Rows[1:] {
		// Doubling every value doubles each percentile within HDR precision.
		if r.Ratio == nil || *r.Ratio < 1.998 || *r.Ratio > 2.002 || !r.Regression {
			t.Errorf("%s: ratio %v regression %v, want ~2 and true", r.Metric, r.Ratio, r.Regression)
		}
	}
}

func TestCLIErrors(t *testing.T) {
	dir := writeRun(t, 1)
	bad := filepath.Join(t.TempDir(), "bad.hgrm")
	os.WriteFile(bad, []byte("Value Percentile TotalCount 1/(1-Percentile)\n1.0 0.5 x inf\n"), 0o644)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "Usage"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"report"}, 2, "need at least one FILE"},
		{[]string{"report", "--unit", "hours", dir}, 2, "unknown unit"},
		{[]string{"report", "--bogus", dir}, 2, "flag provided but not defined"},
		{[]string{"report", "/nonexistent/x.hgrm"}, 1, "no such file"},
		{[]string{"report", bad}, 1, "line 2: bad total count"},
		{[]string{"report", filepath.Join(dir, "..")}, 1, "no .hgrm or .hlog files"},
		{[]string{"compare", dir}, 2, "exactly two runs"},
		{[]string{"compare", "--threshold", "-1", dir, dir}, 2, "threshold"},
		{[]string{"plot", dir}, 2, "-o OUT.png"},
		{[]string{"plot", "-o", "x.jpg", dir}, 2, "want a .png or .svg"},
		{[]string{"plot", "-o", filepath.Join(t.TempDir(), "x.png"), "--stage", "nope", dir}, 1, "no stage matches"},
		{[]string{"probe"}, 2, "need at least one URL"},
		{[]string{"probe", "ftp://127.0.0.1/"}, 2, "scheme must be"},
		{[]string{"probe", "-n", "0", "http://127.0.0.1/"}, 2, "-n must be"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d containing %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if tc.args != nil && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%q: error is not one line: %q", tc.args, errOut)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		code, out, _ := runCLI(c.name, "--help")
		if code != 0 || !strings.Contains(out, "Usage: latency "+c.name) || !strings.Contains(out, "Example") {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, out)
		}
		if code, out2, _ := runCLI("help", c.name); code != 0 || out2 != out {
			t.Errorf("help %s differs from %s --help", c.name, c.name)
		}
	}
	if code, out, _ := runCLI("help"); code != 0 || !strings.Contains(out, "probe") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := writeRun(t, 1)
	code, out, errOut := runCLI("report", filepath.Join(dir, "decode.hgrm"), "--unit", "ns")
	if code != 0 || !strings.Contains(out, "500223") {
		t.Errorf("exit %d, %s%s", code, out, errOut)
	}
}
