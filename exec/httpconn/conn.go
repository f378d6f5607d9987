// Package httpconn is a minimal HTTP/1.1 keep-alive client over one
// net.Conn, for the executor's order path: one connection, kept warm,
// reused buffers, no allocation per request in steady state.
//
// A request is built into a reused buffer (Begin, Header, then RoundTrip or
// Send) and written with exactly one Write call: request line, headers and
// body together. The response is read from a reused bufio.Reader: status
// line, Content-Length or Transfer-Encoding: chunked bodies, Retry-After and
// Connection: close; the body lands in a reused buffer that stays valid
// until the next request.
//
// # Failure semantics
//
// Send reports whether any byte may have reached the server: an error
// before the first byte is written (dial failure, connection known dead) is
// ErrNotSent and the request can safely be retried; any later error means
// the outcome is unknown and the caller must find out (the executor queries
// the venue; it never resends an order). Any error closes the connection;
// the next Send dials again.
//
// # Ownership
//
// A Conn belongs to one goroutine. Nothing in it is locked.
package httpconn

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Errors.
var (
	// ErrNotSent: nothing of the request reached the network.
	ErrNotSent = errors.New("httpconn: request not sent")
	// ErrMalformed: the response is not HTTP/1.x as this client reads it.
	ErrMalformed = errors.New("httpconn: malformed response")
	// ErrTooLarge: the response body (or a header line) exceeds the limit.
	ErrTooLarge = errors.New("httpconn: response too large")
	// ErrNoRequest: Send or RoundTrip without Begin.
	ErrNoRequest = errors.New("httpconn: no request begun")
)

// Options configure a Conn. Zero fields take the defaults.
type Options struct {
	DialTimeout time.Duration // default 5 s (TCP connect + TLS handshake)
	Timeout     time.Duration // per request, write + read; default 5 s
	TLSConfig   *tls.Config   // https; nil = system roots, ServerName from the URL
	MaxBody     int           // default 4 MiB
	// KeepAlive is how long the connection may stay idle before
	// PingIfIdle sends GET /ok; default 15 s.
	KeepAlive time.Duration
	// PingPath is the cheap request that keeps the connection warm;
	// default "/ok".
	PingPath string
	// Now is a clock in nanoseconds for idle tracking; default wall time.
	Now func() int64
}

// Response is the last response read. Body is valid until the next
// request on the same Conn.
type Response struct {
	Status     int
	RetryAfter time.Duration // 0 when absent
	Close      bool          // the server asked to close (Connection: close)
	Body       []byte
}

// Stats count what the connection did.
type Stats struct {
	Dials, Requests, Errors, Pings uint64
}

// Conn is one keep-alive HTTP/1.1 connection. It must not be copied.
type Conn struct {
	addr    string // host:port to dial
	host    string // Host header
	tlsCfg  *tls.Config
	opt     Options
	nc      net.Conn
	br      *bufio.Reader
	req     []byte
	begun   bool
	noBody  bool // GET or HEAD: no Content-Length without a body
	resp    Response
	body    []byte
	lastUse int64
	Stats   Stats
}

// New parses rawURL (http:// or https://, host and optional port; any path
// is ignored) and returns an unconnected Conn.
func New(rawURL string, opt Options) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("httpconn: %w", err)
	}
	if opt.DialTimeout <= 0 {
		opt.DialTimeout = 5 * time.Second
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 5 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 4 << 20
	}
	if opt.KeepAlive <= 0 {
		opt.KeepAlive = 15 * time.Second
	}
	if opt.PingPath == "" {
		opt.PingPath = "/ok"
	}
	if opt.Now == nil {
		opt.Now = func() int64 { return time.Now().UnixNano() }
	}
	c := &Conn{opt: opt, host: u.Host, req: make([]byte, 0, 32<<10), body: make([]byte, 0, 64<<10)}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		cfg := &tls.Config{}
		if opt.TLSConfig != nil {
			cfg = opt.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		cfg.NextProtos = []string{"http/1.1"}
		c.tlsCfg = cfg
	default:
		return nil, fmt.Errorf("httpconn: scheme %q is not http or https", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("httpconn: no host in %q", rawURL)
	}
	c.addr = net.JoinHostPort(u.Hostname(), port)
	return c, nil
}

// Connected reports whether a connection is open.
func (c *Conn) Connected() bool { return c.nc != nil }

// Dial opens the connection (TCP, plus the TLS handshake for https) if it
// is not open.
func (c *Conn) Dial(ctx context.Context) error {
	if c.nc != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.opt.DialTimeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return fmt.Errorf("httpconn: dial %s: %w", c.addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if c.tlsCfg != nil {
		t := tls.Client(nc, c.tlsCfg)
		if err := t.HandshakeContext(ctx); err != nil {
			nc.Close()
			return fmt.Errorf("httpconn: tls handshake %s: %w", c.addr, err)
		}
		nc = t
	}
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	c.Stats.Dials++
	c.lastUse = c.opt.Now()
	return nil
}

// Warm dials and sends one cheap GET (path, e.g. "/time") so that the
// TCP and TLS handshakes and the server's first-request costs are paid
// before the first order.
func (c *Conn) Warm(ctx context.Context, path string) error {
	if err := c.Dial(ctx); err != nil {
		return err
	}
	c.Begin("GET", path)
	resp, err := c.RoundTrip(nil)
	if err != nil {
		return err
	}
	if resp.Status != 200 {
		return fmt.Errorf("httpconn: warm-up GET %s: status %d", path, resp.Status)
	}
	return nil
}

// Close closes the connection; the next Send dials again.
func (c *Conn) Close() error {
	if c.nc == nil {
		return nil
	}
	err := c.nc.Close()
	c.nc = nil
	return err
}

// Begin starts a request: it resets the buffer and appends the request
// line and the Host header. Headers follow with Header; RoundTrip or Send
// finishes it.
func (c *Conn) Begin(method, path string) {
	r := c.req[:0]
	r = append(r, method...)
	r = append(r, ' ')
	r = append(r, path...)
	r = append(r, " HTTP/1.1\r\nHost: "...)
	r = append(r, c.host...)
	r = append(r, "\r\n"...)
	c.req = r
	c.begun = true
	c.noBody = method == "GET" || method == "HEAD"
}

// Header appends one header line.
func (c *Conn) Header(name string, value []byte) {
	c.req = append(c.req, name...)
	c.req = append(c.req, ": "...)
	c.req = append(c.req, value...)
	c.req = append(c.req, "\r\n"...)
}

// HeaderString appends one header line.
func (c *Conn) HeaderString(name, value string) {
	c.req = append(c.req, name...)
	c.req = append(c.req, ": "...)
	c.req = append(c.req, value...)
	c.req = append(c.req, "\r\n"...)
}

// Send finishes the request begun with Begin (Content-Length and, with a
// body, Content-Type: application/json) and writes it with one Write.
// A nil body sends no Content-Length for GET and "0" otherwise.
// ErrNotSent means nothing was written; any other error leaves the
// outcome unknown.
func (c *Conn) Send(body []byte) error {
	if !c.begun {
		return ErrNoRequest
	}
	c.begun = false
	if body != nil || !c.noBody {
		c.req = append(c.req, "Content-Length: "...)
		c.req = strconv.AppendInt(c.req, int64(len(body)), 10)
		c.req = append(c.req, "\r\n"...)
		if len(body) > 0 {
			c.req = append(c.req, "Content-Type: application/json\r\n"...)
		}
	}
	c.req = append(c.req, "\r\n"...)
	c.req = append(c.req, body...)
	if c.nc == nil {
		if err := c.Dial(context.Background()); err != nil {
			c.Stats.Errors++
			return fmt.Errorf("%w: %v", ErrNotSent, err)
		}
	}
	deadline := time.Now().Add(c.opt.Timeout)
	_ = c.nc.SetDeadline(deadline)
	n, err := c.nc.Write(c.req)
	if err != nil {
		c.fail()
		if n == 0 && isClosedBeforeWrite(err) {
			return fmt.Errorf("%w: %v", ErrNotSent, err)
		}
		return err
	}
	c.Stats.Requests++
	return nil
}

// isClosedBeforeWrite is true for errors that guarantee nothing left the
// process (the socket was already closed locally).
func isClosedBeforeWrite(err error) bool { return errors.Is(err, net.ErrClosed) }

// Receive reads one response. The Response and its Body are valid until
// the next request.
func (c *Conn) Receive() (*Response, error) {
	if c.nc == nil {
		return nil, ErrNotSent
	}
	body, err := ReadResponse(c.br, &c.resp, c.body[:0], c.opt.MaxBody)
	if err != nil {
		c.fail()
		return nil, err
	}
	c.body = body[:0]
	c.resp.Body = body
	c.lastUse = c.opt.Now()
	if c.resp.Close {
		c.Close()
	}
	return &c.resp, nil
}

// RoundTrip is Send followed by Receive.
func (c *Conn) RoundTrip(body []byte) (*Response, error) {
	if err := c.Send(body); err != nil {
		return nil, err
	}
	return c.Receive()
}

func (c *Conn) fail() {
	c.Stats.Errors++
	c.Close()
}

// PingIfIdle sends GET PingPath when the connection has been idle for
// KeepAlive (or is closed: it then redials). It returns whether a ping was
// sent and its error.
func (c *Conn) PingIfIdle(now int64) (bool, error) {
	if c.nc != nil && now-c.lastUse < int64(c.opt.KeepAlive) {
		return false, nil
	}
	c.Stats.Pings++
	c.Begin("GET", c.opt.PingPath)
	resp, err := c.RoundTrip(nil)
	if err != nil {
		return true, err
	}
	if resp.Status >= 500 {
		return true, fmt.Errorf("httpconn: ping status %d", resp.Status)
	}
	return true, nil
}

// ReadResponse reads one HTTP/1.x response from br into resp, appending the
// body to body (which it returns; resp.Body is not set). 1xx interim
// responses are skipped. It enforces max on the body and limits header
// lines to br's buffer size. It does not allocate when body has room.
func ReadResponse(br *bufio.Reader, resp *Response, body []byte, max int) ([]byte, error) {
	for {
		*resp = Response{}
		line, err := readLine(br)
		if err != nil {
			return body, err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
			return body, ErrMalformed
		}
		code, ok := atoi3(line[9:12])
		if !ok || (len(line) > 12 && line[12] != ' ') {
			return body, ErrMalformed
		}
		resp.Status = code
		http10 := line[7] == '0'
		resp.Close = http10
		contentLength := int64(-1)
		chunked := false
		for {
			h, err := readLine(br)
			if err != nil {
				return body, err
			}
			if len(h) == 0 {
				break
			}
			colon := indexByte(h, ':')
			if colon <= 0 {
				return body, ErrMalformed
			}
			name, value := h[:colon], trimSpace(h[colon+1:])
			switch {
			case equalFold(name, "content-length"):
				n, ok := atoi64(value)
				if !ok || (contentLength >= 0 && n != contentLength) {
					return body, ErrMalformed
				}
				contentLength = n
			case equalFold(name, "transfer-encoding"):
				if containsFold(value, "chunked") {
					chunked = true
				}
			case equalFold(name, "connection"):
				if containsFold(value, "close") {
					resp.Close = true
				} else if containsFold(value, "keep-alive") {
					resp.Close = false
				}
			case equalFold(name, "retry-after"):
				if n, ok := atoi64(value); ok && n >= 0 && n < 86400 {
					resp.RetryAfter = time.Duration(n) * time.Second
				} else {
					resp.RetryAfter = time.Second // an HTTP date: wait at least a second
				}
			}
		}
		if code >= 100 && code < 200 {
			continue // interim response; the real one follows
		}
		switch {
		case code == 204 || code == 304:
			return body, nil
		case chunked:
			return readChunked(br, body, max)
		case contentLength >= 0:
			if contentLength > int64(max) {
				return body, ErrTooLarge
			}
			return readN(br, body, int(contentLength))
		default:
			// no framing: the body runs to the end of the connection
			resp.Close = true
			return readToEOF(br, body, max)
		}
	}
}

func readN(br *bufio.Reader, body []byte, n int) ([]byte, error) {
	start := len(body)
	body = grow(body, n)
	if _, err := io.ReadFull(br, body[start:start+n]); err != nil {
		return body[:start], unexpected(err)
	}
	return body, nil
}

func readToEOF(br *bufio.Reader, body []byte, max int) ([]byte, error) {
	for {
		if len(body) == cap(body) {
			if len(body) >= max {
				return body, ErrTooLarge
			}
			body = grow(body, min(max-len(body), 64<<10))[:len(body)]
		}
		n, err := br.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if len(body) > max {
			return body, ErrTooLarge
		}
		if err == io.EOF {
			return body, nil
		}
		if err != nil {
			return body, err
		}
	}
}

func readChunked(br *bufio.Reader, body []byte, max int) ([]byte, error) {
	for {
		line, err := readLine(br)
		if err != nil {
			return body, err
		}
		if i := indexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		line = trimSpace(line)
		n, ok := hex64(line)
		if !ok {
			return body, ErrMalformed
		}
		if n == 0 {
			// trailers until the empty line
			for {
				t, err := readLine(br)
				if err != nil {
					return body, err
				}
				if len(t) == 0 {
					return body, nil
				}
			}
		}
		if n > int64(max-len(body)) {
			return body, ErrTooLarge
		}
		if body, err = readN(br, body, int(n)); err != nil {
			return body, err
		}
		crlf, err := readLine(br)
		if err != nil {
			return body, err
		}
		if len(crlf) != 0 {
			return body, ErrMalformed
		}
	}
}

// grow extends b by n bytes (contents of the new bytes unspecified).
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*(len(b)+n))
	copy(nb, b)
	return nb
}

// readLine returns one line without its CRLF (or bare LF). The slice is
// only valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, ErrTooLarge
		}
		return nil, unexpected(err)
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func atoi3(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 100
}

func atoi64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func hex64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold compares b with the lower-case ASCII s, ignoring case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether b contains the lower-case ASCII sub.
func containsFold(b []byte, sub string) bool {
outer:
	for i := 0; i+len(sub) <= len(b); i++ {
		for j := 0; j < len(sub); j++ {
			if lower(b[i+j]) != sub[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
