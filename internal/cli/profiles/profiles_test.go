package profiles

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/config"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/fixture"
)

// Test secrets (obviously fake).
const (
	adminPassword = "fake-Admin-Passw0rd"
	apiToken      = "fake-cli-api-token"
	glowPassword  = "fake-Glow-Passw0rd"
)

// TestProfileManager builds each vendor's manager from a profile alone, through the flags' path, and
// checks it against the fakes.
func TestProfileManager(t *testing.T) {
	t.Parallel()
	zd := fixture.Zendesk(t, fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser()))
	gm := fixture.Glowmarkt(t, fixture.GlowmarktSeed(glowPassword))
	environ := map[string]string{"ZD": apiToken, "GM": glowPassword, "WRONG": "fake-wrong-token"}
	f := &factory.Factory{ErrOut: io.Discard, Getenv: func(k string) string { return environ[k] }}
	path := clitest.WriteConfig(t, fmt.Sprintf(`profiles:
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
	pc, err := config.Load(path, true)
	require.NoError(t, err)
	ctx := t.Context()
	o := &CheckOptions{Manager: func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error) {
		return f.ProfileManager(ctx, pc, name, false, false)
	}}

	m, err := o.Manager(ctx, pc, "zd")
	require.NoError(t, err)
	assert.Equal(t, facade.VendorZendesk, m.Vendor())
	_, err = check(ctx, o, pc, "zd")
	require.NoError(t, err)

	_, err = check(ctx, o, pc, "zd-wrong")
	require.ErrorIs(t, err, facade.ErrUnauthorized)
	clitest.AssertHidden(t, err, "fake-wrong-token")

	what, err := check(ctx, o, pc, "glow")
	require.NoError(t, err)
	assert.Equal(t, "glowmarkt: read the account status", what)

	_, err = o.Manager(ctx, pc, "glow-no-url")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `profile "glow-no-url" (`+path+`:19): zendesk needs its address: give --base-url (or UNIPASS_BASE_URL, or a profile's base_url)`)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))

	_, err = o.Manager(ctx, pc, "nope")
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestProfileListShowsNoSecret(t *testing.T) {
	t.Parallel()

	path := clitest.WriteConfig(t, "default_profile: zd\nprofiles:\n  zd:\n    vendor: zendesk\n    base_url: https://example.zendesk.com\n    auth: api-token\n    user: admin@example.com\n    credential_env: ZD\n  glow:\n    vendor: glowmarkt\n    credential_command: [op, read, 'op://vault/glow/password']\n")
	var out bytes.Buffer
	require.NoError(t, RunList(&ListOptions{Out: &out, Path: path, Config: func() (*config.File, error) { return config.Load(path, true) }}))
	assert.Equal(t, `   NAME  VENDOR     BASE URL                     AUTH       USER               CREDENTIAL
*  zd    zendesk    https://example.zendesk.com  api-token  admin@example.com  env ZD
   glow  glowmarkt  https://api.glowmarkt.com    login      -                  command op
`, out.String())
	assert.NotContains(t, out.String(), "fake-list-token")
}
