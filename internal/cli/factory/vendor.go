package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/unipass/unipass/facade"
)

// vendorConfig is the vendor, its address and the credentials, from flags, UNIPASS_* variables and a
// profile of the config file (see profiles.go), in that order of precedence. It is the one path from
// settings to a manager: the single-vendor commands fill it from all three; profileConfig.manager fills it
// from a profile alone.
type vendorConfig struct {
	env           *env
	vendor        string
	baseURL       string
	auth          string
	user          string
	applicationID string
	insecure      bool
	failFast      bool
	secrets       secretFlags

	// ctx is the running command's context (set when it starts); it bounds a profile's credential_command.
	ctx context.Context
	// configFile and profileName are --config and --profile (or UNIPASS_CONFIG, UNIPASS_PROFILE).
	configFile  string
	profileName string
	// given holds the flags set on the command line or through UNIPASS_*: a profile does not override them.
	given map[string]bool
	// loaded is the config file once read (nil before); applied tells that the profile was applied.
	loaded  *profileConfig
	applied bool
	// source is where the profile says the credential comes from; nil when no profile gives one.
	source *secretSource
	// profileOnly marks a configuration built from a profile alone: no credential flag applies.
	profileOnly bool
}

// authKinds lists the --auth values a vendor accepts, the default first; ok is false for an unknown vendor.
func authKinds(vendor string) (kinds []string, ok bool) {
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

func (c *vendorConfig) bind(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&c.vendor, "vendor", "", "docspace, zendesk or glowmarkt")
	f.StringVar(&c.baseURL, "base-url", "", "the vendor's address, e.g. https://example.zendesk.com (Glowmarkt: https://api.glowmarkt.com by default)")
	f.StringVar(&c.auth, "auth", "", "how to authenticate: docspace login|token|cookie|api-key|basic|bearer; zendesk api-token|basic|bearer; glowmarkt login|token")
	f.StringVar(&c.user, "user", "", "the identity for --auth login, basic or api-token (an email or user name)")
	f.StringVar(&c.applicationID, "application-id", "", "Glowmarkt's applicationId")
	f.BoolVar(&c.insecure, "insecure-http", false, "allow a plain-http base URL on a host that is not loopback")
	f.BoolVar(&c.failFast, "fail-fast", false, "return 429 and 503 answers at once instead of waiting and retrying")
	f.StringVar(&c.configFile, "config", "", "the config file of profiles (default $XDG_CONFIG_HOME/unipass/config.yaml)")
	f.StringVar(&c.profileName, "profile", "", "take vendor, base URL, auth, user, application ID and credential from this profile of the config file; flags and UNIPASS_* override each")
	c.secrets.bind(f, credential, "the password, token or key that --auth uses")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		c.ctx = cmd.Context()
		if err := checkSecretFlags(cmd); err != nil {
			return err
		}
		return c.fromEnv(cmd)
	}
}

// credential names the secret --auth uses; commands that use it are marked with usesCredential.
const credential = "credential"

// credentialAnnotation marks, in a command's Annotations, a command that uses the credential.
const credentialAnnotation = "unipass-uses-credential" // #nosec G101 -- an annotation key, not a credential

// usesCredential marks cmd as a command that uses the credential flags and returns it.
func usesCredential(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[credentialAnnotation] = "yes"
	return cmd
}

// checkSecretFlags refuses, before anything else runs, every secret given on the command line where it would
// not be used: a secret's value as an argument (--credential VALUE), a secret flag of a command that does not
// use that secret (--credential-file on reset), and more than one secret from standard input.
func checkSecretFlags(cmd *cobra.Command) error {
	var err error
	var fromStdin []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		name, way, ok := secretFlag(fl)
		if !ok || err != nil {
			return
		}
		switch {
		case way == secretValue:
			err = refusedOnCommandLine(name)
		case name == credential && cmd.Annotations[credentialAnnotation] == "":
			err = usagef("refusing --%s: %s uses no credential (nothing would read it)", fl.Name, cmd.Name())
		case way == secretStdin:
			fromStdin = append(fromStdin, "--"+fl.Name)
		}
	})
	if err == nil && len(fromStdin) > 1 {
		err = usagef("only one secret can come from standard input (%s): use a file or the environment for the others", strings.Join(fromStdin, ", "))
	}
	return err
}

// fromEnv fills every flag not given on the command line from UNIPASS_<FLAG>, and records in c.given every
// flag set either way.
func (c *vendorConfig) fromEnv(cmd *cobra.Command) error {
	var err error
	c.given = map[string]bool{}
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed {
			c.given[fl.Name] = true
		}
		if fl.Changed || err != nil {
			return
		}
		// UNIPASS_<SECRET> is the secret itself, never a flag value; a -stdin flag comes only from the command line.
		if _, way, ok := secretFlag(fl); ok && way != secretFile {
			return
		}
		if v := c.env.getenv(envName(fl.Name)); v != "" {
			c.given[fl.Name] = true
			if serr := fl.Value.Set(v); serr != nil {
				err = usagef("%s: %v", envName(fl.Name), serr)
			}
		}
	})
	return err
}

func envName(flag string) string {
	return "UNIPASS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// manager builds the manager the flags, UNIPASS_* variables and the profile describe, checking them first.
// The credential is read (a profile's credential_command run) only when needCredential.
func (c *vendorConfig) manager(needCredential bool) (facade.PasswordManager, error) {
	if err := c.applyProfile(); err != nil {
		return nil, err
	}
	m, err := c.build(needCredential)
	if err != nil && c.usesProfile() {
		return nil, c.loaded.inProfile(c.profileName, err)
	}
	return m, err
}

// usesProfile tells whether a profile supplied settings.
func (c *vendorConfig) usesProfile() bool {
	return c.loaded != nil && c.loaded.profiles[c.profileName] != nil
}

// build checks the settings and builds the manager: the one place settings become facade options.
func (c *vendorConfig) build(needCredential bool) (facade.PasswordManager, error) {
	kinds, ok := authKinds(c.vendor)
	if !ok {
		return nil, usagef("--vendor must be docspace, zendesk or glowmarkt (or UNIPASS_VENDOR)")
	}
	base := c.baseURL
	if base == "" && c.vendor == "glowmarkt" {
		base = facade.DefaultGlowmarktURL
	}
	if base == "" {
		return nil, usagef("--base-url is required for %s (or UNIPASS_BASE_URL)", c.vendor)
	}
	if !needCredential && c.vendor != "docspace" {
		// only DocSpace works without credentials (its reset email); the others' managers need them
		return nil, fmt.Errorf("%s: %w", c.vendor, facade.ErrUnsupported)
	}
	opts := []facade.Option{facade.WithUserAgent("unipass-cli")}
	if c.insecure {
		opts = append(opts, facade.WithInsecureHTTP())
	}
	if c.failFast {
		opts = append(opts, facade.WithFailFast())
	}
	if c.applicationID != "" {
		opts = append(opts, facade.WithApplicationID(c.applicationID))
	}
	if needCredential {
		auth := c.auth
		if auth == "" {
			auth = kinds[0]
		}
		if !contains(kinds, auth) {
			return nil, usagef("--auth %s does not apply to %s (choose %s)", auth, c.vendor, strings.Join(kinds, ", "))
		}
		if authNeedsUser(auth) && c.user == "" {
			return nil, usagef("--auth %s needs --user", auth)
		}
		cred, err := c.credential()
		if err != nil {
			return nil, err
		}
		opts = append(opts, authOption(auth, c.user, cred.Reveal()))
	}
	var m facade.PasswordManager
	var err error
	switch c.vendor {
	case "docspace":
		m, err = facade.NewDocSpace(base, opts...)
	case "zendesk":
		m, err = facade.NewZendesk(base, opts...)
	default:
		m, err = facade.NewGlowmarkt(base, opts...)
	}
	if err != nil {
		return nil, &usageError{err}
	}
	return m, nil
}

// authNeedsUser tells whether an --auth kind sends a user name with the secret.
func authNeedsUser(auth string) bool {
	return auth == "login" || auth == "basic" || auth == "api-token"
}

// credential reads the secret --auth uses: from --credential-file, --credential-stdin or UNIPASS_CREDENTIAL
// when one is given, else from the profile's source, else from a prompt on a terminal.
func (c *vendorConfig) credential() (facade.Secret, error) {
	if c.profileOnly || (c.source != nil && !c.credentialGiven()) {
		if c.source == nil {
			return facade.Secret{}, usagef("the profile gives no credential: add credential_env, credential_file or credential_command")
		}
		return c.source.read(c.ctx, c.env)
	}
	return c.secrets.read(c.env, credential)
}

// credentialGiven tells whether the command line or the environment gives the credential.
func (c *vendorConfig) credentialGiven() bool {
	s := &c.secrets
	return *s.refuse[credential] != "" || *s.files[credential] != "" || *s.stdin[credential] || c.env.getenv(envName(credential)) != ""
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// secretFlags are the ways a command may receive secrets: UNIPASS_<NAME>, --<name>-file, --<name>-stdin,
// or a hidden prompt on a terminal. A --<name> flag exists only to refuse a value on the command line.
type secretFlags struct {
	files  map[string]*string
	stdin  map[string]*bool
	refuse map[string]*string
}

// secretWay is how one of a secret's flags gives the secret.
type secretWay string

const (
	secretValue secretWay = "value" // --<name> VALUE: always refused
	secretFile  secretWay = "file"  // --<name>-file FILE
	secretStdin secretWay = "stdin" // --<name>-stdin
)

// secretAnnotation, in a flag's Annotations, holds the secret's name and how the flag gives it.
const secretAnnotation = "unipass-secret"

// secretFlag tells whether fl is one of a secret's flags, which secret, and how it gives it.
func secretFlag(fl *pflag.Flag) (name string, way secretWay, ok bool) {
	a := fl.Annotations[secretAnnotation]
	if len(a) != 2 {
		return "", "", false
	}
	return a[0], secretWay(a[1]), true
}

func (s *secretFlags) bind(f *pflag.FlagSet, name, what string) {
	if s.files == nil {
		s.files, s.stdin, s.refuse = map[string]*string{}, map[string]*bool{}, map[string]*string{}
	}
	s.files[name] = f.String(name+"-file", "", "read "+what+" from this file (first line)")
	s.stdin[name] = f.Bool(name+"-stdin", false, "read "+what+" from standard input (first line)")
	s.refuse[name] = f.String(name, "", "refused: secrets never go on the command line; use "+envName(name)+", --"+name+"-file or --"+name+"-stdin")
	for flag, way := range map[string]secretWay{name: secretValue, name + "-file": secretFile, name + "-stdin": secretStdin} {
		_ = f.SetAnnotation(flag, secretAnnotation, []string{name, string(way)}) // the flag was just defined
	}
}

func refusedOnCommandLine(name string) error {
	return usagef("refusing --%s on the command line: it would show in the process list and the shell history; use %s, --%s-file or --%s-stdin",
		name, envName(name), name, name)
}

// flagError turns cobra's and pflag's flag errors into usage errors that never show the value given to a
// secret's flag (pflag quotes it: --new-password-stdin=VALUE), nor a mistyped argument that may hold one.
func flagError(_ *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	var notExist *pflag.NotExistError
	switch {
	case errors.As(err, &invalid):
		if _, way, ok := secretFlag(invalid.GetFlag()); ok {
			what := "a value that is not valid"
			if way == secretStdin {
				what = "a value, and takes none"
			}
			return usagef("--%s was given %s (not shown)", invalid.GetFlag().Name, what)
		}
	case errors.As(err, &syntax):
		return usagef("bad flag syntax: an argument starts with --- or --= (not shown)")
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		return usagef("unknown shorthand flag -%s", notExist.GetSpecifiedName())
	}
	return &usageError{err}
}

// read returns the named secret from its flag's file, standard input, the environment or a prompt.
func (s *secretFlags) read(e *env, name string) (facade.Secret, error) {
	if *s.refuse[name] != "" {
		return facade.Secret{}, refusedOnCommandLine(name)
	}
	var v string
	switch {
	case *s.files[name] != "":
		data, err := os.ReadFile(*s.files[name])
		if err != nil {
			return facade.Secret{}, usagef("--%s-file: %v", name, errors.Unwrap(err))
		}
		v = firstLine(string(data))
	case *s.stdin[name]:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return facade.Secret{}, usagef("reading %s from standard input: %v", name, err)
		}
		v = firstLine(line)
	case e.getenv(envName(name)) != "":
		v = e.getenv(envName(name))
	case e.terminal(e.stdin):
		p, err := e.prompt(strings.ReplaceAll(name, "-", " ") + ": ")
		if err != nil {
			return facade.Secret{}, usagef("reading %s: %v", name, err)
		}
		v = p
	}
	if v == "" {
		return facade.Secret{}, usagef("missing %s: set %s, or use --%s-file or --%s-stdin", name, envName(name), name, name)
	}
	return facade.NewSecret(v), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r")
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) // #nosec G115 -- a file descriptor fits an int
}

// promptHidden asks on the terminal without echoing what is typed.
func promptHidden(label string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer func() { _ = tty.Close() }()
	fmt.Fprint(tty, label)
	b, err := term.ReadPassword(int(tty.Fd())) // #nosec G115 -- a file descriptor fits an int
	fmt.Fprintln(tty)
	if errors.Is(err, syscall.EINTR) {
		return "", errors.New("interrupted")
	}
	return string(b), err
}
