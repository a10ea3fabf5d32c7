package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// fleetScriptCmds are the commands the fleet scripts add to testscript's.
var fleetScriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"tenantfault":  cmdTenantFault,
	"verifyaccess": cmdVerifyAccess,
	"fleetdone":    cmdFleetDone,
	"tenantwrites": cmdTenantWrites,
}

// fleetFakes are a script's tenants.
type fleetFakes struct {
	portal         *facadetest.DocSpace
	support, sales *facadetest.Zendesk
}

// setupFleetScript writes config.yaml into the work directory, naming the profiles portal (a DocSpace
// fake, users docSpaceID(0..4)), support and sales (two Zendesk fakes, users 100–104 in each) and meters (a
// Glowmarkt fake); their credentials are in the environment.
func setupFleetScript(e *testscript.Env) error {
	f := &fleetFakes{portal: facadetest.NewDocSpace()}
	f.portal.Seed(*fleetPortal(5))
	f.support, f.sales = scriptZendeskTenant(fleetTokenSupport), scriptZendeskTenant(fleetTokenSales)
	meters := facadetest.NewGlowmarkt()
	closeScriptFakes(e, f.portal, f.support, f.sales, meters)
	config := fleetConfig(f.portal.URL(), f.support.URL(), f.sales.URL(), meters.URL(), meters.ApplicationID())
	if err := os.WriteFile(filepath.Join(e.WorkDir, "config.yaml"), []byte(config), 0o600); err != nil {
		return err
	}
	e.Setenv("PORTAL_KEY", docspaceKey)
	e.Setenv("SUPPORT_TOKEN", fleetTokenSupport)
	e.Setenv("SALES_TOKEN", fleetTokenSales)
	e.Setenv("METERS_PASSWORD", glowPassword)
	e.Values["fleet"] = f
	return nil
}

func scriptZendeskTenant(token string) *facadetest.Zendesk {
	zd := facadetest.NewZendesk()
	zd.Seed(*fixture.ZendeskTenant(5, fleetOriginal, token))
	return zd
}

func scriptFleet(ts *testscript.TestScript) *fleetFakes {
	return ts.Value("fleet").(*fleetFakes)
}

// zendeskTenant returns the support or sales fake.
func (f *fleetFakes) zendeskTenant(ts *testscript.TestScript, name string) *facadetest.Zendesk {
	switch name {
	case "support":
		return f.support
	case "sales":
		return f.sales
	}
	ts.Fatalf("no Zendesk tenant %q", name)
	return nil
}

// tenantfault TENANT N: the tenant's next N password writes apply and lose their answers (the connection
// drops).
func cmdTenantFault(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: tenantfault support|sales N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	scriptFleet(ts).zendeskTenant(ts, args[0]).Fail("SetUserPassword", facadetest.Fault{After: true, Drop: true, Times: n})
}

// verifyaccess TENANT on|off: whether the tenant lets passwords be verified (Zendesk's password access).
func cmdVerifyAccess(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: verifyaccess support|sales on|off")
	}
	scriptFleet(ts).zendeskTenant(ts, args[0]).SetPasswordAccess(args[1] == "on")
}

// tenantwrites TENANT N: the tenant has received N password writes.
func cmdTenantWrites(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: tenantwrites portal|support|sales N")
	}
	f := scriptFleet(ts)
	var got int
	if args[0] == "portal" {
		got = f.portal.Hits("changeUserPassword")
	} else {
		got = f.zendeskTenant(ts, args[0]).Hits("SetUserPassword")
	}
	if strconv.Itoa(got) != args[1] {
		ts.Fatalf("%s: %d password writes, want %s", args[0], got, args[1])
	}
}

// fleetdone CSV N: the fleet passwords file has N rows, each done, with the password in effect at its
// profile's tenant.
func cmdFleetDone(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: fleetdone CSV N")
	}
	f := scriptFleet(ts)
	file, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer func() { _ = file.Close() }()
	rows, err := csv.NewReader(file).ReadAll()
	ts.Check(err)
	if len(rows) == 0 || fmt.Sprint(rows[0]) != "[profile user password status]" {
		ts.Fatalf("%s: not a fleet passwords file", args[0])
	}
	if strconv.Itoa(len(rows)-1) != args[1] {
		ts.Fatalf("%s: %d rows, want %s", args[0], len(rows)-1, args[1])
	}
	for _, row := range rows[1:] {
		var pw string
		if row[0] == "portal" {
			pw, _ = f.portal.Password(row[1])
		} else {
			id, err := strconv.ParseInt(row[1], 10, 64)
			ts.Check(err)
			pw, _ = f.zendeskTenant(ts, row[0]).Password(id)
		}
		if row[3] != string(rotate.Done) || pw != row[2] {
			ts.Fatalf("%s user %s: status %s, and the tenant holds another password: %v", row[0], row[1], row[3], pw != row[2])
		}
	}
}
