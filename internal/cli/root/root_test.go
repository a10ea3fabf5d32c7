package root

import (
	"bytes"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// An unknown command or subcommand is a usage error with cobra's suggestion, printed as lines (no \x0a).
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rotat"}, "unipass: unknown command \"rotat\" for \"unipass\"\n\nDid you mean this?\n  rotate\n"},
		{[]string{"profiles", "lst"}, "unipass: unknown command \"lst\" for \"unipass profiles\"\n\nDid you mean this?\n  list\n"},
	} {
		code, stdout, stderr := cliRun(t, nil, "", c.args...)
		assert.Equal(t, cmdutil.ExitUsage, code, c.args)
		assert.Empty(t, stdout)
		assert.True(t, strings.HasPrefix(stderr, c.want), "%q", stderr)
		assert.NotContains(t, stderr, `\x0`)
	}
}

// goIdentifier is a facade option or other Go name that must not reach the user.
var goIdentifier = regexp.MustCompile(`\bWith[A-Z]\w+|\b(baseURL|applicationID|appKeys)\b`)

// TestErrorsNameFlags: refusals made before anything is sent name the flag, profile key or file to
// change, never a Go identifier, and exit 2.
func TestErrorsNameFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	newPW := clitest.WriteFile(t, dir, "new.txt", "fake-New-Passw0rd-1\n")
	noDefault := clitest.WriteConfig(t, "profiles:\n  zd:\n    vendor: zendesk\n")
	cred := map[string]string{"UNIPASS_CREDENTIAL": "fake-cli-token"}
	zd := []string{"--vendor", "zendesk", "--base-url", "https://example.zendesk.test", "--auth", "api-token", "--user", "admin@example.com"}
	for _, c := range []struct {
		name    string
		environ map[string]string
		args    []string
		want    string
	}{
		{"plain http", cred, []string{"set", "1", "--vendor", "zendesk", "--base-url", "http://example.zendesk.test", "--auth", "bearer",
			"--new-password-file", newPW}, "--base-url: plain http is allowed only for loopback hosts or with --insecure-http"},
		{"credential with spaces", map[string]string{"UNIPASS_CREDENTIAL": " fake-cli-token"}, []string{"set", "1", "--vendor", "zendesk",
			"--base-url", "https://example.zendesk.test", "--auth", "bearer", "--new-password-file", newPW},
			"the credential (UNIPASS_CREDENTIAL, --credential-file or --credential-stdin)"},
		{"application id elsewhere", cred, append([]string{"set", "1", "--new-password-file", newPW, "--application-id", "fake-app"}, zd...),
			"--application-id"},
		{"no vendor", cred, []string{"set", "1", "--new-password-file", newPW, "--config", filepath.Join(dir, "none.yaml")},
			"no such file"},
		{"no default_profile", cred, []string{"set", "1", "--new-password-file", newPW, "--config", noDefault},
			"no vendor: give --vendor or --profile NAME, or add default_profile: NAME to " + noDefault},
		{"unknown profile", cred, []string{"set", "1", "--new-password-file", newPW, "--config", noDefault, "--profile", "zz"},
			`--profile: no such profile "zz" in ` + noDefault + " (it has zd)"},
		{"no base URL", cred, []string{"set", "1", "--new-password-file", newPW, "--vendor", "zendesk"},
			"zendesk needs its address: give --base-url"},
		{"auth of another vendor", cred, []string{"set", "1", "--new-password-file", newPW, "--vendor", "glowmarkt", "--auth", "bearer"},
			"--auth bearer does not apply to glowmarkt (choose login, token)"},
		{"auth without user", cred, []string{"set", "1", "--new-password-file", newPW, "--vendor", "zendesk", "--base-url",
			"https://example.zendesk.test"}, "--auth api-token needs --user"},
		{"bad user ID", cred, append([]string{"set", "abc", "--new-password-file", newPW}, zd...),
			"USER abc: a Zendesk user ID is a positive integer"},
		{"requirements without user", cred, append([]string{"requirements"}, zd...),
			"zendesk reads the password policy of a user: add USER"},
		{"unsupported: reset on zendesk", nil, []string{"reset", "a@example.com", "--vendor", "zendesk", "--base-url", "https://example.zendesk.test"},
			"zendesk has no reset email to ask for; only --vendor docspace does"},
		{"unsupported: verify with a Glowmarkt token", map[string]string{"UNIPASS_CREDENTIAL": "fake-token", "UNIPASS_PASSWORD": "fake-Passw0rd-1"},
			[]string{"verify", "acc-1", "--vendor", "glowmarkt", "--auth", "token", "--application-id", "fake-app"}, "only with --auth login"},
		{"missing secret", nil, append([]string{"set", "1"}, zd...), "missing new-password: set UNIPASS_NEW_PASSWORD, or use --new-password-file or --new-password-stdin"},
		{"secret file", cred, append([]string{"set", "1", "--new-password-file", filepath.Join(dir, "nope.txt")}, zd...),
			"--new-password-file " + filepath.Join(dir, "nope.txt") + ": no such file or directory"},
	} {
		code, stdout, stderr := cliRun(t, c.environ, "", c.args...)
		assert.Equal(t, cmdutil.ExitUsage, code, "%s: %s", c.name, stderr)
		assert.Empty(t, stdout, c.name)
		assert.Contains(t, stderr, c.want, c.name)
		assert.NotRegexp(t, goIdentifier, stderr, c.name)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "%s: one line: %q", c.name, stderr)
		assert.NotContains(t, stderr, "fake-cli-token", c.name)
	}
}

// Each command's help lists its own flags first; a command that uses no vendor does not list the vendor
// flags.
func TestHelpOwnFlagsFirst(t *testing.T) {
	t.Parallel()
	code, stdout, _ := cliRun(t, nil, "", "fakes", "--help")
	require.Equal(t, cmdutil.ExitOK, code)
	assert.Contains(t, stdout, "--addr")
	for _, global := range []string{"--vendor", "--base-url", "--credential-file", "Global Flags"} {
		assert.NotContains(t, stdout, global)
	}
	code, stdout, _ = cliRun(t, nil, "", "set", "--help")
	require.Equal(t, cmdutil.ExitOK, code)
	own, global := strings.Index(stdout, "--new-password-file string"), strings.Index(stdout, "--vendor string")
	require.Positive(t, own)
	require.Positive(t, global)
	assert.Less(t, own, global)
	assert.Less(t, own, strings.Index(stdout, "Global Flags:"))
}

// Completion offers the vendors, the --vendor's auth kinds, rotate's formats and the config's profiles.
func TestCompletion(t *testing.T) {
	t.Parallel()
	config := clitest.WriteConfig(t, "profiles:\n  portal:\n    vendor: docspace\n  helpdesk:\n    vendor: zendesk\n")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "set", "--vendor", ""}, []string{"docspace", "zendesk", "glowmarkt"}},
		{[]string{"__complete", "set", "--vendor", "zendesk", "--auth", ""}, []string{"api-token", "basic", "bearer"}},
		{[]string{"__complete", "rotate", "--format", ""}, []string{"csv", "jsonl"}},
		{[]string{"__complete", "set", "--config", config, "--profile", ""}, []string{"portal", "helpdesk"}},
		{[]string{"__complete", "profiles", "check", "--config", config, ""}, []string{"portal", "helpdesk"}},
	} {
		code, stdout, _ := cliRun(t, nil, "", c.args...)
		require.Equal(t, cmdutil.ExitOK, code, c.args)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		assert.Equal(t, c.want, lines[:len(lines)-1], c.args) // the last line is the directive
	}
}

// version names the module version, the commit and the Go version the build recorded.
func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	printVersion(&out, &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/unipass/unipass", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"}}})
	assert.Equal(t, "unipass "+facade.Version+"\nmodule  github.com/unipass/unipass v1.2.3\ncommit  0123456789abcdef 2026-01-02T03:04:05Z (modified)\n"+
		"go      go1.99.1 linux/arm64\n", out.String())

	code, stdout, _ := cliRun(t, nil, "", "version")
	require.Equal(t, cmdutil.ExitOK, code)
	assert.Contains(t, stdout, "unipass "+facade.Version+"\n")
	assert.Regexp(t, `(?m)^go      go1\.`, stdout)
}
