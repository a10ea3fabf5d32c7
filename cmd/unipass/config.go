package main

import (
	"bufio"
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

// vendorConfig is the vendor, its address and the credentials, from flags or UNIPASS_* variables.
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
}

// authKinds lists the --auth values each vendor accepts; the first is the default.
var authKinds = map[string][]string{
	"docspace":  {"login", "token", "cookie", "api-key", "basic", "bearer"},
	"zendesk":   {"api-token", "basic", "bearer"},
	"glowmarkt": {"login", "token"},
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
	c.secrets.bind(f, "credential", "the password, token or key that --auth uses")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return c.fromEnv(cmd) }
}

// fromEnv fills every flag not given on the command line from UNIPASS_<FLAG>.
func (c *vendorConfig) fromEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || err != nil || strings.HasSuffix(fl.Name, "-stdin") {
			return
		}
		if v := c.env.getenv(envName(fl.Name)); v != "" && !isSecretFlag(fl.Name) {
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

// manager builds the manager the flags describe, checking them first.
func (c *vendorConfig) manager(needCredential bool) (facade.PasswordManager, error) {
	kinds, ok := authKinds[c.vendor]
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
		if (auth == "login" || auth == "basic" || auth == "api-token") && c.user == "" {
			return nil, usagef("--auth %s needs --user", auth)
		}
		cred, err := c.secrets.read(c.env, "credential")
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

var secretNames = map[string]bool{}

// isSecretFlag names the refusing flags: their UNIPASS_ variable is the secret itself, not a flag value.
func isSecretFlag(name string) bool { return secretNames[name] }

func (s *secretFlags) bind(f *pflag.FlagSet, name, what string) {
	if s.files == nil {
		s.files, s.stdin, s.refuse = map[string]*string{}, map[string]*bool{}, map[string]*string{}
	}
	secretNames[name] = true
	s.files[name] = f.String(name+"-file", "", "read "+what+" from this file (first line)")
	s.stdin[name] = f.Bool(name+"-stdin", false, "read "+what+" from standard input (first line)")
	s.refuse[name] = f.String(name, "", "refused: secrets never go on the command line; use "+envName(name)+", --"+name+"-file or --"+name+"-stdin")
}

// read returns the named secret from its flag's file, standard input, the environment or a prompt.
func (s *secretFlags) read(e *env, name string) (facade.Secret, error) {
	if *s.refuse[name] != "" {
		return facade.Secret{}, usagef("refusing --%s on the command line: it would show in the process list and the shell history; use %s, --%s-file or --%s-stdin",
			name, envName(name), name, name)
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
