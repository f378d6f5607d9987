package main

import (
	"net"
	"strings"
	"testing"
)

// TestProbeFailureOnStderr: a probe that gets no complete sample exits 1
// and says so in one line on stderr (the table on stdout has the details).
// Found by hardening's CLI drill: stderr used to be empty.
func TestProbeFailureOnStderr(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	code, _, errOut := runCLI("probe", "-n", "2", "--interval", "0s", "--timeout", "1s", "http://"+addr+"/")
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "refused") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
