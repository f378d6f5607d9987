package creds

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	write := func(name, v string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	write("api_secret", "c2VjcmV0\n")
	write("telegram_token", "123:abc")
	write("api_key", "\n")
	write("private_key", strings.Repeat("k", maxSize+1))
	if err := os.Mkdir(filepath.Join(dir, "api_passphrase"), 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CREDENTIALS_DIRECTORY": dir, "HOTPATH_TELEGRAM_TOKEN": "from-env"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		env     string
		want    string
		src     Source
		wantErr bool
	}{
		{"HOTPATH_API_SECRET", "c2VjcmV0", Credential, false},
		{"HOTPATH_TELEGRAM_TOKEN", "from-env", Env, false}, // environment wins
		{"HOTPATH_API_KEY", "", None, false},               // empty file = unset
		{"HOTPATH_KEYSTORE_PASSWORD", "", None, false},     // no file
		{"HOTPATH_PRIVATE_KEY", "", None, true},            // too large
		{"HOTPATH_API_PASSPHRASE", "", None, true},         // unreadable (a directory)
	}
	for _, tt := range tests {
		v, src, err := lookup(tt.env, getenv)
		if (err != nil) != tt.wantErr || v != tt.want || src != tt.src {
			t.Errorf("%s: got %q %q %v", tt.env, v, src, err)
		}
		if err != nil && strings.Contains(err.Error(), "kkkk") {
			t.Errorf("%s: value in error", tt.env)
		}
	}
	delete(env, "CREDENTIALS_DIRECTORY")
	if v, src, err := lookup("HOTPATH_API_SECRET", getenv); v != "" || src != None || err != nil {
		t.Errorf("no directory: %q %q %v", v, src, err)
	}
	t.Setenv("HOTPATH_API_SECRET", "")
	t.Setenv("CREDENTIALS_DIRECTORY", dir)
	if v, src, err := Lookup("HOTPATH_API_SECRET"); v != "c2VjcmV0" || src != Credential || err != nil {
		t.Errorf("Lookup: %q %q %v", v, src, err)
	}
	if Name("HOTPATH_TELEGRAM_TOKEN") != "telegram_token" {
		t.Error(Name("HOTPATH_TELEGRAM_TOKEN"))
	}
}
