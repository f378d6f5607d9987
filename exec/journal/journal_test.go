package journal

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func collect(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	if err := Replay(dir, func(p []byte) error { out = append(out, string(p)); return nil }); err != nil {
		t.Fatalf("replay: %v", err)
	}
	return out
}

func TestAppendReplayAcrossReopenAndRotation(t *testing.T) {
	for _, mode := range []SyncMode{SyncBackground, SyncEvery} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			dir := t.TempDir()
			j, err := Open(dir, Options{Sync: mode, SegmentBytes: 200})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := 0; i < 30; i++ {
				rec := fmt.Sprintf(`{"k":"intent","n":%d}`, i)
				want = append(want, rec)
				if err := j.Append([]byte(rec)); err != nil {
					t.Fatal(err)
				}
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			segs, _ := segments(dir)
			if len(segs) < 3 {
				t.Fatalf("expected rotation into several segments, got %v", segs)
			}
			j, err = Open(dir, Options{Sync: mode, SegmentBytes: 200})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, `{"k":"after-reopen"}`)
			if err := j.Append([]byte(want[len(want)-1])); err != nil {
				t.Fatal(err)
			}
			j.Close()
			got := collect(t, dir)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("replay mismatch:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestTornTailIsTruncated(t *testing.T) {
	for _, torn := range []string{
		`0badc0de {"k":"half`,            // no newline
		"00000000 {\"k\":\"bad-crc\"}\n", // wrong checksum, last line
		"zz\n",                           // garbage header, last line
	} {
		dir := t.TempDir()
		j, _ := Open(dir, Options{Sync: SyncEvery})
		j.Append([]byte(`{"n":1}`))
		j.Append([]byte(`{"n":2}`))
		j.Close()
		f, _ := os.OpenFile(filepath.Join(dir, segName(1)), os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(torn)
		f.Close()
		if got := collect(t, dir); len(got) != 2 {
			t.Fatalf("%q: replay before repair returned %v", torn, got)
		}
		j, err := Open(dir, Options{Sync: SyncEvery})
		if err != nil {
			t.Fatalf("%q: %v", torn, err)
		}
		if j.Recovered != 1 {
			t.Errorf("%q: Recovered = %d", torn, j.Recovered)
		}
		j.Append([]byte(`{"n":3}`))
		j.Close()
		if got := collect(t, dir); strings.Join(got, ",") != `{"n":1},{"n":2},{"n":3}` {
			t.Fatalf("%q: after repair %v", torn, got)
		}
	}
}

func TestCorruptionInTheMiddleIsAnError(t *testing.T) {
	dir := t.TempDir()
	j, _ := Open(dir, Options{Sync: SyncEvery})
	for i := 0; i < 3; i++ {
		j.Append([]byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	j.Close()
	p := filepath.Join(dir, segName(1))
	b, _ := os.ReadFile(p)
	b[15] ^= 0x01 // flip a payload bit of the first record
	os.WriteFile(p, b, 0o600)
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("Open: err = %v, want corrupt", err)
	}
	if err := Replay(dir, func([]byte) error { return nil }); err == nil {
		t.Fatal("Replay accepted a corrupt journal")
	}
}

func TestRejectsNewlinesAndUseAfterClose(t *testing.T) {
	j, _ := Open(t.TempDir(), Options{})
	if err := j.Append([]byte("{\n}")); err != ErrNewline {
		t.Fatalf("err = %v", err)
	}
	j.Close()
	if err := j.Append([]byte(`{}`)); err != ErrClosed {
		t.Fatalf("after close: %v", err)
	}
}

func TestBackgroundSyncConcurrentWithAppend(t *testing.T) {
	dir := t.TempDir()
	j, _ := Open(dir, Options{Sync: SyncBackground, SyncInterval: 100 * time.Microsecond, SegmentBytes: 4096})
	n := 5000
	if testing.Short() {
		n = 1000
	}
	for i := 0; i < n; i++ {
		if err := j.Append([]byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Err(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if got := collect(t, dir); len(got) != n {
		t.Fatalf("replayed %d of %d", len(got), n)
	}
}

// TestSurvivesSIGKILL runs a child process that appends records and reports
// each acknowledged one on stdout, kills it with SIGKILL at a random moment,
// and checks that every acknowledged record is in the journal, in order,
// and that the journal reopens cleanly. Seeded, several iterations.
func TestSurvivesSIGKILL(t *testing.T) {
	if os.Getenv("JOURNAL_CHILD_DIR") != "" {
		childAppend(os.Getenv("JOURNAL_CHILD_DIR"))
		return
	}
	iters := 8
	if testing.Short() {
		iters = 3
	}
	rng := rand.New(rand.NewSource(42))
	for it := 0; it < iters; it++ {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSurvivesSIGKILL$")
		cmd.Env = append(os.Environ(), "JOURNAL_CHILD_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := 50 + rng.Intn(2000)
		sc := bufio.NewScanner(out)
		acked := -1
		for sc.Scan() {
			n, err := strconv.Atoi(sc.Text())
			if err != nil {
				continue
			}
			acked = n
			if n >= killAfter {
				break
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		got := collect(t, dir)
		if len(got) < acked+1 {
			t.Fatalf("iteration %d: %d records acknowledged, only %d in the journal", it, acked+1, len(got))
		}
		for i, rec := range got {
			if rec != fmt.Sprintf(`{"k":"fill","n":%d}`, i) {
				t.Fatalf("iteration %d: record %d = %s", it, i, rec)
			}
		}
		j, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("iteration %d: reopen: %v", it, err)
		}
		j.Close()
	}
}

func childAppend(dir string) {
	j, err := Open(dir, Options{Sync: SyncBackground, SegmentBytes: 8192})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := j.Append([]byte(fmt.Sprintf(`{"k":"fill","n":%d}`, i))); err != nil {
			os.Exit(1)
		}
		fmt.Fprintln(w, i)
		w.Flush()
	}
}

func FuzzReplay(f *testing.F) {
	f.Add([]byte("1c291ca3 {}\n"))
	f.Add([]byte("zz\n"))
	f.Add([]byte("00000000 {\"a\":1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segName(1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		_ = Replay(dir, func([]byte) error { return nil })
		if j, err := Open(dir, Options{Sync: SyncEvery}); err == nil {
			if err := j.Append([]byte(`{"ok":true}`)); err != nil {
				t.Fatal(err)
			}
			j.Close()
			var last string
			if err := Replay(dir, func(p []byte) error { last = string(p); return nil }); err != nil {
				t.Fatalf("replay after Open repaired the file: %v", err)
			}
			if last != `{"ok":true}` {
				t.Fatalf("last record %q", last)
			}
		}
	})
}

// TestZeroTail: the newest segment of a crashed journal ends in the zeros
// written ahead of the records, possibly after a torn record. Replay skips
// them, Open cuts them (counting a torn record), and a record followed by
// anything but zeros after a bad line is still corruption.
func TestZeroTail(t *testing.T) {
	good := "" // two valid lines
	for _, p := range []string{`{"n":1}`, `{"n":2}`} {
		good += fmt.Sprintf("%08x %s\n", crc(p), p)
	}
	z := strings.Repeat("\x00", 5000)
	for _, tc := range []struct {
		name    string
		tail    string
		torn    int
		corrupt bool
	}{
		{"zeros only", z, 0, false},
		{"torn no newline", `0badc0de {"k":"ha` + z, 1, false},
		{"torn bad crc", "00000000 {\"k\":\"bad\"}\n" + z, 1, false},
		{"zeros inside the torn record", "0000\x00\x00\x00{\"k\"\n" + z, 1, false},
		{"bad line then a record", "00000000 {}\n" + z + fmt.Sprintf("%08x {}\n", crc("{}")), 0, true},
		{"zeros then a record", z + fmt.Sprintf("%08x {}\n", crc("{}")), 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, segName(1)), []byte(good+tc.tail), 0o600); err != nil {
				t.Fatal(err)
			}
			var got []string
			err := Replay(dir, func(p []byte) error { got = append(got, string(p)); return nil })
			if tc.corrupt {
				if err == nil {
					t.Fatal("Replay accepted a record after a bad line")
				}
				if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "corrupt") {
					t.Fatalf("Open: %v", err)
				}
				return
			}
			if err != nil || strings.Join(got, ",") != `{"n":1},{"n":2}` {
				t.Fatalf("Replay: %v %v", got, err)
			}
			j, err := Open(dir, Options{Sync: SyncEvery})
			if err != nil {
				t.Fatal(err)
			}
			if j.Recovered != tc.torn {
				t.Errorf("Recovered = %d, want %d", j.Recovered, tc.torn)
			}
			if err := j.Append([]byte(`{"n":3}`)); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dir, segName(1)))
			if want := good + fmt.Sprintf("%08x %s\n", crc(`{"n":3}`), `{"n":3}`); string(b) != want {
				t.Fatalf("segment at rest:\n%q\nwant\n%q", b, want)
			}
		})
	}
}

func crc(p string) uint32 { return crc32.Checksum([]byte(p), castagnoli) }

// TestAtRestRecordsOnly: while open, the newest segment carries zeros ahead
// of its records; rotation and Close cut every segment to its records.
// Records larger than the mapping's slack and segments growing past the
// first chunk of zeros go through the remap and extend paths.
func TestAtRestRecordsOnly(t *testing.T) {
	for _, mode := range []SyncMode{SyncBackground, SyncEvery} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			dir := t.TempDir()
			j, err := Open(dir, Options{Sync: mode, SegmentBytes: 3 << 20, SyncInterval: 100 * time.Microsecond})
			if err != nil {
				t.Fatal(err)
			}
			big := `{"k":"` + strings.Repeat("x", 3*mapSlack) + `"}`
			var want []string
			n := 20000
			if mode == SyncEvery || testing.Short() {
				n = 2000
			}
			for i := 0; i < n; i++ {
				rec := fmt.Sprintf(`{"k":"intent","n":%d,"pad":"%0300d"}`, i, i)
				if i%500 == 7 {
					rec = big
				}
				want = append(want, rec)
				if err := j.Append([]byte(rec)); err != nil {
					t.Fatal(err)
				}
			}
			st, _ := os.Stat(filepath.Join(dir, segName(j.seq)))
			if st.Size() <= j.size {
				t.Errorf("open segment is %d bytes for %d of records: no zeros ahead", st.Size(), j.size)
			}
			if err := j.Err(); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			segs, _ := segments(dir)
			for _, s := range segs {
				b, _ := os.ReadFile(filepath.Join(dir, segName(s)))
				if len(b) == 0 || b[len(b)-1] != '\n' || bytes.IndexByte(b, 0) >= 0 {
					t.Fatalf("segment %d at rest is not records only (%d bytes)", s, len(b))
				}
			}
			if got := collect(t, dir); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("replayed %d records, want %d", len(got), len(want))
			}
		})
	}
}

// TestFaultIsAnError: a store that faults (here: the segment truncated under
// the mapping, so the page is beyond the end of the file) is returned as
// ErrFault instead of crashing the process, and the journal accepts nothing
// after it.
func TestFaultIsAnError(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Options{Sync: SyncEvery})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append([]byte(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, segName(1)), 0); err != nil {
		t.Fatal(err)
	}
	if err := j.Append([]byte(`{"n":2}`)); err != ErrFault {
		t.Fatalf("Append over a truncated segment: %v", err)
	}
	if err := j.Append([]byte(`{"n":3}`)); err != ErrFault {
		t.Fatalf("Append after a fault: %v", err)
	}
	if err := j.Err(); err != ErrFault {
		t.Fatalf("Err: %v", err)
	}
	j.Close()
}
