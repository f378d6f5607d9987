package main

import (
	"encoding/json"
	"fmt"
	"io"
)

const reportAbout = `latency report: percentile tables from HdrHistogram files.

Usage: latency report [flags] FILE|DIR...

Reads .hgrm percentile files (one stage each, named after the file), .hlog
interval logs (one stage per Tag=, intervals summed) and directories of them
(as the engine's hist.WriteDir writes them), and prints count, p50, p90, p99,
p99.9, p99.99 and max per stage, one table per input.

Examples:
  latency report out/latency/
  latency report --unit ns out/latency/frame_to_wire.hgrm
  latency report --json run1/latency.hlog run2/latency.hlog`

// reportJSON is the --json output of report.
type reportJSON struct {
	Unit string          `json:"unit"`
	Runs []reportJSONRun `json:"runs"`
}

type reportJSONRun struct {
	Input      string            `json:"input"`
	Conditions []string          `json:"conditions,omitempty"`
	Stages     []reportJSONStage `json:"stages"`
}

type reportJSONStage struct {
	Stage string  `json:"stage"`
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99_9"`
	P9999 float64 `json:"p99_99"`
	Max   float64 `json:"max"`
}

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report", reportAbout, stderr)
	unitName := fs.String("unit", "us", "unit of the printed values: ns, us, ms or s")
	hgrmUnit := fs.String("hgrm-unit", "us", "unit of the values in .hgrm files (hist writes us)")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	pos, code, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return usageError(stderr, "report", "need at least one FILE or DIR")
	}
	u, err := parseUnit(*unitName)
	if err != nil {
		return usageError(stderr, "report", err.Error())
	}
	hu, err := parseUnit(*hgrmUnit)
	if err != nil {
		return usageError(stderr, "report", "--hgrm-unit: "+err.Error())
	}
	runs := make([]*run, 0, len(pos))
	for _, p := range pos {
		r, err := loadRun(p, hu.ratio)
		if err != nil {
			return fail(stderr, "report", err)
		}
		runs = append(runs, r)
	}
	if *asJSON {
		out := reportJSON{Unit: u.name}
		for _, r := range runs {
			jr := reportJSONRun{Input: r.name, Conditions: r.conditions}
			for _, s := range r.stages {
				sum := summarize(s.h)
				jr.Stages = append(jr.Stages, reportJSONStage{
					Stage: s.name, Count: sum.Count,
					P50: u.value(sum.P50), P90: u.value(sum.P90), P99: u.value(sum.P99),
					P999: u.value(sum.P999), P9999: u.value(sum.P9999), Max: u.value(sum.Max),
				})
			}
			out.Runs = append(out.Runs, jr)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(stderr, "report", err)
		}
		return 0
	}
	for i, r := range runs {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "== %s (values in %s) ==\n", r.name, u.name)
		for _, c := range r.conditions {
			fmt.Fprintf(stdout, "conditions: %s\n", c)
		}
		var t table
		t.add(append([]string{"stage"}, summaryCols...)...)
		for _, s := range r.stages {
			t.add(summaryRow(s.name, s.h, u)...)
		}
		if err := t.write(stdout); err != nil {
			return fail(stderr, "report", err)
		}
	}
	return 0
}
