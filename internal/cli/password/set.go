package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/factory"
)

// SetOptions are set's inputs.
type SetOptions struct {
	Deps
	User        string
	NewPassword factory.SecretInput
}

// NewCmdSet is `unipass set USER`; runF replaces runSet in tests.
func NewCmdSet(f *factory.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set USER",
		Short: "Set a user's password (an admin's act; the old password is not needed)",
		Long:  "set sets USER's password, as an admin, without the old one.\n\n" + factory.UserArgHelp,
		Example: `  UNIPASS_CREDENTIAL=$ZENDESK_API_TOKEN unipass set 35436 --vendor zendesk \
    --base-url https://example.zendesk.com --auth api-token --user admin@example.com --new-password-stdin < new.txt
  unipass set mike@example.com --vendor docspace --base-url https://yourportal.onlyoffice.com --auth api-key \
    --new-password-file new.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &SetOptions{Deps: depsFrom(f, cmd), User: args[0], NewPassword: factory.SecretFrom(cmd, "new-password")}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunSet(cmd.Context(), opts)
		},
	}
	factory.BindSecret(cmd.Flags(), "new-password", "the new password")
	return factory.UsesCredential(cmd)
}

// RunSet reads the new password, builds the manager, resolves the user and sets the password.
func RunSet(ctx context.Context, o *SetOptions) error {
	pw, err := o.ReadSecret(o.NewPassword)
	if err != nil {
		return err
	}
	m, u, err := o.managerFor(ctx, o.User)
	if err != nil {
		return err
	}
	return o.done(m.SetPassword(ctx, u.ID, pw), m, u, u.ForUser("password set"))
}
