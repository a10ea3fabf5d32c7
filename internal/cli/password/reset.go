package password

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/factory"
)

// ResetOptions are reset's inputs.
type ResetOptions struct {
	Deps
	Email string
}

// NewCmdReset is `unipass reset EMAIL`; runF replaces RunReset in tests.
func NewCmdReset(f *factory.Factory, runF func(context.Context, *ResetOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:     "reset EMAIL",
		Short:   "Start the vendor's reset-by-email flow for an address (DocSpace)",
		Example: `  unipass reset mike@example.com --vendor docspace --base-url https://yourportal.onlyoffice.com`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := &ResetOptions{Deps: depsFrom(f, cmd), Email: args[0]}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunReset(cmd.Context(), opts)
		},
	}
}

// RunReset asks the vendor to send its reset email; it sends no credential.
func RunReset(ctx context.Context, o *ResetOptions) error {
	m, err := o.Manager(ctx, false)
	if err != nil {
		return err
	}
	if err := m.SendReset(ctx, o.Email); err != nil {
		return err
	}
	fmt.Fprintln(o.Out, "reset email requested (the answer is the same whether or not the address has an account)")
	return nil
}
