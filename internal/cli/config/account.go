package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// Vendors returns the --vendor values.
func Vendors() []string { return []string{"docspace", "zendesk", "glowmarkt"} }

// AuthKinds lists the --auth values a vendor accepts, the default first; ok is false for an unknown vendor.
func AuthKinds(vendor string) (kinds []string, ok bool) {
	switch vendor {
	case "docspace":
		return []string{"login", "token", "cookie", "api-key", "basic", "bearer"}, true
	case "zendesk":
		return []string{"api-token", "basic", "bearer"}, true
	case "glowmarkt":
		return []string{"login", "token"}, true
	}
	return nil, false
}

// Account is one vendor account's settings, from flags, UNIPASS_* variables or a profile: everything a
// manager needs but the credential.
type Account struct {
	Vendor        string
	BaseURL       string
	Auth          string
	User          string
	ApplicationID string
	InsecureHTTP  bool
	FailFast      bool
}

// Account is the profile's settings, with the command line's --fail-fast and --insecure-http.
func (p *Profile) Account(failFast, insecure bool) Account {
	return Account{Vendor: p.Vendor, BaseURL: p.BaseURL, Auth: p.Auth, User: p.User, ApplicationID: p.ApplicationID,
		InsecureHTTP: insecure || p.InsecureHTTP, FailFast: failFast}
}

// AuthKind is the --auth in effect: the one given, else the vendor's default.
func (a Account) AuthKind() string {
	if a.Auth != "" {
		return a.Auth
	}
	kinds, _ := AuthKinds(a.Vendor)
	if len(kinds) == 0 {
		return ""
	}
	return kinds[0]
}

// Check refuses settings that cannot work, naming the flag (and profile key) to change. needCredential
// tells whether the command authenticates.
func (a Account) Check(needCredential bool) error {
	kinds, ok := AuthKinds(a.Vendor)
	switch {
	case a.Vendor == "":
		return cmdutil.Usagef("no vendor: give --vendor docspace, zendesk or glowmarkt (or UNIPASS_VENDOR, or a profile's vendor)")
	case !ok:
		return cmdutil.Usagef("--vendor %q: use docspace, zendesk or glowmarkt", cmdutil.Printable(a.Vendor))
	case a.BaseURL == "" && a.Vendor != "glowmarkt":
		return cmdutil.Usagef("%s needs its address: give --base-url (or UNIPASS_BASE_URL, or a profile's base_url)", a.Vendor)
	case !needCredential && a.Vendor != "docspace":
		// only DocSpace works without credentials (its reset email, the one command that sends none)
		return cmdutil.Usagef("%s has no reset email to ask for; only --vendor docspace does: %w", a.Vendor, facade.ErrUnsupported)
	case !needCredential:
		return nil
	case !slices.Contains(kinds, a.AuthKind()):
		return cmdutil.Usagef("--auth %s does not apply to %s (choose %s)", cmdutil.Printable(a.Auth), a.Vendor, strings.Join(kinds, ", "))
	case authNeedsUser(a.AuthKind()) && a.User == "":
		return cmdutil.Usagef("--auth %s needs --user (or UNIPASS_USER, or a profile's user)", a.AuthKind())
	}
	return nil
}

// Build checks the settings and builds the manager: the one place settings become facade options. cred
// is nil for a command that sends no credential. credWhere names where the credential came from, for a
// message about it. The facade's refusals of an option come back naming the flag.
func (a Account) Build(cred *facade.Secret, credWhere string) (facade.PasswordManager, error) {
	if err := a.Check(cred != nil); err != nil {
		return nil, err
	}
	base := a.BaseURL
	if base == "" {
		base = facade.DefaultGlowmarktURL
	}
	opts := []facade.Option{facade.WithUserAgent("unipass-cli")}
	if a.InsecureHTTP {
		opts = append(opts, facade.WithInsecureHTTP())
	}
	if a.FailFast {
		opts = append(opts, facade.WithFailFast())
	}
	if a.ApplicationID != "" {
		opts = append(opts, facade.WithApplicationID(a.ApplicationID))
	}
	if cred != nil {
		opts = append(opts, authOption(a.AuthKind(), a.User, cred.Reveal()))
	}
	var m facade.PasswordManager
	var err error
	switch a.Vendor {
	case "docspace":
		m, err = facade.NewDocSpace(base, opts...)
	case "zendesk":
		m, err = facade.NewZendesk(base, opts...)
	default:
		m, err = facade.NewGlowmarkt(base, opts...)
	}
	if err != nil {
		return nil, &cmdutil.UsageError{Err: optionError(err, a.Vendor, credWhere)}
	}
	return m, nil
}

// optionError says which flag to change for a facade constructor's refusal of an option (an
// *facade.InputError naming a Go option or argument); any other error is returned as it is.
func optionError(err error, vendor, credWhere string) error {
	var in *facade.InputError
	if !errors.As(err, &in) {
		return err
	}
	field := in.Field
	what := ""
	switch {
	case field == "baseURL":
		what = "--base-url"
	case field == "WithApplicationID", field == "applicationID":
		what = "--application-id"
	case strings.HasSuffix(field, " user"), strings.HasSuffix(field, " email"):
		what = "--user"
	case field == "credentials":
		what = "--auth"
	case strings.HasPrefix(field, "With"): // an auth option's secret: WithBearerToken, WithLogin password, ...
		what = "the credential (" + credWhere + ")"
	default:
		return fmt.Errorf("%s: %s: %s", vendor, field, cmdutil.FlagWords(in.Reason))
	}
	return fmt.Errorf("%s: %s: %s", vendor, what, cmdutil.FlagWords(in.Reason))
}

// authNeedsUser tells whether an --auth kind sends a user name with the secret.
func authNeedsUser(auth string) bool {
	return auth == "login" || auth == "basic" || auth == "api-token"
}

func authOption(kind, user, secret string) facade.Option {
	switch kind {
	case "login":
		return facade.WithLogin(user, secret)
	case "token":
		return facade.WithToken(secret)
	case "cookie":
		return facade.WithAuthCookie(secret)
	case "api-key":
		return facade.WithAPIKey(secret)
	case "basic":
		return facade.WithBasicAuth(user, secret)
	case "bearer":
		return facade.WithBearerToken(secret)
	default: // api-token
		return facade.WithAPIToken(user, secret)
	}
}
