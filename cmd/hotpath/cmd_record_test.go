package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// polypyWS returns the WS messages (book, two price_changes) of the polypy
// capture.
func polypyWS(t *testing.T) [][]byte {
	data, err := os.ReadFile(polypyFile)
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for _, l := range bytes.Split(data, []byte{'\n'}) {
		if bytes.HasPrefix(l, []byte(`{"event_type"`)) {
			msgs = append(msgs, l)
		}
	}
	return msgs
}

// marketServer answers PING with PONG and, on the first subscription,
// sends the polypy messages. It listens on 127.0.0.1 only.
func marketServer(t *testing.T) string {
	msgs := polypyWS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				if _, err := ws.Upgrade(nc); err != nil {
					return
				}
				for {
					msg, op, err := wsutil.ReadClientData(nc)
					if err != nil {
						return
					}
					if op != ws.OpText {
						continue
					}
					if string(msg) == "PING" {
						_ = wsutil.WriteServerText(nc, []byte("PONG"))
						continue
					}
					var sub struct {
						AssetsIDs []string `json:"assets_ids"`
					}
					if json.Unmarshal(msg, &sub) != nil || len(sub.AssetsIDs) == 0 {
						t.Errorf("bad subscription %q", msg)
						return
					}
					for _, m := range msgs {
						_ = wsutil.WriteServerText(nc, m)
					}
				}
			}()
		}
	}()
	return "ws://" + ln.Addr().String() + "/ws/market"
}

const (
	polyYes = "94022367472047775158269173293876979533288470167463650966689320774843018181757"
	polyNo  = "3329029450753225654467003002742946394863848082479209219558348197750220015613"
)

// recordPolypy records the polypy messages from the local server.
func recordPolypy(t *testing.T) string {
	url := marketServer(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "c.hpcap")
	ids := filepath.Join(dir, "ids.txt")
	if err := os.WriteFile(ids, []byte("# the two tokens\n"+polyYes+"\n"+polyNo+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var so, se bytes.Buffer
	code := dispatch([]string{"record", "--assets-file", ids, "--assets", polyYes, "--url", url, "--out", out, "--duration", "400ms", "--progress", "100ms"}, &so, &se)
	if code != 0 {
		t.Fatalf("record exit %d: %s", code, se.String())
	}
	if strings.TrimSpace(so.String()) != out || !strings.Contains(se.String(), "record: 2 assets on 1 connection(s)") || !strings.Contains(se.String(), "messages") {
		t.Fatalf("stdout %q stderr %q", so.String(), se.String())
	}
	return out
}

func TestRecordReplayVerify(t *testing.T) {
	out := recordPolypy(t)
	// Replay: the recorded messages (3 + PONGs) through decoder and books.
	var so, se bytes.Buffer
	if code := dispatch([]string{"replay", out, "--min-order-size", "5", "--tick-size", "0.01"}, &so, &se); code != 0 {
		t.Fatalf("replay exit %d: %s", code, se.String())
	}
	s := so.String()
	for _, want := range []string{"books     1 usable", "3 matched (layout9 3", "0 mismatched", "decode    0 errors"} {
		if !strings.Contains(s, want) {
			t.Errorf("replay summary lacks %q:\n%s", want, s)
		}
	}
	// Verify reads the capture (detected by its magic).
	so.Reset()
	se.Reset()
	if code := dispatch([]string{"verify", "--min-order-size", "5", "--tick-size", "0.01", out}, &so, &se); code != 0 {
		t.Fatalf("verify exit %d: %s", code, se.String())
	}
	if strings.Count(so.String(), `"match":true`) != 3 {
		t.Fatalf("verify output:\n%s", so.String())
	}
}

func TestRecordBadInput(t *testing.T) {
	cases := [][]string{
		{"record"},
		{"record", "--assets", "12x"},
		{"record", "--assets-file", "/nonexistent"},
		{"record", "--assets", "1", "extra"},
		{"replay"},
		{"replay", "/nonexistent.hpcap"},
		{"replay", "--speed", "-1", "x"},
	}
	for _, args := range cases {
		var so, se bytes.Buffer
		if code := dispatch(args, &so, &se); code != 2 {
			t.Errorf("%v: exit %d (%s)", args, code, se.String())
		}
		if n := strings.Count(strings.TrimSpace(se.String()), "\n"); n != 0 || se.Len() == 0 {
			t.Errorf("%v: want one error line, got %q", args, se.String())
		}
	}
}
