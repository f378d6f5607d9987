// Package hardening holds the project's robustness drills and the helpers
// they share: building the binaries under test, running them with captured
// output, scanning what a run leaves behind for secrets, driving a
// `hotpath run` child against an out-of-process simclob, auditing an
// executor journal against the venue's ledger, and serving a generated,
// venue-shaped market channel at a scheduled rate.
//
// The drills are tests in this package (docs/reliability.md has their
// figures and findings):
//
//   - cli_test.go: every subcommand of hotpath, simclob and latency with
//     bad flags, missing or garbage files and bad values prints one clear
//     line on stderr (no stack trace, no usage text longer than the
//     command's help) and exits non-zero.
//   - secrets_test.go, bind_test.go: known fake secrets never appear in
//     stdout, stderr, logs, the journal or metrics, in any encoding; ops
//     endpoints bind to loopback by default.
//   - faults_test.go: `hotpath demo` on the faults scenario (drops,
//     stalls, bad frames, tick change, 425/429/500/slow/delayed orders,
//     FAILED settlements).
//   - crash_test.go: SIGKILL mid-basket, restart, reconcile (audit.go).
//   - load_test.go: rising offered rates through the full engine
//     (loadfeed.go) until the knee; books equal the simulator's.
//
// `make test` runs their short versions; `make soak` (HOTPATH_SOAK=1) the
// long ones, after fuzz-campaign.sh has run every Fuzz* target.
package hardening
