package hardening

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ModuleRoot returns the directory holding the main module's go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// Build compiles each package (an import path relative to the module root,
// such as "./cmd/hotpath") into dir and returns the binaries' paths keyed by
// the package's last path element.
func Build(dir string, pkgs ...string) (map[string]string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	bins := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		name := filepath.Base(p)
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, p)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", p, err, b)
		}
		bins[name] = out
	}
	return bins, nil
}

// Result is what one run of a binary produced.
type Result struct {
	Stdout, Stderr []byte
	ExitCode       int  // -1 when the process was killed or did not start
	TimedOut       bool // killed after the run's timeout
}

// Run describes one invocation of a binary.
type Run struct {
	Bin     string
	Args    []string
	Env     []string // appended to a minimal environment (PATH, HOME, TMPDIR)
	Stdin   []byte
	Dir     string        // working directory ("" = the current one)
	Timeout time.Duration // 0 = 30 s
}

// Exec runs r and returns its output and exit code. The child gets a
// minimal environment, so no HOTPATH_* variable of the caller leaks in.
func (r Run) Exec() Result {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Bin, r.Args...)
	cmd.Dir = r.Dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + os.TempDir(),
	}, r.Env...)
	cmd.Stdin = bytes.NewReader(r.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), ExitCode: cmd.ProcessState.ExitCode()}
	if ctx.Err() != nil {
		res.TimedOut = true
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		res.ExitCode = -1
		res.Stderr = append(res.Stderr, []byte("\nhardening: "+err.Error())...)
	}
	return res
}
