// Command latency reads, compares and plots the engine's latency histograms
// (.hgrm percentile files and .hlog interval logs written by package hist)
// and probes the network latency to venue endpoints.
//
//	latency report  FILE|DIR...          percentile tables
//	latency compare A B                  two runs side by side, ratios B/A
//	latency plot    FILE|DIR... -o F     percentile-distribution plot (PNG/SVG)
//	latency probe   URL...               TCP connect / TLS / round-trip distribution
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"report", "percentile tables from .hgrm/.hlog files or directories", runReport},
	{"compare", "two runs side by side with ratios B/A per percentile", runCompare},
	{"plot", "percentile-distribution plot to PNG or SVG", runPlot},
	{"probe", "TCP connect, TLS handshake and round-trip times to endpoints", runProbe},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			for _, c := range commands {
				if c.name == args[1] {
					return c.run([]string{"--help"}, stdout, stderr)
				}
			}
		}
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "latency: unknown command %q (run 'latency help')\n", name)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "latency: read, compare and plot hotpath latency histograms; probe endpoints")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: latency <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'latency <command> --help' for a command's flags and an example.")
}

// newFlagSet returns a FlagSet whose usage prints about (what the command
// does, with an example) and then the flags.
func newFlagSet(name, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("latency "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintln(out, strings.TrimSpace(about))
		fmt.Fprintln(out)
		fmt.Fprintln(out, "Flags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments ("latency report a.hgrm --unit ns"). It returns the
// positional arguments, or an exit code when parsing ended the command:
// 0 after --help (usage printed to stdout), 2 after a bad flag (one line).
func parseArgs(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, int, bool) {
	// Errors are reported by us as one line; help goes to stdout.
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, 0, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v (see --help)\n", fs.Name(), err)
			return nil, 2, false
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	fs.SetOutput(stderr)
	return pos, 0, true
}

// fail prints one error line for command name and returns exit code 1.
func fail(stderr io.Writer, name string, err error) int {
	fmt.Fprintf(stderr, "latency %s: %v\n", name, err)
	return 1
}

// usageError prints one line for bad arguments and returns exit code 2.
func usageError(stderr io.Writer, name, msg string) int {
	fmt.Fprintf(stderr, "latency %s: %s (see --help)\n", name, msg)
	return 2
}
