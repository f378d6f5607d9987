package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/hotpath/hotpath/ops/creds"
	"github.com/hotpath/hotpath/preflight"
)

func init() {
	register(&command{
		name:    "doctor",
		summary: "pre-flight checks: config, keys, venue, clock, geoblock, balances, endpoints",
		run:     runDoctor,
	})
}

const doctorHelp = `
Runs hotpath's pre-flight checks and prints one line per check:

  PASS|WARN|FAIL  <check>  <detail>

Checks: the configuration loads and its risk limits fit together; the stage
topology fits the usable CPUs; config, keystore and password files are not
readable by other users; the journal directory takes a synced write; the
signing key loads and the funder matches the signature type; the CLOB answers
GET /ok, reports version 2 and a clock within --warn-skew/--max-skew of ours;
Gamma answers; the API credentials authenticate as the signer (an L2 GET);
the collateral balance covers risk.max_basket_notional and the exchanges and
neg-risk adapter have pUSD allowances; POST /v1/heartbeats is served (probed
without credentials, so no heartbeat chain is left running); this IP is not
geoblocked (the geoblock endpoint, and any 403 from the CLOB); the market
WebSocket answers PING and the user WebSocket accepts the credentials.

Nothing is changed on the venue and no secret is printed. Secrets come from
the environment or systemd credentials exactly as for 'hotpath run'
(HOTPATH_PRIVATE_KEY or a keystore with HOTPATH_KEYSTORE_PASSWORD;
HOTPATH_API_KEY, HOTPATH_API_SECRET, HOTPATH_API_PASSPHRASE). Keys and API
credentials are required only in live mode (WARN otherwise).

Exit status: 0 when nothing FAILs, 1 when something does, 2 on bad flags.

Examples:
  hotpath doctor --config /etc/hotpath/hotpath.toml
  hotpath doctor --config hotpath.toml --json | jq '.checks[] | select(.status != "PASS")'
  hotpath doctor --config sim.toml --geoblock-url none`

// doctorReport is the --json document.
type doctorReport struct {
	OK     bool               `json:"ok"`
	Checks []preflight.Result `json:"checks"`
}

func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("config", "", "configuration `FILE` (default: built-in defaults plus HOTPATH_* environment)")
	asJSON := fs.Bool("json", false, "print one JSON document {ok, checks:[{status, check, detail}]}")
	timeout := fs.Duration("timeout", 5*time.Second, "limit for each network step")
	geo := fs.String("geoblock-url", preflight.DefaultGeoblockURL, "geoblock endpoint `URL`; \"none\" relies on 403s from the CLOB only")
	warnSkew := fs.Duration("warn-skew", time.Second, "WARN when the clock is certainly further than this from the venue's")
	maxSkew := fs.Duration("max-skew", 5*time.Second, "FAIL when the clock is certainly further than this from the venue's")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(stdout)
			flagUsage("doctor", "[--config FILE] [--json]", doctorHelp, stdout, fs.PrintDefaults)()
			return 0
		}
		fmt.Fprintf(stderr, "hotpath doctor: %v (see 'hotpath doctor --help')\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hotpath doctor: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	switch {
	case *timeout <= 0:
		fmt.Fprintln(stderr, "hotpath doctor: --timeout must be positive")
		return 2
	case *warnSkew <= 0 || *maxSkew < *warnSkew:
		fmt.Fprintln(stderr, "hotpath doctor: need 0 < --warn-skew <= --max-skew")
		return 2
	}
	if *geo == "none" {
		*geo = ""
	}
	if *geo != "" {
		if _, err := preflight.ParseGeoblockURL(*geo); err != nil {
			fmt.Fprintf(stderr, "hotpath doctor: --geoblock-url: %v\n", err)
			return 2
		}
	}

	o := preflight.Options{
		ConfigPath:  *cfgPath,
		Env:         os.Environ(),
		Secret:      creds.Lookup,
		GeoblockURL: *geo,
		Timeout:     *timeout,
		WarnSkew:    *warnSkew,
		MaxSkew:     *maxSkew,
	}
	if !*asJSON {
		o.Report = func(r preflight.Result) { fmt.Fprintln(stdout, r) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rs := preflight.Run(ctx, o)
	failed := preflight.Failed(rs)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doctorReport{OK: !failed, Checks: rs}); err != nil {
			fmt.Fprintf(stderr, "hotpath doctor: %v\n", err)
			return 1
		}
	} else {
		var n [3]int
		for _, r := range rs {
			n[r.Status]++
		}
		fmt.Fprintf(stderr, "hotpath doctor: %d passed, %d warnings, %d failed\n", n[preflight.Pass], n[preflight.Warn], n[preflight.Fail])
	}
	if failed {
		return 1
	}
	return 0
}
