package main

import (
	"fmt"
	"strconv"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/hotpath/hotpath/hist"
)

// unit is a display unit for nanosecond values.
type unit struct {
	name  string  // as written on the command line and in headers
	ratio float64 // nanoseconds per unit
}

var units = []unit{{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}}

func parseUnit(s string) (unit, error) {
	if s == "µs" {
		s = "us"
	}
	for _, u := range units {
		if u.name == s {
			return u, nil
		}
	}
	return unit{}, fmt.Errorf("unknown unit %q (want ns, us, ms or s)", s)
}

// format writes ns in the unit: whole nanoseconds, otherwise three decimals.
func (u unit) format(ns int64) string {
	if u.ratio == 1 {
		return strconv.FormatInt(ns, 10)
	}
	return strconv.FormatFloat(float64(ns)/u.ratio, 'f', 3, 64)
}

// value converts ns to the unit for JSON.
func (u unit) value(ns int64) float64 { return float64(ns) / u.ratio }

// summaryCols names the columns of every percentile table.
var summaryCols = []string{"count", "p50", "p90", "p99", "p99.9", "p99.99", "max"}

// summaryValues returns the summary's values in summaryCols order (count
// first, then nanoseconds).
func summaryValues(s hist.Summary) []int64 {
	return []int64{s.Count, s.P50, s.P90, s.P99, s.P999, s.P9999, s.Max}
}

// summaryRow is a table row: name, count and the percentiles in u, or "-"
// for an empty histogram.
func summaryRow(name string, h *hdr.Histogram, u unit) []string {
	vals := summaryValues(summarize(h))
	row := []string{name, strconv.FormatInt(vals[0], 10)}
	for _, v := range vals[1:] {
		if vals[0] == 0 {
			row = append(row, "-")
			continue
		}
		row = append(row, u.format(v))
	}
	return row
}

func summarize(h *hdr.Histogram) hist.Summary { return hist.Summarize(h) }

// formatFloat writes a value already converted to the unit.
func (u unit) formatFloat(v float64) string {
	if u.ratio == 1 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}
