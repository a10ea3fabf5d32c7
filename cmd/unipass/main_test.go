package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/root"
)

// Test secrets (obviously fake); no command output may contain them.
const (
	adminPassword = "fake-Admin-Passw0rd"
	apiToken      = "fake-cli-api-token"
	docspaceKey   = "fake-cli-docspace-key"
	glowPassword  = "fake-Glow-Passw0rd"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"unipass": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the command end to end against the facadetest fakes, started for each script; their
// addresses are in $DOCSPACE_URL, $ZENDESK_URL and $GLOW_URL.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			ds := facadetest.NewDocSpace()
			ds.AddUser(facadetest.DocSpaceUser{ID: "aae1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "mike@example.com", Password: adminPassword})
			ds.AddAPIKey(docspaceKey)
			zd := facadetest.NewZendesk()
			zd.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: adminPassword, Role: "admin"})
			for i := range 3 {
				zd.AddUser(facadetest.ZendeskUser{ID: int64(100 + i), Email: fmt.Sprintf("u%d@example.com", i), Password: adminPassword, Role: "agent"})
			}
			// Two users share an address (Zendesk does not stop it): a lookup by it is ambiguous.
			zd.AddUser(facadetest.ZendeskUser{ID: 300, Email: "shared@example.com", Password: adminPassword, Role: "end-user"})
			zd.AddUser(facadetest.ZendeskUser{ID: 301, Email: "Shared@Example.com", Password: adminPassword, Role: "end-user"})
			zd.AddAPIToken("admin@example.com", apiToken)
			zd.SetAdminSetPassword(true)
			gm := facadetest.NewGlowmarkt()
			gm.AddAccount(facadetest.GlowmarktAccount{AccountID: "acc-1", Username: "glow@example.com", Password: glowPassword})
			e.Defer(func() {
				for _, f := range []interface {
					Violations() []error
					Close()
				}{ds, zd, gm} {
					f.Close()
					for _, v := range f.Violations() {
						e.T().Fatal("contract violation: " + v.Error())
					}
				}
			})
			e.Setenv("DOCSPACE_URL", ds.URL())
			e.Setenv("ZENDESK_URL", zd.URL())
			e.Setenv("GLOW_URL", gm.URL())
			e.Setenv("GLOW_APP_ID", gm.ApplicationID())
			e.Setenv("API_TOKEN", apiToken)
			e.Setenv("DOCSPACE_KEY", docspaceKey)
			e.Setenv("ADMIN_PASSWORD", adminPassword)
			e.Setenv("GLOW_PASSWORD", glowPassword)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// expand FILE...: replaces each ${VAR} in the files with the script's variable ($VAR is left as is).
			"expand": func(ts *testscript.TestScript, _ bool, args []string) {
				for _, f := range args {
					data := braceVar.ReplaceAllStringFunc(ts.ReadFile(f), func(v string) string { return ts.Getenv(v[2 : len(v)-1]) })
					ts.Check(os.WriteFile(ts.MkAbs(f), []byte(data), 0o600))
				}
			},
			// perm FILE MODE: the file's permission bits are MODE (octal).
			"perm": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: perm FILE MODE")
				}
				info, err := os.Stat(ts.MkAbs(args[0]))
				ts.Check(err)
				got := fmt.Sprintf("%04o", info.Mode().Perm())
				if (got == args[1]) == neg {
					ts.Fatalf("%s has mode %s", args[0], got)
				}
			},
		},
	})
}

// braceVar is a ${VAR} for the expand command of the scripts.
var braceVar = regexp.MustCompile(`\$\{\w+\}`)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo"}, strings.NewReader(""), &out, &errOut)
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
	zd := facadetest.NewZendesk(facadetest.WithT(t))
	zd.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: adminPassword, Role: "admin"})
	zd.AddUser(facadetest.ZendeskUser{ID: 2, Email: "agent@example.com", Password: adminPassword, Role: "agent"})
	zd.AddAPIToken("admin@example.com", apiToken)
	base := []string{"--vendor", "zendesk", "--base-url", zd.URL(), "--auth", "api-token", "--user", "admin@example.com"}
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken, "UNIPASS_NEW_PASSWORD": "fake-New-Passw0rd"}
	runIt := func(args ...string) (int, string) {
		var out, errOut bytes.Buffer
		e := &factory.Factory{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return environ[k] },
			IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}
		code := root.Execute(context.Background(), e, args)
		text := out.String() + errOut.String()
		for _, s := range []string{apiToken, "fake-New-Passw0rd", adminPassword} {
			assert.NotContains(t, text, s)
		}
		return code, text
	}
	code, text := runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, exitRejected, code, text) // the admin setting is off
	assert.Contains(t, text, "Settings > Security > Global")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(text), "\n")+1, "one line: %q", text)

	zd.SetAdminSetPassword(true)
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	require.Equal(t, exitOK, code, text)

	code, _ = runIt(append([]string{"set", "not-a-number"}, base...)...)
	assert.Equal(t, exitUsage, code)
	code, _ = runIt("set", "2", "--vendor", "nope")
	assert.Equal(t, exitUsage, code)
	code, _ = runIt("set", "2", "--no-such-flag")
	assert.Equal(t, exitUsage, code)
	code, text = runIt(append([]string{"set", "2", "--new-password", "fake-New-Passw0rd"}, base...)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, text, "refusing --new-password")

	zd.Fail("SetUserPassword", facadetest.Fault{Status: 429, RetryAfter: "30", Body: `{"error":"slow down"}`, Times: 1})
	code, _ = runIt(append([]string{"set", "2", "--fail-fast"}, base...)...)
	assert.Equal(t, exitLimited, code)
	zd.Fail("SetUserPassword", facadetest.Fault{Status: 500, Body: `{"error":"boom"}`, Times: 1})
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, exitUnknown, code, text)

	delete(environ, "UNIPASS_NEW_PASSWORD")
	code, text = runIt(append([]string{"set", "2"}, base...)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, text, "missing new-password")
}
