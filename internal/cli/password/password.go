// Package password holds the commands that act on one user's password: set, change, reset, verify and
// requirements.
package password

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
)

// Deps is what every password command reads besides its own flags: where output goes, how a secret is
// read, and how the manager of the account the flags (or profile) name is built.
type Deps struct {
	Out io.Writer
	// ReadSecret reads a secret as its flags say (factory.Factory.ReadSecret).
	ReadSecret func(factory.SecretInput) (facade.Secret, error)
	// Manager builds the account's manager; the credential is read only when needCredential.
	Manager func(ctx context.Context, needCredential bool) (facade.PasswordManager, error)
}

// depsFrom is the Deps of a running command.
func depsFrom(f *factory.Factory, cmd *cobra.Command) Deps {
	v := factory.VendorFrom(cmd)
	return Deps{Out: f.Out, ReadSecret: f.ReadSecret, Manager: func(ctx context.Context, needCredential bool) (facade.PasswordManager, error) {
		return f.Manager(ctx, v, needCredential)
	}}
}

// managerFor builds the manager and resolves the USER argument.
func (d Deps) managerFor(ctx context.Context, user string) (facade.PasswordManager, factory.UserRef, error) {
	m, err := d.Manager(ctx, true)
	if err != nil {
		return nil, factory.UserRef{}, err
	}
	u, err := factory.ResolveArg(ctx, m, user)
	return m, u, err
}

// done prints a one-line success, or returns the error for its exit code.
func (d Deps) done(err error, m facade.PasswordManager, u factory.UserRef, msg string) error {
	if err != nil {
		return factory.NotFound(m.Vendor(), u, err)
	}
	fmt.Fprintln(d.Out, strings.TrimSpace(msg))
	return nil
}

// readCandidate reads the first line of r, the password --check checks.
func readCandidate(r io.Reader) (facade.Secret, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return facade.Secret{}, cmdutil.Usagef("--check: reading the password from standard input: %v", err)
	}
	s := facade.NewSecret(cmdutil.FirstLine(string(data)))
	if s.IsZero() {
		return facade.Secret{}, errors.New("empty")
	}
	return s, nil
}
