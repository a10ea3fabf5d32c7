package password

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/fixture"
)

// Test secrets (obviously fake).
const (
	adminPassword = "fake-Admin-Passw0rd"
	apiToken      = "fake-password-api-token"
	newPassword   = "fake-New-Passw0rd-1"
)

// zendeskDeps are Deps over a Zendesk fake with an admin (1) and an agent (2, agent@example.com); every
// secret read is newPassword.
func zendeskDeps(t *testing.T) (Deps, *facadetest.Zendesk, *bytes.Buffer) {
	t.Helper()
	seed := fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser(), facadetest.ZendeskUserSeed{ID: 2, Email: "agent@example.com", Password: adminPassword, Role: "agent"})
	seed.AdminSetPassword = true
	zd := fixture.Zendesk(t, seed)
	var out bytes.Buffer
	return Deps{
		Out:        &out,
		ReadSecret: func(factory.SecretInput) (facade.Secret, error) { return facade.NewSecret(newPassword), nil },
		Manager: func(context.Context, bool) (facade.PasswordManager, error) {
			return facade.NewZendesk(zd.URL(), facade.WithHTTPClient(zd.Client()), facade.WithAPIToken("admin@example.com", apiToken))
		},
	}, zd, &out
}

func TestRunSet(t *testing.T) {
	t.Parallel()
	d, zd, out := zendeskDeps(t)
	require.NoError(t, RunSet(t.Context(), &SetOptions{Deps: d, User: "agent@example.com"}))
	assert.Equal(t, "password set for agent@example.com (id 2)\n", out.String())
	pw, _ := zd.Password(2)
	assert.Equal(t, newPassword, pw)

	err := RunSet(t.Context(), &SetOptions{Deps: d, User: "404"})
	require.ErrorIs(t, err, facade.ErrNotFound)
	assert.Contains(t, err.Error(), "no such user 404 at zendesk")
	assert.Equal(t, cmdutil.ExitRejected, cmdutil.ExitCode(err))
}

func TestRunVerify(t *testing.T) {
	t.Parallel()
	d, zd, out := zendeskDeps(t)
	zd.SetPasswordAccess(true)
	err := RunVerify(t.Context(), &VerifyOptions{Deps: d, User: "2"})
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitRejected, cmdutil.ExitCode(err))
	assert.Equal(t, "zendesk Verify: 2: not the password in effect", err.Error())
	assert.Empty(t, out.String())
}

func TestRunRequirementsCheck(t *testing.T) {
	t.Parallel()
	d, _, out := zendeskDeps(t)
	require.NoError(t, RunRequirements(t.Context(), &RequirementsOptions{Deps: d, User: "2", Check: strings.NewReader(newPassword + "\n")}))
	assert.Contains(t, out.String(), "zendesk password policy:")
	assert.Contains(t, out.String(), "the password meets every rule")
	assert.NotContains(t, out.String(), newPassword)

	err := RunRequirements(t.Context(), &RequirementsOptions{Deps: d, User: "2", Check: strings.NewReader("\n")})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))

	err = RunRequirements(t.Context(), &RequirementsOptions{Deps: d})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "add USER")
}

// A runF given to NewCmdX receives the options the command line gave, and nothing is sent.
func TestNewCmdSetOptions(t *testing.T) {
	t.Parallel()
	f := &factory.Factory{Getenv: func(string) string { return "" }}
	var got *SetOptions
	cmd := NewCmdSet(f, func(_ context.Context, o *SetOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"35436", "--new-password-file", "new.txt"})
	require.NoError(t, cmd.Execute())
	require.NotNil(t, got)
	assert.Equal(t, "35436", got.User)
	assert.Equal(t, factory.SecretInput{Name: "new-password", File: "new.txt"}, got.NewPassword)
}
