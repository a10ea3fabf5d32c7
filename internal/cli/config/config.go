package main

// The config file of named profiles.
//
// YAML rather than TOML: go.yaml.in/yaml/v3 is already in the module graph (kin-openapi, which the fakes of
// `unipass demo` use, requires it), so profiles add no module, and yaml.Node keeps each key's line, so that
// every refusal names file:line. The facade and facade/rotate never link it (their
// deps_test.go checks). The file is read key by key: an unknown key, a key that would hold a secret, a
// duplicate key or an alias is refused, never ignored.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/unipass/unipass/facade"
)

// maxConfigBytes bounds the config file read.
const maxConfigBytes = 1 << 20

// credentialCommandTimeout bounds a credential_command (a password manager asking to unlock may take a
// while; one that hangs must not hang unipass).
const credentialCommandTimeout = 30 * time.Second

// maxCredentialOutput bounds what a credential_command may print.
const maxCredentialOutput = 64 << 10

// profileConfig is a config file of profiles, read and checked.
//
// For commands that name a profile per target (a fleet rotation): get it with vendorConfig.profiles (the
// file --config, UNIPASS_CONFIG or the default location names, with --fail-fast and --insecure-http),
// refuse unknown names with lookup before anything is sent (a usage error listing the profiles), read a
// profile's vendor and baseURL from lookup's *profile, and build its manager with manager(ctx, name).
type profileConfig struct {
	env *env
	// file is the config file's path; "" when there is no file (no profiles).
	file           string
	defaultProfile string
	names          []string // in the file's order
	profiles       map[string]*profile
	// failFast and insecure are the command line's --fail-fast and --insecure-http, which apply to every
	// profile that manager builds.
	failFast, insecure bool
}

// profile is one named profile: a vendor account and where its credential comes from.
type profile struct {
	name          string
	line          int // where the profile's name is in the file
	vendor        string
	baseURL       string
	auth          string
	user          string
	applicationID string
	insecureHTTP  bool
	// checkUser is the user whose password policy `profiles check` reads (optional: else the logged-in user
	// is read).
	checkUser string
	// source is where the credential comes from; nil when the profile gives none.
	source *secretSource
	// lines holds the line of each key, for messages.
	lines map[string]int
}

// sourceKind is where a profile's credential comes from.
type sourceKind string

const (
	sourceEnv     sourceKind = "env"
	sourceFile    sourceKind = "file"
	sourceCommand sourceKind = "command"
)

// secretSource is a profile's credential_env, credential_file or credential_command.
type secretSource struct {
	kind sourceKind
	// ref is the variable's name, the file's path (made absolute), or the command's program (argv[0]).
	ref  string
	argv []string
}

// String says where the secret comes from, never the secret: "env NAME", "file PATH", "command PROGRAM".
func (s *secretSource) String() string {
	if s == nil {
		return "-"
	}
	return string(s.kind) + " " + s.ref
}

// read returns the secret from its source. A command runs without a shell, with its standard error
// passed through, standard input closed and no UNIPASS_* variable, for at most credentialCommandTimeout;
// the first line it prints is the secret, and nothing it prints ever shows in an error. A source that
// gives no secret is a usage error (exit 2), as a missing credential flag is.
func (s *secretSource) read(ctx context.Context, e *env) (facade.Secret, error) {
	var v string
	switch s.kind {
	case sourceEnv:
		if v = e.getenv(s.ref); v == "" {
			return facade.Secret{}, usagef("credential_env: %s is not set", s.ref)
		}
	case sourceFile:
		data, err := readTrusted(s.ref, "credential_file", trustPrivate, maxCredentialOutput)
		if err != nil {
			return facade.Secret{}, err
		}
		if v = firstLine(string(data)); v == "" {
			return facade.Secret{}, usagef("credential_file %s: the first line is empty", s.ref)
		}
	default:
		var err error
		if v, err = runCredentialCommand(ctx, e, s.argv, credentialCommandTimeout); err != nil {
			return facade.Secret{}, err
		}
	}
	return facade.NewSecret(v), nil
}

// runCredentialCommand runs argv for at most timeout and returns the first line of its standard output.
func runCredentialCommand(ctx context.Context, e *env, argv []string, timeout time.Duration) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := &limitedBuffer{max: maxCredentialOutput}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) // #nosec G204 -- the user's own command, from their own config file, run without a shell
	cmd.Env = withoutUnipassVars(os.Environ())
	err := runCommandGroup(cmd, out, e.stderr) // the timeout and the end kill its whole process group
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", usagef("credential_command %s: did not finish within %s", argv[0], timeout)
	case ctx.Err() != nil:
		return "", fmt.Errorf("credential_command %s: %w", argv[0], ctx.Err())
	case errors.As(err, &exit):
		return "", usagef("credential_command %s: failed (%s); its output is not shown", argv[0], exit.ProcessState)
	case err != nil:
		return "", usagef("credential_command: %v", err)
	case out.over:
		return "", usagef("credential_command %s: printed more than %d bytes; its output is not shown", argv[0], maxCredentialOutput)
	}
	line := firstLine(out.String())
	if line == "" {
		return "", usagef("credential_command %s: printed nothing on its first line", argv[0])
	}
	return line, nil
}

// withoutUnipassVars drops the UNIPASS_* variables (among them the secrets UNIPASS_CREDENTIAL,
// UNIPASS_NEW_PASSWORD, ...) from a credential command's environment: that program needs none of them.
func withoutUnipassVars(environ []string) []string {
	return slices.DeleteFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, "UNIPASS_") })
}

// limitedBuffer keeps the first max bytes written to it and notes whether more came. (Not an embedded
// bytes.Buffer: its ReadFrom would let io.Copy bypass the limit.)
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.buf.Len(); n > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	_, _ = b.buf.Write(p)
	return n, nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }

// configPath is --config (or UNIPASS_CONFIG), else unipass/config.yaml in the user config directory
// ($XDG_CONFIG_HOME, ~/.config); explicit tells that the user named the file.
func (c *vendorConfig) configPath() (path string, explicit bool) {
	if c.configFile != "" {
		return c.configFile, true
	}
	dir := c.env.userConfigDir()
	if dir == "" {
		return "", false // no home: no default config file
	}
	return filepath.Join(dir, "unipass", "config.yaml"), false
}

// userConfigDir is os.UserConfigDir with the variables read through e.getenv: $XDG_CONFIG_HOME, else
// $HOME/.config on Unix; the platform's own directory on Windows, macOS and Plan 9; "" when unknown.
func (e *env) userConfigDir() string {
	if dir := e.getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		dir, _ := os.UserConfigDir() // "" on error
		return dir
	}
	if home := e.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config")
	}
	return ""
}

// profiles returns the config file, read once: the one --config or UNIPASS_CONFIG names (it must exist),
// else the default one (none is no profile). Its managers take --fail-fast and --insecure-http from c.
func (c *vendorConfig) profiles() (*profileConfig, error) {
	if c.loaded == nil {
		path, explicit := c.configPath()
		pc := &profileConfig{env: c.env, profiles: map[string]*profile{}}
		if path != "" {
			var err error
			if pc, err = c.env.loadProfiles(path, explicit); err != nil {
				return nil, err
			}
		}
		pc.failFast, pc.insecure = c.failFast, c.insecure
		c.loaded = pc
	}
	return c.loaded, nil
}

// applyProfile fills, once, every setting that neither a flag nor a UNIPASS_* variable gave from the
// profile --profile (or UNIPASS_PROFILE, or the file's default_profile) names; with no profile named, it
// changes nothing.
func (c *vendorConfig) applyProfile() error {
	if c.applied {
		return nil
	}
	c.applied = true
	pc, err := c.profiles()
	if err != nil {
		return err
	}
	name := cmp.Or(c.profileName, pc.defaultProfile)
	if name == "" {
		return nil
	}
	p, err := pc.lookup(name)
	if err != nil {
		return err
	}
	c.profileName = name
	c.fill(p)
	return nil
}

// fill takes from p every setting not in c.given.
func (c *vendorConfig) fill(p *profile) {
	for _, f := range []struct {
		flag string
		dst  *string
		v    string
	}{
		{"vendor", &c.vendor, p.vendor}, {"base-url", &c.baseURL, p.baseURL}, {"auth", &c.auth, p.auth},
		{"user", &c.user, p.user}, {"application-id", &c.applicationID, p.applicationID},
	} {
		if !c.given[f.flag] && f.v != "" {
			*f.dst = f.v
		}
	}
	if !c.given["insecure-http"] && p.insecureHTTP {
		c.insecure = true
	}
	c.source = p.source
}

// lookup returns the named profile, or a usage error naming the file and the profiles it has.
func (pc *profileConfig) lookup(name string) (*profile, error) {
	if p, ok := pc.profiles[name]; ok {
		return p, nil
	}
	if pc.file == "" {
		return nil, usagef("no profile %q: there is no config file (create one, or give --config FILE)", name)
	}
	known := "it has none"
	if len(pc.names) > 0 {
		known = "it has " + strings.Join(pc.names, ", ")
	}
	return nil, usagef("no profile %q in %s (%s)", name, pc.file, known)
}

// describe names a profile and where it is defined, for messages.
func (pc *profileConfig) describe(name string) string {
	if p, ok := pc.profiles[name]; ok {
		return fmt.Sprintf("profile %q (%s:%d)", name, pc.file, p.line)
	}
	return fmt.Sprintf("profile %q", name)
}

// manager builds the manager of the named profile, for commands that name profiles themselves (profiles
// check; a fleet rotation's profile column). The profile alone gives vendor, base URL, auth, user,
// application ID and credential (it must name a credential source); of the command line only
// --fail-fast and --insecure-http apply, to every profile. The settings go through the same checks and
// option building as the single-vendor flags (vendorConfig.build). The credential is read here: a
// credential_command runs once per call, bounded by ctx. Safe for concurrent use. Errors are usage errors (exit 2) for settings
// and credentials, and name the profile and its place in the file.
//
// Get pc from vendorConfig.profiles (the file --config names) or env.loadProfiles.
func (pc *profileConfig) manager(ctx context.Context, name string) (facade.PasswordManager, error) {
	p, err := pc.lookup(name)
	if err != nil {
		return nil, err
	}
	c := &vendorConfig{env: pc.env, ctx: ctx, failFast: pc.failFast, insecure: pc.insecure, loaded: pc, applied: true,
		profileOnly: true, profileName: name}
	c.fill(p)
	m, err := c.build(true)
	if err != nil {
		return nil, pc.inProfile(name, err)
	}
	return m, nil
}

// inProfile prefixes err with the profile it concerns, keeping what it wraps.
func (pc *profileConfig) inProfile(name string, err error) error {
	return fmt.Errorf("%s: %w", pc.describe(name), err)
}

// loadProfiles reads and checks a config file. A missing file is no profile unless mustExist. The file
// is refused unless it is the user's own and private (openTrusted, as ssh does), when it holds a secret, an unknown
// key or a setting that cannot work; every refusal names file:line and never shows a value that may be
// a secret.
func (e *env) loadProfiles(path string, mustExist bool) (*profileConfig, error) {
	pc := &profileConfig{env: e, profiles: map[string]*profile{}}
	data, err := readTrusted(path, "config file", trustPrivate, maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return pc, nil
	}
	if err != nil {
		return nil, err
	}
	pc.file = path
	if err := pc.parse(data); err != nil {
		return nil, err
	}
	return pc, nil
}

// profileKeys are the keys a profile may have.
var profileKeys = []string{"vendor", "base_url", "auth", "user", "application_id", "insecure_http", "check_user",
	"credential_env", "credential_file", "credential_command"}

// secretWords mark a key that would hold a secret: refused with its own message (the value never shown).
var secretWords = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "key", "cookie", "bearer"}

var (
	profileNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	envNamePattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// parse reads the file's YAML: default_profile and profiles.
func (pc *profileConfig) parse(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, more yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil // an empty file: no profiles
	case err != nil:
		return usagef("config file %s: %v", pc.file, err)
	}
	switch err := dec.Decode(&more); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return usagef("config file %s: %v", pc.file, err)
	default:
		return usagef("config file %s: holds more than one YAML document (---)", pc.file)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	top := doc.Content[0]
	err := pc.eachKey(top, []string{"default_profile", "profiles"}, func(k, v *yaml.Node) error {
		if k.Value == "default_profile" {
			return pc.scalar(v, &pc.defaultProfile)
		}
		return pc.eachKey(v, nil, func(k, v *yaml.Node) error { return pc.parseProfile(k, v) })
	})
	if err != nil {
		return err
	}
	if pc.defaultProfile != "" {
		if _, ok := pc.profiles[pc.defaultProfile]; !ok {
			return usagef("%s: default_profile %q is not a profile of the file", pc.file, pc.defaultProfile)
		}
	}
	return nil
}

// parseProfile reads one profile, then checks it.
func (pc *profileConfig) parseProfile(k, v *yaml.Node) error {
	if !profileNamePattern.MatchString(k.Value) {
		return pc.at(k, "profile name %q: use letters, digits, '.', '_' and '-'", printable(k.Value))
	}
	p := &profile{name: k.Value, line: k.Line, lines: map[string]int{}}
	fields := map[string]*string{"vendor": &p.vendor, "base_url": &p.baseURL, "auth": &p.auth, "user": &p.user,
		"application_id": &p.applicationID, "check_user": &p.checkUser}
	err := pc.eachKey(v, profileKeys, func(k, v *yaml.Node) error {
		p.lines[k.Value] = k.Line
		if dst, ok := fields[k.Value]; ok {
			return pc.scalar(v, dst)
		}
		if k.Value == "insecure_http" {
			if v.Kind != yaml.ScalarNode || v.Decode(&p.insecureHTTP) != nil {
				return pc.at(v, "insecure_http must be true or false")
			}
			return nil
		}
		return pc.parseSource(p, k, v)
	})
	if err != nil {
		return err
	}
	if err := pc.checkProfile(p); err != nil {
		return err
	}
	pc.profiles[p.name] = p
	pc.names = append(pc.names, p.name)
	return nil
}

// parseSource reads credential_env, credential_file or credential_command.
func (pc *profileConfig) parseSource(p *profile, k, v *yaml.Node) error {
	if p.source != nil {
		return pc.at(k, "%s: a profile has one credential source, and %s came first", k.Value, "credential_"+p.source.kind)
	}
	s := &secretSource{}
	switch k.Value {
	case "credential_env":
		s.kind = sourceEnv
		if err := pc.scalar(v, &s.ref); err != nil {
			return err
		}
		if !envNamePattern.MatchString(s.ref) {
			return pc.at(v, "credential_env names an environment variable (letters, digits, _); this value is not one (not shown)")
		}
	case "credential_file":
		s.kind = sourceFile
		if err := pc.scalar(v, &s.ref); err != nil {
			return err
		}
		s.ref = pc.resolvePath(s.ref)
	default: // credential_command
		s.kind = sourceCommand
		if v.Kind != yaml.SequenceNode || v.Decode(&s.argv) != nil || len(s.argv) == 0 || s.argv[0] == "" {
			return pc.at(v, "credential_command is a list, the program and its arguments (run without a shell): [pass, show, unipass/zendesk]")
		}
		s.ref = s.argv[0]
	}
	p.source = s
	return nil
}

// resolvePath expands a leading ~/ and makes a relative path relative to the config file's directory.
func (pc *profileConfig) resolvePath(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(pc.file), path)
}

// checkProfile refuses a profile whose settings cannot work, naming where it is. The checks that flags
// share (a base URL for DocSpace and Zendesk, a user for --auth login, basic and api-token) are made when
// the manager is built, since flags may complete a profile.
func (pc *profileConfig) checkProfile(p *profile) error {
	kinds, ok := authKinds(p.vendor)
	switch {
	case p.vendor == "":
		return pc.atLine(p.line, "profile %q has no vendor (docspace, zendesk or glowmarkt)", p.name)
	case !ok:
		return pc.atLine(p.lines["vendor"], "profile %q: vendor %q: use docspace, zendesk or glowmarkt", p.name, printable(p.vendor))
	case p.auth != "" && !slices.Contains(kinds, p.auth):
		return pc.atLine(p.lines["auth"], "profile %q: auth %q does not apply to %s (choose %s)", p.name, printable(p.auth), p.vendor, strings.Join(kinds, ", "))
	}
	if p.baseURL != "" {
		u, err := url.Parse(p.baseURL)
		if err != nil || u.User != nil {
			return pc.atLine(p.lines["base_url"], "profile %q: base_url is not a URL without user info (not shown): a password never goes in a URL", p.name)
		}
	}
	return nil
}

// eachKey calls f for each key of a mapping, in order; it refuses a node that is not a mapping, a
// duplicate key, and a key not in known (nil: any key).
func (pc *profileConfig) eachKey(m *yaml.Node, known []string, f func(k, v *yaml.Node) error) error {
	if m.Kind != yaml.MappingNode {
		return pc.at(m, "expected a mapping of keys to values")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			return pc.at(k, "a key must be a plain name")
		case v.Kind == yaml.AliasNode || k.Value == "<<":
			return pc.at(k, "YAML aliases and merge keys are not supported")
		case seen[k.Value]:
			return pc.at(k, "%q is given twice", printable(k.Value))
		case known != nil && !slices.Contains(known, k.Value):
			return pc.unknownKey(k, known)
		}
		seen[k.Value] = true
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

// unknownKey refuses a key; one whose name says it would hold a secret is refused as such.
func (pc *profileConfig) unknownKey(k *yaml.Node, known []string) error {
	lower := strings.ToLower(k.Value)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return pc.at(k, "refusing %q: a config file never holds a secret (the value is not shown); say where it comes from with credential_env, credential_file or credential_command",
				printable(k.Value))
		}
	}
	return pc.at(k, "unknown key %q (known: %s)", printable(k.Value), strings.Join(known, ", "))
}

// scalar reads a plain value (a string, or a number written bare, such as a user ID).
func (pc *profileConfig) scalar(v *yaml.Node, dst *string) error {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return pc.at(v, "expected a plain value")
	}
	*dst = v.Value
	return nil
}

// at is a usage error at a node's line of the file.
func (pc *profileConfig) at(n *yaml.Node, format string, a ...any) error {
	return pc.atLine(n.Line, format, a...)
}

// atLine is a usage error at a line of the file.
func (pc *profileConfig) atLine(line int, format string, a ...any) error {
	return usagef("%s:%d: %s", pc.file, line, fmt.Sprintf(format, a...))
}
