package main

import (
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
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(stdout, "hotpath %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return 0
		},
	})
}
