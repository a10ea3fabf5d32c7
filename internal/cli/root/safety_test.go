package root

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/fixture"
)

// cliRun runs the command with the given environment and standard input; the terminal is never interactive.
func cliRun(t *testing.T, environ map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &factory.Factory{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return environ[k] },
		IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}
	code = Execute(t.Context(), e, args)
	return code, out.String(), errOut.String()
}

// Every secret given where nothing would read it is a usage error naming the flag, before any request; a
// value given to a secret's flag never shows in the output.
func TestSecretFlagsRefused(t *testing.T) {
	t.Parallel()
	const value = "fake-Distinct-Secret-7781"
	ds := fixture.DocSpace(t, &facadetest.DocSpaceSeed{})
	zd := agentOnlyZendesk(t)
	file := clitest.WriteFile(t, t.TempDir(), "secret.txt", value+"\n")
	reset := []string{"reset", "mike@example.com", "--vendor", "docspace", "--base-url", ds.URL()}
	set := []string{"set", "2", "--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"credential value on reset", append(reset, "--credential", value), "refusing --credential on the command line"},
		{"credential=value on reset", append(reset, "--credential="+value), "refusing --credential on the command line"},
		{"credential file on reset", append(reset, "--credential-file", file), "refusing --credential-file: reset uses no credential"},
		{"credential stdin on reset", append(reset, "--credential-stdin"), "refusing --credential-stdin: reset uses no credential"},
		{"credential stdin on version", []string{"version", "--credential-stdin"}, "refusing --credential-stdin: version uses no credential"},
		{"old password file on set", append(set, "--old-password-file", file), "unknown flag: --old-password-file"},
		{"old password value on set", append(set, "--old-password="+value), "unknown flag: --old-password"},
		{"bool secret flag given a value", append(set, "--new-password-stdin="+value), "--new-password-stdin was given a value, and takes none (not shown)"},
		{"credential stdin given a value", append(set, "--credential-stdin="+value), "--credential-stdin was given a value, and takes none (not shown)"},
		{"bad flag syntax", append(set, "---new-password="+value), "bad flag syntax"},
		{"unknown shorthand", append(set, "-x"+value), "unknown shorthand flag -x"},
		{"two secrets from stdin", append(set, "--new-password-stdin", "--credential-stdin"), "only one secret can come from standard input"},
		{"new password value on set", append(set, "--new-password-file", file, "--new-password", value), "refusing --new-password on the command line"},
	} {
		code, stdout, stderr := cliRun(t, environ, value+"\n", tc.args...)
		assert.Equal(t, cmdutil.ExitUsage, code, "%s: %s", tc.name, stderr)
		assert.Contains(t, stderr, tc.want, tc.name)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "%s: one line: %q", tc.name, stderr)
		assert.NotContains(t, stdout+stderr, value, tc.name)
		assert.NotContains(t, stdout+stderr, apiToken, tc.name)
	}
	assert.Zero(t, ds.Hits("sendUserPassword"), "nothing is sent after a refusal")
	assert.Zero(t, zd.Hits("SetUserPassword"), "nothing is sent after a refusal")

	// The environment is ambient, not a flag: UNIPASS_CREDENTIAL beside reset is not refused.
	code, stdout, stderr := cliRun(t, environ, "", reset...)
	assert.Equal(t, cmdutil.ExitOK, code, stderr)
	assert.Contains(t, stdout, "reset email requested")
}

// Vendor text (policy sentences, a vendor's error message) reaches the terminal without control characters
// that could erase or rewrite a line.
func TestVendorTextPrintable(t *testing.T) {
	t.Parallel()
	const spoof = "\x1b[2K\rpassword set \u202e\u009b"
	zd := agentOnlyZendesk(t)
	base := []string{"--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken, "UNIPASS_NEW_PASSWORD": "fake-New-Passw0rd-1"}
	q, err := json.Marshal(spoof) // a JSON string, quotes included
	require.NoError(t, err)
	quoted := string(q)

	zd.Fail("GetUserPasswordRequirements", facadetest.Fault{Status: 200, Times: 3,
		Body: `{"requirements":["must be at least 5 characters",` + quoted + `]}`})
	code, stdout, stderr := cliRun(t, environ, "", append([]string{"requirements", "2"}, base...)...)
	require.Equal(t, cmdutil.ExitOK, code, stderr)
	assert.Contains(t, stdout, `\x1b[2K`, "the escape is shown, not acted on")
	assertNoControls(t, stdout+stderr)

	code, stdout, stderr = cliRun(t, environ, "user\n2\n", append([]string{"rotate", "--input", "-", "--dry-run"}, base...)...)
	require.Equal(t, cmdutil.ExitOK, code, stderr)
	assert.Contains(t, stdout, `\x1b[2K`, "rotate --dry-run prints the policy the same way")
	assertNoControls(t, stdout+stderr)

	code, stdout, stderr = cliRun(t, environ, "fake-Short\n", append([]string{"requirements", "2", "--check"}, base...)...)
	assert.Equal(t, cmdutil.ExitOK, code, stderr)
	assertNoControls(t, stdout+stderr)

	zd.Fail("SetUserPassword", facadetest.Fault{Status: 422, Times: 1,
		Body: `{"error":"RecordInvalid","description":` + quoted + `,"details":{"password":[{"description":` + quoted + `}]}}`})
	code, stdout, stderr = cliRun(t, environ, "", append([]string{"set", "2"}, base...)...)
	assert.Equal(t, cmdutil.ExitRejected, code, stderr)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assertNoControls(t, stdout+stderr)
}

func assertNoControls(t *testing.T, text string) {
	t.Helper()
	for _, r := range strings.TrimRight(text, "\n") {
		if r == '\n' {
			continue
		}
		assert.Equal(t, string(r), cmdutil.Printable(string(r)), "%U in %q", r, text)
	}
}

// Commands built at the same time share no state (under -race, a package-level map written by each command's
// flags fails this test), and each knows its own secrets.
func TestCommandsShareNoState(t *testing.T) {
	t.Parallel()
	const n = 8
	codes := make(chan int, 2*n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			code, _, _ := cliRun(t, nil, "", "verify", "1", "--vendor", "zendesk", "--password", "fake-Racing-Passw0rd")
			codes <- code
		})
		wg.Go(func() {
			code, _, _ := cliRun(t, nil, "", "version")
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	var got []int
	for c := range codes {
		got = append(got, c)
	}
	slices.Sort(got)
	assert.Equal(t, append(slices.Repeat([]int{cmdutil.ExitOK}, n), slices.Repeat([]int{cmdutil.ExitUsage}, n)...), got)
}

// agentOnlyZendesk is a Zendesk fake with the agent 2 (agent@example.com) and no admin user, where the API
// token apiToken of admin@example.com is accepted and admins may set passwords.
func agentOnlyZendesk(t *testing.T) *facadetest.Zendesk {
	t.Helper()
	seed := fixture.ZendeskTokenSeed(apiToken, facadetest.ZendeskUserSeed{ID: 2, Email: "agent@example.com", Password: adminPassword, Role: "agent"})
	seed.AdminSetPassword = true
	return fixture.Zendesk(t, seed)
}
