package httpconn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpath/hotpath/sim"
)

func echoHandler(conns *atomic.Int64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Auth", r.Header.Get("POLY_SIGNATURE"))
		w.Write(b)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		for i := 0; i < 5; i++ {
			io.WriteString(w, strings.Repeat("x", 1000))
			f.Flush() // forces Transfer-Encoding: chunked
		}
	})
	mux.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(429)
		io.WriteString(w, `{"error":"Too Many Requests"}`)
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `"OK"`) })
	mux.HandleFunc("/time", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "1700000000") })
	return mux
}

func startServer(t *testing.T, tlsOn bool) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(echoHandler(&conns))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	if tlsOn {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, &conns
}

func newConn(t *testing.T, srv *httptest.Server, tlsOn bool) *Conn {
	opt := Options{Timeout: 2 * time.Second}
	if tlsOn {
		opt.TLSConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	}
	c, err := New(srv.URL, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRoundTripsPlainAndTLS(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		name := "plain"
		if tlsOn {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			srv, conns := startServer(t, tlsOn)
			c := newConn(t, srv, tlsOn)
			if err := c.Warm(context.Background(), "/time"); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 20; i++ {
				body := []byte(`[{"order":` + strings.Repeat("1", i*100) + `}]`)
				c.Begin("POST", "/echo")
				c.HeaderString("POLY_SIGNATURE", "sig=")
				resp, err := c.RoundTrip(body)
				if err != nil {
					t.Fatal(err)
				}
				if resp.Status != 200 || !bytes.Equal(resp.Body, body) || resp.Close {
					t.Fatalf("round trip %d: %d %q", i, resp.Status, resp.Body)
				}
			}
			c.Begin("GET", "/chunked")
			resp, err := c.RoundTrip(nil)
			if err != nil || resp.Status != 200 || len(resp.Body) != 5000 {
				t.Fatalf("chunked: %v %+v", err, resp)
			}
			c.Begin("GET", "/limited")
			resp, err = c.RoundTrip(nil)
			if err != nil || resp.Status != 429 || resp.RetryAfter != 3*time.Second || !bytes.Contains(resp.Body, []byte("Too Many")) {
				t.Fatalf("429: %v %+v", err, resp)
			}
			c.Begin("DELETE", "/nocontent")
			resp, err = c.RoundTrip(nil)
			if err != nil || resp.Status != 204 || len(resp.Body) != 0 {
				t.Fatalf("204: %v %+v", err, resp)
			}
			if n := conns.Load(); n != 1 {
				t.Fatalf("keep-alive broken: %d connections", n)
			}
			// Connection: close is honoured; the next request redials.
			c.Begin("GET", "/close")
			resp, err = c.RoundTrip(nil)
			if err != nil || string(resp.Body) != "bye" || !resp.Close || c.Connected() {
				t.Fatalf("close: %v %+v connected=%v", err, resp, c.Connected())
			}
			c.Begin("GET", "/ok")
			if resp, err = c.RoundTrip(nil); err != nil || string(resp.Body) != `"OK"` {
				t.Fatalf("after close: %v", err)
			}
			if n := conns.Load(); n != 2 || c.Stats.Dials != 2 {
				t.Fatalf("redial: %d connections, %d dials", n, c.Stats.Dials)
			}
		})
	}
}

func TestReconnectAfterServerDrop(t *testing.T) {
	srv, conns := startServer(t, false)
	c := newConn(t, srv, false)
	if err := c.Warm(context.Background(), "/time"); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	// The dead connection makes this request fail (its outcome is unknown to
	// a caller: the error is not ErrNotSent unless nothing could be written).
	c.Begin("GET", "/ok")
	if _, err := c.RoundTrip(nil); err == nil {
		// a write into a just-closed socket can succeed; the read fails
		t.Fatal("request on a dropped connection succeeded")
	}
	if c.Connected() {
		t.Fatal("a failed connection stays open")
	}
	c.Begin("GET", "/ok")
	if _, err := c.RoundTrip(nil); err != nil {
		t.Fatalf("no reconnect: %v", err)
	}
	if conns.Load() != 2 {
		t.Fatalf("connections %d", conns.Load())
	}
}

func TestNotSentWhenDialFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := New("http://"+addr, Options{DialTimeout: 200 * time.Millisecond})
	c.Begin("POST", "/orders")
	if err := c.Send([]byte("[]")); !errors.Is(err, ErrNotSent) {
		t.Fatalf("want ErrNotSent, got %v", err)
	}
}

func TestTimeoutIsUnknownNotNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		b := make([]byte, 4096)
		n, _ := nc.Read(b)
		got <- b[:n]
		time.Sleep(time.Second) // never answers in time
	}()
	c, _ := New("http://"+ln.Addr().String(), Options{Timeout: 100 * time.Millisecond})
	c.Begin("POST", "/orders")
	c.HeaderString("POLY_TIMESTAMP", "1")
	_, err = c.RoundTrip([]byte(`[1]`))
	if err == nil || errors.Is(err, ErrNotSent) {
		t.Fatalf("want an unknown-outcome error, got %v", err)
	}
	req := string(<-got)
	want := "POST /orders HTTP/1.1\r\nHost: " + ln.Addr().String() + "\r\nPOLY_TIMESTAMP: 1\r\nContent-Length: 3\r\nContent-Type: application/json\r\n\r\n[1]"
	if req != want {
		t.Fatalf("request bytes:\n%q\nwant\n%q", req, want)
	}
}

func TestPingIfIdle(t *testing.T) {
	srv, _ := startServer(t, false)
	now := int64(0)
	c, _ := New(srv.URL, Options{KeepAlive: time.Second, Now: func() int64 { return now }})
	defer c.Close()
	if sent, err := c.PingIfIdle(now); !sent || err != nil {
		t.Fatalf("closed conn not pinged: %v %v", sent, err)
	}
	now += int64(500 * time.Millisecond)
	if sent, _ := c.PingIfIdle(now); sent {
		t.Fatal("pinged while fresh")
	}
	now += int64(time.Second)
	if sent, err := c.PingIfIdle(now); !sent || err != nil {
		t.Fatalf("idle conn not pinged: %v %v", sent, err)
	}
	if c.Stats.Pings != 2 || c.Stats.Dials != 1 {
		t.Fatalf("stats %+v", c.Stats)
	}
}

func TestAgainstSimulator(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		s, err := sim.Start(context.Background(), sim.Config{Scenario: "small", Rate: -1, TLS: tlsOn})
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(s.URLs().REST, Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Warm(context.Background(), "/time"); err != nil {
			t.Fatalf("tls=%v warm: %v", tlsOn, err)
		}
		c.Begin("GET", "/version")
		resp, err := c.RoundTrip(nil)
		if err != nil || string(resp.Body) != `{"version":2}` {
			t.Fatalf("tls=%v version: %v %q", tlsOn, err, resp.Body)
		}
		c.Begin("POST", "/orders")
		resp, err = c.RoundTrip([]byte(`[]`))
		if err != nil || resp.Status != 401 {
			t.Fatalf("tls=%v unauthenticated post: %v %+v", tlsOn, err, resp)
		}
		c.Close()
		s.Close()
	}
}

func TestReadResponseTable(t *testing.T) {
	cases := []struct {
		in     string
		status int
		body   string
		close  bool
		err    error
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 200, "hi", false, nil},
		{"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 200, "hi", false, nil},
		{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", 200, "hi", true, nil},
		{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 1\r\n\r\nx", 201, "x", false, nil},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n", 200, "abcde", false, nil},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil eof", 200, "until eof", true, nil},
		{"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, "", false, nil},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi", 0, "", false, io.ErrUnexpectedEOF},
		{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi", 0, "", false, ErrMalformed},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, "", false, ErrMalformed},
		{"HTTP/1.1 2x0 OK\r\n\r\n", 0, "", false, ErrMalformed},
		{"SMTP ready\r\n", 0, "", false, ErrMalformed},
		{"HTTP/1.1 200 OK\r\nbadheader\r\n\r\n", 0, "", false, ErrMalformed},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, "", false, ErrMalformed},
		{"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 0, "", false, ErrTooLarge},
	}
	for i, c := range cases {
		var resp Response
		body, err := ReadResponse(bufio.NewReader(strings.NewReader(c.in)), &resp, nil, 1000)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%d: err %v, want %v", i, err, c.err)
			}
			continue
		}
		if err != nil || resp.Status != c.status || string(body) != c.body || resp.Close != c.close {
			t.Errorf("%d: %v %+v %q", i, err, resp, body)
		}
	}
	var resp Response
	ReadResponse(bufio.NewReader(strings.NewReader("HTTP/1.1 429 Too Many\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n")), &resp, nil, 10)
	if resp.RetryAfter != time.Second {
		t.Errorf("date Retry-After: %v", resp.RetryAfter)
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nConnection: close\r\nContent-Length: 29\r\n\r\n{\"error\":\"Too Many Requests\"}"))
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nbody to eof"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 4096
		var resp Response
		br := bufio.NewReaderSize(bytes.NewReader(data), 64)
		body, err := ReadResponse(br, &resp, make([]byte, 0, 16), max)
		if err != nil {
			return
		}
		if len(body) > max {
			t.Fatalf("body %d beyond the limit", len(body))
		}
		if resp.Status < 200 || resp.Status > 999 {
			t.Fatalf("status %d accepted", resp.Status)
		}
		if resp.RetryAfter < 0 {
			t.Fatalf("negative Retry-After")
		}
	})
}
