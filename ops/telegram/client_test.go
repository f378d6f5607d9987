package telegram

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hotpath/hotpath/ops/telegram/telegramtest"
)

func TestTokenNeverInErrors(t *testing.T) {
	// A port nobody listens on: a transport error whose url.Error would
	// carry the token in the URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	c, err := NewClient(dead, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = c.SendMessage(ctx, 1, "x")
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("got %T %v", err, err)
	}
	if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "ABC-DEF") {
		t.Errorf("token in error: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "telegram sendMessage: ") {
		t.Errorf("error %q", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("cause not kept: %v", errors.Unwrap(err))
	}

	// A cancelled context: errors.Is still works through the redaction.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	_, err = c.GetUpdates(cctx, 0, time.Second)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), token) {
		t.Errorf("cancelled: %v", err)
	}

	// A server that echoes the token back in its description.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"ok":false,"error_code":400,"description":"bad path ` + r.URL.Path + `"}`))
	}))
	defer echo.Close()
	c2, _ := NewClient(echo.URL, token, nil)
	err = c2.SendMessage(ctx, 1, "x")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 400 {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "/bot[REDACTED]/sendMessage") {
		t.Errorf("echoed token: %v", err)
	}

	// Garbage from a proxy.
	junk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		_, _ = w.Write([]byte("<html>bad gateway " + r.URL.Path + "</html>"))
	}))
	defer junk.Close()
	c3, _ := NewClient(junk.URL, token, nil)
	err = c3.SendMessage(ctx, 1, "x")
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("junk: %v", err)
	}
}

func TestWrongTokenAndPollErrorsReported(t *testing.T) {
	fake := telegramtest.New("other:token")
	defer fake.Close()
	errs := make(chan error, 16)
	b, err := New(Config{Token: token, APIBase: fake.URL(), AllowedChats: []int64{1}, RetryMin: 5 * time.Millisecond,
		RetryMax: 10 * time.Millisecond, OnError: func(e error) {
			select {
			case errs <- e:
			default:
			}
		}}, &fakeEngine{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = b.Run(ctx); close(done) }()
	for i := 0; i < 2; i++ { // reported, backed off, retried
		select {
		case e := <-errs:
			var ae *APIError
			if !errors.As(e, &ae) || ae.Code != 401 || strings.Contains(e.Error(), token) {
				t.Errorf("error %v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no error reported")
		}
	}
	cancel()
	<-done
}

func TestGetUpdatesOffsets(t *testing.T) {
	fake := telegramtest.New(token)
	defer fake.Close()
	c, _ := NewClient(fake.URL()+"/", token, nil)
	ctx := context.Background()
	id1 := fake.SendText(5, "/a")
	id2 := fake.SendText(6, "/b")
	ups, err := c.GetUpdates(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 || ups[0].ID != id1 || ups[1].ID != id2 || ups[0].ChatID != 5 || ups[1].Text != "/b" || ups[0].FromID != 5 {
		t.Fatalf("got %+v", ups)
	}
	ups, err = c.GetUpdates(ctx, id2+1, 0)
	if err != nil || len(ups) != 0 || fake.Pending() != 0 {
		t.Fatalf("after confirm: %+v %v pending %d", ups, err, fake.Pending())
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("short", 10); got != "short" {
		t.Error(got)
	}
	long := strings.Repeat("é", 3000) // 6000 bytes
	got := truncate(long, MaxMessageLen)
	if len(got) > MaxMessageLen || !strings.HasSuffix(got, "(truncated)") {
		t.Errorf("len %d", len(got))
	}
	if !strings.HasPrefix(got, "éé") || strings.ContainsRune(got, '\uFFFD') {
		t.Error("cut inside a rune")
	}
	for _, r := range strings.TrimSuffix(got, "\n…(truncated)") {
		if r != 'é' {
			t.Fatalf("bad rune %q", r)
		}
	}
}
