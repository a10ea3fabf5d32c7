package password

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
)

// VerifyOptions are verify's inputs.
type VerifyOptions struct {
	Deps
	User     string
	Password factory.SecretInput
}

// NewCmdVerify is `unipass verify USER`: it checks a password against the vendor without changing
// anything (PasswordManager.Verify); runF replaces RunVerify in tests.
func NewCmdVerify(f *factory.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify USER",
		Short: "Check that a password is the one in effect for a user (nothing is changed)",
		Long: `verify asks the vendor whether a password is the one in effect for USER, and changes nothing.

The password comes from UNIPASS_PASSWORD, --password-file, --password-stdin or a hidden prompt on a
terminal, never from an argument. One line of output. Exit codes: 0 the password is in effect; 3 the vendor
refused, and the line says which refusal: "not the password in effect" or no such user; 1 nothing was proven
(the vendor cannot verify passwords for this account, or anything else went wrong); 2 usage error, or an
account whose passwords cannot be verified from here (nothing sent); 5 rate limited.

` + factory.UserArgHelp,
		Example: `  UNIPASS_CREDENTIAL=$ZENDESK_API_TOKEN unipass verify 35436 --vendor zendesk \
    --base-url https://example.zendesk.com --auth api-token --user admin@example.com --password-stdin < password.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &VerifyOptions{Deps: depsFrom(f, cmd), User: args[0], Password: factory.SecretFrom(cmd, "password")}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunVerify(cmd.Context(), opts)
		},
	}
	factory.BindSecret(cmd.Flags(), "password", "the password to verify")
	return factory.UsesCredential(cmd)
}

// RunVerify reads the password, builds the manager, resolves the user and asks the vendor.
func RunVerify(ctx context.Context, o *VerifyOptions) error {
	pw, err := o.ReadSecret(o.Password)
	if err != nil {
		return err
	}
	m, u, err := o.managerFor(ctx, o.User)
	if err != nil {
		return err
	}
	err = m.Verify(ctx, u.ID, pw)
	if errors.Is(err, facade.ErrWrongPassword) {
		return &cmdutil.ExitError{Code: cmdutil.ExitRejected, Err: fmt.Errorf("%s Verify: %s: not the password in effect", m.Vendor(), u)}
	}
	return o.done(err, m, u, u.ForUser("the password is the one in effect"))
}
