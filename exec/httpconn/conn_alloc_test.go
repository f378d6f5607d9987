//go:build !race

package httpconn

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"testing"
)

// cannedServer answers every request on its connections with the same
// bytes without allocating per request, so that AllocsPerRun measures the
// client alone (net/http's server allocates in the same process).
func cannedServer(t testing.TB, resp []byte) string {
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
			go serveCanned(nc, resp)
		}
	}()
	return "http://" + ln.Addr().String()
}

func serveCanned(nc net.Conn, resp []byte) {
	defer nc.Close()
	buf := make([]byte, 1<<16)
	have := 0
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			end := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if end < 0 {
				break
			}
			need := end + 4
			if i := bytes.Index(buf[:end], []byte("Content-Length: ")); i >= 0 {
				j := i + len("Content-Length: ")
				k := j
				for buf[k] >= '0' && buf[k] <= '9' {
					k++
				}
				cl, _ := strconv.Atoi(string(buf[j:k]))
				need += cl
			}
			if have < need {
				break
			}
			if _, err := nc.Write(resp); err != nil {
				return
			}
			copy(buf, buf[need:have])
			have -= need
		}
	}
}

// TestRoundTripAllocs proves a warm keep-alive round trip (request built
// into the reused buffer, one write, response read into the reused body
// buffer) allocates nothing.
func TestRoundTripAllocs(t *testing.T) {
	for _, resp := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n[{\"success\":true,\"x\":\"yz\"}]",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[1,2]\r\n0\r\n\r\n",
	} {
		url := cannedServer(t, []byte(resp))
		c, err := New(url, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Warm(context.Background(), "/time"); err != nil {
			t.Fatal(err)
		}
		body := []byte(`[{"order":{"salt":1}}]`)
		sig := []byte("c2lnbmF0dXJlLWJ5dGVzLWJhc2U2NC11cmwtc2FmZQ==")
		n := testing.AllocsPerRun(300, func() {
			c.Begin("POST", "/orders")
			c.Header("POLY_SIGNATURE", sig)
			c.HeaderString("POLY_API_KEY", "00000000-0000-0000-0000-000000000000")
			r, err := c.RoundTrip(body)
			if err != nil || r.Status != 200 {
				t.Fatalf("%v", err)
			}
		})
		if n != 0 {
			t.Fatalf("round trip allocates %v", n)
		}
	}
}
