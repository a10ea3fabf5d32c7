package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// writeConfig writes a config file (mode 0600) into a new directory and returns its path.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func testEnv(environ map[string]string) (*env, *bytes.Buffer) {
	var errOut bytes.Buffer
	return &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errOut,
		getenv: func(k string) string { return environ[k] }, terminal: func(any) bool { return false },
		prompt: func(string) (string, error) { return "", nil }}, &errOut
}

// assertHidden checks that no way of printing err shows any of the secrets.
func assertHidden(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		text := fmt.Sprintf(verb, err)
		for _, s := range secrets {
			assert.NotContains(t, text, s, verb)
		}
	}
}

func TestProfilesRefuseSecretKeys(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"password", "credential", "token", "api_token", "secret", "api_key", "apiKey",
		"client_secret", "passphrase", "auth_cookie", "bearer"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			e, _ := testEnv(nil)
			path := writeConfig(t, "profiles:\n  x:\n    vendor: zendesk\n    "+key+": fake-secret-value-1\n")
			_, err := e.loadProfiles(path, true)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path+":4: refusing")
			assert.Equal(t, exitUsage, exitCode(err))
			assertHidden(t, err, "fake-secret-value-1")
		})
	}
}

func TestProfilesRefuseOpenModes(t *testing.T) {
	t.Parallel()
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o602, 0o666, 0o660} {
		e, _ := testEnv(nil)
		path := writeConfig(t, "profiles: {}\n")
		require.NoError(t, os.Chmod(path, mode))
		_, err := e.loadProfiles(path, true)
		require.Error(t, err, "%04o", mode)
		assert.Contains(t, err.Error(), "chmod 600 "+path)
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		e, _ := testEnv(nil)
		path := writeConfig(t, "profiles: {}\n")
		require.NoError(t, os.Chmod(path, mode))
		_, err := e.loadProfiles(path, true)
		require.NoError(t, err, "%04o", mode)
	}
}

func TestProfilesParse(t *testing.T) {
	t.Parallel()
	e, _ := testEnv(nil)
	path := writeConfig(t, `default_profile: zd
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
	pc, err := e.loadProfiles(path, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"zd", "glow"}, pc.names)
	assert.Equal(t, "zd", pc.defaultProfile)
	zd := pc.profiles["zd"]
	assert.Equal(t, "35436", zd.checkUser)
	assert.Equal(t, []string{"pass", "show", "unipass/zendesk"}, zd.source.argv)
	assert.Equal(t, "command pass", zd.source.String())
	glow := pc.profiles["glow"]
	assert.True(t, glow.insecureHTTP)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "glow.txt"), glow.source.ref, "relative to the config file")

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
		_, err := e.loadProfiles(writeConfig(t, text), true)
		if assert.Error(t, err, text) {
			assert.Contains(t, err.Error(), want, text)
			assert.Equal(t, exitUsage, exitCode(err))
		}
	}
	pc, err = e.loadProfiles(writeConfig(t, ""), true)
	require.NoError(t, err, "an empty file has no profiles")
	assert.Empty(t, pc.names)
	pc, err = e.loadProfiles(filepath.Join(t.TempDir(), "none.yaml"), false)
	require.NoError(t, err, "no default file: no profiles")
	assert.Empty(t, pc.names)
}

func TestCredentialCommand(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	e, errOut := testEnv(nil)
	ctx := t.Context()
	v, err := runCredentialCommand(ctx, e, []string{"sh", "-c", "echo fake-cmd-secret; echo fake-second-line; echo note >&2"}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "fake-cmd-secret", v)
	assert.Equal(t, "note\n", errOut.String(), "standard error passes through")

	_, err = runCredentialCommand(ctx, e, []string{"sh", "-c", "echo fake-cmd-partial; exit 7"}, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed (exit status 7)")
	assert.Equal(t, exitUsage, exitCode(err))
	assertHidden(t, err, "fake-cmd-partial")

	_, err = runCredentialCommand(ctx, e, []string{"sh", "-c", "echo fake-cmd-slow; exec sleep 30"}, 200*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not finish within 200ms")
	assertHidden(t, err, "fake-cmd-slow")

	_, err = runCredentialCommand(ctx, e, []string{"sh", "-c", "head -c 70000 /dev/zero | tr '\\0' x"}, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "printed more than")

	_, err = runCredentialCommand(ctx, e, []string{"unipass-no-such-program-fake"}, time.Minute)
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
}

// TestProfileManager builds each vendor's manager from a profile alone, through the flags' path, and
// checks it against the fakes.
func TestProfileManager(t *testing.T) {
	t.Parallel()
	zd := facadetest.NewZendesk(facadetest.WithT(t))
	zd.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: adminPassword, Role: "admin"})
	zd.AddAPIToken("admin@example.com", apiToken)
	gm := facadetest.NewGlowmarkt(facadetest.WithT(t))
	gm.AddAccount(facadetest.GlowmarktAccount{AccountID: "acc-1", Username: "glow@example.com", Password: glowPassword})
	e, _ := testEnv(map[string]string{"ZD": apiToken, "GM": glowPassword, "WRONG": "fake-wrong-token"})
	path := writeConfig(t, fmt.Sprintf(`profiles:
  zd:
    vendor: zendesk
    base_url: %s
    user: admin@example.com
    credential_env: ZD
  zd-wrong:
    vendor: zendesk
    base_url: %s
    user: admin@example.com
    credential_env: WRONG
  glow:
    vendor: glowmarkt
    base_url: %s
    auth: login
    user: glow@example.com
    application_id: %s
    credential_env: GM
  glow-no-url:
    vendor: zendesk
    credential_env: GM
`, zd.URL(), zd.URL(), gm.URL(), gm.ApplicationID()))
	pc, err := e.loadProfiles(path, true)
	require.NoError(t, err)
	ctx := t.Context()

	m, err := pc.manager(ctx, "zd")
	require.NoError(t, err)
	assert.Equal(t, facade.VendorZendesk, m.Vendor())
	_, err = pc.check(ctx, "zd")
	require.NoError(t, err)

	_, err = pc.check(ctx, "zd-wrong")
	require.ErrorIs(t, err, facade.ErrUnauthorized)
	assertHidden(t, err, "fake-wrong-token")

	what, err := pc.check(ctx, "glow")
	require.NoError(t, err)
	assert.Equal(t, "glowmarkt: read the account status", what)

	_, err = pc.manager(ctx, "glow-no-url")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `profile "glow-no-url" (`+path+`:19): --base-url is required for zendesk`)
	assert.Equal(t, exitUsage, exitCode(err))

	_, err = pc.manager(ctx, "nope")
	assert.Equal(t, exitUsage, exitCode(err))
}

func TestProfileListShowsNoSecret(t *testing.T) {
	t.Parallel()
	e, _ := testEnv(map[string]string{"ZD": "fake-list-token"})
	path := writeConfig(t, "default_profile: zd\nprofiles:\n  zd:\n    vendor: zendesk\n    base_url: https://example.zendesk.com\n    auth: api-token\n    user: admin@example.com\n    credential_env: ZD\n  glow:\n    vendor: glowmarkt\n    credential_command: [op, read, 'op://vault/glow/password']\n")
	out := e.stdout.(*bytes.Buffer)
	code := e.run(context.Background(), []string{"profiles", "list", "--config", path})
	require.Equal(t, exitOK, code)
	assert.Equal(t, `   NAME  VENDOR     BASE URL                     AUTH       USER               CREDENTIAL
*  zd    zendesk    https://example.zendesk.com  api-token  admin@example.com  env ZD
   glow  glowmarkt  https://api.glowmarkt.com    login      -                  command op
`, out.String())
	assert.NotContains(t, out.String(), "fake-list-token")
}

func TestConfigPath(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the XDG layout")
	}
	for _, tc := range []struct {
		environ  map[string]string
		flag     string
		want     string
		explicit bool
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "", "/x/unipass/config.yaml", false},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "", "/h/.config/unipass/config.yaml", false},
		{map[string]string{"HOME": "/h"}, "", "/h/.config/unipass/config.yaml", false},
		{nil, "", "", false},
		{map[string]string{"HOME": "/h"}, "my.yaml", "my.yaml", true},
	} {
		e, _ := testEnv(tc.environ)
		c := &vendorConfig{env: e, configFile: tc.flag}
		got, explicit := c.configPath()
		assert.Equal(t, tc.want, got, tc.environ)
		assert.Equal(t, tc.explicit, explicit)
	}
}
