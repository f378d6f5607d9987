// Package hardening holds the project's robustness drills and the helpers
// they share: building the binaries under test, running them with captured
// output, and scanning everything a run leaves behind (stdout, stderr, log
// files, the journal directory, metrics scrapes) for secret values in every
// form they could leak in (raw, JSON-escaped, base64, hex, a middle slice).
//
// The drills themselves are tests in this package:
//
//   - cli_test.go: every subcommand of bin/hotpath, simclob and latency with
//     bad flags, missing or garbage files and bad values prints one clear
//     line on stderr (no stack trace, no usage dump longer than the
//     command's help) and exits non-zero.
//   - secrets_test.go: runs binaries with known fake secrets in the
//     environment and fails when any of them shows up in what the run wrote.
//
// Fuzz campaigns are run by fuzz-campaign.sh (make soak); their results are
// recorded in docs/reliability.md.
package hardening
