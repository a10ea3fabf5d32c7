package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
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
			ds.Seed(facadetest.DocSpaceSeed{
				Users:   []facadetest.DocSpaceUserSeed{{ID: fixture.DocSpaceUser, Email: fixture.DocSpaceEmail, Password: adminPassword}},
				APIKeys: []string{docspaceKey},
			})
			zendesk := fixture.ZendeskTenant(3, adminPassword, apiToken)
			// Two users share an address (Zendesk does not stop it): a lookup by it is ambiguous.
			zendesk.Users = append(zendesk.Users,
				facadetest.ZendeskUserSeed{ID: 300, Email: "shared@example.com", Password: adminPassword, Role: "end-user"},
				facadetest.ZendeskUserSeed{ID: 301, Email: "Shared@Example.com", Password: adminPassword, Role: "end-user"})
			zd := facadetest.NewZendesk()
			zd.Seed(*zendesk)
			gm := facadetest.NewGlowmarkt()
			gm.Seed(*fixture.GlowmarktSeed(glowPassword))
			closeScriptFakes(e, ds, zd, gm)
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

// closeScriptFakes closes a script's fakes when it ends and fails it on any contract violation they saw.
func closeScriptFakes(e *testscript.Env, fakes ...interface {
	Violations() []error
	Close()
}) {
	e.Defer(func() {
		for _, f := range fakes {
			f.Close()
			for _, v := range f.Violations() {
				e.T().Fatal("contract violation: " + v.Error())
			}
		}
	})
}

// braceVar is a ${VAR} for the expand command of the scripts.
var braceVar = regexp.MustCompile(`\$\{\w+\}`)
