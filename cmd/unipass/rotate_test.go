package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/factory"
	"github.com/unipass/unipass/internal/cli/root"
	"github.com/unipass/unipass/internal/fixture"
)

// TestRotateScripts runs the rotate scripts end to end: those of testdata/rotate against one Zendesk fake
// (setupRotateScript), those of testdata/rotate_fleet against a fleet of fakes (setupFleetScript).
func TestRotateScripts(t *testing.T) {
	t.Parallel()
	for dir, p := range map[string]testscript.Params{
		"rotate":       {Setup: setupRotateScript, Cmds: rotateScriptCmds},
		"rotate_fleet": {Setup: setupFleetScript, Cmds: fleetScriptCmds},
	} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			p.Dir = filepath.Join("testdata", dir)
			testscript.Run(t, p)
		})
	}
}

// rotateScriptCmds are the commands the rotate scripts add to testscript's.
var rotateScriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"decrypt":     cmdDecrypt,
	"nopasswords": cmdNoPasswords,
	"atfake":      cmdAtFake,
	"writes":      cmdWrites,
	"fault":       cmdFault,
	"passwordaccess": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 || neg || args[0] != "on" && args[0] != "off" {
			ts.Fatalf("usage: passwordaccess on|off")
		}
		scriptZendesk(ts).SetPasswordAccess(args[0] == "on")
	},
	"perm": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: perm FILE MODE")
		}
		info, err := os.Stat(ts.MkAbs(args[0]))
		ts.Check(err)
		if got := fmt.Sprintf("%04o", info.Mode().Perm()); (got == args[1]) == neg {
			ts.Fatalf("%s has mode %s", args[0], got)
		}
	},
}

// setupRotateScript starts a Zendesk fake with the admin set-password setting on, users 100–104 and the
// admin (1); $ZENDESK_URL is its address and $ZENDESK_URL_ALIAS another name for it; $AGE_RECIPIENT is the
// recipient of the identity in key.txt (recipients.txt holds it too).
func setupRotateScript(e *testscript.Env) error {
	zd := facadetest.NewZendesk()
	zd.Seed(*fixture.ZendeskTenant(5, adminPassword, apiToken))
	closeScriptFakes(e, zd)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	if err := os.WriteFile(e.Cd+"/key.txt", []byte("# a test key\n"+id.String()+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(e.Cd+"/recipients.txt", []byte("# the test key\n"+id.Recipient().String()+"\n"), 0o600); err != nil {
		return err
	}
	e.Values["zendesk"] = zd
	e.Setenv("ZENDESK_URL", zd.URL())
	e.Setenv("ZENDESK_URL_ALIAS", strings.Replace(zd.URL(), "127.0.0.1", "localhost", 1))
	e.Setenv("API_TOKEN", apiToken)
	e.Setenv("AGE_RECIPIENT", id.Recipient().String())
	return nil
}

func scriptZendesk(ts *testscript.TestScript) *facadetest.Zendesk {
	return ts.Value("zendesk").(*facadetest.Zendesk)
}

// decrypt IDENTITY IN OUT: age-decrypts IN with the identities in IDENTITY into OUT.
func cmdDecrypt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: decrypt IDENTITY IN OUT")
	}
	ids, err := age.ParseIdentities(strings.NewReader(ts.ReadFile(args[0])))
	ts.Check(err)
	r, err := age.Decrypt(strings.NewReader(ts.ReadFile(args[1])), ids...)
	if neg {
		if err == nil {
			ts.Fatalf("%s decrypts", args[1])
		}
		return
	}
	ts.Check(err)
	plain, err := io.ReadAll(r)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), plain, 0o600))
}

// passwordRows reads a user,password,status CSV.
func passwordRows(ts *testscript.TestScript, name string) [][]string {
	rows, err := csv.NewReader(strings.NewReader(ts.ReadFile(name))).ReadAll()
	ts.Check(err)
	if len(rows) == 0 || strings.Join(rows[0], ",") != "user,password,status" {
		ts.Fatalf("%s: no user,password,status header", name)
	}
	return rows[1:]
}

// nopasswords CSV: no password of the CSV appears on the last command's standard output or error.
func cmdNoPasswords(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: nopasswords CSV")
	}
	out := ts.ReadFile("stdout") + ts.ReadFile("stderr")
	for _, row := range passwordRows(ts, args[0]) {
		if strings.Contains(out, row[1]) {
			ts.Fatalf("the password of user %s appears in the output", row[0])
		}
	}
}

// atfake CSV: every done row's password is the user's password at the fake, and an unknown row's is not
// (its write did not apply).
func cmdAtFake(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: atfake CSV")
	}
	zd := scriptZendesk(ts)
	for _, row := range passwordRows(ts, args[0]) {
		id, err := strconv.ParseInt(row[0], 10, 64)
		ts.Check(err)
		pw, _ := zd.Password(id)
		if (pw == row[1]) != (row[2] == string(rotate.Done)) {
			ts.Fatalf("user %s (%s): the fake holds another password", row[0], row[2])
		}
	}
}

// writes N: the fake has received N password writes so far.
func cmdWrites(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: writes N")
	}
	if got := strconv.Itoa(scriptZendesk(ts).Hits("SetUserPassword")); got != args[0] {
		ts.Fatalf("%s password writes, want %s", got, args[0])
	}
}

// fault OPERATION KIND TIMES arms a fault at the fake: KIND lost (the write applies, the connection
// drops), or an HTTP status answered instead; fault clear removes them all.
func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	zd := scriptZendesk(ts)
	if len(args) == 1 && args[0] == "clear" {
		zd.ClearFaults()
		return
	}
	if len(args) != 3 || neg {
		ts.Fatalf("usage: fault OPERATION lost|STATUS TIMES | fault clear")
	}
	times, err := strconv.Atoi(args[2])
	ts.Check(err)
	f := facadetest.Fault{Times: times}
	if args[1] == "lost" {
		f.After, f.Drop = true, true
	} else {
		f.Status, err = strconv.Atoi(args[1])
		ts.Check(err)
		f.Body = `{"error":"RecordNotFound","description":"Not found"}`
	}
	zd.Fail(facadetest.Operation(args[0]), f)
}

// rotateFake is a Zendesk fake for in-process rotate tests: the admin and users 100.. with the admin
// set-password setting on.
func rotateFake(t *testing.T, users int) *facadetest.Zendesk {
	t.Helper()
	return fixture.Zendesk(t, fixture.ZendeskTenant(users, adminPassword, apiToken))
}

// runRotate runs the command in-process with ctx and returns its exit code, standard output and error.
func runRotate(ctx context.Context, t *testing.T, baseURL, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	environ := map[string]string{"UNIPASS_CREDENTIAL": apiToken}
	e := &factory.Factory{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return environ[k] },
		IsTerminal: func(any) bool { return false }, Prompt: func(string) (string, error) { return "", nil }}
	args = append([]string{"rotate", "--vendor", "zendesk", "--base-url", baseURL, "--auth", "api-token", "--user", "admin@example.com"}, args...)
	code := root.Execute(ctx, e, args)
	return code, out.String(), errOut.String()
}

// TestRotateInterrupted: cancelling the context (what Ctrl-C and SIGTERM do) mid-run stops new targets, lets
// the writes in flight finish and be delivered, and exits 6 with the way to resume; the resumed run
// completes every target without sending a done one again.
func TestRotateInterrupted(t *testing.T) {
	t.Parallel()
	const users = 40
	zd := rotateFake(t, users)
	zd.Fail("SetUserPassword", facadetest.Fault{Delay: 20 * time.Millisecond})
	dir := t.TempDir()
	input := clitest.WriteUsers(t, dir+"/users.csv", 100, users)

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for zd.Hits("SetUserPassword") < 5 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	code, out, errOut := runRotate(ctx, t, zd.URL(), "", "--input", input, "--journal", dir+"/j", "--passwords-out", dir+"/1.csv",
		"--concurrency", "4", "--rate", "1000")
	require.Equal(t, exitInterrupted, code, errOut)
	assert.Contains(t, errOut, "continue with --resume "+dir+"/j")
	assert.Contains(t, out, `"status":"not-started"`)
	first := clitest.ReadPasswords(t, dir+"/1.csv")
	require.NotEmpty(t, first)
	clitest.AssertNoPassword(t, out+errOut, first)
	sent := zd.Hits("SetUserPassword")
	assert.Len(t, first, sent, "every write sent was finished and delivered")
	clitest.AssertAtFake(t, zd, first)

	code, out, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--resume", dir+"/j", "--passwords-out", dir+"/2.csv",
		"--concurrency", "4", "--rate", "1000")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, len(first), strings.Count(out, `"resumed":true`))
	second := clitest.ReadPasswords(t, dir+"/2.csv")
	assert.Len(t, second, users)
	clitest.AssertNoPassword(t, out+errOut, second)
	assert.Equal(t, users, zd.Hits("SetUserPassword"), "no target written twice")
	clitest.AssertAtFake(t, zd, second)
	for user, pw := range first {
		assert.True(t, pw == second[user], "user %s delivered again with the same password", user)
	}
}

// TestRotateStdinBadLine: from standard input, a bad line stops the run: no later target starts, and
// rotate exits 2 naming the line.
func TestRotateStdinBadLine(t *testing.T) {
	t.Parallel()
	zd := rotateFake(t, 3)
	code, out, errOut := runRotate(t.Context(), t, zd.URL(), "user\n100\nnot-an-id\n101\n102\n", "--input", "-", "--print-passwords", "--no-journal")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `line 3: "not-an-id": a Zendesk user ID is a positive integer`)
	assert.Contains(t, out, `"user":"101","status":"not-started"`)
	assert.Contains(t, out, `"user":"102","status":"not-started"`)
	assert.LessOrEqual(t, zd.Hits("SetUserPassword"), 1)
}

// TestRotateRefusesBeforeSending: flag and input mistakes are refused before any request.
func TestRotateRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	zd := rotateFake(t, 3)
	dir := t.TempDir()
	good := clitest.WriteUsers(t, dir+"/users.csv", 100, 3)
	require.NoError(t, os.WriteFile(dir+"/bad.csv", []byte("user\n100\n101\n\"unterminated\n"), 0o600))
	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no input", "", []string{"--print-passwords"}, "--input is required"},
		{"bad CSV at the end", "", []string{"--input", dir + "/bad.csv", "--print-passwords", "--no-journal"}, "line 4"},
		{"journal and resume", "", []string{"--input", good, "--journal", dir + "/a", "--resume", dir + "/b", "--print-passwords"}, "drop --journal"},
		{"resume a missing journal", "", []string{"--input", good, "--resume", dir + "/missing", "--print-passwords"}, "--resume"},
		{"identity without resume", "", []string{"--input", good, "--identity", dir + "/k", "--print-passwords"}, "--identity"},
		{"encrypted to stdout", "", []string{"--input", good, "--encrypt-to", "age1x", "--print-passwords"}, "--print-passwords"},
		{"bad recipient", "", []string{"--input", good, "--encrypt-to", "age1nope", "--journal", dir + "/j", "--passwords-out", dir + "/x"}, "not an age recipient"},
		{"encrypted without a journal", "", []string{"--input", good, "--encrypt-to", "age1x", "--passwords-out", dir + "/x", "--no-journal"}, "add --journal FILE"},
		{"dry run with a journal", "", []string{"--input", good, "--dry-run", "--journal", dir + "/j"}, "--dry-run"},
		{"stdin twice", "user\n100\n", []string{"--input", "-", "--credential-stdin", "--print-passwords"}, "both read standard input"},
		{"no targets", "user\n", []string{"--input", "-", "--dry-run"}, "no targets"},
	} {
		code, _, errOut := runRotate(t.Context(), t, zd.URL(), c.stdin, c.args...)
		assert.Equal(t, exitUsage, code, "%s: %s", c.name, errOut)
		assert.Contains(t, errOut, c.want, c.name)
	}
	assert.NoFileExists(t, dir+"/x")
	assert.Equal(t, 0, zd.Hits("SetUserPassword"))
	assert.Equal(t, 0, zd.Hits("GetUserPasswordRequirements"))
}

// TestRotateLostAnswers: every write is applied and its answer lost (the connection dropped, or a proxy's
// 502 or 500 instead of the vendor's answer): every target ends done through Verify, each written once,
// and every password delivered is the one in effect.
func TestRotateLostAnswers(t *testing.T) {
	t.Parallel()
	const users = 50
	for name, fault := range map[string]facadetest.Fault{
		"dropped": {After: true, Drop: true},
		"502":     {After: true, Status: 502, Body: "Bad Gateway"},
		"500":     {After: true, Status: 500, Body: `{"error":"InternalError"}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			zd := rotateFake(t, users)
			zd.Fail("SetUserPassword", fault)
			dir := t.TempDir()
			input := clitest.WriteUsers(t, dir+"/users.csv", 100, users)
			code, out, errOut := runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--journal", dir+"/j",
				"--passwords-out", dir+"/p.csv", "--rate", "1000")
			require.Equal(t, exitOK, code, errOut)
			assert.Equal(t, users, strings.Count(out, `"status":"done"`))
			pws := clitest.ReadPasswords(t, dir+"/p.csv")
			assert.Len(t, pws, users)
			clitest.AssertNoPassword(t, out+errOut, pws)
			clitest.AssertAtFake(t, zd, pws)
			assert.Equal(t, users, zd.Hits("SetUserPassword"), "each target written once")
		})
	}
}
