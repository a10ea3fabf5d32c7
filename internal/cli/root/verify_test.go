package root

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/fixture"
)

// verify's exit codes: 0 the password is in effect, 3 it is not, 1 nothing proven (the vendor cannot verify),
// the usual codes for everything else; one line of output each time, and never the password.
func TestVerifyExitCodes(t *testing.T) {
	t.Parallel()
	const wrong = "fake-Wrong-Passw0rd-3"
	zd := fixture.Zendesk(t, fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser(), facadetest.ZendeskUserSeed{ID: 2, Email: "agent@example.com", Password: adminPassword, Role: "agent"}))
	base := []string{"verify", "2", "--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken, "UNIPASS_PASSWORD": adminPassword}
	check := func(name string, want int, stdin string, args ...string) string {
		t.Helper()
		code, stdout, stderr := cliRun(t, environ, stdin, append(base, args...)...)
		assert.Equal(t, want, code, "%s: %s", name, stderr)
		assert.Equal(t, 1, strings.Count(stdout+stderr, "\n"), "%s: one line: %q", name, stdout+stderr)
		for _, s := range []string{adminPassword, wrong, apiToken} {
			assert.NotContains(t, stdout+stderr, s, name)
		}
		return stdout + stderr
	}

	assert.Equal(t, "the password is the one in effect\n", check("in effect", cmdutil.ExitOK, ""))
	assert.Contains(t, check("wrong", cmdutil.ExitRejected, wrong+"\n", "--password-stdin"), "not the password in effect")
	check("argument", cmdutil.ExitUsage, "", "--password", wrong)

	zd.Fail("ShowCurrentUser", facadetest.Fault{Status: 429, RetryAfter: "30", Body: `{"error":"slow down"}`, Times: 1})
	out := check("rate limited", cmdutil.ExitLimited, "", "--fail-fast")
	assert.NotContains(t, out, "not the password in effect")

	zd.SetPasswordAccess(false)
	out = check("password access off", cmdutil.ExitFailure, wrong+"\n", "--password-stdin")
	assert.NotContains(t, out, "not the password in effect", "a refusal that proves nothing is not called a wrong password")
}
