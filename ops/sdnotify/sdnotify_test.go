package sdnotify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSystemd listens on a unixgram socket in a temp dir and sets
// NOTIFY_SOCKET to it.
func fakeSystemd(t *testing.T) *net.UnixConn {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdn") // short path: sun_path is 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

func recv(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	return string(buf[:n])
}

func TestMessages(t *testing.T) {
	c := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "")
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		send func() (bool, error)
		want string
	}{
		{func() (bool, error) { return n.Ready("paper mode, 3 feeds") }, "READY=1\nSTATUS=paper mode, 3 feeds"},
		{func() (bool, error) { return n.Status("pool 4\nbaskets 2") }, "STATUS=pool 4 baskets 2"},
		{func() (bool, error) { return n.Stopping("signal") }, "STOPPING=1\nSTATUS=signal"},
	}
	for _, tt := range tests {
		ok, err := tt.send()
		if !ok || err != nil {
			t.Fatalf("send: %v %v", ok, err)
		}
		if got := recv(t, c); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if n.WatchdogInterval() != 0 {
		t.Error("watchdog on without WATCHDOG_USEC")
	}
	n.RunWatchdog(context.Background(), nil) // returns at once when off
}

func TestNoSocketIsNoop(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := n.Ready("x"); ok || err != nil {
		t.Errorf("got %v %v", ok, err)
	}
}

func TestSocketErrorReported(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "absent.sock"))
	t.Setenv("WATCHDOG_USEC", "")
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Status("x"); err == nil || !strings.HasPrefix(err.Error(), "sdnotify: STATUS=x") {
		t.Errorf("got %v", err)
	}
}

func TestBadWatchdogUsec(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "soon")
	if _, err := New(); err == nil {
		t.Error("bad WATCHDOG_USEC accepted")
	}
}

func TestWatchdogPingsAtHalfInterval(t *testing.T) {
	c := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "100000") // 100 ms → ping every 50 ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if n.WatchdogInterval() != 100*time.Millisecond {
		t.Fatalf("interval %v", n.WatchdogInterval())
	}
	var alive atomic.Bool
	alive.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { n.RunWatchdog(ctx, alive.Load); close(done) }()
	for i := 0; i < 3; i++ {
		if got := recv(t, c); got != "WATCHDOG=1" {
			t.Fatalf("got %q", got)
		}
	}
	// Three pings at 50 ms spacing take at least ~150 ms (never pass/fail on
	// an upper bound: the machine is shared).
	if el := time.Since(start); el < 140*time.Millisecond {
		t.Errorf("3 pings in %v: faster than half the interval", el)
	}
	// A failing liveness check withholds pings.
	alive.Store(false)
	for n.Missed() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	drain(c)
	if err := c.SetReadDeadline(time.Now().Add(120 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if k, err := c.Read(buf); err == nil {
		t.Errorf("pinged while not alive: %q", buf[:k])
	}
	cancel()
	<-done
	if n.Pings() < 3 {
		t.Errorf("pings = %d", n.Pings())
	}
}

// drain discards notifications already queued on the socket.
func drain(c *net.UnixConn) {
	buf := make([]byte, 64)
	for {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func TestWatchdogOtherPID(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "1")
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if n.WatchdogInterval() != 0 {
		t.Error("watchdog for another pid enabled")
	}
}
