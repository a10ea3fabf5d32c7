package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

func TestProfilesRefuseSecretKeys(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"password", "credential", "token", "api_token", "secret", "api_key", "apiKey",
		"client_secret", "passphrase", "auth_cookie", "bearer"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			path := clitest.WriteConfig(t, "profiles:\n  x:\n    vendor: zendesk\n    "+key+": fake-secret-value-1\n")
			_, err := Load(path, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path+":4: refusing")
			assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
			clitest.AssertHidden(t, err, "fake-secret-value-1")
		})
	}
}

func TestProfilesRefuseOpenModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o602, 0o666, 0o660} {
		path := clitest.WriteConfig(t, "profiles: {}\n")
		require.NoError(t, os.Chmod(path, mode))
		_, err := Load(path, true)
		require.Error(t, err, "%04o", mode)
		assert.Contains(t, err.Error(), "chmod 600 "+path)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		path := clitest.WriteConfig(t, "profiles: {}\n")
		require.NoError(t, os.Chmod(path, mode))
		_, err := Load(path, true)
		require.NoError(t, err, "%04o", mode)
	}
}

func TestProfilesParse(t *testing.T) {
	t.Parallel()
	path := clitest.WriteConfig(t, `default_profile: zd
profiles:
  zd:
    vendor: zendesk
    base_url: https://example.zendesk.com
    auth: api-token
    user: admin@example.com
    check_user: 35436
    credential_command: [pass, show, unipass/zendesk]
  glow:
    vendor: glowmarkt
    application_id: fake-app
    insecure_http: true
    credential_file: glow.txt
`)
	pc, err := Load(path, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"zd", "glow"}, pc.Names)
	assert.Equal(t, "zd", pc.DefaultProfile)
	zd := pc.Profiles["zd"]
	assert.Equal(t, "35436", zd.CheckUser)
	assert.Equal(t, []string{"pass", "show", "unipass/zendesk"}, zd.Source.Argv)
	assert.Equal(t, "command pass", zd.Source.String())
	glow := pc.Profiles["glow"]
	assert.True(t, glow.InsecureHTTP)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "glow.txt"), glow.Source.Ref, "relative to the config file")

	for text, want := range map[string]string{
		"profiles:\n  x:\n    vendor: zendesk\n---\nprofiles: {}\n":          "more than one YAML document",
		"base: &b\n  vendor: zendesk\nprofiles:\n  x: *b\n":                  ":1: unknown key \"base\"",
		"profiles:\n  x:\n    <<: {vendor: zendesk}\n":                       ":3: YAML aliases and merge keys are not supported",
		"profiles:\n  x:\n    vendor: docspace\n    auth: api-token\n":       ":4: profile \"x\": auth \"api-token\" does not apply to docspace",
		"profiles:\n  x:\n    base_url: https://example.zendesk.com\n":       ":2: profile \"x\" has no vendor",
		"profiles:\n  bad name:\n    vendor: zendesk\n":                      ":2: profile name",
		"profiles:\n  x:\n    vendor: zendesk\n    insecure_http: maybe\n":   ":4: insecure_http must be true or false",
		"profiles:\n  x:\n    vendor: zendesk\n    credential_command: []\n": ":4: credential_command is a list",
		"profiles:\n  x:\n    vendor: zendesk\n    user:\n":                  ":4: expected a plain value",
		"profiles: [a, b]\n": ":1: expected a mapping",
	} {
		_, err := Load(clitest.WriteConfig(t, text), true)
		if assert.Error(t, err, text) {
			assert.Contains(t, err.Error(), want, text)
			assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
		}
	}
	pc, err = Load(clitest.WriteConfig(t, ""), true)
	require.NoError(t, err, "an empty file has no profiles")
	assert.Empty(t, pc.Names)
	pc, err = Load(filepath.Join(t.TempDir(), "none.yaml"), false)
	require.NoError(t, err, "no default file: no profiles")
	assert.Empty(t, pc.Names)
}

func TestCredentialCommand(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	var errOut bytes.Buffer
	ctx := t.Context()
	v, err := runCredentialCommand(ctx, &errOut, []string{"sh", "-c", "echo fake-cmd-secret; echo fake-second-line; echo note >&2"}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "fake-cmd-secret", v)
	assert.Equal(t, "note\n", errOut.String(), "standard error passes through")

	_, err = runCredentialCommand(ctx, &errOut, []string{"sh", "-c", "echo fake-cmd-partial; exit 7"}, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed (exit status 7)")
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	clitest.AssertHidden(t, err, "fake-cmd-partial")

	_, err = runCredentialCommand(ctx, &errOut, []string{"sh", "-c", "echo fake-cmd-slow; exec sleep 30"}, 200*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not finish within 200ms")
	clitest.AssertHidden(t, err, "fake-cmd-slow")

	_, err = runCredentialCommand(ctx, &errOut, []string{"sh", "-c", "head -c 70000 /dev/zero | tr '\\0' x"}, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "printed more than")

	_, err = runCredentialCommand(ctx, &errOut, []string{"unipass-no-such-program-fake"}, time.Minute)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}
