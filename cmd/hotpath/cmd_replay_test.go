package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplayPacedAndProgress(t *testing.T) {
	out := recordPolypy(t)
	var so, se bytes.Buffer
	if code := dispatch([]string{"replay", "--speed", "50", "--progress", "1ns", out}, &so, &se); code != 0 {
		t.Fatalf("exit %d: %s", code, se.String())
	}
	// Not a terminal: plain progress lines.
	if !strings.Contains(se.String(), "replay: ") || !strings.Contains(so.String(), "frames    3") {
		t.Fatalf("stdout %q stderr %q", so.String(), se.String())
	}
}

func TestReplayDamagedCapture(t *testing.T) {
	out := recordPolypy(t)
	data, _ := os.ReadFile(out)
	cut := filepath.Join(t.TempDir(), "cut.hpcap")
	_ = os.WriteFile(cut, data[:len(data)-8], 0o644)
	var so, se bytes.Buffer
	if code := dispatch([]string{"replay", cut}, &so, &se); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(se.String(), "capture: file is") {
		t.Fatalf("stderr %q", se.String())
	}
	notCap := filepath.Join(t.TempDir(), "x.txt")
	_ = os.WriteFile(notCap, []byte("hello world"), 0o644)
	se.Reset()
	if code := dispatch([]string{"replay", notCap}, &so, &se); code != 1 || !strings.Contains(se.String(), "not a hotpath capture") {
		t.Fatalf("exit %d %q", code, se.String())
	}
}
