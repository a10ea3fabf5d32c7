// Package factory holds the Factory every unipass command is built with: the IO streams, the
// environment, the terminal, and the config loading and manager construction the commands share.
package factory

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Factory is what a command reads from its surroundings, replaceable in tests.
type Factory struct {
	In          io.Reader
	Out, ErrOut io.Writer
	// Getenv reads an environment variable.
	Getenv func(string) string
	// IsTerminal reports whether a stream is an interactive terminal.
	IsTerminal func(any) bool
	// Prompt reads a secret without echo from the terminal.
	Prompt func(label string) (string, error)
}

// New is the Factory of the running process.
func New() *Factory {
	return &Factory{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Getenv: os.Getenv, IsTerminal: isTerminal,
		Prompt: promptHidden}
}

// EnvName is the UNIPASS_* variable of a flag: --base-url is UNIPASS_BASE_URL.
func EnvName(flag string) string {
	return "UNIPASS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) // #nosec G115 -- a file descriptor fits an int
}

// promptHidden asks on the terminal without echoing what is typed.
func promptHidden(label string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer func() { _ = tty.Close() }()
	fmt.Fprint(tty, label)
	b, err := term.ReadPassword(int(tty.Fd())) // #nosec G115 -- a file descriptor fits an int
	fmt.Fprintln(tty)
	if errors.Is(err, syscall.EINTR) {
		return "", errors.New("interrupted")
	}
	return string(b), err
}
