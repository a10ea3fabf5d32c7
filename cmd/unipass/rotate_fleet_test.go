package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/root"
	clirotate "github.com/unipass/unipass/internal/cli/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// Secrets of the fleet's tenants (obviously fake).
const (
	fleetTokenSupport = "fake-fleet-support-token"
	fleetTokenSales   = "fake-fleet-sales-token"
	fleetOriginal     = "fake-Fleet-Original-1"
)

// fleetRig is a DocSpace portal, two Zendesk tenants whose users have the same IDs, and a Glowmarkt
// application, as the profiles portal, support, sales and meters of a config file.
type fleetRig struct {
	t              *testing.T
	dir, config    string
	portal         *facadetest.DocSpace
	support, sales *facadetest.Zendesk
	meters         *facadetest.Glowmarkt
	environ        map[string]string
	n              int // users per profile
}

// docSpaceID is the UUID of the portal's user i.
func docSpaceID(i int) string { return fmt.Sprintf("aae1e103-bca5-9fa1-ba8c-%012d", i) }

func newFleetRig(t *testing.T, n int) *fleetRig {
	r := &fleetRig{t: t, dir: t.TempDir(), n: n, environ: map[string]string{
		"SUPPORT_TOKEN": fleetTokenSupport, "SALES_TOKEN": fleetTokenSales, "PORTAL_KEY": docspaceKey, "METERS_PASSWORD": glowPassword}}
	r.portal = fixture.DocSpace(t, fleetPortal(n))
	r.support = fixture.Zendesk(t, fixture.ZendeskTenant(n, fleetOriginal, fleetTokenSupport))
	r.sales = fixture.Zendesk(t, fixture.ZendeskTenant(n, fleetOriginal, fleetTokenSales))
	r.meters = fixture.Glowmarkt(t, fixture.GlowmarktSeed(glowPassword))
	r.config = filepath.Join(r.dir, "config.yaml")
	cfg := fleetConfig(r.portal.URL(), r.support.URL(), r.sales.URL(), r.meters.URL(), r.meters.ApplicationID())
	require.NoError(t, os.WriteFile(r.config, []byte(cfg), 0o600))
	return r
}

// fleetConfig is the config file of the fleet tests: profiles portal (DocSpace), support and sales
// (Zendesk) and meters (Glowmarkt) at the given base URLs, each credential from an environment variable.
func fleetConfig(portalURL, supportURL, salesURL, metersURL, metersAppID string) string {
	return fmt.Sprintf(`profiles:
  portal:
    vendor: docspace
    base_url: %s
    auth: api-key
    credential_env: PORTAL_KEY
  support:
    vendor: zendesk
    base_url: %s
    auth: api-token
    user: admin@example.com
    credential_env: SUPPORT_TOKEN
  sales:
    vendor: zendesk
    base_url: %s
    auth: api-token
    user: admin@example.com
    credential_env: SALES_TOKEN
  meters:
    vendor: glowmarkt
    base_url: %s
    application_id: %s
    auth: login
    user: glow@example.com
    credential_env: METERS_PASSWORD
`, portalURL, supportURL, salesURL, metersURL, metersAppID)
}

// fleetZendesk is a Zendesk tenant with users 100... whose admin may set passwords.
// fleetPortal is the portal's seed: n users docSpaceID(i), p<i>@example.com, with fleetOriginal, and the API
// key docspaceKey.
func fleetPortal(n int) *facadetest.DocSpaceSeed {
	s := &facadetest.DocSpaceSeed{APIKeys: []string{docspaceKey}}
	for i := range n {
		s.Users = append(s.Users, facadetest.DocSpaceUserSeed{ID: docSpaceID(i), Email: fmt.Sprintf("p%d@example.com", i), Password: fleetOriginal})
	}
	return s
}

// input writes the fleet's input: the three profiles' users interleaved, CSV "user,profile" (the
// profile column need not come first).
func (r *fleetRig) input(extra ...string) string {
	var b strings.Builder
	b.WriteString("user,profile\n")
	for i := range r.n {
		fmt.Fprintf(&b, "%s,portal\n%d,support\n%d,sales\n", docSpaceID(i), 100+i, 100+i)
	}
	for _, line := range extra {
		b.WriteString(line + "\n")
	}
	path := filepath.Join(r.dir, fmt.Sprintf("fleet-%d.csv", len(extra)))
	require.NoError(r.t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// run runs `unipass rotate --config ... args` in process; no vendor flag: the input names the profiles.
func (r *fleetRig) run(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	return r.runIn(ctx, "", args...)
}

// runIn is run with stdin as standard input.
func (r *fleetRig) runIn(ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	e := &factory.Factory{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return r.environ[k] },
		IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}
	code = root.Execute(ctx, e, append([]string{"rotate", "--config", r.config, "--rate", "1000"}, args...))
	return code, out.String(), errOut.String()
}

// writes is the number of password writes the three tenants received.
func (r *fleetRig) writes() int {
	return r.portal.Hits("changeUserPassword") + r.support.Hits("SetUserPassword") + r.sales.Hits("SetUserPassword")
}

// atVendor returns the password in effect for a row of the passwords file.
func (r *fleetRig) atVendor(profile, user string) string {
	var pw string
	var ok bool
	switch profile {
	case "portal":
		pw, ok = r.portal.Password(user)
	case "support", "sales":
		id, err := strconv.ParseInt(user, 10, 64)
		require.NoError(r.t, err)
		zd := r.support
		if profile == "sales" {
			zd = r.sales
		}
		pw, ok = zd.Password(id)
	}
	require.True(r.t, ok, "%s user %s", profile, user)
	return pw
}

// fleetRows reads a fleet passwords file: profile/user → password and status.
func fleetRows(t *testing.T, path string) map[string]statusRow {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"profile", "user", "password", "status"}, rows[0])
	out := map[string]statusRow{}
	for _, row := range rows[1:] {
		out[row[0]+"/"+row[1]] = statusRow{password: row[2], status: row[3]}
	}
	return out
}

// TestRotateFleetResume: one input over a DocSpace portal and two Zendesk tenants (the same user IDs in
// both), with a journal; some writes lose their answers (settled by Verify); the run is interrupted
// mid-way (Ctrl-C), then resumed: every row ends done, the second passwords file holds every account with
// the password in effect at its vendor, and no account was written twice.
func TestRotateFleetResume(t *testing.T) {
	t.Parallel()
	const n = 20
	r := newFleetRig(t, n)
	input, journal := r.input(), filepath.Join(r.dir, "fleet.journal")
	r.sales.Fail("SetUserPassword", facadetest.Fault{After: true, Drop: true, Times: 2})
	r.support.Fail("SetUserPassword", facadetest.Fault{Delay: 10 * time.Millisecond})

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for r.writes() < 15 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	first := filepath.Join(r.dir, "first.csv")
	code, out, errOut := r.run(ctx, "--input", input, "--journal", journal, "--passwords-out", first, "--concurrency", "4")
	require.Equal(t, exitInterrupted, code, errOut)
	assert.Contains(t, errOut, "continue with --resume "+journal)
	sent := r.writes()
	delivered := fleetRows(t, first)
	assert.NotEmpty(t, delivered)
	assert.Less(t, len(delivered), 3*n, "interrupted mid-way")
	profiles := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l clirotate.ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		profiles[l.Profile] = true
	}
	assert.Subset(t, []string{"portal", "support", "sales"}, slices.Sorted(maps.Keys(profiles)), "every JSON line names its profile")

	header := journalHeaderOf(t, journal)
	assert.Equal(t, rotate.Mixed, header["vendor"])
	assert.Len(t, header["profiles"], 3, "the journal names the input's profiles")

	second := filepath.Join(r.dir, "second.csv")
	code, _, errOut = r.run(t.Context(), "--input", input, "--resume", journal, "--passwords-out", second)
	require.Equal(t, exitOK, code, errOut)
	all := fleetRows(t, second)
	require.Len(t, all, 3*n, "every account delivered")
	for key, row := range all {
		profile, user, _ := strings.Cut(key, "/")
		assert.Equal(t, string(rotate.Done), row.status, key)
		assert.Equal(t, r.atVendor(profile, user), row.password, "%s: the delivered password is in effect", key)
		assert.NotEqual(t, fleetOriginal, row.password, key)
	}
	for i := range n {
		user := strconv.Itoa(100 + i)
		assert.NotEqual(t, all["support/"+user].password, all["sales/"+user].password, "the same ID in two tenants is two accounts")
	}
	assert.Equal(t, 3*n, r.writes(), "each account written once (the lost answers were settled by verifying)")
	assert.GreaterOrEqual(t, sent, 15)
	clitest.AssertNoPassword(t, out+errOut, flatten(all))
}

// TestRotateFleetRefusedBeforeSending: an unknown profile, a profile whose vendor cannot set passwords, a
// line without a profile, and a journal of another fleet are refused before anything is sent (exit 2),
// naming the line or the difference; no output file is left behind.
func TestRotateFleetRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	r := newFleetRig(t, 3)
	for name, tc := range map[string]struct {
		extra []string
		want  string
	}{
		"unknown profile": {[]string{"104,billing"}, `line 11: no such profile "billing" in ` + r.config + ` (it has portal, support, sales, meters)`},
		"no profile":      {[]string{"104,"}, "line 11: no profile (the input has a profile column)"},
		"cannot set":      {[]string{"acc-1,meters"}, `profile "meters": glowmarkt cannot set passwords`},
		"user syntax":     {[]string{"not-a-uuid,portal"}, `line 11: "not-a-uuid": a DocSpace user ID is a UUID`},
		"zendesk syntax":  {[]string{"x1,sales"}, `line 11: "x1": a Zendesk user ID is a positive integer`},
	} {
		out := filepath.Join(r.dir, "refused-"+strings.ReplaceAll(name, " ", "-")+".csv")
		journal := out + ".journal"
		code, _, errOut := r.run(t.Context(), "--input", r.input(tc.extra...), "--journal", journal, "--passwords-out", out)
		assert.Equal(t, exitUsage, code, "%s: %s", name, errOut)
		assert.Contains(t, errOut, tc.want, name)
		assert.NoFileExists(t, out, name)
		assert.NoFileExists(t, journal, name)
	}
	assert.Zero(t, r.writes(), "nothing sent")

	// A journal of another fleet: the same input's profiles with one tenant at another address.
	input := r.input()
	journal := filepath.Join(r.dir, "fleet.journal")
	code, _, errOut := r.run(t.Context(), "--input", input, "--journal", journal, "--passwords-out", filepath.Join(r.dir, "one.csv"))
	require.Equal(t, exitOK, code, errOut)
	sent := r.writes()
	moved := strings.Replace(mustRead(t, r.config), r.sales.URL(), strings.Replace(r.sales.URL(), "127.0.0.1", "localhost", 1), 1)
	require.NoError(t, os.WriteFile(r.config, []byte(moved), 0o600))
	code, _, errOut = r.run(t.Context(), "--input", input, "--resume", journal, "--passwords-out", filepath.Join(r.dir, "two.csv"))
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, `profile "sales" is zendesk at`)
	assert.Equal(t, sent, r.writes(), "nothing sent")
}

// TestRotateFleetJSONLines: the profile field of JSON lines, and a dry run that reads each profile's
// policy once and changes nothing.
func TestRotateFleetJSONLines(t *testing.T) {
	t.Parallel()
	r := newFleetRig(t, 2)
	input := filepath.Join(r.dir, "fleet.jsonl")
	lines := fmt.Sprintf(`{"profile": "support", "user": 100}
{"profile": "sales", "user": 100}
{"profile": "portal", "user": %q}
`, docSpaceID(1))
	require.NoError(t, os.WriteFile(input, []byte(lines), 0o600))
	code, out, errOut := r.run(t.Context(), "--input", input, "--dry-run")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "dry run: 3 targets over 3 profiles (portal, sales, support)")
	assert.Zero(t, r.writes())

	code, out, errOut = r.run(t.Context(), "--input", input, "--print-passwords", "--no-journal")
	require.Equal(t, exitOK, code, errOut)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l clirotate.ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		assert.Equal(t, "done", l.Status)
		assert.Equal(t, r.atVendor(l.Profile, l.User), l.NewPassword)
		got = append(got, l.Profile+"/"+l.User)
	}
	assert.ElementsMatch(t, []string{"support/100", "sales/100", "portal/" + docSpaceID(1)}, got)

	long := filepath.Join(r.dir, "long.jsonl") // a first line longer than a read buffer
	require.NoError(t, os.WriteFile(long, []byte(`{"note": "`+strings.Repeat("x", 10_000)+`", "profile": "sales", "user": 101}`+"\n"), 0o600))
	code, out, errOut = r.run(t.Context(), "--input", long, "--dry-run")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "dry run: 1 targets over 1 profiles (sales)")

	// The dry run names the lines the run would refuse as duplicates: the same user twice in one profile,
	// not the same ID in two profiles.
	dups := filepath.Join(r.dir, "dups.jsonl")
	require.NoError(t, os.WriteFile(dups, []byte(lines+`{"profile": "sales", "user": 100}`+"\n"), 0o600))
	writes := r.writes()
	code, out, errOut = r.run(t.Context(), "--input", dups, "--dry-run")
	assert.Equal(t, exitFailure, code, errOut)
	assert.Contains(t, out, `line 4: user "100" of profile "sales" appears earlier in the input`)
	assert.NotContains(t, out, "line 2:")
	assert.Contains(t, errOut, "1 duplicate lines")
	assert.Equal(t, writes, r.writes(), "nothing sent")

	mixed := filepath.Join(r.dir, "mixed.jsonl")
	require.NoError(t, os.WriteFile(mixed, []byte(lines+`{"user": 101}`+"\n"), 0o600))
	code, _, errOut = r.run(t.Context(), "--input", mixed, "--print-passwords", "--no-journal")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "line 4: names no profile, but the first line does")
}

func journalHeaderOf(t *testing.T, path string) map[string]any {
	t.Helper()
	first, _, _ := strings.Cut(mustRead(t, path), "\n")
	var h map[string]any
	require.NoError(t, json.Unmarshal([]byte(first), &h))
	return h
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func flatten(rows map[string]statusRow) map[string]string {
	out := map[string]string{}
	for k, r := range rows {
		out[k] = r.password
	}
	return out
}

// TestRotateFleetStdin: a fleet input from standard input is checked as it streams: at a line naming an
// unknown profile no further target starts (those before it that had not started are reported not
// started) and rotate exits 2 naming the line. The journal of a run from standard input names every profile of the config file.
func TestRotateFleetStdin(t *testing.T) {
	t.Parallel()
	r := newFleetRig(t, 3)
	stdin := "profile,user\nsupport,100\nsales,100\nbilling,101\nsupport,101\n"
	journal := filepath.Join(r.dir, "stdin.journal")
	code, out, errOut := r.runIn(t.Context(), stdin, "--input", "-", "--journal", journal, "--print-passwords", "--concurrency", "1")
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, `line 4: no such profile "billing"`)
	statuses := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l clirotate.ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		statuses[l.Profile+"/"+l.User] = l.Status
	}
	require.Len(t, statuses, 3, "every target reported")
	assert.Equal(t, "not-started", statuses["support/101"], "no target after the bad line starts")
	done := 0
	for _, st := range statuses {
		if st == "done" {
			done++
		}
	}
	names := []string{}
	for _, p := range journalHeaderOf(t, journal)["profiles"].([]any) {
		names = append(names, p.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"meters", "portal", "sales", "support"}, names)
	assert.Equal(t, done, r.writes(), "a write for each target done (those before the bad line may not have started)")
}

// TestRotateFleetEmails: a user may be named by email address where the vendor can look users up
// (FindUser): the row rotates the account the address names, and its JSON line gives the address as the
// user and the ID it names; the account is keyed by its ID (as in --passwords-out), so the same account
// given by ID and by address is a duplicate. An address that names nobody fails its row (exit 1, not a bad
// input line), naming the address; the other rows run.
func TestRotateFleetEmails(t *testing.T) {
	t.Parallel()
	r := newFleetRig(t, 3)
	input := filepath.Join(r.dir, "emails.csv")
	require.NoError(t, os.WriteFile(input, []byte("profile,user\nsales,u1@example.com\nportal,p2@example.com\nsupport,101\nsales,101\n"), 0o600))
	out := filepath.Join(r.dir, "emails-out.csv")
	code, stdout, errOut := r.run(t.Context(), "--input", input, "--passwords-out", out)
	assert.Equal(t, exitFailure, code, errOut) // the duplicate row failed
	statuses := map[string]string{}
	ids := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l clirotate.ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		statuses[l.Profile+"/"+l.User] = l.Status
		ids[l.Profile+"/"+l.User] = l.ID
		if l.Status == "failed" {
			assert.Contains(t, l.Error, "duplicate target")
		}
	}
	assert.Equal(t, map[string]string{"portal/p2@example.com": docSpaceID(2), "sales/u1@example.com": "101", "sales/101": "", "support/101": ""}, ids)
	assert.Equal(t, "done", statuses["portal/p2@example.com"])
	assert.Equal(t, "done", statuses["support/101"])
	// Account 101 of sales is named twice: the address line (2) is done, the later ID line (5) refused as
	// its duplicate, as the dry run says, however long the lookup took.
	assert.Equal(t, "done", statuses["sales/u1@example.com"])
	assert.Equal(t, "failed", statuses["sales/101"])
	rows := fleetRows(t, out)
	require.Len(t, rows, 3)
	for key, row := range rows {
		profile, user, _ := strings.Cut(key, "/")
		assert.Equal(t, r.atVendor(profile, user), row.password, key)
	}
	assert.Contains(t, rows, "portal/"+docSpaceID(2), "--passwords-out names the account by its ID")
	assert.Equal(t, 1, r.sales.Hits("SetUserPassword"), "the account written once")
	code, stdout, errOut = r.run(t.Context(), "--input", input, "--dry-run")
	assert.Equal(t, exitFailure, code, errOut)
	assert.Contains(t, stdout, `--input: line 5: user "101" of profile "sales" appears earlier in the input`, "the dry run names the line the run refused")

	unknown := filepath.Join(r.dir, "unknown-email.csv")
	require.NoError(t, os.WriteFile(unknown, []byte("profile,user\nsupport,102\nsupport,nobody@example.com\n"), 0o600))
	before := r.writes()
	code, stdout, errOut = r.run(t.Context(), "--input", unknown, "--passwords-out", filepath.Join(r.dir, "unknown-out.csv"))
	assert.Equal(t, exitFailure, code, errOut)
	var failed clirotate.ResultLine
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l clirotate.ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l))
		if l.User == "nobody@example.com" {
			failed = l
		}
	}
	assert.Equal(t, "failed", failed.Status, stdout)
	assert.Empty(t, failed.ID)
	assert.Contains(t, failed.Error, `--input: line 3: rotate: zendesk (profile "support"): looking up "nobody@example.com"`)
	assert.Contains(t, failed.Error, "not found")
	assert.Equal(t, before+1, r.writes(), "the other row sent")
	// The dry run fails the same row, in the same words, with the same exit code.
	code, stdout, errOut = r.run(t.Context(), "--input", unknown, "--dry-run")
	assert.Equal(t, exitFailure, code, errOut)
	assert.Contains(t, stdout, failed.Error+": the run fails this row, nothing sent")
	assert.Equal(t, before+1, r.writes(), "nothing sent by the dry run")
}
