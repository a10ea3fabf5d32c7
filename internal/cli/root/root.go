// Package root is the unipass command: it puts the command groups together, fills flags from UNIPASS_*
// variables, and turns an error into its message and exit code.
package root

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/demo"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/fakes"
	"github.com/unipass/unipass/internal/cli/password"
	"github.com/unipass/unipass/internal/cli/profiles"
	"github.com/unipass/unipass/internal/cli/rotate"
)

const long = `unipass manages user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt through one interface.

Choose the vendor with --vendor and its address with --base-url; give credentials with --auth and --user,
and the credential itself (password, token or key) through UNIPASS_CREDENTIAL, --credential-file or
--credential-stdin. Every flag can also be set as UNIPASS_<FLAG> (for example UNIPASS_VENDOR).
Secrets are never accepted as arguments.

Or name a profile of the config file with --profile (see "unipass profiles --help"): a flag beats its
UNIPASS_* variable, which beats the profile, which beats the default.

Exit codes: 0 success, 1 failure, 2 usage error, input refused or operation unsupported (nothing sent),
3 refused by the vendor, 4 outcome unknown (a write may have been applied), 5 rate limited, 6 interrupted
(rotate: continue with --resume).`

// vendorAnnotation marks a command that uses the vendor flags (its help lists them).
const vendorAnnotation = "unipass-uses-vendor"

// NewCmdRoot is the unipass command with every command group under it.
func NewCmdRoot(f *factory.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "unipass",
		Short:         "Manage user passwords on ONLYOFFICE DocSpace, Zendesk and Glowmarkt",
		Long:          long,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := factory.CheckSecretFlags(cmd); err != nil {
				return err
			}
			return f.FlagsFromEnv(cmd)
		},
	}
	root.SetFlagErrorFunc(factory.FlagError)
	factory.BindVendorFlags(root.PersistentFlags())
	root.AddCommand(
		usesVendor(password.NewCmdSet(f, nil)), usesVendor(password.NewCmdChange(f, nil)),
		usesVendor(password.NewCmdReset(f, nil)), usesVendor(password.NewCmdRequirements(f, nil)),
		usesVendor(password.NewCmdVerify(f, nil)),
		usesVendor(profiles.NewCmdProfiles(f)),
		usesVendor(rotate.NewCmdRotate(f, nil)),
		demo.NewCmdDemo(f, nil), fakes.NewCmdFakes(f, nil), newCmdVersion(f),
	)
	registerCompletions(root, f)
	root.InitDefaultCompletionCmd()
	usageArgs(root)
	hideGlobals(root)
	return root
}

// usesVendor marks cmd as a command that uses the vendor flags and returns it.
func usesVendor(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[vendorAnnotation] = "yes"
	return cmd
}

// globalFlagsUsage is the part of cobra's usage template that lists the inherited flags.
const globalFlagsUsage = `{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}`

// hideGlobals keeps the vendor flags out of the help of commands that do not use them (demo, fakes,
// version, completion): their help lists their own flags only.
func hideGlobals(root *cobra.Command) {
	own := strings.Replace(root.UsageTemplate(), globalFlagsUsage, "", 1)
	var walk func(c *cobra.Command, vendor bool)
	walk = func(c *cobra.Command, vendor bool) {
		vendor = vendor || c.Annotations[vendorAnnotation] != ""
		if !vendor && c != root {
			c.SetUsageTemplate(own)
		}
		for _, sub := range c.Commands() {
			walk(sub, vendor)
		}
	}
	walk(root, false)
}

// usageArgs makes cobra's own checks of arguments usage errors too, in every command under root.
func usageArgs(root *cobra.Command) {
	for _, c := range root.Commands() {
		usageArgs(c)
		if c.Args != nil {
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return &cmdutil.UsageError{Err: err}
				}
				return nil
			}
		}
	}
}

// Execute runs the command line args and returns the exit code; errors are printed on f.ErrOut.
func Execute(ctx context.Context, f *factory.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.ErrOut)
	return report(f.ErrOut, root.ExecuteContext(ctx))
}

// report prints err (made printable: it may quote a vendor's message) and returns its exit code.
func report(w io.Writer, err error) int {
	var ee *cmdutil.ExitError
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.As(err, &ee) && ee.Err == nil:
		return ee.Code
	case strings.HasPrefix(err.Error(), "unknown command "):
		printLines(w, err.Error())
		return cmdutil.ExitUsage
	}
	fmt.Fprintln(w, "unipass:", cmdutil.Printable(cmdutil.FlagWords(err.Error())))
	return cmdutil.ExitCode(err)
}

// printLines prints cobra's own multi-line message (an unknown command and its suggestions) line by
// line, each made printable, with a pointer to the help.
func printLines(w io.Writer, msg string) {
	for i, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		prefix := ""
		if i == 0 {
			prefix = "unipass: "
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, "\t"))]
		fmt.Fprintln(w, prefix+strings.ReplaceAll(indent, "\t", "  ")+cmdutil.Printable(strings.TrimLeft(line, "\t")))
	}
	fmt.Fprintln(w, "Run 'unipass --help' for the commands.")
}
