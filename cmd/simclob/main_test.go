package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"--nope"}, {"--rate", "x"}, {"--hash-layout", "7"}, {"extra"}, {"--chain-id", "5"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
		if lines := strings.Count(errb.String(), "\n"); lines != 1 {
			t.Errorf("%v: want one error line, got %q", args, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "Example:") {
		t.Errorf("--help: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"--scenario", "/no/such.toml"}, &out, &errb); code != 1 {
		t.Errorf("missing scenario: exit %d", code)
	}
}

func TestServesAndPrintsURLs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() { done <- run(ctx, []string{"--scenario", "small", "--rate", "-1"}, pw, io.Discard) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var urls map[string]string
	if err := json.Unmarshal([]byte(line), &urls); err != nil || !strings.HasPrefix(urls["rest"], "http://127.0.0.1:") ||
		!strings.HasSuffix(urls["ws_market"], "/ws/market") || urls["ws_user"] == "" || urls["gamma"] == "" {
		t.Fatalf("first line %q", line)
	}
	resp, err := http.Get(urls["rest"] + "/version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("did not stop")
	}
}
