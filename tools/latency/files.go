package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/hotpath/hotpath/hist"
)

// A run is one input (a file or a directory) as a set of named stage
// histograms, values in nanoseconds.
type run struct {
	name       string // as given on the command line
	stages     []stage
	conditions []string // "#[Conditions: ...]" lines of its interval logs
}

type stage struct {
	name string
	h    *hdr.Histogram
}

func (r *run) find(name string) *hdr.Histogram {
	for _, s := range r.stages {
		if s.name == name {
			return s.h
		}
	}
	return nil
}

// maxFileValueNs bounds values read from files (~13 days in ns): larger ones
// are rejected as corrupt rather than sizing a huge histogram after them.
const maxFileValueNs = 1 << 50

// maxLineBytes bounds one line of an input file.
const maxLineBytes = 1 << 20

var (
	errNoData = errors.New("no data rows")
)

// readHgrm parses a percentile-distribution (.hgrm) file: rows of
// "Value Percentile TotalCount 1/(1-Percentile)", with values in a unit of
// unitRatio nanoseconds (1000 for the µs files hist writes). It rebuilds a
// histogram by recording, at each row's value, the increase of TotalCount
// over the previous row: every percentile of the result is the value of the
// first row whose TotalCount reaches it, i.e. exact at the resolution of the
// file's rows and never below the true value.
func readHgrm(r io.Reader, unitRatio float64) (*hdr.Histogram, error) {
	if !(unitRatio > 0) || math.IsInf(unitRatio, 0) {
		return nil, fmt.Errorf("unit ratio %v must be positive", unitRatio)
	}
	type row struct{ ns, total int64 }
	var rows []row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	line := 0
	var prevNs, prevTotal int64
	var prevPct float64
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Fields(text)
		if len(rows) == 0 && f[0] == "Value" {
			continue // column header
		}
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 columns (Value Percentile TotalCount 1/(1-Percentile)), got %d", line, len(f))
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("line %d: bad value %q", line, f[0])
		}
		pct, err := strconv.ParseFloat(f[1], 64)
		if err != nil || !(pct >= 0 && pct <= 1) {
			return nil, fmt.Errorf("line %d: bad percentile %q (want 0..1)", line, f[1])
		}
		total, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || total < 0 {
			return nil, fmt.Errorf("line %d: bad total count %q", line, f[2])
		}
		nsf := math.Round(v * unitRatio)
		if !(nsf <= maxFileValueNs) {
			return nil, fmt.Errorf("line %d: value %s out of range", line, f[0])
		}
		ns := int64(nsf)
		if len(rows) > 0 && (ns < prevNs || total < prevTotal || pct < prevPct) {
			return nil, fmt.Errorf("line %d: rows must not decrease", line)
		}
		prevNs, prevTotal, prevPct = ns, total, pct
		rows = append(rows, row{ns, total})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[len(rows)-1].total == 0 {
		return nil, errNoData
	}
	h := newFileHistogram(rows[len(rows)-1].ns)
	var last int64
	for _, rw := range rows {
		if n := rw.total - last; n > 0 {
			if err := h.RecordValues(rw.ns, n); err != nil {
				return nil, err
			}
		}
		last = rw.total
	}
	return h, nil
}

// newFileHistogram returns a histogram at hist's precision covering at
// least hist's range and maxNs.
func newFileHistogram(maxNs int64) *hdr.Histogram {
	return hdr.New(hist.LowestValue, max(hist.HighestValue, maxNs), hist.SignificantDigits)
}

// interval is one histogram line of an .hlog file.
type interval struct {
	tag           string
	start, length float64 // seconds
	h             *hdr.Histogram
}

// readHlog parses an HdrHistogram interval log (format 1.x): comment and
// header lines start with '#', the column legend starts with a quote, and
// every other non-empty line is "[Tag=T,]start,length,max,base64-histogram".
// Values are taken to be nanoseconds. It also returns the text of the
// "#[Conditions: ...]" header lines hist writes.
func readHlog(r io.Reader) ([]interval, []string, error) {
	var out []interval
	var conds []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if c, ok := strings.CutPrefix(text, "#[Conditions: "); ok {
			conds = append(conds, strings.TrimSuffix(c, "]"))
			continue
		}
		if text == "" || text[0] == '#' || text[0] == '"' {
			continue
		}
		var tag string
		if rest, ok := strings.CutPrefix(text, "Tag="); ok {
			t, rest, ok := strings.Cut(rest, ",")
			if !ok || t == "" {
				return nil, nil, fmt.Errorf("line %d: empty or unterminated tag", line)
			}
			tag, text = t, rest
		}
		f := strings.SplitN(text, ",", 4)
		if len(f) != 4 {
			return nil, nil, fmt.Errorf("line %d: want start,length,max,histogram", line)
		}
		var nums [3]float64
		for i := range nums {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, nil, fmt.Errorf("line %d: bad number %q", line, f[i])
			}
			nums[i] = v
		}
		h, err := hdr.Decode([]byte(f[3]))
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: histogram: %w", line, err)
		}
		if h.Max() > maxFileValueNs {
			return nil, nil, fmt.Errorf("line %d: histogram max %d out of range", line, h.Max())
		}
		out = append(out, interval{tag: tag, start: nums[0], length: nums[1], h: h})
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		return nil, nil, errNoData
	}
	return out, conds, nil
}

// untagged names the stage of hlog lines that carry no Tag.
const untagged = "untagged"

// mergeIntervals sums the intervals of each tag into one histogram per tag.
func mergeIntervals(ivs []interval) ([]stage, error) {
	var out []stage
	idx := map[string]int{}
	for _, iv := range ivs {
		tag := iv.tag
		if tag == "" {
			tag = untagged
		}
		i, ok := idx[tag]
		if !ok {
			i = len(out)
			idx[tag] = i
			out = append(out, stage{name: tag, h: newFileHistogram(iv.h.Max())})
		}
		acc := out[i].h
		if iv.h.Max() > acc.HighestTrackableValue() {
			wider := newFileHistogram(iv.h.Max())
			wider.Merge(acc)
			acc, out[i].h = wider, wider
		}
		if dropped := acc.Merge(iv.h); dropped != 0 {
			return nil, fmt.Errorf("tag %s: %d values could not be merged", tag, dropped)
		}
	}
	return out, nil
}

// loadRun reads a file (.hgrm or .hlog) or a directory of them.
func loadRun(path string, hgrmRatio float64) (*run, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	r := &run{name: path}
	if !fi.IsDir() {
		st, conds, err := loadFile(path, hgrmRatio)
		if err != nil {
			return nil, err
		}
		r.stages, r.conditions = st, conds
		sortStages(r.stages)
		return r, nil
	}
	// A directory: interval logs first (exact histograms), then .hgrm files
	// for stages no log covered. hist.WriteDir writes both for each stage.
	var hlogs, hgrms []string
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".hlog":
			hlogs = append(hlogs, filepath.Join(path, e.Name()))
		case ".hgrm":
			hgrms = append(hgrms, filepath.Join(path, e.Name()))
		}
	}
	if len(hlogs)+len(hgrms) == 0 {
		return nil, fmt.Errorf("%s: no .hgrm or .hlog files", path)
	}
	for _, f := range append(hlogs, hgrms...) {
		st, conds, err := loadFile(f, hgrmRatio)
		if err != nil {
			return nil, err
		}
		for _, c := range conds {
			if !slices.Contains(r.conditions, c) {
				r.conditions = append(r.conditions, c)
			}
		}
		for _, s := range st {
			if r.find(s.name) == nil {
				r.stages = append(r.stages, s)
			}
		}
	}
	sortStages(r.stages)
	return r, nil
}

func loadFile(path string, hgrmRatio float64) ([]stage, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	switch ext := filepath.Ext(path); ext {
	case ".hgrm":
		h, err := readHgrm(f, hgrmRatio)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return []stage{{name: strings.TrimSuffix(filepath.Base(path), ext), h: h}}, nil, nil
	case ".hlog":
		ivs, conds, err := readHlog(f)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		st, err := mergeIntervals(ivs)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return st, conds, nil
	default:
		return nil, nil, fmt.Errorf("%s: unknown file type %q (want .hgrm or .hlog)", path, ext)
	}
}

// sortStages orders stages as the hot path does (hist.Stage order), then
// any other names alphabetically.
func sortStages(st []stage) {
	rank := func(name string) int {
		if s, ok := hist.ParseStage(name); ok {
			return int(s)
		}
		return int(hist.NumStages)
	}
	sort.SliceStable(st, func(i, j int) bool {
		ri, rj := rank(st[i].name), rank(st[j].name)
		if ri != rj {
			return ri < rj
		}
		return st[i].name < st[j].name
	})
}
