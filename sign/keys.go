package sign

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
)

// Environment variables the signer is configured from.
const (
	EnvPrivateKey       = "HOTPATH_PRIVATE_KEY"            // hex key (takes precedence)
	EnvKeystore         = "HOTPATH_KEYSTORE"               // path of a go-ethereum keystore JSON file
	EnvKeystorePassword = "HOTPATH_KEYSTORE_PASSWORD"      // its passphrase, or
	EnvKeystorePassFile = "HOTPATH_KEYSTORE_PASSWORD_FILE" // a file holding it
)

// Key-loading errors. They never contain key material or passphrases.
var (
	ErrNoKey          = errors.New("sign: no signing key configured (set " + EnvPrivateKey + " or " + EnvKeystore + ")")
	ErrNoPassphrase   = errors.New("sign: keystore passphrase missing (set " + EnvKeystorePassword + " or " + EnvKeystorePassFile + ")")
	ErrKeystoreDecode = errors.New("sign: keystore file could not be decrypted (wrong passphrase or not a keystore)")
)

// SignerFromKeystore decrypts a go-ethereum (scrypt) keystore file. A file
// that other users may read or write is refused before it is read.
func SignerFromKeystore(path, passphrase string) (*Signer, error) {
	if err := checkPrivate("keystore", path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: reading keystore: %w", err)
	}
	k, err := keystore.DecryptKey(data, passphrase)
	if err != nil {
		return nil, ErrKeystoreDecode // keystore's own errors are safe, but keep one clear message
	}
	return newSignerFromKey(k.PrivateKey), nil
}

// SignerFromEnv loads the signing key as configured by the environment
// (getenv is os.Getenv in production): HOTPATH_PRIVATE_KEY, or else the
// keystore at HOTPATH_KEYSTORE with the passphrase from
// HOTPATH_KEYSTORE_PASSWORD or the file HOTPATH_KEYSTORE_PASSWORD_FILE
// (trailing newline stripped). keystorePath, when non-empty, overrides
// HOTPATH_KEYSTORE (a command-line flag).
func SignerFromEnv(getenv func(string) string, keystorePath string) (*Signer, error) {
	if k := getenv(EnvPrivateKey); k != "" {
		s, err := NewSigner(k)
		if err != nil {
			return nil, fmt.Errorf("sign: %s: %w", EnvPrivateKey, err)
		}
		return s, nil
	}
	if keystorePath == "" {
		keystorePath = getenv(EnvKeystore)
	}
	if keystorePath == "" {
		return nil, ErrNoKey
	}
	pass := getenv(EnvKeystorePassword)
	if pass == "" {
		file := getenv(EnvKeystorePassFile)
		if file == "" {
			return nil, ErrNoPassphrase
		}
		if err := checkPrivate("passphrase file", file); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("sign: reading passphrase file: %w", err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
	}
	return SignerFromKeystore(keystorePath, pass)
}

// checkPrivate refuses a key or passphrase file that other users may read
// or write (any group or other permission bit), as config.Load refuses the
// config file. The error names the path, never the contents.
func checkPrivate(what, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("sign: %s: %w", what, err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("sign: %s %s: mode %04o lets other users read or write it; run: chmod 600 %s", what, path, perm, path)
	}
	return nil
}
