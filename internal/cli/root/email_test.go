package root

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/fixture"
)

// An email address that names nobody or more than one user, or one given to Glowmarkt, stops every command
// with a usage error before anything is written, and the passwords at the vendor stay as they were.
func TestEmailRefusedBeforeWrite(t *testing.T) {
	t.Parallel()
	const newPW = "fake-Never-Sent-Passw0rd-1"
	seed := fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser(),
		facadetest.ZendeskUserSeed{ID: 2, Email: "dup@example.com", Password: adminPassword, Role: "agent"},
		facadetest.ZendeskUserSeed{ID: 3, Email: "DUP@example.com", Password: adminPassword, Role: "agent"})
	seed.AdminSetPassword = true
	zd := fixture.Zendesk(t, seed)
	gm := fixture.Glowmarkt(t, fixture.GlowmarktSeed(glowPassword))

	zdFlags := []string{"--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	gmFlags := []string{"--vendor", "glowmarkt", "--base-url", gm.URL(), "--application-id", gm.ApplicationID(),
		"--auth", "login", "--user", "glow@example.com"}
	environ := map[string]string{"UNIPASS_NEW_PASSWORD": newPW, "UNIPASS_PASSWORD": newPW}
	cases := []struct {
		name, mention string
		args, flags   []string
		credential    string
	}{
		{"zendesk set nobody", "no user has that email address", []string{"set", "nobody@example.com"}, zdFlags, apiToken},
		{"zendesk set shared", "2 users match", []string{"set", "dup@example.com"}, zdFlags, apiToken},
		{"zendesk change shared", "2 users match", []string{"change", "Dup@Example.com"}, zdFlags, apiToken},
		{"zendesk verify shared", "2 users match", []string{"verify", "dup@example.com"}, zdFlags, apiToken},
		{"zendesk requirements nobody", "no user has that email address", []string{"requirements", "nobody@example.com"}, zdFlags, apiToken},
		{"glowmarkt change", "give the user's ID", []string{"change", "glow@example.com"}, gmFlags, glowPassword},
		{"glowmarkt verify", "give the user's ID", []string{"verify", "glow@example.com"}, gmFlags, glowPassword},
	}
	for _, c := range cases {
		env := map[string]string{"UNIPASS_CREDENTIAL": c.credential, "UNIPASS_OLD_PASSWORD": c.credential}
		for k, v := range environ {
			env[k] = v
		}
		code, stdout, stderr := cliRun(t, env, "", append(c.args, c.flags...)...)
		assert.Equal(t, cmdutil.ExitUsage, code, "%s: %s", c.name, stderr)
		assert.Empty(t, stdout, c.name)
		assert.Contains(t, stderr, c.mention, c.name)
		for _, s := range []string{newPW, apiToken, adminPassword, glowPassword} {
			assert.NotContains(t, stdout+stderr, s, c.name)
		}
	}
	assert.Zero(t, zd.Hits("SetUserPassword")+zd.Hits("ChangeOwnPassword"), "no Zendesk write was sent")
	assert.Zero(t, zd.Hits("GetUserPasswordRequirements"), "no policy was read for nobody")
	assert.Zero(t, gm.Hits("userChangePassWord"), "no Glowmarkt write was sent")
	for _, id := range []int64{1, 2, 3} {
		pw, ok := zd.Password(id)
		require.True(t, ok)
		assert.Equal(t, adminPassword, pw, "user %d", id)
	}
	pw, _ := gm.Password("acc-1")
	assert.Equal(t, glowPassword, pw)
}
