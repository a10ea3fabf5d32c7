package password

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/factory"
)

// ChangeOptions are change's inputs.
type ChangeOptions struct {
	Deps
	User                     string
	OldPassword, NewPassword factory.SecretInput
}

// NewCmdChange is `unipass change USER`; runF replaces RunChange in tests.
func NewCmdChange(f *factory.Factory, runF func(context.Context, *ChangeOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "change USER",
		Short: "Change a user's password, proving the old one",
		Long:  "change changes USER's password, proving the old one.\n\n" + factory.UserArgHelp,
		Example: `  UNIPASS_OLD_PASSWORD=... UNIPASS_NEW_PASSWORD=... UNIPASS_CREDENTIAL=... unipass change "" \
    --vendor glowmarkt --application-id $APP_ID --auth login --user me@example.com
  UNIPASS_OLD_PASSWORD=... UNIPASS_NEW_PASSWORD=... UNIPASS_CREDENTIAL=... unipass change mike@example.com \
    --vendor docspace --base-url https://yourportal.onlyoffice.com --auth api-key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &ChangeOptions{Deps: depsFrom(f, cmd), User: args[0],
				OldPassword: factory.SecretFrom(cmd, "old-password"), NewPassword: factory.SecretFrom(cmd, "new-password")}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunChange(cmd.Context(), opts)
		},
	}
	factory.BindSecret(cmd.Flags(), "old-password", "the current password")
	factory.BindSecret(cmd.Flags(), "new-password", "the new password")
	return factory.UsesCredential(cmd)
}

// RunChange reads both passwords, builds the manager, resolves the user and changes the password.
func RunChange(ctx context.Context, o *ChangeOptions) error {
	oldPW, err := o.ReadSecret(o.OldPassword)
	if err != nil {
		return err
	}
	newPW, err := o.ReadSecret(o.NewPassword)
	if err != nil {
		return err
	}
	m, u, err := o.managerFor(ctx, o.User)
	if err != nil {
		return err
	}
	return o.done(m.ChangePassword(ctx, u.ID, oldPW, newPW), m, u, u.ForUser("password changed"))
}
