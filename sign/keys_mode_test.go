package sign

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeystoreModeRefused: a keystore or passphrase file that other users
// can read or write is refused before it is read, as config.Load refuses
// the config file.
func TestKeystoreModeRefused(t *testing.T) {
	const pass = "correct horse battery staple"
	ks := writeKeystore(t, pass)
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		file string
		mode os.FileMode
		env  map[string]string
	}{
		{"keystore 0644", ks, 0o644, map[string]string{EnvKeystore: ks, EnvKeystorePassword: pass}},
		{"keystore 0640", ks, 0o640, map[string]string{EnvKeystore: ks, EnvKeystorePassword: pass}},
		{"keystore 0602", ks, 0o602, map[string]string{EnvKeystore: ks, EnvKeystorePassword: pass}},
		{"passphrase file 0644", passFile, 0o644, map[string]string{EnvKeystore: ks, EnvKeystorePassFile: passFile}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.Chmod(c.file, c.mode); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(c.file, 0o600)
			_, err := SignerFromEnv(envOf(c.env), "")
			if err == nil || !strings.Contains(err.Error(), "other users") {
				t.Fatalf("mode %04o accepted or wrong error: %v", c.mode, err)
			}
			if strings.Contains(err.Error(), pass) {
				t.Fatalf("error reveals the passphrase: %v", err)
			}
		})
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(ks, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := SignerFromKeystore(ks, pass); err != nil {
			t.Errorf("mode %04o refused: %v", mode, err)
		}
	}
}
