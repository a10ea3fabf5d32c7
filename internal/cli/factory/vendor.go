package factory

import (
	"cmp"
	"context"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/config"
)

// VendorOptions are the vendor, its address and the credentials as the command line and the UNIPASS_*
// variables give them, and the config file and profile to complete them from: a flag beats its UNIPASS_*
// variable, which beats the profile, which beats the default.
type VendorOptions struct {
	config.Account
	ConfigFile string // --config
	Profile    string // --profile
	// Given holds the flags set on the command line or through UNIPASS_*: a profile does not override them.
	Given      map[string]bool
	Credential SecretInput
}

// BindVendorFlags defines the vendor flags on a root command's persistent flags.
func BindVendorFlags(f *pflag.FlagSet) {
	f.String("vendor", "", "docspace, zendesk or glowmarkt")
	f.String("base-url", "", "the vendor's address, e.g. https://example.zendesk.com (Glowmarkt: https://api.glowmarkt.com by default)")
	f.String("auth", "", "how to authenticate: docspace login|token|cookie|api-key|basic|bearer; zendesk api-token|basic|bearer; glowmarkt login|token")
	f.String("user", "", "the identity for --auth login, basic or api-token (an email or user name)")
	f.String("application-id", "", "Glowmarkt's applicationId")
	f.Bool("insecure-http", false, "allow a plain-http base URL on a host that is not loopback")
	f.Bool("fail-fast", false, "return 429 and 503 answers at once instead of waiting and retrying")
	f.String("config", "", "the config file of profiles (default $XDG_CONFIG_HOME/unipass/config.yaml)")
	f.String("profile", "", "take vendor, base URL, auth, user, application ID and credential from this profile of the config file; flags and UNIPASS_* override each")
	BindSecret(f, Credential, "the password, token or key that --auth uses")
}

// VendorFrom reads the vendor flags of cmd (after FlagsFromEnv).
func VendorFrom(cmd *cobra.Command) VendorOptions {
	fl := cmd.Flags()
	str := func(name string) string { v, _ := fl.GetString(name); return v }
	boolean := func(name string) bool { v, _ := fl.GetBool(name); return v }
	v := VendorOptions{
		Account: config.Account{Vendor: str("vendor"), BaseURL: str("base-url"), Auth: str("auth"), User: str("user"),
			ApplicationID: str("application-id"), InsecureHTTP: boolean("insecure-http"), FailFast: boolean("fail-fast")},
		ConfigFile: str("config"), Profile: str("profile"), Given: map[string]bool{},
		Credential: SecretFrom(cmd, Credential),
	}
	fl.Visit(func(f *pflag.Flag) { v.Given[f.Name] = true })
	return v
}

// FlagsFromEnv sets every flag of cmd not given on the command line from UNIPASS_<FLAG>; a flag set
// either way counts as given.
func (f *Factory) FlagsFromEnv(cmd *cobra.Command) error {
	var err error
	fs := cmd.Flags()
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || err != nil {
			return
		}
		// UNIPASS_<SECRET> is the secret itself, never a flag value; a -stdin flag comes only from the command line.
		if _, way, ok := secretFlag(fl); ok && way != secretFile {
			return
		}
		if v := f.Getenv(EnvName(fl.Name)); v != "" {
			if serr := fs.Set(fl.Name, v); serr != nil {
				err = cmdutil.Usagef("%s: %v", EnvName(fl.Name), serr)
			}
		}
	})
	return err
}

// ConfigPath is --config (or UNIPASS_CONFIG), else the default config file; explicit tells that the user
// named the file.
func (f *Factory) ConfigPath(flag string) (path string, explicit bool) {
	if flag != "" {
		return flag, true
	}
	return config.DefaultPath(f.Getenv), false
}

// LoadConfig reads the config file: the one --config names (it must exist), else the default one (none
// is no profile).
func (f *Factory) LoadConfig(flag string) (*config.File, error) {
	path, explicit := f.ConfigPath(flag)
	if path == "" {
		return &config.File{Profiles: map[string]*config.Profile{}}, nil
	}
	return config.Load(path, explicit)
}

// Manager builds the manager the flags, UNIPASS_* variables and the profile describe, checking them
// first. The credential is read (a profile's credential_command run, bounded by ctx) only when
// needCredential.
func (f *Factory) Manager(ctx context.Context, v VendorOptions, needCredential bool) (facade.PasswordManager, error) {
	r, err := f.resolve(v)
	if err != nil {
		return nil, err
	}
	m, err := f.build(ctx, r.account, v.Credential, r.source, needCredential)
	if err != nil && r.file != nil {
		return nil, r.file.InProfile(r.profile, err)
	}
	return m, err
}

// Account is the account the flags, UNIPASS_* variables and the profile describe (no credential read).
func (f *Factory) Account(v VendorOptions) (config.Account, error) {
	r, err := f.resolve(v)
	return r.account, err
}

// resolved is an account with the profile that completed it (file nil: none).
type resolved struct {
	account config.Account
	source  *config.Source
	file    *config.File
	profile string
}

// resolve completes v from its profile. The config file is read only when it can matter: a profile or
// config file is named, or no vendor is given (the file's default_profile may give it).
func (f *Factory) resolve(v VendorOptions) (resolved, error) {
	if v.Profile == "" && v.ConfigFile == "" && v.Vendor != "" {
		return resolved{account: v.Account}, nil
	}
	pf, err := f.LoadConfig(v.ConfigFile)
	if err != nil {
		return resolved{}, err
	}
	name := cmp.Or(v.Profile, pf.DefaultProfile)
	if name == "" {
		if v.Vendor == "" && pf.Path != "" {
			return resolved{}, cmdutil.Usagef("no vendor: give --vendor or --profile NAME, or add default_profile: NAME to %s", pf.Path)
		}
		return resolved{account: v.Account}, nil
	}
	p, err := pf.Lookup(name)
	if err != nil {
		return resolved{}, cmdutil.Usagef("--profile: %w", err)
	}
	return resolved{account: fill(v, p), source: p.Source, file: pf, profile: name}, nil
}

// fill takes from p every setting not given.
func fill(v VendorOptions, p *config.Profile) config.Account {
	a := v.Account
	for _, s := range []struct {
		flag string
		dst  *string
		v    string
	}{
		{"vendor", &a.Vendor, p.Vendor}, {"base-url", &a.BaseURL, p.BaseURL}, {"auth", &a.Auth, p.Auth},
		{"user", &a.User, p.User}, {"application-id", &a.ApplicationID, p.ApplicationID},
	} {
		if !v.Given[s.flag] && s.v != "" {
			*s.dst = s.v
		}
	}
	if !v.Given["insecure-http"] && p.InsecureHTTP {
		a.InsecureHTTP = true
	}
	return a
}

// ProfileManager builds the manager of a profile alone, for commands that name profiles themselves
// (profiles check; a fleet rotation's profile column): the profile gives vendor, base URL, auth, user,
// application ID and credential (it must name a credential source); of the command line only failFast
// and insecure apply. Errors name the profile and its place in the file.
func (f *Factory) ProfileManager(ctx context.Context, pf *config.File, name string, failFast, insecure bool) (facade.PasswordManager, error) {
	p, err := pf.Lookup(name)
	if err != nil {
		return nil, err
	}
	if p.Source == nil {
		return nil, pf.InProfile(name, cmdutil.Usagef("the profile gives no credential: add credential_env, credential_file or credential_command"))
	}
	m, err := f.build(ctx, p.Account(failFast, insecure), SecretInput{}, p.Source, true)
	if err != nil {
		return nil, pf.InProfile(name, err)
	}
	return m, nil
}

// build checks the account, reads the credential when needed (the command line's when given, else the
// profile's source, else a prompt) and builds the manager.
func (f *Factory) build(ctx context.Context, a config.Account, s SecretInput, src *config.Source, needCredential bool) (facade.PasswordManager, error) {
	if err := a.Check(needCredential); err != nil {
		return nil, err
	}
	if !needCredential {
		return a.Build(nil, "")
	}
	var cred facade.Secret
	var err error
	where := s.Where()
	if src != nil && (s.Name == "" || !f.Given(s)) {
		where = "the profile's " + src.Key()
		cred, err = src.Read(ctx, f.Getenv, f.ErrOut)
	} else {
		cred, err = f.ReadSecret(s)
	}
	if err != nil {
		return nil, err
	}
	return a.Build(&cred, where)
}
