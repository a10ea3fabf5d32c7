// Package profiles is `unipass profiles list|check`: the named vendor accounts of the config file.
package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/gen/zendesk"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/config"
	"github.com/unipass/unipass/internal/cli/factory"
)

// NewCmdProfiles is `unipass profiles` with its list and check subcommands.
func NewCmdProfiles(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles of the config file, or check that they work",
		Long: `A profile names a vendor account in the config file (--config, UNIPASS_CONFIG, default
$XDG_CONFIG_HOME/unipass/config.yaml): vendor, base_url, auth, user, application_id, and where the
credential comes from (credential_env, credential_file or credential_command), never the credential itself.
--profile NAME (or UNIPASS_PROFILE, or the file's default_profile) selects one for any command; a flag
beats a UNIPASS_* variable, which beats the profile, which beats the default. Without --profile or
--config, a command given --vendor (or UNIPASS_VENDOR) does not read the config file.`,
		Args:                       cmdutil.GroupArgs,
		RunE:                       cmdutil.GroupRunE,
		SuggestionsMinimumDistance: 2,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdCheck(f, nil))
	return cmd
}

// ListOptions are profiles list's inputs.
type ListOptions struct {
	Out io.Writer
	// Config reads the config file.
	Config func() (*config.File, error)
	// Path is the config file's path, for the message when there is none.
	Path string
}

// NewCmdList is `unipass profiles list`; runF replaces RunList in tests.
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Print each profile: name, vendor, base URL, auth, user and where its credential comes from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flag, _ := cmd.Flags().GetString("config")
			path, _ := f.ConfigPath(flag)
			opts := &ListOptions{Out: f.Out, Path: path, Config: func() (*config.File, error) { return f.LoadConfig(flag) }}
			if runF != nil {
				return runF(opts)
			}
			return RunList(opts)
		},
	}
}

// RunList prints one line per profile; * marks the default. Never a secret: the credential's source is
// its kind and the variable's name, the file's path or the program's name.
func RunList(o *ListOptions) error {
	pc, err := o.Config()
	if err != nil {
		return err
	}
	if pc.Path == "" {
		fmt.Fprintln(o.Out, "no profiles: no config file at", cmdutil.Printable(cmpOr(o.Path, "(no user config directory)")))
		return nil
	}
	if len(pc.Names) == 0 {
		fmt.Fprintln(o.Out, "no profiles in", cmdutil.Printable(pc.Path))
		return nil
	}
	w := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\tNAME\tVENDOR\tBASE URL\tAUTH\tUSER\tCREDENTIAL")
	for _, name := range pc.Names {
		p := pc.Profiles[name]
		mark := ""
		if name == pc.DefaultProfile {
			mark = "*"
		}
		a := p.Account(false, false)
		base := p.BaseURL
		if base == "" && p.Vendor == "glowmarkt" {
			base = facade.DefaultGlowmarktURL
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, name, p.Vendor, cmdutil.Printable(cmpOr(base, "-")), a.AuthKind(),
			cmdutil.Printable(cmpOr(p.User, "-")), cmdutil.Printable(p.Source.String()))
	}
	return w.Flush()
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// CheckOptions are profiles check's inputs.
type CheckOptions struct {
	Out io.Writer
	// Names are the profiles to check; none: all.
	Names  []string
	Config func() (*config.File, error)
	// Manager builds a profile's manager (factory.Factory.ProfileManager with the command line's
	// --fail-fast and --insecure-http).
	Manager func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error)
}

// NewCmdCheck is `unipass profiles check [NAME...]`; runF replaces RunCheck in tests.
func NewCmdCheck(f *factory.Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Make one cheap authenticated read with each profile (all by default) and say which work",
		Long: `check builds each profile's manager (reading its credential) and makes one authenticated read:
the password policy (DocSpace) or requirements (Zendesk) of check_user when the profile has one, else the
logged-in user (DocSpace GET /api/2.0/people/@self, Zendesk GET /api/v2/users/me); Glowmarkt a login and
the account status. Nothing is changed. One line per profile: ok, or the error. Exit 0 when every profile
works, 1 when one does not, 2 when a name is not a profile.`,
		ValidArgsFunction: CompleteNames(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			v := factory.VendorFrom(cmd)
			opts := &CheckOptions{Out: f.Out, Names: args,
				Config: func() (*config.File, error) { return f.LoadConfig(v.ConfigFile) },
				Manager: func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error) {
					return f.ProfileManager(ctx, pc, name, v.FailFast, v.InsecureHTTP)
				}}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunCheck(cmd.Context(), opts)
		},
	}
}

// CompleteNames completes profile names from the config file --config names.
func CompleteNames(f *factory.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		flag, _ := cmd.Flags().GetString("config")
		pc, err := f.LoadConfig(flag)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return pc.Names, cobra.ShellCompDirectiveNoFileComp
	}
}

// RunCheck checks the named profiles, or all; unknown names are refused before anything is sent.
func RunCheck(ctx context.Context, o *CheckOptions) error {
	pc, err := o.Config()
	if err != nil {
		return err
	}
	names := o.Names
	if len(names) == 0 {
		if names = pc.Names; len(names) == 0 {
			return cmdutil.Usagef("no profiles to check (config file: %s): add profiles to it, or give --config FILE", cmpOr(pc.Path, "none"))
		}
	}
	for _, name := range names {
		if _, err := pc.Lookup(name); err != nil {
			return err
		}
	}
	failed := 0
	for _, name := range names {
		what, err := check(ctx, o, pc, name)
		if err != nil {
			failed++
			fmt.Fprintf(o.Out, "%s\tFAILED\t%s\n", name, cmdutil.Printable(err.Error()))
			continue
		}
		fmt.Fprintf(o.Out, "%s\tok\t%s\n", name, what)
	}
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%d of %d profiles failed the check", failed, len(names))}
	}
	return nil
}

// check builds the named profile's manager and makes one cheap authenticated read with it; it returns
// what it read.
func check(ctx context.Context, o *CheckOptions, pc *config.File, name string) (string, error) {
	m, err := o.Manager(ctx, pc, name)
	if err != nil {
		return "", err
	}
	user := pc.Profiles[name].CheckUser
	switch m := m.(type) {
	case *facade.DocSpace:
		if user != "" {
			_, err = m.Requirements(ctx, user) // the same policy for every user
			return "docspace: read the password policy", err
		}
		u, err := m.CurrentUser(ctx)
		return "docspace: read the logged-in user " + cmdutil.Printable(u.ID), err
	case *facade.Zendesk:
		if u := user; u != "" {
			_, err = m.Requirements(ctx, u)
			return "zendesk: read the password requirements of user " + cmdutil.Printable(u), err
		}
		return "zendesk: read the logged-in user", zendeskCurrentUser(ctx, m)
	case *facade.Glowmarkt:
		return "glowmarkt: read the account status", glowmarktAccountStatus(ctx, m)
	}
	return "", fmt.Errorf("%s: no check for this vendor", m.Vendor())
}

// zendeskCurrentUser reads the user the credentials belong to; an anonymous answer (a null id) means the
// credentials were not used.
// Zendesk: GET /api/v2/users/me.
func zendeskCurrentUser(ctx context.Context, m *facade.Zendesk) error {
	r, err := m.Client().ShowCurrentUser(ctx, m.AuthEditor())
	if err != nil {
		return err
	}
	defer func() { _ = r.Body.Close() }()
	if err := statusOK(facade.VendorZendesk, "ShowCurrentUser", r); err != nil {
		return err
	}
	var body zendesk.UserResponse
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		return errors.New("zendesk ShowCurrentUser: an answer that is not a user")
	}
	if body.User == nil || body.User.ID == nil {
		return errors.New("zendesk ShowCurrentUser: answered as an anonymous user: the credentials were not accepted")
	}
	return nil
}

// glowmarktAccountStatus logs in (when the profile's auth is login) and reads the account's status.
// Glowmarkt: GET /api/v0-1/account/status.
func glowmarktAccountStatus(ctx context.Context, m *facade.Glowmarkt) error {
	r, err := m.Client().GetAccountStatusbyUserToken(ctx, m.AuthEditor())
	if err != nil {
		return err
	}
	defer func() { _ = r.Body.Close() }()
	return statusOK(facade.VendorGlowmarkt, "GetAccountStatusbyUserToken", r)
}

// statusOK turns an answer other than 200 into an error naming the status (the body is not shown: a
// hostile vendor may echo a credential); 401 and 403 match facade.ErrUnauthorized.
func statusOK(vendor facade.Vendor, op string, r *http.Response) error {
	if r.StatusCode == http.StatusOK {
		return nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%s %s: HTTP %d: %w", vendor, op, r.StatusCode, facade.ErrUnauthorized)
	}
	return fmt.Errorf("%s %s: HTTP %d", vendor, op, r.StatusCode)
}
