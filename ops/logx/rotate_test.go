package logx

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRotatingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	r, err := OpenRotating(path, 10, 2)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		write       string
		cur, b1, b2 string
		b3exists    bool
	}{
		{"aaaa\n", "aaaa\n", "", "", false},
		{"bbbb\n", "aaaa\nbbbb\n", "", "", false}, // exactly 10: fits
		{"cccc\n", "cccc\n", "aaaa\nbbbb\n", "", false},
		{"dddddddddddd\n", "dddddddddddd\n", "cccc\n", "aaaa\nbbbb\n", false}, // larger than max: own file
		{"e\n", "e\n", "dddddddddddd\n", "cccc\n", false},                     // oldest dropped
	}
	for i, st := range steps {
		n, err := r.Write([]byte(st.write))
		if err != nil || n != len(st.write) {
			t.Fatalf("step %d: n=%d err=%v", i, n, err)
		}
		if got := readAll(t, path); got != st.cur {
			t.Errorf("step %d: current %q, want %q", i, got, st.cur)
		}
		for j, want := range []string{st.b1, st.b2} {
			p := path + "." + string(rune('1'+j))
			b, err := os.ReadFile(p)
			if want == "" {
				if err == nil {
					t.Errorf("step %d: %s exists: %q", i, p, b)
				}
				continue
			}
			if string(b) != want {
				t.Errorf("step %d: %s = %q, want %q", i, p, b, want)
			}
		}
		if _, err := os.Stat(path + ".3"); err == nil {
			t.Errorf("step %d: .3 exists", i)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}

	// Reopening appends and counts the existing size.
	r2, err := OpenRotating(path, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, err := r2.Write([]byte("zzz")); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, path); got != "zzz" {
		t.Errorf("after reopen current = %q", got)
	}
	if got := readAll(t, path+".1"); got != "e\n" {
		t.Errorf("after reopen .1 = %q", got)
	}
}

func TestOpenRotatingErrors(t *testing.T) {
	_, err := OpenRotating(filepath.Join(t.TempDir(), "missing", "x.log"), 0, 0)
	if err == nil || !strings.Contains(err.Error(), "logx: open log file") {
		t.Errorf("got %v", err)
	}
	r, err := OpenRotating(filepath.Join(t.TempDir(), "d.log"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.maxBytes != DefaultMaxBytes || r.maxBackups != DefaultMaxBackups {
		t.Errorf("defaults %d %d", r.maxBytes, r.maxBackups)
	}
}
