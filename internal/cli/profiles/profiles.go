package main

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
)

// profilesCommand is `unipass profiles list|check`.
func (e *env) profilesCommand(cfg *vendorConfig) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles of the config file, or check that they work",
		Long: `A profile names a vendor account in the config file (--config, UNIPASS_CONFIG, default
$XDG_CONFIG_HOME/unipass/config.yaml): vendor, base_url, auth, user, application_id, and where the
credential comes from (credential_env, credential_file or credential_command), never the credential itself.
--profile NAME (or UNIPASS_PROFILE, or the file's default_profile) selects one for any command; a flag
beats a UNIPASS_* variable, which beats the profile, which beats the default.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "Print each profile: name, vendor, base URL, auth, user and where its credential comes from",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			pc, err := cfg.profiles()
			if err != nil {
				return err
			}
			if pc.file == "" {
				path, _ := cfg.configPath()
				fmt.Fprintln(e.stdout, "no profiles: no config file at", printable(cmpOr(path, "(no user config directory)")))
				return nil
			}
			e.listProfiles(pc)
			return nil
		},
	}, &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Make one cheap authenticated read with each profile (all by default) and say which work",
		Long: `check builds each profile's manager (reading its credential) and makes one authenticated read:
the password policy (DocSpace) or requirements (Zendesk) of check_user when the profile has one, else the
logged-in user (DocSpace GET /api/2.0/people/@self, Zendesk GET /api/v2/users/me); Glowmarkt a login and the account status. Nothing is changed. One
line per profile: ok, or the error. Exit 0 when every profile works, 1 when one does not, 2 when a name
is not a profile.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.checkProfiles(cmd.Context(), cfg, args)
		},
	})
	return cmd
}

// listProfiles prints one line per profile; * marks the default. Never a secret: the credential's
// source is its kind and the variable's name, the file's path or the program's name.
func (e *env) listProfiles(pc *profileConfig) {
	if len(pc.names) == 0 {
		fmt.Fprintln(e.stdout, "no profiles in", printable(pc.file))
		return
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\tNAME\tVENDOR\tBASE URL\tAUTH\tUSER\tCREDENTIAL")
	for _, name := range pc.names {
		p := pc.profiles[name]
		mark := ""
		if name == pc.defaultProfile {
			mark = "*"
		}
		auth := p.auth
		if auth == "" {
			kinds, _ := authKinds(p.vendor)
			auth = kinds[0]
		}
		base := p.baseURL
		if base == "" && p.vendor == "glowmarkt" {
			base = facade.DefaultGlowmarktURL
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, name, p.vendor, printable(cmpOr(base, "-")), auth,
			printable(cmpOr(p.user, "-")), printable(p.source.String()))
	}
	_ = w.Flush()
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// checkProfiles checks the named profiles, or all; unknown names are refused before anything is sent.
func (e *env) checkProfiles(ctx context.Context, cfg *vendorConfig, names []string) error {
	pc, err := cfg.profiles()
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if names = pc.names; len(names) == 0 {
			return usagef("no profiles to check (config file: %s)", cmpOr(pc.file, "none"))
		}
	}
	for _, name := range names {
		if _, err := pc.lookup(name); err != nil {
			return err
		}
	}
	failed := 0
	for _, name := range names {
		what, err := pc.check(ctx, name)
		if err != nil {
			failed++
			fmt.Fprintf(e.stdout, "%s\tFAILED\t%s\n", name, printable(err.Error()))
			continue
		}
		fmt.Fprintf(e.stdout, "%s\tok\t%s\n", name, what)
	}
	if failed > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d profiles failed the check", failed, len(names))}
	}
	return nil
}

// check builds the named profile's manager and makes one cheap authenticated read with it; it returns
// what it read.
func (pc *profileConfig) check(ctx context.Context, name string) (string, error) {
	m, err := pc.manager(ctx, name)
	if err != nil {
		return "", err
	}
	user := pc.profiles[name].checkUser
	switch m := m.(type) {
	case *facade.DocSpace:
		if user != "" {
			_, err = m.Requirements(ctx, user) // the same policy for every user
			return "docspace: read the password policy", err
		}
		u, err := m.CurrentUser(ctx)
		return "docspace: read the logged-in user " + printable(u.ID), err
	case *facade.Zendesk:
		if u := user; u != "" {
			_, err = m.Requirements(ctx, u)
			return "zendesk: read the password requirements of user " + printable(u), err
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
