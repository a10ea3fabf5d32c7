// Command unipass manages user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt from the shell.
//
//	unipass demo                          every operation on every vendor, against in-process fakes
//	unipass set USER --vendor zendesk ... set a password (read from stdin, a file or the environment)
//	unipass rotate --input users.csv ...  rotate many accounts at the vendor's rate limit
//	unipass verify USER --vendor ...      check that a password is the one in effect
//	unipass profiles list|check           the named vendor accounts of the config file (--profile NAME)
//
// Secrets are never taken from arguments. Run `unipass help` for every command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1 // anything else: network, a vendor's 5xx, a Verify that cannot prove anything, ...
	exitUsage       = 2 // bad flags or arguments, a missing or refused secret, input refused before sending
	exitRejected    = 3 // the vendor refused: 4xx, rejected password, unsupported operation
	exitUnknown     = 4 // a write may or may not have been applied
	exitLimited     = 5 // rate limited
	exitInterrupted = 6 // Ctrl-C or SIGTERM stopped a rotation early; it continues with rotate --resume
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

// env is what the command reads from its surroundings, replaceable in tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal reports whether a stream is an interactive terminal.
	terminal func(any) bool
	// prompt reads a secret without echo from the terminal.
	prompt func(label string) (string, error)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, terminal: isTerminal, prompt: promptHidden}
	return e.run(ctx, args)
}

func (e *env) run(ctx context.Context, args []string) int {
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.err != nil {
			fmt.Fprintln(e.stderr, "unipass:", printable(ex.err.Error()))
		}
		return ex.code
	}
	// The error may quote a vendor's message: printed so that it cannot rewrite the terminal.
	fmt.Fprintln(e.stderr, "unipass:", printable(err.Error()))
	return exitCode(err)
}

// exitError carries an exit code chosen by a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError marks a mistake in how the command was called.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var ue *usageError
	var apiErr *facade.APIError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), errors.Is(err, facade.ErrInvalidInput):
		return exitUsage
	case errors.Is(err, facade.ErrOutcomeUnknown):
		return exitUnknown
	case errors.Is(err, facade.ErrRateLimited):
		return exitLimited
	case errors.Is(err, facade.ErrVerifyUnavailable): // the vendor's refusal proves nothing about the password
		return exitFailure
	case errors.Is(err, facade.ErrUnsupported), errors.Is(err, facade.ErrPasswordRejected),
		errors.Is(err, facade.ErrWrongPassword):
		return exitRejected
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 300 && apiErr.StatusCode < 500:
		return exitRejected
	}
	return exitFailure
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "unipass",
		Short: "Manage user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt",
		Long: `unipass manages user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt through one interface.

Choose the vendor with --vendor and its address with --base-url; give credentials with --auth and --user,
and the credential itself (password, token or key) through UNIPASS_CREDENTIAL, --credential-file or
--credential-stdin. Every flag can also be set as UNIPASS_<FLAG> (for example UNIPASS_VENDOR).
Secrets are never accepted as arguments.

Or name a profile of the config file with --profile (see "unipass profiles --help"): a flag beats its
UNIPASS_* variable, which beats the profile, which beats the default.

Exit codes: 0 success, 1 failure, 2 usage error or input refused before sending, 3 refused by the vendor,
4 outcome unknown (a write may have been applied), 5 rate limited, 6 interrupted (rotate: continue with
--resume).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	cfg := &vendorConfig{env: e}
	cfg.bind(root)
	root.AddCommand(
		e.demoCommand(),
		usesCredential(e.setCommand(cfg)), usesCredential(e.changeCommand(cfg)), e.resetCommand(cfg),
		usesCredential(e.requirementsCommand(cfg)), usesCredential(e.rotateCommand(cfg)), usesCredential(e.verifyCommand(cfg)),
		e.profilesCommand(cfg),
		e.fakesCommand(),
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "unipass", facade.Version) },
		},
	)
	usageArgs(root)
	return root
}

// usageArgs makes cobra's own checks of arguments usage errors too, in every command under root.
func usageArgs(root *cobra.Command) {
	for _, c := range root.Commands() {
		usageArgs(c)
		if c.Args != nil {
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return &usageError{err}
				}
				return nil
			}
		}
	}
}

func (e *env) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every password operation on every vendor against in-process fake servers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if code := demo(cmd.Context(), e.stdout, e.stderr); code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
