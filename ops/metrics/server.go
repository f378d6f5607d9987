package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultAddr is where the ops endpoint listens unless configured otherwise:
// loopback only, so metrics and pprof never face the internet by accident.
const DefaultAddr = "127.0.0.1:9464"

// ServerConfig configures the ops HTTP endpoint.
type ServerConfig struct {
	// Addr is host:port; empty means DefaultAddr. A host that is not a
	// loopback address (or "localhost") is refused unless AllowNonLocal.
	Addr string
	// AllowNonLocal must be set to bind anything but loopback, e.g. a
	// private-network address scraped by a Prometheus on another host.
	AllowNonLocal bool
	// Pprof mounts net/http/pprof under /debug/pprof/. Off by default.
	Pprof bool
}

// ErrNonLocal is returned for a non-loopback Addr without AllowNonLocal.
var ErrNonLocal = errors.New("metrics: refusing to listen on a non-loopback address without allow_non_local")

// ReadyFunc reports readiness: nil when ready, otherwise an error whose text
// says why not (shown by /readyz).
type ReadyFunc func() error

// ReadyCheck builds the standard ReadyFunc: ready when the feed is connected,
// the books are synced and the kill switch is not tripped. The funcs are
// called from the HTTP goroutine and must read atomics or snapshots.
func ReadyCheck(feedConnected, booksSynced, killed func() bool) ReadyFunc {
	return func() error {
		switch {
		case killed():
			return errors.New("kill switch tripped")
		case !feedConnected():
			return errors.New("feed not connected")
		case !booksSynced():
			return errors.New("books not synced")
		}
		return nil
	}
}

// Server serves /metrics, /healthz, /readyz and optionally /debug/pprof/.
type Server struct {
	cfg   ServerConfig
	ready ReadyFunc
	srv   *http.Server
	ln    net.Listener
	mux   *http.ServeMux
	alive atomic.Bool
}

// NewServer validates cfg and builds the handler; Start listens. reg may be
// nil (no /metrics families beyond none); ready may be nil (never ready).
// When reg is set, a gauge hotpath_ready mirrors /readyz.
func NewServer(cfg ServerConfig, reg *Registry, ready ReadyFunc) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if err := checkAddr(cfg.Addr, cfg.AllowNonLocal); err != nil {
		return nil, err
	}
	if ready == nil {
		ready = func() error { return errors.New("no readiness source") }
	}
	s := &Server{cfg: cfg, ready: ready, mux: http.NewServeMux()}
	s.alive.Store(true)
	if reg != nil {
		err := reg.Gauge(ReadyGauge, "1 when the engine is ready (see /readyz).", func() int64 { return b2i(ready() == nil) })
		if err != nil {
			return nil, err
		}
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg.Gatherer(), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if cfg.Pprof {
		s.mux.HandleFunc("/debug/pprof/", pprof.Index)
		s.mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		s.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		s.mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		s.mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// checkAddr refuses non-loopback hosts unless allowed.
func checkAddr(addr string, allowNonLocal bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics: address %q: %w", addr, err)
	}
	if allowNonLocal || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q", ErrNonLocal, addr)
}

// Handler is the endpoint's handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.mux }

// Start listens on the configured address and serves in a goroutine.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("metrics: listen: %w", err)
	}
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// Addr is the address actually listened on (useful with port 0), or the
// configured one before Start.
func (s *Server) Addr() string {
	if s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.cfg.Addr
}

// SetAlive flips /healthz: the process sets it false when it is shutting
// down or its main loop has died, so a supervisor stops trusting it.
func (s *Server) SetAlive(ok bool) { s.alive.Store(ok) }

// Shutdown stops the server gracefully.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.alive.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not alive\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ready(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
