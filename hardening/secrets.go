package hardening

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Secret is a known fake secret value placed in a run's environment.
type Secret struct {
	Name  string // e.g. the environment variable
	Value string
}

// Forms returns the spellings under which v could leak: the raw value, its
// JSON string escaping (with and without HTML escaping), the four base64
// alphabets, hex of its bytes, and for values of 24 bytes or more a middle
// slice of 16 (a truncated or partly redacted echo still leaks most of a
// key). Hex values are also tried without "0x" and in both cases.
func Forms(v string) []string {
	if v == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if len(s) >= 8 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	bases := []string{v}
	if h := strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X"); h != v {
		bases = append(bases, h, strings.ToUpper(h), strings.ToLower(h))
	}
	for _, b := range bases {
		add(b)
		add(jsonEscape(b, true))
		add(jsonEscape(b, false))
		add(base64.StdEncoding.EncodeToString([]byte(b)))
		add(base64.URLEncoding.EncodeToString([]byte(b)))
		add(base64.RawStdEncoding.EncodeToString([]byte(b)))
		add(base64.RawURLEncoding.EncodeToString([]byte(b)))
		add(hex.EncodeToString([]byte(b)))
		if len(b) >= 24 {
			mid := (len(b) - 16) / 2
			add(b[mid : mid+16])
		}
	}
	return out
}

func jsonEscape(s string, html bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	q := strings.TrimSpace(buf.String())
	return q[1 : len(q)-1]
}

// Leak is one occurrence of a secret in an artifact.
type Leak struct {
	Secret   string // the secret's Name
	Form     string // the spelling found
	Artifact string // where: "stdout", a file path, a scraped URL
	Context  string // up to 40 bytes either side, with the secret masked
}

func (l Leak) String() string {
	return fmt.Sprintf("%s leaked in %s (as %q): …%s…", l.Secret, l.Artifact, mask(l.Form), l.Context)
}

func mask(s string) string {
	if len(s) <= 6 {
		return "***"
	}
	return s[:3] + "***" + s[len(s)-3:]
}

// Artifacts are the bytes a run left behind, keyed by where they came from.
type Artifacts map[string][]byte

// AddResult adds a run's stdout and stderr under prefix+"stdout" and
// prefix+"stderr".
func (a Artifacts) AddResult(prefix string, r Result) {
	a[prefix+"stdout"] = r.Stdout
	a[prefix+"stderr"] = r.Stderr
}

// AddDir adds every regular file under dir (log files, the journal).
func (a Artifacts) AddDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		a[p] = b
		return nil
	})
}

// AddScrape adds the body of GET url (a metrics or health endpoint).
func (a Artifacts) AddScrape(url string) error {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	a[url] = b
	return nil
}

// Scan returns every occurrence of any form of any secret in a.
func (a Artifacts) Scan(secrets []Secret) []Leak {
	var leaks []Leak
	for where, b := range a {
		for _, s := range secrets {
			for _, f := range Forms(s.Value) {
				i := bytes.Index(b, []byte(f))
				if i < 0 {
					continue
				}
				lo, hi := max(i-40, 0), min(i+len(f)+40, len(b))
				ctx := string(b[lo:i]) + "<" + s.Name + ">" + string(b[i+len(f):hi])
				leaks = append(leaks, Leak{Secret: s.Name, Form: f, Artifact: where, Context: ctx})
			}
		}
	}
	return leaks
}
