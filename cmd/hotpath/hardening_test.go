package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadValuesRefused: flag values and arguments the commands used to
// accept silently (exit 0, or running on with a URL that can never connect)
// are refused with one line and exit 2. Found by hardening's CLI drill.
func TestBadValuesRefused(t *testing.T) {
	dir := t.TempDir()
	notCap := filepath.Join(dir, "x.txt")
	if err := os.WriteFile(notCap, []byte("hello world"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.hpcap")
	cases := [][]string{
		{"version", "--bogus"},
		{"version", "extra"},
		{"record", "--assets", "1", "--duration", "1s", "--out", out, "--url", "ftp://127.0.0.1:1/ws/market"},
		{"record", "--assets", "1", "--duration", "1s", "--out", out, "--url", "ws://"},
		{"record", "--assets", "1", "--duration", "1s", "--out", out, "--url", "127.0.0.1:1"},
		{"replay", "--tick-size", "0.3", notCap},
		{"replay", "--tick-size", "abc", notCap},
		{"replay", "--min-order-size", "abc", notCap},
		{"replay", "--min-order-size", "-5", notCap},
		{"verify", "--tick-size", "0.3", polypyFile},
		{"verify", "--min-order-size", "five", polypyFile},
	}
	for _, args := range cases {
		var so, se bytes.Buffer
		if code := dispatch(args, &so, &se); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, se.String())
		}
		if n := strings.Count(strings.TrimSpace(se.String()), "\n"); n != 0 || se.Len() == 0 {
			t.Errorf("%v: want one error line, got %q", args, se.String())
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("record created %s for a URL it refused", out)
	}
	var so, se bytes.Buffer
	if code := dispatch([]string{"version", "--help"}, &so, &se); code != 0 || !strings.Contains(so.String(), "Example") {
		t.Errorf("version --help: exit %d %q", code, so.String())
	}
}

// TestSignFailureOnStderr: when any object fails, besides its {"error":…}
// in the output, one line on stderr says how many failed and why the first
// did, so a script that only watches stderr sees the failure.
func TestSignFailureOnStderr(t *testing.T) {
	var so, se bytes.Buffer
	env := &signEnv{getenv: func(string) string { return "" }}
	code := signAll([]byte(`[{"op":"amounts","kind":"limit","side":"BUY","price":"0.5","size":"10","tickSize":"0.01"},{"op":"order"},{"op":"nope"}]`), env, &so, &se)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	msg := se.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "2 of 3") || !strings.Contains(msg, "no signing key") {
		t.Errorf("stderr %q", msg)
	}
}
