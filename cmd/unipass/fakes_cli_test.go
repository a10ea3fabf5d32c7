package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/fixture"
)

// TestFakesProcessCLI runs every CLI command, by flags, as processes against `unipass fakes` in another
// process, checks the outcome in the fakes' state through the admin API, and stops the fakes with SIGINT.
func TestFakesProcessCLI(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	t.Logf("unipass fakes answered %v after exec", p.startup)
	zendesk := []string{"--vendor", "zendesk", "--base-url", p.origin + "/zendesk"}
	asAdmin := append(slices.Clone(zendesk), "--auth", "api-token", "--user", "admin@example.com")
	adminCred := map[string]string{"UNIPASS_CREDENTIAL": fixture.ZendeskAPIToken}
	with := func(env map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range env {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}

	// Zendesk: requirements, set (an admin), change (the agent, by OAuth token), verify.
	code, out := unipass(t, adminCred, "", append([]string{"requirements", "1002"}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "must be at least 5 characters")
	code, out = unipass(t, with(adminCred, "UNIPASS_NEW_PASSWORD", "fake-Set-Passw0rd-2"), "", append([]string{"set", "1002"}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Set-Passw0rd-2", p.password(t, "zendesk", "1002"))
	code, out = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": fixture.ZendeskOAuthToken, "UNIPASS_OLD_PASSWORD": "fake-Set-Passw0rd-2",
		"UNIPASS_NEW_PASSWORD": "fake-Changed-Passw0rd-3"}, "", append([]string{"change", "1002", "--auth", "bearer"}, zendesk...)...)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Changed-Passw0rd-3", p.password(t, "zendesk", "1002"))
	code, out = unipass(t, with(adminCred, "UNIPASS_PASSWORD", "fake-Changed-Passw0rd-3"), "", append([]string{"verify", "1002"}, asAdmin...)...)
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, with(adminCred, "UNIPASS_PASSWORD", fixture.ZendeskAgentPassword), "", append([]string{"verify", "1002"}, asAdmin...)...)
	assert.Equal(t, exitRejected, code, out)
	assert.Contains(t, out, "not the password in effect")

	// Zendesk: rotate --dry-run changes nothing.
	input := filepath.Join(t.TempDir(), "users.csv")
	require.NoError(t, os.WriteFile(input, []byte("user\n1001\n1002\n"), 0o600))
	code, out = unipass(t, adminCred, "", append([]string{"rotate", "--dry-run", "--input", input}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "dry run: 2 targets on zendesk")
	assert.Equal(t, "fake-Changed-Passw0rd-3", p.password(t, "zendesk", "1002"))

	// DocSpace, from UNIPASS_* variables as the README shows: requirements --check, set, verify, reset.
	docspace := map[string]string{"UNIPASS_VENDOR": "docspace", "UNIPASS_BASE_URL": p.origin + "/docspace",
		"UNIPASS_AUTH": "api-key", "UNIPASS_CREDENTIAL": fixture.DocSpaceAPIKey}
	code, out = unipass(t, docspace, "fake-Candidate-Passw0rd-4\n", "requirements", "--check")
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "meets every rule")
	code, out = unipass(t, with(docspace, "UNIPASS_NEW_PASSWORD", "fake-Set-Passw0rd-5"), "", "set", fixture.DocSpaceUser)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Set-Passw0rd-5", p.password(t, "docspace", fixture.DocSpaceUser))
	code, out = unipass(t, with(docspace, "UNIPASS_PASSWORD", "fake-Set-Passw0rd-5"), "", "verify", fixture.DocSpaceUser)
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, map[string]string{"UNIPASS_VENDOR": "docspace", "UNIPASS_BASE_URL": p.origin + "/docspace"}, "", "reset", "mike@example.com")
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, []string{"mike@example.com"}, p.state(t)["docspace"].ResetEmails)

	// Glowmarkt: change the logged-in account's password, then verify it.
	glow := map[string]string{"UNIPASS_VENDOR": "glowmarkt", "UNIPASS_BASE_URL": p.origin + "/glowmarkt",
		"UNIPASS_APPLICATION_ID": seedAppID, "UNIPASS_AUTH": "login", "UNIPASS_USER": "glow@example.com", "UNIPASS_CREDENTIAL": fixture.GlowmarktPassword}
	code, out = unipass(t, with(glow, "UNIPASS_OLD_PASSWORD", fixture.GlowmarktPassword, "UNIPASS_NEW_PASSWORD", "fake-Changed-Passw0rd-6"), "", "change", "")
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Changed-Passw0rd-6", p.password(t, "glowmarkt", "glow-acc-0001"))
	code, out = unipass(t, with(glow, "UNIPASS_CREDENTIAL", "fake-Changed-Passw0rd-6", "UNIPASS_PASSWORD", "fake-Changed-Passw0rd-6"), "", "verify", "glow-acc-0001")
	assert.Equal(t, exitOK, code, out)

	for vendor, s := range p.state(t) {
		assert.Empty(t, s.Violations, vendor)
	}
	p.interrupt(t)
	assert.NotContains(t, p.output(), "contract violation")
}

// TestFakesBannerCredentials: the export lines printed at start, pasted into a shell, point every command at
// its vendor with working credentials.
func TestFakesBannerCredentials(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	exports := regexp.MustCompile(`(?m)^  export (.+)$`).FindAllStringSubmatch(p.output(), -1)
	require.Len(t, exports, 3, p.output())
	byVendor := map[string]map[string]string{}
	for _, line := range exports {
		env := map[string]string{}
		for _, kv := range strings.Fields(line[1]) {
			k, v, ok := strings.Cut(kv, "=")
			require.True(t, ok, kv)
			env[k] = v
		}
		byVendor[env["UNIPASS_VENDOR"]] = env
	}
	require.Len(t, byVendor, 3)
	assert.Equal(t, p.origin+"/docspace", byVendor["docspace"]["UNIPASS_BASE_URL"])
	code, out := unipass(t, byVendor["docspace"], "", "requirements")
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, byVendor["zendesk"], "", "requirements", "1002")
	assert.Equal(t, exitOK, code, out)
	glow := byVendor["glowmarkt"]
	glow["UNIPASS_PASSWORD"] = glow["UNIPASS_CREDENTIAL"]
	code, out = unipass(t, glow, "", "verify", "glow-acc-0001")
	assert.Equal(t, exitOK, code, out)
	p.interrupt(t)
}
