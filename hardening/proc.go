package hardening

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hotpath/hotpath/sim"
)

// Simclob is a simclob process (the simulator out of the engine's process).
type Simclob struct {
	URLs sim.URLs
	cmd  *exec.Cmd
	errb *lockedBuffer
	done chan struct{}
}

// StartSimclob runs bin with args and waits for its first stdout line (the
// served URLs).
func StartSimclob(bin string, args ...string) (*Simclob, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Simclob{cmd: cmd, errb: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.errb
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan []byte, 1)
	go func() {
		br := bufio.NewReader(out)
		l, _ := br.ReadBytes('\n')
		line <- l
		_, _ = io.Copy(io.Discard, br)
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	select {
	case l := <-line:
		if err := json.Unmarshal(l, &s.URLs); err != nil || s.URLs.REST == "" {
			s.Stop()
			return nil, fmt.Errorf("simclob: no URL line (%q): %s", l, s.errb.String())
		}
	case <-time.After(30 * time.Second):
		s.Stop()
		return nil, errors.New("simclob: no URL line within 30 s: " + s.errb.String())
	}
	return s, nil
}

// Ledger returns the venue's ledger of addr (GET /sim/ledger).
func (s *Simclob) Ledger(addr string) (sim.AccountSnapshot, error) {
	var a sim.AccountSnapshot
	err := s.getJSON("/sim/ledger?address="+url.QueryEscape(addr), &a)
	return a, err
}

// Windows returns the planted windows (GET /sim/windows).
func (s *Simclob) Windows() ([]sim.Window, error) {
	var w []sim.Window
	err := s.getJSON("/sim/windows", &w)
	return w, err
}

func (s *Simclob) getJSON(path string, v any) error {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(s.URLs.REST + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Stderr is what simclob wrote to stderr so far.
func (s *Simclob) Stderr() string { return s.errb.String() }

// Stop interrupts simclob and waits for it (killing it after 10 s).
func (s *Simclob) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Engine is a `hotpath run` child process.
type Engine struct {
	cmd   *exec.Cmd
	out   *lockedBuffer
	errb  *lockedBuffer
	ready chan struct{}
	done  chan struct{}
	err   error // from Wait, valid after done
}

// StartEngine runs `hotpath run --config cfgPath extra...` with env added
// to a minimal environment. Ready is closed when the engine logs that it is
// ready.
func StartEngine(bin, cfgPath string, env []string, extra ...string) (*Engine, error) {
	args := append([]string{"run", "--config", cfgPath}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}, env...)
	e := &Engine{cmd: cmd, out: &lockedBuffer{}, errb: &lockedBuffer{}, ready: make(chan struct{}), done: make(chan struct{})}
	cmd.Stdout = e.out
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			l := sc.Text()
			e.errb.WriteString(l + "\n")
			if strings.Contains(l, "engine ready") {
				once.Do(func() { close(e.ready) })
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		e.err = cmd.Wait()
		pw.Close()
		close(e.done)
	}()
	return e, nil
}

// Ready is closed once the engine is ready to trade.
func (e *Engine) Ready() <-chan struct{} { return e.ready }

// Done is closed when the process has exited.
func (e *Engine) Done() <-chan struct{} { return e.done }

// ExitCode is the exit status (-1 when killed by a signal); call after Done.
func (e *Engine) ExitCode() int { return e.cmd.ProcessState.ExitCode() }

// Kill sends SIGKILL and waits.
func (e *Engine) Kill() {
	_ = e.cmd.Process.Signal(syscall.SIGKILL)
	<-e.done
}

// Terminate sends SIGTERM (a graceful stop) and waits up to d before
// killing; it reports whether the engine stopped by itself.
func (e *Engine) Terminate(d time.Duration) bool {
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.done:
		return true
	case <-time.After(d):
		e.Kill()
		return false
	}
}

// Output is the engine's stdout and stderr so far.
func (e *Engine) Output() (stdout, stderr string) { return e.out.String(), e.errb.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	l.b.WriteString(s)
	l.mu.Unlock()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// EngineConfig is a live-mode configuration TOML for `hotpath run` against
// a simulator at u, journaling into journalDir (sized like engine.DemoConfig).
func EngineConfig(u sim.URLs, journalDir string) string {
	return fmt.Sprintf(`mode = "live"

[venue]
clob_url = %q
ws_market_url = %q
ws_user_url = %q
gamma_url = %q
chain_id = 137

[live]
confirm = "I understand hotpath will trade real money"

[journal]
dir = %q

[ops]
metrics_addr = "127.0.0.1:0"

[universe]
refresh = "10m"

[strategy]
max_shares = "1000"

[risk]
max_basket_notional = "500"
max_event_exposure = "2000"
max_open_baskets = 10
max_daily_loss = "200"
`, u.REST, u.WSMarket, u.WSUser, u.Gamma, journalDir)
}
