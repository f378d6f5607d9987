package hist

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// File names written by WriteDir: one "<stage>.hgrm" per stage with values
// (e.g. "frame_to_wire.hgrm") and one interval log for all stages.
const (
	HgrmExt      = ".hgrm"
	HlogName     = "latency.hlog"
	ticksPerHalf = 5 // percentile rows per halving of 1-p, as the Java tools print
)

// WriteHgrm writes h in the classic HdrHistogram percentile-distribution
// text format (Value, Percentile, TotalCount, 1/(1-Percentile) columns and
// the #[Mean ...] footer), values divided by unitRatio (1000: ns → µs).
func WriteHgrm(w io.Writer, h *hdr.Histogram, unitRatio float64) error {
	if unitRatio <= 0 {
		return fmt.Errorf("hist: unit ratio %v must be positive", unitRatio)
	}
	bw := bufio.NewWriter(w)
	if _, err := h.PercentilesPrint(bw, ticksPerHalf, unitRatio); err != nil {
		return fmt.Errorf("hist: write hgrm: %w", err)
	}
	return bw.Flush()
}

// WriteHlog writes the interval log collected so far in HdrHistogram log
// format v1.3: a StartTime and BaseTime header, the column legend, then one
// "Tag=<stage>,start,length,max,<base64 V2 compressed histogram>" line per
// stage and interval (timestamps in seconds relative to BaseTime, the
// interval max in milliseconds, as the Java HistogramLogWriter writes them).
func (c *Collector) WriteHlog(w io.Writer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	bw := bufio.NewWriter(w)
	baseMs := c.start.UnixMilli()
	baseSec := float64(baseMs) / 1000
	fmt.Fprintf(bw, "#[Histogram log format version %s]\n", hdr.HISTOGRAM_LOG_FORMAT_VERSION)
	fmt.Fprintf(bw, "#[StartTime: %.3f (seconds since epoch), %s]\n", baseSec, c.start.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(bw, "#[BaseTime: %.3f (seconds since epoch)]\n", baseSec)
	fmt.Fprintf(bw, "#[Values in nanoseconds; Interval_Max in milliseconds; tags are hotpath stages]\n")
	fmt.Fprintf(bw, "#[Conditions: %s]\n", runtimeConditions())
	for _, cond := range c.opt.Conditions {
		fmt.Fprintf(bw, "#[Conditions: %s]\n", strings.ReplaceAll(cond, "\n", " "))
	}
	if c.dropped > 0 {
		fmt.Fprintf(bw, "#[Dropped %d oldest interval entries (MaxIntervals %d)]\n", c.dropped, c.opt.MaxIntervals)
	}
	fmt.Fprintf(bw, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
	for _, e := range c.log {
		fmt.Fprintf(bw, "Tag=%s,%.3f,%.3f,%.3f,%s\n", e.stage,
			float64(e.startMs-baseMs)/1000, float64(e.endMs-e.startMs)/1000,
			float64(e.maxNs)/hdr.MsToNsRatio, e.payload)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("hist: write hlog: %w", err)
	}
	return nil
}

// WriteDir writes one .hgrm file per stage that has values (values divided
// by Options.UnitRatio; after the classic footer one more comment line,
// "#[Clamped = N ...]", counts the values that were out of range) and the
// interval log HlogName into dir, creating it if needed. Each file is written to a temporary name and renamed, so a
// reader never sees half a file. Call it on demand and at shutdown (after a
// final Collect).
func (c *Collector) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hist: %w", err)
	}
	var errs []error
	for s := Stage(0); s < NumStages; s++ {
		h := c.Totals(s)
		if h.TotalCount() == 0 {
			continue
		}
		clamped := c.Percentiles(s).Clamped
		errs = append(errs, writeFileAtomic(filepath.Join(dir, s.String()+HgrmExt), func(w io.Writer) error {
			if err := WriteHgrm(w, h, c.opt.UnitRatio); err != nil {
				return err
			}
			_, err := fmt.Fprintf(w, "#[Clamped = %12d (values outside 0..10 s recorded at the bound)]\n", clamped)
			return err
		}))
	}
	errs = append(errs, writeFileAtomic(filepath.Join(dir, HlogName), c.WriteHlog))
	return errors.Join(errs...)
}

// runtimeConditions describes the Go runtime the values were measured in.
func runtimeConditions() string {
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = "100"
	}
	limit := "off"
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		limit = strconv.FormatInt(l, 10)
	}
	return fmt.Sprintf("%s %s/%s, GOMAXPROCS=%d, NumCPU=%d, GOGC=%s, GOMEMLIMIT=%s",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), gogc, limit)
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("hist: %w", err)
	}
	tmp := f.Name()
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("hist: write %s: %w", path, err)
	}
	return nil
}
