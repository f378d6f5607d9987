// Command hotpath is the engine binary. Each subcommand lives in its own file
// and registers itself in init; main only dispatches, so the binary has no
// logic of its own (design §2).
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. run receives the arguments after the
// subcommand name and returns the process exit code; it prints its own
// errors as one clear line (never a stack trace).
type command struct {
	name    string
	summary string // one line for `hotpath help`
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

// register adds a subcommand; called from init in each cmd_*.go file.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("hotpath: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"--help"}, stdout, stderr)
			}
		}
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hotpath: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "hotpath: complete-set arbitrage engine for Polymarket's CLOB")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: hotpath <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'hotpath <command> --help' for a command's flags.")
}

// flagUsage returns a usage function for a subcommand's FlagSet that starts
// with a one-paragraph description.
func flagUsage(name, synopsis, description string, out io.Writer, printDefaults func()) func() {
	return func() {
		fmt.Fprintf(out, "Usage: hotpath %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(description))
		printDefaults()
	}
}
