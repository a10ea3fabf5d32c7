package root

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/fixture"
)

// Test secrets (obviously fake); no command output may contain them.
const (
	adminPassword = "fake-Admin-Passw0rd"
	apiToken      = "fake-cli-api-token"
	docspaceKey   = "fake-cli-docspace-key"
	glowPassword  = "fake-Glow-Passw0rd"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Execute(t.Context(), &factory.Factory{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}, []string{"demo"})
	assert.Equal(t, 0, code, errOut.String())
	for _, want := range []string{"SetPassword", "ChangePassword", "SendReset", "Requirements", "Verify", "FindUser", "docspace", "zendesk", "glowmarkt", "unsupported"} {
		assert.Contains(t, out.String(), want)
	}
	assert.NotContains(t, out.String(), "FAILED")
	assert.Equal(t, 1+24+3, strings.Count(out.String(), "\n"), "a header, 18 operation rows and 6 error rows, then a blank line and two summary lines")
	for _, secret := range []string{"fake-Admin-Passw0rd", "fake-zendesk-api-token", "fake-Glow-Passw0rd", "fake-Set-Passw0rd-2", "fake-Changed-Passw0rd-3"} {
		assert.NotContains(t, out.String()+errOut.String(), secret)
	}
}

func TestExitCodes(t *testing.T) {
	zd := fixture.Zendesk(t, fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser(), facadetest.ZendeskUserSeed{ID: 2, Email: "agent@example.com", Password: adminPassword, Role: "agent"}))
	base := []string{"--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken, "UNIPASS_NEW_PASSWORD": "fake-New-Passw0rd"}
	runIt := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		e := &factory.Factory{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return environ[k] },
			IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}
		code := Execute(t.Context(), e, args)
		text := out.String() + errOut.String()
		for _, s := range []string{apiToken, "fake-New-Passw0rd", adminPassword} {
			assert.NotContains(t, text, s)
		}
		return code, text
	}
	code, text := runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, cmdutil.ExitRejected, code, text) // the admin setting is off
	assert.Contains(t, text, "Settings > Security > Global")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(text), "\n")+1, "one line: %q", text)

	zd.SetAdminSetPassword(true)
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	require.Equal(t, cmdutil.ExitOK, code, text)

	code, _ = runIt(append([]string{"set", "not-a-number"}, base...)...)
	assert.Equal(t, cmdutil.ExitUsage, code)
	code, _ = runIt("set", "2", "--vendor", "nope")
	assert.Equal(t, cmdutil.ExitUsage, code)
	code, _ = runIt("set", "2", "--no-such-flag")
	assert.Equal(t, cmdutil.ExitUsage, code)
	code, text = runIt(append([]string{"set", "2", "--new-password", "fake-New-Passw0rd"}, base...)...)
	assert.Equal(t, cmdutil.ExitUsage, code)
	assert.Contains(t, text, "refusing --new-password")

	zd.Fail("SetUserPassword", facadetest.Fault{Status: 429, RetryAfter: "30", Body: `{"error":"slow down"}`, Times: 1})
	code, _ = runIt(append([]string{"set", "2", "--fail-fast"}, base...)...)
	assert.Equal(t, cmdutil.ExitLimited, code)
	zd.Fail("SetUserPassword", facadetest.Fault{Status: 500, Body: `{"error":"boom"}`, Times: 1})
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, cmdutil.ExitUnknown, code, text)

	delete(environ, "UNIPASS_NEW_PASSWORD")
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, cmdutil.ExitUsage, code)
	assert.Contains(t, text, "missing new-password")
}
