// Command unipass manages user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt.
//
//	unipass demo   runs every operation on every vendor against in-process fake servers
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: unipass <command>

commands:
  demo      run every password operation on every vendor against in-process fakes
  version   print the version
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		return demo(ctx, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "unipass", facadeVersion())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "unipass: unknown command %q\n\n%s", args[0], usage)
	return 2
}
