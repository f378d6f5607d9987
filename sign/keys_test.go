package sign

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
)

func writeKeystore(t *testing.T, pass string) string {
	t.Helper()
	raw, _ := crypto.HexToECDSA(strings.TrimPrefix(testKey, "0x"))
	k := &keystore.Key{Id: uuid.New(), Address: crypto.PubkeyToAddress(raw.PublicKey), PrivateKey: raw}
	blob, err := keystore.EncryptKey(k, pass, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSignerFromEnv(t *testing.T) {
	const pass = "correct horse battery staple"
	ks := writeKeystore(t, pass)
	passFile := filepath.Join(t.TempDir(), "pass")
	_ = os.WriteFile(passFile, []byte(pass+"\n"), 0o600)

	ok := []map[string]string{
		{EnvPrivateKey: testKey},
		{EnvPrivateKey: strings.TrimPrefix(testKey, "0x") + "\n"},
		{EnvKeystore: ks, EnvKeystorePassword: pass},
		{EnvKeystore: ks, EnvKeystorePassFile: passFile},
	}
	for i, env := range ok {
		s, err := SignerFromEnv(envOf(env), "")
		if err != nil || s.Address().Hex() != testAddr {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if s, err := SignerFromEnv(envOf(map[string]string{EnvKeystorePassword: pass}), ks); err != nil || s.Address().Hex() != testAddr {
		t.Errorf("flag path: %v", err)
	}

	badPass := "hunter2-wrong-passphrase"
	bad := []struct {
		env     map[string]string
		secrets []string
	}{
		{map[string]string{}, nil},
		{map[string]string{EnvKeystore: ks}, nil},
		{map[string]string{EnvKeystore: ks, EnvKeystorePassword: badPass}, []string{badPass}},
		{map[string]string{EnvKeystore: ks, EnvKeystorePassFile: "/nonexistent/pass"}, nil},
		{map[string]string{EnvPrivateKey: "0x1234deadbeefcafe"}, []string{"1234deadbeefcafe", "deadbeef"}},
		{map[string]string{EnvPrivateKey: strings.Replace(testKey, "ac09", "zz09", 1)}, []string{"74bec39a17e36ba4", "zz09", "'z'"}},
	}
	for i, c := range bad {
		_, err := SignerFromEnv(envOf(c.env), "")
		if err == nil {
			t.Fatalf("bad case %d accepted", i)
		}
		for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
			msg := fmt.Sprintf(f, err)
			for _, sec := range append(c.secrets, pass, strings.TrimPrefix(testKey, "0x")[8:24]) {
				if strings.Contains(msg, sec) {
					t.Errorf("case %d: error %q reveals %q", i, msg, sec)
				}
			}
		}
	}
}
