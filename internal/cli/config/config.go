// Package config reads unipass's config file of named profiles, says where each profile's credential
// comes from, and turns settings (from flags or a profile) into a facade manager.
//
// YAML rather than TOML: go.yaml.in/yaml/v3 is already in the module graph (kin-openapi, which the fakes of
// `unipass demo` use, requires it), so profiles add no module, and yaml.Node keeps each key's line, so that
// every refusal names file:line. The facade and facade/rotate never link it (their deps_test.go checks).
// The file is read key by key: an unknown key, a key that would hold a secret, a duplicate key or an alias
// is refused, never ignored.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// maxConfigBytes bounds the config file read.
const maxConfigBytes = 1 << 20

// File is a config file of profiles, read and checked.
type File struct {
	// Path is the config file's path; "" when there is no file (no profiles).
	Path           string
	DefaultProfile string
	Names          []string // in the file's order
	Profiles       map[string]*Profile
}

// Profile is one named profile: a vendor account and where its credential comes from.
type Profile struct {
	Name          string
	Line          int // where the profile's name is in the file
	Vendor        string
	BaseURL       string
	Auth          string
	User          string
	ApplicationID string
	InsecureHTTP  bool
	// CheckUser is the user whose password policy `profiles check` reads (optional: else the logged-in
	// user is read).
	CheckUser string
	// Source is where the credential comes from; nil when the profile gives none.
	Source *Source
	// lines holds the line of each key, for messages.
	lines map[string]int
}

// DefaultPath is unipass/config.yaml in the user config directory ($XDG_CONFIG_HOME, ~/.config), the
// variables read through getenv; "" when there is no such directory.
func DefaultPath(getenv func(string) string) string {
	dir := userConfigDir(getenv)
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "unipass", "config.yaml")
}

// userConfigDir is os.UserConfigDir with the variables read through getenv: $XDG_CONFIG_HOME, else
// $HOME/.config on Unix; the platform's own directory on Windows, macOS and Plan 9; "" when unknown.
func userConfigDir(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
		dir, _ := os.UserConfigDir() // "" on error
		return dir
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config")
	}
	return ""
}

// Lookup returns the named profile, or a usage error naming the file and the profiles it has.
func (pc *File) Lookup(name string) (*Profile, error) {
	if p, ok := pc.Profiles[name]; ok {
		return p, nil
	}
	if pc.Path == "" {
		return nil, cmdutil.Usagef("no such profile %q: there is no config file (create one, or give --config FILE)", name)
	}
	known := "it has none"
	if len(pc.Names) > 0 {
		known = "it has " + strings.Join(pc.Names, ", ")
	}
	return nil, cmdutil.Usagef("no such profile %q in %s (%s)", name, pc.Path, known)
}

// InProfile prefixes err with the profile it concerns and where it is defined, keeping what it wraps.
func (pc *File) InProfile(name string, err error) error {
	if p, ok := pc.Profiles[name]; ok {
		return fmt.Errorf("profile %q (%s:%d): %w", name, pc.Path, p.Line, err)
	}
	return fmt.Errorf("profile %q: %w", name, err)
}

// Load reads and checks a config file. A missing file is no profile unless mustExist. The file is
// refused unless it is the user's own and private (cmdutil.OpenTrusted, as ssh does), when it holds a
// secret, an unknown key or a setting that cannot work; every refusal names file:line and never shows a
// value that may be a secret.
func Load(path string, mustExist bool) (*File, error) {
	pc := &File{Profiles: map[string]*Profile{}}
	data, err := cmdutil.ReadTrusted(path, "config file", cmdutil.TrustPrivate, maxConfigBytes)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return pc, nil
	}
	if err != nil {
		return nil, err
	}
	pc.Path = path
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
func (pc *File) parse(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, more yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil // an empty file: no profiles
	case err != nil:
		return cmdutil.Usagef("config file %s: %v", pc.Path, err)
	}
	switch err := dec.Decode(&more); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return cmdutil.Usagef("config file %s: %v", pc.Path, err)
	default:
		return cmdutil.Usagef("config file %s: holds more than one YAML document (---)", pc.Path)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	top := doc.Content[0]
	err := pc.eachKey(top, []string{"default_profile", "profiles"}, func(k, v *yaml.Node) error {
		if k.Value == "default_profile" {
			return pc.scalar(v, &pc.DefaultProfile)
		}
		return pc.eachKey(v, nil, func(k, v *yaml.Node) error { return pc.parseProfile(k, v) })
	})
	if err != nil {
		return err
	}
	if pc.DefaultProfile != "" {
		if _, ok := pc.Profiles[pc.DefaultProfile]; !ok {
			return cmdutil.Usagef("%s: default_profile %q is not a profile of the file", pc.Path, pc.DefaultProfile)
		}
	}
	return nil
}

// parseProfile reads one profile, then checks it.
func (pc *File) parseProfile(k, v *yaml.Node) error {
	if !profileNamePattern.MatchString(k.Value) {
		return pc.at(k, "profile name %q: use letters, digits, '.', '_' and '-'", cmdutil.Printable(k.Value))
	}
	p := &Profile{Name: k.Value, Line: k.Line, lines: map[string]int{}}
	fields := map[string]*string{"vendor": &p.Vendor, "base_url": &p.BaseURL, "auth": &p.Auth, "user": &p.User,
		"application_id": &p.ApplicationID, "check_user": &p.CheckUser}
	err := pc.eachKey(v, profileKeys, func(k, v *yaml.Node) error {
		p.lines[k.Value] = k.Line
		if dst, ok := fields[k.Value]; ok {
			return pc.scalar(v, dst)
		}
		if k.Value == "insecure_http" {
			if v.Kind != yaml.ScalarNode || v.Decode(&p.InsecureHTTP) != nil {
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
	pc.Profiles[p.Name] = p
	pc.Names = append(pc.Names, p.Name)
	return nil
}

// parseSource reads credential_env, credential_file or credential_command.
func (pc *File) parseSource(p *Profile, k, v *yaml.Node) error {
	if p.Source != nil {
		return pc.at(k, "%s: a profile has one credential source, and %s came first", k.Value, p.Source.Key())
	}
	s := &Source{}
	switch k.Value {
	case "credential_env":
		s.Kind = SourceEnv
		if err := pc.scalar(v, &s.Ref); err != nil {
			return err
		}
		if !envNamePattern.MatchString(s.Ref) {
			return pc.at(v, "credential_env names an environment variable (letters, digits, _); this value is not one (not shown)")
		}
	case "credential_file":
		s.Kind = SourceFile
		if err := pc.scalar(v, &s.Ref); err != nil {
			return err
		}
		s.Ref = pc.resolvePath(s.Ref)
	default: // credential_command
		s.Kind = SourceCommand
		if v.Kind != yaml.SequenceNode || v.Decode(&s.Argv) != nil || len(s.Argv) == 0 || s.Argv[0] == "" {
			return pc.at(v, "credential_command is a list, the program and its arguments (run without a shell): [pass, show, unipass/zendesk]")
		}
		s.Ref = s.Argv[0]
	}
	p.Source = s
	return nil
}

// resolvePath expands a leading ~/ and makes a relative path relative to the config file's directory.
func (pc *File) resolvePath(path string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(pc.Path), path)
}

// checkProfile refuses a profile whose settings cannot work, naming where it is. The checks that flags
// share (a base URL for DocSpace and Zendesk, a user for --auth login, basic and api-token) are made when
// the manager is built, since flags may complete a profile.
func (pc *File) checkProfile(p *Profile) error {
	kinds, ok := AuthKinds(p.Vendor)
	switch {
	case p.Vendor == "":
		return pc.atLine(p.Line, "profile %q has no vendor (docspace, zendesk or glowmarkt)", p.Name)
	case !ok:
		return pc.atLine(p.lines["vendor"], "profile %q: vendor %q: use docspace, zendesk or glowmarkt", p.Name, cmdutil.Printable(p.Vendor))
	case p.Auth != "" && !slices.Contains(kinds, p.Auth):
		return pc.atLine(p.lines["auth"], "profile %q: auth %q does not apply to %s (choose %s)", p.Name, cmdutil.Printable(p.Auth), p.Vendor, strings.Join(kinds, ", "))
	}
	if p.BaseURL != "" {
		u, err := url.Parse(p.BaseURL)
		if err != nil || u.User != nil {
			return pc.atLine(p.lines["base_url"], "profile %q: base_url is not a URL without user info (not shown): a password never goes in a URL", p.Name)
		}
	}
	return nil
}

// eachKey calls f for each key of a mapping, in order; it refuses a node that is not a mapping, a
// duplicate key, and a key not in known (nil: any key).
func (pc *File) eachKey(m *yaml.Node, known []string, f func(k, v *yaml.Node) error) error {
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
			return pc.at(k, "%q is given twice", cmdutil.Printable(k.Value))
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
func (pc *File) unknownKey(k *yaml.Node, known []string) error {
	lower := strings.ToLower(k.Value)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return pc.at(k, "refusing %q: a config file never holds a secret (the value is not shown); say where it comes from with credential_env, credential_file or credential_command",
				cmdutil.Printable(k.Value))
		}
	}
	return pc.at(k, "unknown key %q (known: %s)", cmdutil.Printable(k.Value), strings.Join(known, ", "))
}

// scalar reads a plain value (a string, or a number written bare, such as a user ID).
func (pc *File) scalar(v *yaml.Node, dst *string) error {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return pc.at(v, "expected a plain value")
	}
	*dst = v.Value
	return nil
}

// at is a usage error at a node's line of the file.
func (pc *File) at(n *yaml.Node, format string, a ...any) error {
	return pc.atLine(n.Line, format, a...)
}

// atLine is a usage error at a line of the file.
func (pc *File) atLine(line int, format string, a ...any) error {
	return cmdutil.Usagef("%s:%d: %s", pc.Path, line, fmt.Sprintf(format, a...))
}
