package preflight

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/hotpath/hotpath/config"
	"github.com/hotpath/hotpath/sign"
)

// NegRiskAdapter is the neg-risk adapter contract (the same address on
// Polygon and Amoy): it converts NO positions and redeems neg-risk markets,
// so it needs a pUSD allowance too.
var NegRiskAdapter = common.HexToAddress("0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296")

// loadCreds reads the API credentials. ok is false when they are missing or
// incomplete (reported).
func (r *run) loadCreds() (Credentials, bool) {
	r.secretErr = nil
	key, _ := r.secret(EnvAPIKey)
	sec, ss := r.secret(EnvAPISecret)
	pass, _ := r.secret(EnvAPIPassphrase)
	if r.secretErr != nil {
		r.add(Fail, CheckCreds, "reading a credential: %v", r.secretErr)
		return Credentials{}, false
	}
	var missing []string
	for _, m := range []struct{ name, v string }{{EnvAPIKey, key}, {EnvAPISecret, sec}, {EnvAPIPassphrase, pass}} {
		if m.v == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) == 3 {
		r.add(r.needed(), CheckCreds, "no API credentials: run 'hotpath keys derive --out FILE' (or 'keys create') and set %s, %s, %s (needed only in live mode)", EnvAPIKey, EnvAPISecret, EnvAPIPassphrase)
		return Credentials{}, false
	}
	if len(missing) > 0 {
		r.add(Fail, CheckCreds, "incomplete API credentials: %s not set", strings.Join(missing, ", "))
		return Credentials{}, false
	}
	if _, err := sign.DecodeSecret(sec); err != nil {
		r.add(Fail, CheckCreds, "%s (from %s) is not base64: %v", EnvAPISecret, ss, err)
		return Credentials{}, false
	}
	return Credentials{APIKey: key, Secret: sec, Passphrase: pass}, true
}

// checkCreds proves the credentials authenticate as the signer: an
// L2-signed GET /auth/api-keys (falling back to /data/orders) with
// POLY_ADDRESS = the signer succeeds only for the key bound to that address.
func (r *run) checkCreds(ctx context.Context) {
	c, ok := r.loadCreds()
	if !ok {
		return
	}
	if r.signer == nil {
		r.add(r.needed(), CheckCreds, "not checked: no signing key (L2 requests carry the signer's address)")
		return
	}
	if !r.venueOK {
		r.notReachable(CheckCreds)
		return
	}
	auth := Auth{Address: r.signer.Address(), Creds: c}
	sc, cancel := r.step(ctx)
	defer cancel()
	body, err := r.venue.L2(sc, auth, http.MethodGet, "/auth/api-keys", nil, nil)
	path := "/auth/api-keys"
	if s := StatusOf(err); s == http.StatusNotFound || s == http.StatusMethodNotAllowed {
		path = "/data/orders"
		body, err = r.venue.L2(sc, auth, http.MethodGet, path, nil, nil)
	}
	if err != nil {
		switch StatusOf(err) {
		case http.StatusUnauthorized, http.StatusForbidden:
			hint := ""
			if r.skewed {
				hint = " (or the clock skew above makes POLY_TIMESTAMP unacceptable)"
			}
			r.add(Fail, CheckCreds, "rejected (%v): the API key, secret or passphrase is wrong, or the key belongs to another address than the signer %s%s; 'hotpath keys derive' recovers this signer's key", err, auth.Address.Hex(), hint)
		default:
			r.add(Fail, CheckCreds, "%v", err)
		}
		return
	}
	r.creds, r.credsOK = c, true
	if path == "/auth/api-keys" {
		if keys, err := ParseAPIKeys(body); err == nil {
			for _, k := range keys {
				if k == c.APIKey {
					r.add(Pass, CheckCreds, "L2 GET %s accepted for signer %s; the key is one of its %d key(s)", path, auth.Address.Hex(), len(keys))
					return
				}
			}
			r.add(Warn, CheckCreds, "L2 GET %s accepted for signer %s, but the key is not among the %d key(s) it lists", path, auth.Address.Hex(), len(keys))
			return
		}
	}
	r.add(Pass, CheckCreds, "L2 GET %s accepted for signer %s", path, auth.Address.Hex())
}

func (r *run) needsCreds(check string) bool {
	if r.credsOK {
		return true
	}
	if !r.venueOK {
		r.notReachable(check)
		return false
	}
	r.add(r.needed(), check, "not checked: needs working API credentials (see api-creds)")
	return false
}

// spender is a contract that needs a pUSD allowance.
type spender struct {
	name     string
	addr     common.Address
	required bool // FAIL (not WARN) when short
	why      string
}

// spenders lists the contracts the engine's orders and conversions spend
// pUSD through, for the configured chain and the venue's version.
func (r *run) spenders() []spender {
	var out []spender
	seen := map[common.Address]bool{}
	for _, negRisk := range []bool{true, false} {
		e, err := sign.ExchangeFor(r.cfg.Venue.ChainID, r.version, negRisk, nil)
		if err != nil || seen[e.Address] {
			continue
		}
		seen[e.Address] = true
		name := fmt.Sprintf("exchange-v%d", e.Version)
		why := "standard-market BUY orders"
		required := r.cfg.Universe.IncludeBinary
		if e.NegRisk {
			name, why, required = "negrisk-"+name, "neg-risk BUY orders (every basket leg)", true
		} else if e.Version == sign.V3 {
			why, required = "every BUY order at version 3", true
		}
		out = append(out, spender{name, e.Address, required, why})
	}
	return append(out, spender{"negrisk-adapter", NegRiskAdapter, false, "converting NO baskets and redeeming neg-risk positions"})
}

// checkBalances reads the collateral balance and allowances of the funder
// for the configured signature type.
func (r *run) checkBalances(ctx context.Context) {
	sp := r.spenders()
	if !r.needsCreds(CheckBalance) {
		for _, s := range sp {
			r.needsCreds(CheckAllowance + "-" + s.name)
		}
		return
	}
	t := r.cfg.Keys.SignatureType
	q := url.Values{"asset_type": {"COLLATERAL"}, "signature_type": {strconv.Itoa(int(t))}}
	c, cancel := r.step(ctx)
	defer cancel()
	body, err := r.venue.L2(c, Auth{Address: r.signer.Address(), Creds: r.creds}, http.MethodGet, "/balance-allowance", q, nil)
	var ba BalanceAllowance
	if err == nil {
		ba, err = ParseBalanceAllowance(body)
	}
	if err != nil {
		r.add(Fail, CheckBalance, "%v", err)
		for _, s := range sp {
			r.add(Fail, CheckAllowance+"-"+s.name, "not checked: GET /balance-allowance failed")
		}
		return
	}
	limit := r.cfg.Risk.MaxBasketNotional
	bal := config.Dollars(ba.Balance)
	who := fmt.Sprintf("signature type %d", t)
	switch {
	case ba.Balance <= 0:
		r.add(r.needed(), CheckBalance, "no pUSD collateral for %s: nothing can be bought", who)
	case bal < limit:
		r.add(Warn, CheckBalance, "%s pUSD for %s is below risk.max_basket_notional %s: baskets will be smaller or refused", bal, who, limit)
	default:
		r.add(Pass, CheckBalance, "%s pUSD for %s (max basket notional %s)", bal, who, limit)
	}
	r.checkAllowances(sp, ba, limit)
}

// unlimited is the allowance above which it is shown as "unlimited" (2^128
// micro-dollars; approvals are normally 2^256-1).
var unlimited = new(big.Int).Lsh(big.NewInt(1), 128)

func (r *run) checkAllowances(sp []spender, ba BalanceAllowance, limit config.Dollars) {
	if ba.Allowances == nil {
		detail := "the answer lists no allowances"
		if ba.Single != nil {
			detail = fmt.Sprintf("the answer has a single V1-style allowance (%s micro-dollars) that names no contract", ba.Single)
		}
		for _, s := range sp {
			r.add(Warn, CheckAllowance+"-"+s.name, "%s; cannot tell whether %s %s is approved", detail, s.name, s.addr.Hex())
		}
		return
	}
	need := big.NewInt(int64(limit))
	for _, s := range sp {
		st := Warn
		if s.required {
			st = Fail
		}
		a := ba.Allowances[s.addr]
		switch {
		case a == nil || a.Sign() == 0:
			r.add(st, CheckAllowance+"-"+s.name, "no pUSD allowance for %s (needed for %s): approve it on-chain, then GET /balance-allowance/update", s.addr.Hex(), s.why)
		case a.Cmp(need) < 0:
			r.add(st, CheckAllowance+"-"+s.name, "pUSD allowance %s for %s is below risk.max_basket_notional %s", config.Dollars(a.Int64()), s.addr.Hex(), limit)
		case a.Cmp(unlimited) >= 0:
			r.add(Pass, CheckAllowance+"-"+s.name, "unlimited pUSD allowance for %s", s.addr.Hex())
		default:
			r.add(Pass, CheckAllowance+"-"+s.name, "pUSD allowance %s micro-dollars for %s", a, s.addr.Hex())
		}
	}
}

// checkHeartbeat probes POST /v1/heartbeats WITHOUT credentials: an auth
// refusal proves the route exists, and no heartbeat chain is started (an
// abandoned chain would cancel every order of the key 10 s later).
func (r *run) checkHeartbeat(ctx context.Context) {
	if !r.venueOK {
		r.notReachable(CheckHeartbeat)
		return
	}
	c, cancel := r.step(ctx)
	defer cancel()
	_, err := r.venue.Post(c, "/v1/heartbeats", nil)
	switch s := StatusOf(err); {
	case err == nil:
		r.add(Warn, CheckHeartbeat, "POST /v1/heartbeats accepted a request without credentials; cancel-on-disconnect may not work as documented")
	case s == http.StatusUnauthorized || s == http.StatusBadRequest:
		r.add(Pass, CheckHeartbeat, "POST /v1/heartbeats is served (HTTP %d to a probe without credentials, so no heartbeat chain was started)", s)
	case s == http.StatusNotFound || s == http.StatusMethodNotAllowed:
		r.add(Fail, CheckHeartbeat, "POST /v1/heartbeats is not served (HTTP %d): no cancel-on-disconnect", s)
	case s == http.StatusTooManyRequests:
		r.add(Warn, CheckHeartbeat, "POST /v1/heartbeats answered 429 (rate limited); try again")
	default:
		r.add(Fail, CheckHeartbeat, "%v%s", err, forbiddenHint(err))
	}
}

// checkGeoblock asks the geoblock endpoint and weighs any 403 the CLOB gave.
func (r *run) checkGeoblock(ctx context.Context) {
	forbidden := r.venue != nil && r.venue.Forbidden()
	if r.o.GeoblockURL == "" {
		switch {
		case forbidden:
			r.add(Fail, CheckGeoblock, "the CLOB answered 403 Forbidden: this IP is geoblocked (no geoblock endpoint configured)")
		case !r.venueOK:
			r.add(Warn, CheckGeoblock, "not checked: no geoblock endpoint configured and the venue is unreachable")
		default:
			r.add(Pass, CheckGeoblock, "the CLOB answered without 403 (no geoblock endpoint configured)")
		}
		return
	}
	g, err := ParseGeoblockURL(r.o.GeoblockURL)
	if err != nil {
		r.add(Fail, CheckGeoblock, "%v", err)
		return
	}
	c, cancel := r.step(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(c, http.MethodGet, g, nil)
	var gb Geoblock
	if err == nil {
		gb, err = r.fetchGeoblock(req)
	}
	where := ""
	if err == nil && (gb.Country != "" || gb.Region != "") {
		where = fmt.Sprintf(" (country %s, region %s)", orDash(gb.Country), orDash(gb.Region))
	}
	switch {
	case err == nil && gb.Blocked:
		r.add(Fail, CheckGeoblock, "blocked from placing orders%s: orders from this IP will be rejected", where)
	case forbidden && err == nil:
		r.add(Fail, CheckGeoblock, "the CLOB answered 403 Forbidden although the geoblock endpoint says not blocked%s", where)
	case forbidden:
		r.add(Fail, CheckGeoblock, "the CLOB answered 403 Forbidden: this IP is geoblocked (geoblock endpoint: %v)", err)
	case err != nil:
		r.add(Warn, CheckGeoblock, "geoblock endpoint unavailable (%v); the CLOB answered without 403", err)
	default:
		r.add(Pass, CheckGeoblock, "not blocked%s", where)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (r *run) fetchGeoblock(req *http.Request) (Geoblock, error) {
	req.Header.Set("Accept", "application/json")
	resp, err := r.o.HTTPClient.Do(req)
	if err != nil {
		return Geoblock{}, cleanNetError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return Geoblock{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Geoblock{}, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return ParseGeoblock(body)
}

// ParseGeoblockURL checks a geoblock endpoint URL (absolute http or https).
func ParseGeoblockURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("geoblock URL %q is not an absolute http(s) URL", raw)
	}
	return u.String(), nil
}

func (r *run) checkWSMarket(ctx context.Context) {
	d, err := ProbeWS(ctx, r.cfg.Venue.WSMarketURL, r.o.Timeout)
	if err != nil {
		r.add(Fail, CheckWSMarket, "%s: %v", r.cfg.Venue.WSMarketURL, err)
		return
	}
	r.add(Pass, CheckWSMarket, "%s: handshake and PING/PONG in %s", r.cfg.Venue.WSMarketURL, elapsed(d))
}

// checkWSUser sends the user channel's auth frame and then PING: the
// simulator (and, as far as is known, the venue) closes the connection on
// bad credentials, so a PONG means the auth frame was accepted.
func (r *run) checkWSUser(ctx context.Context) {
	if !r.needsCreds(CheckWSUser) {
		return
	}
	d, err := ProbeWS(ctx, r.cfg.Venue.WSUserURL, r.o.Timeout, UserAuthFrame(r.creds))
	switch {
	case err == ErrWSClosed:
		r.add(Fail, CheckWSUser, "%s: the server closed the connection after the auth frame: credentials refused", r.cfg.Venue.WSUserURL)
	case err != nil:
		r.add(Fail, CheckWSUser, "%s: %v", r.cfg.Venue.WSUserURL, err)
	default:
		r.add(Pass, CheckWSUser, "%s: auth frame accepted, PONG in %s", r.cfg.Venue.WSUserURL, elapsed(d))
	}
}
