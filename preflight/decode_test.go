package preflight

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

func TestParseServerTime(t *testing.T) {
	cases := []struct {
		in   string
		ms   int64
		res  time.Duration
		fail bool
	}{
		{"1700000000", 1_700_000_000_000, time.Second, false},
		{" 1700000000\n", 1_700_000_000_000, time.Second, false},
		{`"1700000000"`, 1_700_000_000_000, time.Second, false},
		{"1700000000.25", 1_700_000_000_250, time.Millisecond, false},
		{"1700000000.123999", 1_700_000_000_123, time.Millisecond, false},
		{"1700000000123", 1_700_000_000_123, time.Millisecond, false},
		{"", 0, 0, true},
		{"0", 0, 0, true},
		{"-1700000000", 0, 0, true},
		{"1.7e9", 0, 0, true},
		{"1700000000.", 0, 0, true},
		{`{"time":1}`, 0, 0, true},
		{"99999999999999999999", 0, 0, true},
	}
	for _, tc := range cases {
		ms, res, err := ParseServerTime([]byte(tc.in))
		if tc.fail {
			if !errors.Is(err, ErrTimeBody) {
				t.Errorf("%q: want ErrTimeBody, got %d %v", tc.in, ms, err)
			}
			continue
		}
		if err != nil || ms != tc.ms || res != tc.res {
			t.Errorf("%q: %d %s %v, want %d %s", tc.in, ms, res, err, tc.ms, tc.res)
		}
	}
}

func TestParseVersion(t *testing.T) {
	cases := []struct {
		in      string
		v       int
		present bool
		fail    bool
	}{
		{`{"version":2}`, 2, true, false},
		{`{"version":3,"other":1}`, 3, true, false},
		{`{}`, 0, false, false},
		{`{"version":2.5}`, 0, true, true},
		{`{"version":"2"}`, 2, true, false}, // a quoted number is read too
		{`[2]`, 0, false, true},
		{`nope`, 0, false, true},
	}
	for _, tc := range cases {
		v, p, err := ParseVersion([]byte(tc.in))
		if (err != nil) != tc.fail || (!tc.fail && (v != tc.v || p != tc.present)) {
			t.Errorf("%s: %d %v %v", tc.in, v, p, err)
		}
	}
}

func TestParseBalanceAllowance(t *testing.T) {
	max := "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	ba, err := ParseBalanceAllowance([]byte(`{"balance":"1000000","allowances":{"0xe2222d279d744050d28e00520010520000310F59":"` + max + `","0xE111180000d2663C0091e4f400237545B87B996B":0}}`))
	if err != nil || ba.Balance != 1_000_000 || len(ba.Allowances) != 2 || ba.Single != nil {
		t.Fatalf("%+v %v", ba, err)
	}
	if a := ba.Allowances[common.HexToAddress("0xE2222D279D744050D28E00520010520000310F59")]; a == nil || a.Cmp(maxUint256) != 0 {
		t.Fatalf("neg-risk allowance %v (addresses compare case-insensitively)", a)
	}
	if a := ba.Allowances[common.HexToAddress("0xE111180000d2663C0091e4f400237545B87B996B")]; a == nil || a.Sign() != 0 {
		t.Fatalf("zero allowance %v", a)
	}
	v1, err := ParseBalanceAllowance([]byte(`{"balance":5,"allowance":"7"}`))
	if err != nil || v1.Balance != 5 || v1.Single == nil || v1.Single.Int64() != 7 || v1.Allowances != nil {
		t.Fatalf("V1 form: %+v %v", v1, err)
	}
	for _, bad := range []string{
		`{}`, `{"balance":"1.5"}`, `{"balance":"-1"}`, `{"balance":"1e6"}`, `{"balance":"99999999999999999999"}`,
		`{"balance":"1","allowances":{"nothex":"1"}}`, `{"balance":"1","allowances":{"0xe2222d279d744050d28e00520010520000310F59":"x"}}`,
		`{"balance":"1","allowance":"` + max + `0"}`, `[]`,
	} {
		if _, err := ParseBalanceAllowance([]byte(bad)); !errors.Is(err, ErrBalanceBody) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestParseGeoblock(t *testing.T) {
	g, err := ParseGeoblock([]byte(`{"blocked":true,"ip":"203.0.113.42","country":"US","region":"NY"}`))
	if err != nil || !g.Blocked || g.Country != "US" || g.Region != "NY" {
		t.Fatalf("%+v %v", g, err)
	}
	g, err = ParseGeoblock([]byte(`{"blocked":false,"country":"I\u0000E\n"}`))
	if err != nil || g.Blocked || g.Country != "IE" {
		t.Fatalf("control characters: %+v %v", g, err)
	}
	for _, bad := range []string{`{}`, `{"blocked":"no"}`, `<html>`, ``} {
		if _, err := ParseGeoblock([]byte(bad)); !errors.Is(err, ErrGeoblockBody) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	c, err := ParseCredentials([]byte(`{"apiKey":"k-1","secret":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=","passphrase":"p"}`))
	if err != nil || c.APIKey != "k-1" || c.Passphrase != "p" {
		t.Fatalf("%v %v", c, err)
	}
	if s := c.String(); strings.Contains(s, c.Secret) || strings.Contains(s, "p\"") || s != "API key k-1" {
		t.Fatalf("String %q", s)
	}
	for _, bad := range []string{`{"apiKey":"k","secret":"s!!","passphrase":"p"}`, `{"apiKey":"k","secret":"c2VjcmV0"}`, `{"error":"Could not derive api key!"}`, `x`} {
		if _, err := ParseCredentials([]byte(bad)); !errors.Is(err, ErrCredsBody) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestParseAPIKeys(t *testing.T) {
	for in, want := range map[string]string{
		`{"apiKeys":["a","b"]}`:                     "a,b",
		`{"apiKeys":[{"apiKey":"a"},{"key":"b"}]}`:  "a,b",
		`{"apiKeys":[]}`:                            "",
		`{"apiKeys":[{"apiKey":"a","secret":"s"}]}`: "a",
	} {
		keys, err := ParseAPIKeys([]byte(in))
		if err != nil || strings.Join(keys, ",") != want {
			t.Errorf("%s: %v %v", in, keys, err)
		}
	}
	for _, bad := range []string{`{}`, `{"apiKeys":[1]}`, `[]`} {
		if _, err := ParseAPIKeys([]byte(bad)); !errors.Is(err, ErrAPIKeysBody) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func FuzzParseServerTime(f *testing.F) {
	for _, s := range []string{"1700000000", `"1700000000"`, "1700000000.5", "1700000000123", "", "-1", "1e9", "0.5"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, res, err := ParseServerTime(b)
		if err != nil {
			if !errors.Is(err, ErrTimeBody) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if ms <= 0 || (res != time.Second && res != time.Millisecond) {
			t.Fatalf("%q: %d %s", b, ms, res)
		}
		if res == time.Second && ms%1000 != 0 {
			t.Fatalf("%q: whole seconds %d", b, ms)
		}
		// The plain seconds form round-trips.
		if res == time.Second {
			again, _, err := ParseServerTime([]byte(strconv.FormatInt(ms/1000, 10)))
			if err != nil || again != ms {
				t.Fatalf("%q: round trip %d %v", b, again, err)
			}
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{`{"version":2}`, `{}`, `{"version":-1}`, `{"version":1e400}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, present, err := ParseVersion(b)
		if err == nil && (v < 0 || (!present && v != 0)) {
			t.Fatalf("%q: %d %v", b, v, present)
		}
	})
}

func FuzzParseBalanceAllowance(f *testing.F) {
	for _, s := range []string{
		`{"balance":"1000000","allowances":{"0xe2222d279d744050d28e00520010520000310F59":"115792089237316195423570985008687907853269984665640564039457584007913129639935"}}`,
		`{"balance":"5","allowance":"7"}`, `{"balance":1}`, `{"balance":"1","allowances":{}}`, `{"balance":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ba, err := ParseBalanceAllowance(b)
		if err != nil {
			if !errors.Is(err, ErrBalanceBody) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if ba.Balance < 0 {
			t.Fatalf("negative balance %d", ba.Balance)
		}
		for _, a := range ba.Allowances {
			if a.Sign() < 0 || a.Cmp(maxUint256) > 0 {
				t.Fatalf("allowance out of range %s", a)
			}
		}
		if ba.Single != nil && (ba.Single.Sign() < 0 || ba.Single.Cmp(maxUint256) > 0) {
			t.Fatalf("allowance out of range %s", ba.Single)
		}
	})
}

func FuzzParseGeoblock(f *testing.F) {
	for _, s := range []string{`{"blocked":true,"ip":"1.2.3.4","country":"US","region":"NY"}`, `{"blocked":false}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseGeoblock(b)
		if err != nil {
			return
		}
		if len(g.Country) > 16 || len(g.Region) > 16 || !printableASCII(g.Country) || !printableASCII(g.Region) {
			t.Fatalf("unclean fields %+v", g)
		}
	})
}

func FuzzParseCredentials(f *testing.F) {
	for _, s := range []string{
		`{"apiKey":"k","secret":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=","passphrase":"p"}`,
		`{"apiKey":"k","secret":"!","passphrase":"p"}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCredentials(b)
		if err != nil {
			if len(b) >= 8 && strings.Contains(err.Error(), string(b)) {
				t.Fatalf("error echoes the body")
			}
			return
		}
		if c.APIKey == "" || c.Secret == "" || c.Passphrase == "" {
			t.Fatalf("empty field accepted %q", b)
		}
		if strings.Contains(c.String(), c.Secret) && !strings.Contains(c.APIKey, c.Secret) {
			t.Fatalf("String prints the secret")
		}
	})
}

func FuzzParseAPIKeys(f *testing.F) {
	for _, s := range []string{`{"apiKeys":["a"]}`, `{"apiKeys":[{"apiKey":"a"}]}`, `{"apiKeys":null}`, `{"apiKeys":[[]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := ParseAPIKeys(b)
		if err == nil && keys == nil {
			t.Fatalf("nil keys without an error")
		}
	})
}
