package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

const plotAbout = `latency plot: the percentile-distribution plot of one or more runs.

Usage: latency plot [flags] -o OUT.png|OUT.svg FILE|DIR...

Draws latency (y) against percentile (x, on a log scale of 1/(1-p) labelled
0%, 90%, 99%, 99.9%, ...), the classic HdrHistogram plot, with one line per
stage, or per run and stage when several inputs are given. Inputs are .hgrm
or .hlog files or directories of them. The format follows the extension of -o.

Examples:
  latency plot -o latency.png out/latency/
  latency plot --stage frame_to_wire -o cmp.svg baseline/ out/latency/`

// plotDPI is the resolution of PNG output: --width/--height are pixels.
const plotDPI = 96

// series is one line of the plot.
type series struct {
	label string
	h     *hdr.Histogram
}

func runPlot(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("plot", plotAbout, stderr)
	out := fs.String("o", "", "output `file`, .png or .svg (required)")
	unitName := fs.String("unit", "us", "unit of the y axis: ns, us, ms or s")
	hgrmUnit := fs.String("hgrm-unit", "us", "unit of the values in .hgrm files (hist writes us)")
	stages := fs.String("stage", "", "comma-separated stage `names` to plot (default: all)")
	title := fs.String("title", "Latency by percentile", "plot title")
	width := fs.Int("width", 1200, "width in `pixels` (96 per inch)")
	height := fs.Int("height", 700, "height in `pixels` (96 per inch)")
	logY := fs.Bool("log-y", false, "logarithmic y axis")
	pos, code, ok := parseArgs(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if *out == "" {
		return usageError(stderr, "plot", "-o OUT.png or OUT.svg is required")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".png" && ext != ".svg" {
		return usageError(stderr, "plot", fmt.Sprintf("-o %s: want a .png or .svg file", *out))
	}
	if len(pos) == 0 {
		return usageError(stderr, "plot", "need at least one FILE or DIR")
	}
	if *width < 100 || *height < 100 || *width > 10000 || *height > 10000 {
		return usageError(stderr, "plot", "--width and --height must be 100..10000 pixels")
	}
	u, err := parseUnit(*unitName)
	if err != nil {
		return usageError(stderr, "plot", err.Error())
	}
	hu, err := parseUnit(*hgrmUnit)
	if err != nil {
		return usageError(stderr, "plot", "--hgrm-unit: "+err.Error())
	}
	var want map[string]bool
	if *stages != "" {
		want = map[string]bool{}
		for _, s := range strings.Split(*stages, ",") {
			want[strings.TrimSpace(s)] = true
		}
	}
	var runs []*run
	for _, p := range pos {
		r, err := loadRun(p, hu.ratio)
		if err != nil {
			return fail(stderr, "plot", err)
		}
		runs = append(runs, r)
	}
	ser := pickSeries(runs, want)
	if len(ser) == 0 {
		return fail(stderr, "plot", fmt.Errorf("no stage matches --stage %q", *stages))
	}
	p, err := percentilePlot(ser, u, *title, *logY)
	if err != nil {
		return fail(stderr, "plot", err)
	}
	w := vg.Length(*width) * vg.Inch / plotDPI
	h := vg.Length(*height) * vg.Inch / plotDPI
	if err := savePlot(p, w, h, ext, *out); err != nil {
		return fail(stderr, "plot", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%d lines)\n", *out, len(ser))
	return 0
}

// pickSeries chooses the lines: every stage (filtered by want) of every run,
// labelled by stage alone for one run, by run and stage for several.
func pickSeries(runs []*run, want map[string]bool) []series {
	var out []series
	for _, r := range runs {
		for _, s := range r.stages {
			if want != nil && !want[s.name] {
				continue
			}
			label := s.name
			if len(runs) > 1 {
				label = r.name + ": " + s.name
			}
			out = append(out, series{label: label, h: s.h})
		}
	}
	return out
}

// percentileScale is the x-axis transform: data values are percentiles as
// fractions p in [0, 1), placed at log10(1/(1-p)) so that 90%, 99%, 99.9%
// ... are evenly spaced.
type percentileScale struct{}

func percentilePos(p float64) float64 {
	if p >= 1 {
		p = math.Nextafter(1, 0)
	}
	return -math.Log10(1 - p)
}

// Normalize implements plot.Normalizer.
func (percentileScale) Normalize(min, max, x float64) float64 {
	lo, hi := percentilePos(min), percentilePos(max)
	return (percentilePos(x) - lo) / (hi - lo)
}

// percentileTicks labels 0%, 90%, 99%, ... up to the axis maximum, with
// unlabelled minor ticks at 2..9 times each decade of 1/(1-p).
func percentileTicks(_, max float64) []plot.Tick {
	top := int(math.Round(percentilePos(max)))
	var ticks []plot.Tick
	for d := 0; d <= top; d++ {
		p := 1 - math.Pow(10, -float64(d))
		ticks = append(ticks, plot.Tick{Value: p, Label: percentLabel(d)})
		if d == top {
			break
		}
		for m := 2; m <= 9; m++ {
			ticks = append(ticks, plot.Tick{Value: 1 - 1/(float64(m)*math.Pow(10, float64(d)))})
		}
	}
	return ticks
}

// percentLabel writes 1-10^-d as a percentage: 0%, 90%, 99%, 99.9%, ...
func percentLabel(d int) string {
	switch d {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", d-2) + "%"
}

// percentilePlot builds the plot. Each line runs through the percentile
// rows HdrHistogram reports (5 per halving of 1-p) below 100%; the max is in
// the legend, since 100% is infinitely far on this axis.
func percentilePlot(ser []series, u unit, title string, logY bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(16)
	p.X.Label.Text = "Percentile"
	p.Y.Label.Text = "Latency (" + unitLabel(u) + ")"
	p.X.Scale = percentileScale{}
	p.X.Tick.Marker = plot.TickerFunc(percentileTicks)
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(12)
	p.Legend.XOffs = vg.Points(12)
	p.Legend.YOffs = -vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(13)
		a.Tick.Label.Font.Size = vg.Points(11)
	}

	maxPos := 2.0 // at least up to 99%
	minY := math.Inf(1)
	maxY := 0.0
	for i, s := range ser {
		var pts plotter.XYs
		for _, b := range s.h.CumulativeDistributionWithTicks(5) {
			if b.Quantile >= 100 {
				continue
			}
			q := b.Quantile / 100
			y := u.value(b.ValueAt)
			if logY && y <= 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: q, Y: y})
			// Round up to the next labelled tick, ignoring a sliver past one
			// (the iterator's 99.902% is still "99.9%").
			maxPos = math.Max(maxPos, math.Ceil(percentilePos(q)-0.05))
			maxY = math.Max(maxY, y)
			minY = math.Min(minY, y)
		}
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(2)
		line.Dashes = plotutil.Dashes(i / len(plotutil.SoftColors))
		p.Add(line)
		p.Legend.Add(fmt.Sprintf("%s  (n=%d, max %s %s)", s.label, s.h.TotalCount(), u.format(s.h.Max()), unitLabel(u)), line)
	}
	maxPos = math.Min(maxPos, 7)
	p.X.Min, p.X.Max = 0, 1-math.Pow(10, -maxPos)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		if !math.IsInf(minY, 1) {
			p.Y.Min = minY
		}
	} else {
		// Head room above the highest line for the legend.
		p.Y.Min, p.Y.Max = 0, maxY*(1.12+0.04*float64(len(ser)))
		p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	}
	p.BackgroundColor = color.White
	return p, nil
}

// savePlot renders p to path: PNG at plotDPI, or SVG.
func savePlot(p *plot.Plot, w, h vg.Length, ext, path string) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch ext {
	case ".png":
		img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))
		p.Draw(margins(draw.New(img)))
		c = vgimg.PngCanvas{Canvas: img}
	case ".svg":
		s := vgsvg.New(w, h)
		p.Draw(margins(draw.New(s)))
		c = s
	default:
		return fmt.Errorf("unsupported output format %q", ext)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// margins keeps the title and the last tick label off the image's edges.
func margins(c draw.Canvas) draw.Canvas {
	m := vg.Points(14)
	return draw.Crop(c, m, -m, m/2, -m)
}

// unitLabel is the unit as printed on the plot.
func unitLabel(u unit) string {
	if u.name == "us" {
		return "µs"
	}
	return u.name
}

// niceTicks labels about eight round values (steps of 1, 2, 2.5 or 5 times
// a power of ten) between min and max, with an unlabelled tick between each.
func niceTicks(min, max float64) []plot.Tick {
	span := max - min
	if !(span > 0) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	raw := span / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(min / step); i*step <= max+step*1e-9; i++ {
		v := i * step
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		if half := v + step/2; half <= max {
			ticks = append(ticks, plot.Tick{Value: half})
		}
	}
	return ticks
}
