package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const polypyFile = "../../feed/testdata/messages_hash.txt"

func TestVerifyCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"verify", polypyFile}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 || strings.Count(out.String(), `"match":true`) != 5 || strings.Count(out.String(), `"match":null`) != 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	if !strings.Contains(errOut.String(), "5 of 5 hashes match") {
		t.Fatalf("summary %q", errOut.String())
	}
}

func TestVerifyCommandMismatchAndStdin(t *testing.T) {
	data, err := os.ReadFile(polypyFile)
	if err != nil {
		t.Fatal(err)
	}
	// Edit one size of the WS book: its hash no longer reproduces.
	bad := bytes.Replace(data, []byte(`{"price":"0.02","size":"7.52"}`), []byte(`{"price":"0.02","size":"7.53"}`), 1)
	path := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"verify", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), `"match":false`) || !strings.Contains(errOut.String(), "MISMATCH") {
		t.Fatalf("out %s err %s", out.String(), errOut.String())
	}
	// stdin ("-"), flags after the file.
	old := os.Stdin
	defer func() { os.Stdin = old }()
	f, _ := os.Open(polypyFile)
	defer f.Close()
	os.Stdin = f
	out.Reset()
	errOut.Reset()
	if code := dispatch([]string{"verify", "-", "--min-order-size", "5", "--tick-size", "0.01"}, &out, &errOut); code != 0 {
		t.Fatalf("stdin: exit %d: %s", code, errOut.String())
	}
}

func TestVerifyCommandBadInput(t *testing.T) {
	cases := [][]string{
		{"verify", "/nonexistent/file"},
		{"verify", "--bogus"},
		{"verify", "a", "b"},
	}
	for _, args := range cases {
		var out, errOut bytes.Buffer
		if code := dispatch(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if n := strings.Count(strings.TrimSpace(errOut.String()), "\n"); n != 0 {
			t.Errorf("%v: not one line: %q", args, errOut.String())
		}
	}
	empty := filepath.Join(t.TempDir(), "labels.txt")
	_ = os.WriteFile(empty, []byte("just a label\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"verify", empty}, &out, &errOut); code != 2 {
		t.Errorf("no messages: exit %d", code)
	}
	out.Reset()
	if code := dispatch([]string{"verify", "--help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Example") {
		t.Errorf("--help: %d %q", code, out.String())
	}
}
