package preflight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// ErrWSClosed is returned when the server closes a WebSocket before
// answering PING (on the user channel: the auth frame was refused).
var ErrWSClosed = errors.New("preflight: the server closed the WebSocket")

// maxWSFrames bounds how many data frames a probe reads while waiting for
// PONG (a market channel may push data first).
const maxWSFrames = 64

// ProbeWS opens a WebSocket to url (ws:// or wss://), sends each of first as
// a text frame, then the keepalive text "PING", and waits for the text
// "PONG" (protocol.md §2.2). It returns the time from dialling to PONG. The
// connection is always closed before it returns.
func ProbeWS(ctx context.Context, url string, timeout time.Duration, first ...[]byte) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := ws.Dialer{Timeout: timeout} // no Extensions: no permessage-deflate
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("handshake: %w", cleanNetError(err))
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	var r io.Reader = nc
	if br != nil {
		r = br // bytes the server sent right after the handshake
		defer ws.PutReader(br)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{r, nc}
	for _, f := range first {
		if err := wsutil.WriteClientText(nc, f); err != nil {
			return 0, fmt.Errorf("sending: %w", err)
		}
	}
	if err := wsutil.WriteClientText(nc, []byte("PING")); err != nil {
		return 0, fmt.Errorf("sending PING: %w", err)
	}
	for range maxWSFrames {
		msg, op, err := wsutil.ReadServerData(rw)
		if err != nil {
			var ce wsutil.ClosedError
			var ne net.Error
			switch {
			case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
				return 0, ErrWSClosed
			case errors.As(err, &ne) && ne.Timeout():
				return 0, fmt.Errorf("no PONG within %s", timeout)
			}
			if ctx.Err() != nil {
				return 0, fmt.Errorf("no PONG within %s", timeout)
			}
			return 0, ErrWSClosed
		}
		if op == ws.OpText && bytes.Equal(bytes.TrimSpace(msg), []byte("PONG")) {
			_ = wsutil.WriteClientMessage(nc, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("no PONG among the first %d frames", maxWSFrames)
}

// UserAuthFrame is the first frame of the user channel: the L2 credentials
// and an empty market list (protocol.md §3).
func UserAuthFrame(c Credentials) []byte {
	b, _ := json.Marshal(struct {
		Auth    Credentials `json:"auth"`
		Markets []string    `json:"markets"`
		Type    string      `json:"type"`
	}{c, []string{}, "user"})
	return b
}
