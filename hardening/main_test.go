package hardening

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binDir  string
	bins    map[string]string
	binErr  error
)

// binaries builds bin/hotpath, simclob and latency once per test binary.
func binaries(t *testing.T) map[string]string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "hardening-bin-")
		if binErr != nil {
			return
		}
		bins, binErr = Build(binDir, "./cmd/hotpath", "./cmd/simclob", "./tools/latency")
	})
	if binErr != nil {
		t.Fatalf("building the binaries: %v", binErr)
	}
	return bins
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		if err := os.RemoveAll(binDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}
