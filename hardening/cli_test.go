package hardening

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/feed/capture"
)

// cliFiles writes the inputs the bad-input cases point at into dir.
func cliFiles(t *testing.T, dir string) {
	t.Helper()
	write := func(name string, b []byte, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), b, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	garbage := []byte("garbage\x00\xff{not json\n")
	for _, n := range []string{"garbage.txt", "garbage.json", "garbage.hgrm", "garbage.hlog", "garbage.hpcap", "garbage.toml"} {
		write(n, garbage, 0o600)
	}
	write("empty.json", nil, 0o600)
	write("badtype.toml", []byte("seed = \"seven\"\n"), 0o600)
	write("huge-seed.toml", []byte("seed = 99999999999999999999999\n"), 0o600)
	write("open.toml", []byte("mode = \"paper\"\n"), 0o644)
	write("truncated.hpcap", append([]byte(capture.Magic+"\x01\x00"), 0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3), 0o600)
	if err := os.Mkdir(filepath.Join(dir, "emptydir"), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "good.hpcap"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := capture.NewWriter(f, capture.Header{Created: time.Unix(1, 0), URL: "ws://127.0.0.1:1/ws/market", Assets: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(1, []byte(`[{"event_type":"book","asset_id":"1","market":"0x01","bids":[],"asks":[{"price":"0.5","size":"10"}],"timestamp":"1","hash":"x"}]`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBadCLIInput runs every subcommand of hotpath, simclob and latency with
// bad flags, missing and garbage files and bad values. Each must exit
// non-zero and explain itself in one line on stderr: no panic or goroutine
// dump, and no usage text longer than the command's own --help.
func TestBadCLIInput(t *testing.T) {
	b := binaries(t)
	dir := t.TempDir()
	cliFiles(t, dir)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyAddr := busy.Addr().String()
	// A closed port: connections to it are refused at once.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	type tc struct {
		bin   string
		args  []string
		stdin string
		env   []string
		usage bool // a usage text may follow the error line (bounded by --help)
	}
	// Not bad input, so not here: a Gamma response with one malformed
	// event (markets lists it as excluded, "malformed", by design) and
	// `sign` amounts for an off-grid price (priceValid false is the answer).
	cases := []tc{
		// hotpath
		{bin: "hotpath", usage: true},
		{bin: "hotpath", args: []string{"no-such-command"}, usage: true},
		{bin: "hotpath", args: []string{"--bogus"}, usage: true},
		{bin: "hotpath", args: []string{"version", "--bogus"}},
		{bin: "hotpath", args: []string{"version", "extra"}},
		{bin: "hotpath", args: []string{"markets", "--bogus"}},
		{bin: "hotpath", args: []string{"markets", "extra"}},
		{bin: "hotpath", args: []string{"markets", "--from-file", "missing.json"}},
		{bin: "hotpath", args: []string{"markets", "--from-file", "garbage.json"}},
		{bin: "hotpath", args: []string{"markets", "--from-file", "empty.json"}},
		{bin: "hotpath", args: []string{"markets", "--from-file", "emptydir"}},
		{bin: "hotpath", args: []string{"markets", "--page-size", "abc"}},
		{bin: "hotpath", args: []string{"markets", "--timeout", "soon"}},
		{bin: "hotpath", args: []string{"markets", "--gamma", "http://" + closedAddr, "--no-clob", "--timeout", "3s"}},
		{bin: "hotpath", args: []string{"markets", "--gamma", "ftp://" + closedAddr, "--timeout", "3s"}},
		{bin: "hotpath", args: []string{"record"}},
		{bin: "hotpath", args: []string{"record", "--bogus"}},
		{bin: "hotpath", args: []string{"record", "--assets-file", "missing.txt"}},
		{bin: "hotpath", args: []string{"record", "--assets", "1", "--duration", "-1s"}},
		{bin: "hotpath", args: []string{"record", "--assets", "1", "--max-assets-per-conn", "0", "--duration", "1s"}},
		{bin: "hotpath", args: []string{"record", "--assets", "1", "--out", "nodir/x.hpcap", "--duration", "1s", "--url", "ws://" + closedAddr}},
		{bin: "hotpath", args: []string{"record", "--assets", "1", "--out", "ftp.hpcap", "--duration", "1s", "--url", "ftp://" + closedAddr}},
		{bin: "hotpath", args: []string{"record", "--assets", "1", "--out", "nohost.hpcap", "--duration", "1s", "--url", "ws://"}},
		{bin: "hotpath", args: []string{"replay"}},
		{bin: "hotpath", args: []string{"replay", "missing.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "garbage.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "truncated.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "emptydir"}},
		{bin: "hotpath", args: []string{"replay", "--speed", "-1", "good.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "--speed", "fast", "good.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "--tick-size", "0.3", "good.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "--min-order-size", "abc", "good.hpcap"}},
		{bin: "hotpath", args: []string{"replay", "good.hpcap", "garbage.hpcap"}},
		{bin: "hotpath", args: []string{"verify", "missing.txt"}},
		{bin: "hotpath", args: []string{"verify", "garbage.txt"}},
		{bin: "hotpath", args: []string{"verify", "emptydir"}},
		{bin: "hotpath", args: []string{"verify", "truncated.hpcap"}},
		{bin: "hotpath", args: []string{"verify", "--tick-size", "0.3", "good.hpcap"}},
		{bin: "hotpath", args: []string{"verify", "a", "b"}},
		{bin: "hotpath", args: []string{"verify"}, stdin: "\x00\xff garbage"},
		{bin: "hotpath", args: []string{"sign", "--bogus"}},
		{bin: "hotpath", args: []string{"sign", "missing.json"}},
		{bin: "hotpath", args: []string{"sign", "a", "b"}},
		{bin: "hotpath", args: []string{"sign", "garbage.json"}},
		{bin: "hotpath", args: []string{"sign"}, stdin: `{"op":"order"}`},
		{bin: "hotpath", args: []string{"sign", "--keystore", "missing.json"}, stdin: `{"op":"l1","chainId":137}`, env: []string{"HOTPATH_KEYSTORE_PASSWORD=x"}},
		{bin: "hotpath", args: []string{"sign", "--keystore", "garbage.json"}, stdin: `{"op":"l1","chainId":137}`, env: []string{"HOTPATH_KEYSTORE_PASSWORD=x"}},
		{bin: "hotpath", args: []string{"sign"}, stdin: `{"op":"l1","chainId":137}`, env: []string{"HOTPATH_PRIVATE_KEY=0xzz"}},
		// simclob
		{bin: "simclob", args: []string{"--bogus"}},
		{bin: "simclob", args: []string{"extra"}},
		{bin: "simclob", args: []string{"--scenario", "no-such-scenario"}},
		{bin: "simclob", args: []string{"--scenario", "missing.toml"}},
		{bin: "simclob", args: []string{"--scenario", "garbage.toml"}},
		{bin: "simclob", args: []string{"--scenario", "badtype.toml"}},
		{bin: "simclob", args: []string{"--scenario", "huge-seed.toml"}},
		{bin: "simclob", args: []string{"--scenario", "emptydir"}},
		{bin: "simclob", args: []string{"--seed", "-1"}},
		{bin: "simclob", args: []string{"--rate", "lots"}},
		{bin: "simclob", args: []string{"--listen", "nonsense"}},
		{bin: "simclob", args: []string{"--listen", busyAddr}},
		{bin: "simclob", args: []string{"--chain-id", "5"}},
		{bin: "simclob", args: []string{"--hash-layout", "7"}},
		// latency
		{bin: "latency", usage: true},
		{bin: "latency", args: []string{"no-such-command"}},
		{bin: "latency", args: []string{"report"}},
		{bin: "latency", args: []string{"report", "--bogus", "garbage.hgrm"}},
		{bin: "latency", args: []string{"report", "missing.hgrm"}},
		{bin: "latency", args: []string{"report", "garbage.txt"}},
		{bin: "latency", args: []string{"report", "garbage.hgrm"}},
		{bin: "latency", args: []string{"report", "garbage.hlog"}},
		{bin: "latency", args: []string{"report", "emptydir"}},
		{bin: "latency", args: []string{"report", "--unit", "parsecs", "garbage.hgrm"}},
		{bin: "latency", args: []string{"compare", "garbage.hgrm"}},
		{bin: "latency", args: []string{"compare", "garbage.hgrm", "garbage.hlog"}},
		{bin: "latency", args: []string{"compare", "--threshold", "-5", "garbage.hgrm", "garbage.hgrm"}},
		{bin: "latency", args: []string{"plot", "garbage.hgrm"}},
		{bin: "latency", args: []string{"plot", "-o", "x.gif", "garbage.hgrm"}},
		{bin: "latency", args: []string{"plot", "-o", "x.png", "garbage.hgrm"}},
		{bin: "latency", args: []string{"plot", "--width", "-1", "-o", "x.png", "garbage.hgrm"}},
		{bin: "latency", args: []string{"probe"}},
		{bin: "latency", args: []string{"probe", "ftp://" + closedAddr}},
		{bin: "latency", args: []string{"probe", "::bad"}},
		{bin: "latency", args: []string{"probe", "-n", "0", "http://" + closedAddr}},
		{bin: "latency", args: []string{"probe", "-n", "2", "--interval", "1ms", "--timeout", "1s", "http://" + closedAddr}},
	}
	helpLines := map[string]int{}
	helpOf := func(bin string, args []string) int {
		key := bin
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			key += " " + args[0]
		}
		if n, ok := helpLines[key]; ok {
			return n
		}
		ha := []string{"--help"}
		if key != bin {
			ha = []string{args[0], "--help"}
		}
		res := Run{Bin: b[bin], Args: ha, Dir: dir}.Exec()
		if res.ExitCode != 0 || len(res.Stdout) == 0 {
			// A command that does not exist has no help: the
			// top-level help bounds it.
			res = Run{Bin: b[bin], Args: []string{"--help"}, Dir: dir}.Exec()
		}
		helpLines[key] = lineCount(res.Stdout)
		return helpLines[key]
	}
	for _, c := range cases {
		name := c.bin + " " + strings.Join(c.args, " ")
		t.Run(name, func(t *testing.T) {
			res := Run{Bin: b[c.bin], Args: c.args, Stdin: []byte(c.stdin), Env: c.env, Dir: dir, Timeout: 20 * time.Second}.Exec()
			checkOneLineError(t, res, c.usage, helpOf(c.bin, c.args))
		})
	}
}

func lineCount(b []byte) int {
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return 0
	}
	return bytes.Count(b, []byte("\n")) + 1
}

// checkOneLineError is the contract for bad input: a non-zero exit, a
// non-empty stderr whose first line is the explanation, nothing that looks
// like a Go panic, and at most one line unless a usage text (no longer than
// the command's help) is allowed to follow.
func checkOneLineError(t *testing.T, res Result, usage bool, helpLines int) {
	t.Helper()
	errOut := string(res.Stderr)
	switch {
	case res.TimedOut:
		t.Errorf("did not exit within the timeout; stderr %q", errOut)
	case res.ExitCode == 0:
		t.Errorf("exit 0 on bad input; stdout %q stderr %q", res.Stdout, errOut)
	case res.ExitCode < 0:
		t.Errorf("killed or not started: %q", errOut)
	}
	for _, bad := range []string{"panic:", "goroutine ", "runtime error", "[recovered]"} {
		if strings.Contains(errOut, bad) || strings.Contains(string(res.Stdout), bad) {
			t.Errorf("output contains %q:\n%s%s", bad, res.Stdout, errOut)
		}
	}
	n := lineCount(res.Stderr)
	switch {
	case n == 0:
		t.Errorf("nothing on stderr (exit %d, stdout %q)", res.ExitCode, res.Stdout)
	case !usage && n > 1:
		t.Errorf("%d lines on stderr, want one:\n%s", n, errOut)
	case usage && n > helpLines+2:
		t.Errorf("%d lines on stderr, longer than the help (%d lines):\n%s", n, helpLines, errOut)
	}
	if first, _, _ := strings.Cut(errOut, "\n"); len(strings.TrimSpace(first)) < 10 {
		t.Errorf("first stderr line %q does not explain anything", first)
	}
}
