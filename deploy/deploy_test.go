// Package deploy holds the systemd unit, the example configuration and the
// host tuning notes. Its tests keep them honest: the example must load with
// the real config loader, and the unit must keep the directives the ops
// code relies on.
package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpath/hotpath/config"
)

func TestExampleConfigLoads(t *testing.T) {
	b, err := os.ReadFile("hotpath.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The loader insists on mode 0600; the repo copy is 0644.
	p := filepath.Join(t.TempDir(), "hotpath.toml")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(p, nil)
	if err != nil {
		t.Fatalf("example does not load: %v", err)
	}
	d := config.Default()
	if c.Mode != d.Mode || c.Strategy.Margin != d.Strategy.Margin || c.Risk != d.Risk || c.Rate != d.Rate ||
		c.Ops.MetricsAddr != d.Ops.MetricsAddr || c.Ops.Pprof {
		t.Errorf("example drifted from the defaults it documents:\n%+v\n%+v", c, d)
	}
}

// directives parses a unit file into key → values (repeated keys append).
func directives(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("bad line %q", line)
			continue
		}
		m[k] = append(m[k], v)
	}
	return m
}

func TestServiceUnit(t *testing.T) {
	d := directives(t, "hotpath.service")
	want := map[string]string{
		"Type":             "notify",
		"Restart":          "always",
		"User":             "hotpath",
		"LimitMEMLOCK":     "infinity",
		"NoNewPrivileges":  "yes",
		"ProtectSystem":    "strict",
		"PrivateTmp":       "yes",
		"StateDirectory":   "hotpath",
		"WorkingDirectory": "/var/lib/hotpath",
	}
	for k, v := range want {
		if got := d[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want %q", k, got, v)
		}
	}
	for _, k := range []string{"WatchdogSec", "RestartSec", "CPUAffinity", "ReadWritePaths", "ExecStart", "LoadCredential"} {
		if len(d[k]) == 0 {
			t.Errorf("%s missing", k)
		}
	}
	if !strings.Contains(d["ExecStart"][0], "--config /etc/hotpath/hotpath.toml") {
		t.Errorf("ExecStart %q", d["ExecStart"][0])
	}
	// Every credential name must be one creds.Lookup maps from a secret env var.
	secrets := map[string]bool{}
	for _, e := range config.SecretEnv() {
		secrets[strings.ToLower(strings.TrimPrefix(e, "HOTPATH_"))] = true
	}
	for _, lc := range d["LoadCredential"] {
		name, _, _ := strings.Cut(lc, ":")
		if !secrets[name] {
			t.Errorf("LoadCredential %q matches no secret environment variable", name)
		}
	}
	// CPU pinning needs sched_setaffinity: @resources must not be denied.
	for _, f := range d["SystemCallFilter"] {
		if strings.HasPrefix(f, "~") && strings.Contains(f, "@resources") {
			t.Errorf("SystemCallFilter denies @resources (sched_setaffinity): %q", f)
		}
	}
}
