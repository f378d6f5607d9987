// Package creds finds a secret by its environment variable name, falling
// back to a systemd credential: HOTPATH_API_SECRET is looked up in the
// environment first, then in $CREDENTIALS_DIRECTORY/api_secret (the file
// systemd's LoadCredential=api_secret:… provides; see
// deploy/hotpath.service). Values are never logged here; callers register
// them with the log redactor.
package creds

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Source says where a secret came from (safe to log).
type Source string

// Sources.
const (
	None       Source = ""
	Env        Source = "environment"
	Credential Source = "systemd credential"
)

// maxSize bounds a credential file (keys and tokens are tiny).
const maxSize = 64 << 10

// Name is the credential file name for an environment variable:
// HOTPATH_API_SECRET → api_secret.
func Name(envVar string) string {
	return strings.ToLower(strings.TrimPrefix(envVar, "HOTPATH_"))
}

// Lookup returns the secret for envVar: the environment variable when set
// and non-empty, else $CREDENTIALS_DIRECTORY/Name(envVar) with one trailing
// newline removed, else ("", None, nil). A credential file that exists but
// cannot be read is an error.
func Lookup(envVar string) (string, Source, error) {
	return lookup(envVar, os.Getenv)
}

func lookup(envVar string, getenv func(string) string) (string, Source, error) {
	if v := getenv(envVar); v != "" {
		return v, Env, nil
	}
	dir := getenv("CREDENTIALS_DIRECTORY")
	if dir == "" {
		return "", None, nil
	}
	path := filepath.Join(dir, Name(envVar))
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", None, nil
	}
	if err != nil {
		return "", None, fmt.Errorf("creds: %s: %w", Name(envVar), err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return "", None, fmt.Errorf("creds: %s: %w", Name(envVar), err)
	}
	if len(b) > maxSize {
		return "", None, fmt.Errorf("creds: %s: larger than %d bytes", Name(envVar), maxSize)
	}
	v := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", None, nil
	}
	return v, Credential, nil
}
