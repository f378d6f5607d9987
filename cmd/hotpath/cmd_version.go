package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the build's version, Go version and platform",
		run: func(args []string, stdout, stderr io.Writer) int {
			fs := flag.NewFlagSet("version", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			fs.Usage = func() {}
			if err := fs.Parse(args); err != nil {
				if err == flag.ErrHelp {
					flagUsage("version", "", "Prints the build's version, Go version and platform.\n\nExample:\n  hotpath version", stdout, fs.PrintDefaults)()
					return 0
				}
				fmt.Fprintf(stderr, "hotpath version: %v (see 'hotpath version --help')\n", err)
				return 2
			}
			if fs.NArg() > 0 {
				fmt.Fprintf(stderr, "hotpath version: unexpected argument %q\n", fs.Arg(0))
				return 2
			}
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(stdout, "hotpath %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return 0
		},
	})
}
