// Command unipass manages user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt from the shell.
//
//	unipass demo                          every operation on every vendor, against in-process fakes
//	unipass set USER --vendor zendesk ... set a password (read from stdin, a file or the environment)
//	unipass rotate --input users.csv ...  rotate many accounts at the vendor's rate limit
//	unipass verify USER --vendor ...      check that a password is the one in effect
//	unipass profiles list|check           the named vendor accounts of the config file (--profile NAME)
//
// Secrets are never taken from arguments. Run `unipass help` for every command. The commands live in
// internal/cli; this is their entry point.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/root"
)

func main() {
	ctx, stop := signalContext()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// signalContext is cancelled by the first Ctrl-C or SIGTERM (commands stop cleanly); a second one ends the
// process.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// run runs the command line args with the given streams and the process's environment; it returns the
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := factory.New()
	f.In, f.Out, f.ErrOut = stdin, stdout, stderr
	return root.Execute(ctx, f, args)
}
