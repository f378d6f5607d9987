package main

import (
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlotPNG(t *testing.T) {
	a, b := writeRun(t, 1), writeRun(t, 1.25)
	out := filepath.Join(t.TempDir(), "p.png")
	code, stdout, errOut := runCLI("plot", "-o", out, "--width", "800", "--height", "500", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(stdout, "(4 lines)") {
		t.Errorf("stdout = %q", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{800, 500}) {
		t.Fatalf("size = %v, want 800x500", got)
	}
	// Something was drawn: the lines are coloured, the background white.
	colored := 0
	for y := 0; y < 500; y += 2 {
		for x := 0; x < 800; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)-min(r, g, b) > 0x3000 {
				colored++
			}
		}
	}
	if colored < 200 {
		t.Errorf("only %d coloured pixels: no lines drawn?", colored)
	}
}

func TestPlotSVG(t *testing.T) {
	dir := writeRun(t, 1)
	out := filepath.Join(t.TempDir(), "p.svg")
	code, _, errOut := runCLI("plot", "--stage", "frame_to_wire", "--log-y", "--unit", "ms", "-o", out, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	var root string
	texts := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not valid XML: %v", err)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = v.Name.Local
			}
		case xml.CharData:
			texts += string(v) + "|"
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	for _, want := range []string{"Latency by percentile", "Percentile", "Latency (ms)", "90%", "99%", "99.9%", "frame_to_wire"} {
		if !strings.Contains(texts, want) {
			t.Errorf("SVG text lacks %q", want)
		}
	}
	if strings.Contains(texts, "decode") {
		t.Error("--stage frame_to_wire still plotted decode")
	}
}

func TestPercentileAxis(t *testing.T) {
	s := percentileScale{}
	max := 1 - 1e-4 // 99.99%
	for _, tc := range []struct{ p, want float64 }{{0, 0}, {0.9, 0.25}, {0.99, 0.5}, {0.999, 0.75}, {max, 1}} {
		if got := s.Normalize(0, max, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Normalize(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	var labels []string
	for _, tk := range percentileTicks(0, max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, " "); got != "0% 90% 99% 99.9% 99.99%" {
		t.Errorf("labels = %q", got)
	}
	if got := percentLabel(5); got != "99.999%" {
		t.Errorf("percentLabel(5) = %q", got)
	}
}
