package password

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
)

// RequirementsOptions are requirements' inputs.
type RequirementsOptions struct {
	Deps
	// User is the user whose policy is read; "" for the account's own.
	User string
	// Check, when set, is the standard input to read a password to check against the policy from.
	Check io.Reader
}

// NewCmdRequirements is `unipass requirements [USER]`; runF replaces RunRequirements in tests.
func NewCmdRequirements(f *factory.Factory, runF func(context.Context, *RequirementsOptions) error) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "requirements [USER]",
		Short: "Print the password policy; with --check, tell whether a password read from stdin meets it",
		Long: "requirements prints the password policy, for USER when given (Zendesk's policy differs by user, and\n" +
			"Zendesk needs USER).\n\n" + factory.UserArgHelp,
		Example: `  unipass requirements mike@example.com --vendor zendesk --base-url https://example.zendesk.com --auth api-token --user admin@example.com
  unipass requirements --check --vendor docspace --base-url https://yourportal.onlyoffice.com --auth login --user admin@example.com < candidate.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &RequirementsOptions{Deps: depsFrom(f, cmd)}
			if len(args) == 1 {
				opts.User = args[0]
			}
			if check {
				opts.Check = f.In
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunRequirements(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "read a password from standard input and check it against the policy")
	return factory.UsesCredential(cmd)
}

// RunRequirements prints the policy and, with Check, whether the password read meets it.
func RunRequirements(ctx context.Context, o *RequirementsOptions) error {
	var candidate facade.Secret
	if o.Check != nil {
		var err error
		if candidate, err = readCandidate(o.Check); err != nil {
			return cmdutil.Usagef("--check reads the password to check from standard input, and it was empty")
		}
	}
	m, u, err := o.managerFor(ctx, o.User)
	if err != nil {
		return err
	}
	p, err := m.Requirements(ctx, u.ID)
	if err != nil {
		return requirementsError(m, u, err)
	}
	if u.Given != u.ID {
		fmt.Fprintln(o.Out, "user", u)
	}
	cmdutil.PrintPolicy(o.Out, p)
	if o.Check == nil {
		return nil
	}
	if unmet := p.Check(candidate); len(unmet) > 0 {
		fmt.Fprintln(o.Out, "\nthe password does not meet:")
		for _, u := range unmet {
			fmt.Fprintln(o.Out, "  -", cmdutil.Printable(u))
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitRejected}
	}
	fmt.Fprintln(o.Out, "\nthe password meets every rule that can be checked here")
	return nil
}

// requirementsError says what to add when the vendor needs a user and none was given.
func requirementsError(m facade.PasswordManager, u factory.UserRef, err error) error {
	if u.ID == "" && cmdutil.ExitCode(err) == cmdutil.ExitUsage {
		return cmdutil.Usagef("%s reads the password policy of a user: add USER (its ID or email address): %w", m.Vendor(), err)
	}
	return factory.NotFound(m.Vendor(), u, err)
}
