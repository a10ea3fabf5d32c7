package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// GroupArgs and GroupRunE make a command that only groups subcommands (unipass profiles) refuse an
// unknown subcommand as the root does: a usage error (exit 2) with cobra's suggestions. Without
// arguments it prints its help. The command sets SuggestionsMinimumDistance (cobra's default for the
// root is 2). GroupArgs lets every argument through to GroupRunE.
func GroupArgs(*cobra.Command, []string) error { return nil }

// GroupRunE prints the help, or refuses an unknown subcommand (see GroupArgs).
func GroupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	var b strings.Builder
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		b.WriteString("\n\nDid you mean this?\n")
		for _, x := range s {
			fmt.Fprintf(&b, "\t%s\n", x)
		}
	}
	return &UsageError{Err: fmt.Errorf("unknown command %q for %q%s", args[0], cmd.CommandPath(), b.String())}
}
