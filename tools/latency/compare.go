package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

const compareAbout = `latency compare: two runs side by side, per stage, with ratios B/A.

Usage: latency compare [flags] A B

A and B are .hgrm/.hlog files or directories of them (as the engine's
hist.WriteDir writes them). Stages are matched by name. For every stage in
both runs it prints count, p50, p90, p99, p99.9, p99.99 and max of A and B and
the ratio B/A; a percentile whose ratio exceeds 1 + threshold is marked
"<< REGRESSION". Stages present in only one run are listed.

Examples:
  latency compare baseline/ out/latency/
  latency compare --threshold 5 --fail a/frame_to_wire.hgrm b/frame_to_wire.hgrm`

// metricRow is one line of a comparison.
type metricRow struct {
	Metric     string   `json:"metric"`
	A          float64  `json:"a"`
	B          float64  `json:"b"`
	Ratio      *float64 `json:"ratio"` // null when A is 0 and B is not
	Regression bool     `json:"regression"`
}

type stageComparison struct {
	Stage string      `json:"stage"`
	Rows  []metricRow `json:"rows"`
}

type comparison struct {
	A            string            `json:"a"`
	B            string            `json:"b"`
	Unit         string            `json:"unit"`
	ThresholdPct float64           `json:"threshold_pct"`
	Stages       []stageComparison `json:"stages"`
	OnlyInA      []string          `json:"only_in_a"`
	OnlyInB      []string          `json:"only_in_b"`
	Regressions  int               `json:"regressions"`
}

// compareRuns compares every stage of a and b. Counts get a ratio but are
// never a regression; a percentile is one when B/A > 1 + thresholdPct/100
// (or A is 0 and B is not).
func compareRuns(a, b *run, u unit, thresholdPct float64) comparison {
	c := comparison{A: a.name, B: b.name, Unit: u.name, ThresholdPct: thresholdPct,
		OnlyInA: []string{}, OnlyInB: []string{}}
	limit := 1 + thresholdPct/100
	for _, sa := range a.stages {
		hb := b.find(sa.name)
		if hb == nil {
			c.OnlyInA = append(c.OnlyInA, sa.name)
			continue
		}
		va, vb := summaryValues(summarize(sa.h)), summaryValues(summarize(hb))
		sc := stageComparison{Stage: sa.name}
		for i, name := range summaryCols {
			row := metricRow{Metric: name, A: float64(va[i]), B: float64(vb[i])}
			if i > 0 {
				row.A, row.B = u.value(va[i]), u.value(vb[i])
			}
			switch {
			case va[i] != 0:
				r := float64(vb[i]) / float64(va[i])
				row.Ratio = &r
				row.Regression = i > 0 && r > limit
			case vb[i] == 0:
				r := 1.0
				row.Ratio = &r
			default:
				row.Regression = i > 0
			}
			if row.Regression {
				c.Regressions++
			}
			sc.Rows = append(sc.Rows, row)
		}
		c.Stages = append(c.Stages, sc)
	}
	for _, sb := range b.stages {
		if a.find(sb.name) == nil {
			c.OnlyInB = append(c.OnlyInB, sb.name)
		}
	}
	return c
}

func runCompare(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("compare", compareAbout, stderr)
	unitName := fs.String("unit", "us", "unit of the printed values: ns, us, ms or s")
	hgrmUnit := fs.String("hgrm-unit", "us", "unit of the values in .hgrm files (hist writes us)")
	threshold := fs.Float64("threshold", 10, "mark a percentile whose B/A ratio exceeds 1 + `pct`/100")
	failOn := fs.Bool("fail", false, "exit with status 1 if any percentile regressed")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	pos, code, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return usageError(stderr, "compare", fmt.Sprintf("need exactly two runs A and B, got %d", len(pos)))
	}
	u, err := parseUnit(*unitName)
	if err != nil {
		return usageError(stderr, "compare", err.Error())
	}
	hu, err := parseUnit(*hgrmUnit)
	if err != nil {
		return usageError(stderr, "compare", "--hgrm-unit: "+err.Error())
	}
	if !(*threshold >= 0) || math.IsInf(*threshold, 0) {
		return usageError(stderr, "compare", "--threshold must be a non-negative number")
	}
	var runs [2]*run
	for i, p := range pos {
		if runs[i], err = loadRun(p, hu.ratio); err != nil {
			return fail(stderr, "compare", err)
		}
	}
	c := compareRuns(runs[0], runs[1], u, *threshold)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			return fail(stderr, "compare", err)
		}
	} else if err := writeComparison(stdout, c, u); err != nil {
		return fail(stderr, "compare", err)
	}
	if *failOn && c.Regressions > 0 {
		return 1
	}
	return 0
}

func writeComparison(w io.Writer, c comparison, u unit) error {
	fmt.Fprintf(w, "A = %s\nB = %s\nvalues in %s; regression: B/A > %s\n",
		c.A, c.B, u.name, strconv.FormatFloat(1+c.ThresholdPct/100, 'f', -1, 64))
	var t table
	for _, s := range c.Stages {
		t.add("")
		t.add(s.Stage, "A", "B", "B/A", "")
		for _, r := range s.Rows {
			a, b := u.formatFloat(r.A), u.formatFloat(r.B)
			if r.Metric == "count" {
				a, b = strconv.FormatFloat(r.A, 'f', 0, 64), strconv.FormatFloat(r.B, 'f', 0, 64)
			}
			ratio := "inf"
			if r.Ratio != nil {
				ratio = strconv.FormatFloat(*r.Ratio, 'f', 3, 64)
			}
			mark := ""
			if r.Regression {
				mark = "<< REGRESSION"
			}
			t.add("  "+r.Metric, a, b, ratio, mark)
		}
	}
	if err := t.write(w); err != nil {
		return err
	}
	for _, s := range c.OnlyInA {
		fmt.Fprintf(w, "\n%s: only in A", s)
	}
	for _, s := range c.OnlyInB {
		fmt.Fprintf(w, "\n%s: only in B", s)
	}
	if len(c.OnlyInA)+len(c.OnlyInB) > 0 {
		fmt.Fprintln(w)
	}
	if len(c.Stages) == 0 {
		fmt.Fprintln(w, "\nno stage is in both runs")
	}
	_, err := fmt.Fprintf(w, "\n%d regression(s)\n", c.Regressions)
	return err
}
