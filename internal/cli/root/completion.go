package root

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/config"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/profiles"
)

// registerCompletions offers values for the vendor flags: vendors, the --vendor's auth kinds, and the
// config file's profiles.
func registerCompletions(root *cobra.Command, f *factory.Factory) {
	fixed := func(values ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
	}
	_ = root.RegisterFlagCompletionFunc("vendor", fixed(config.Vendors()...)) // the flags are root's own
	_ = root.RegisterFlagCompletionFunc("auth", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		vendor, _ := cmd.Flags().GetString("vendor")
		if kinds, ok := config.AuthKinds(vendor); ok {
			return kinds, cobra.ShellCompDirectiveNoFileComp
		}
		var all []string
		for _, v := range config.Vendors() {
			kinds, _ := config.AuthKinds(v)
			for _, k := range kinds {
				if !slices.Contains(all, k) {
					all = append(all, k)
				}
			}
		}
		return all, cobra.ShellCompDirectiveNoFileComp
	})
	_ = root.RegisterFlagCompletionFunc("profile", profiles.CompleteNames(f))
}
