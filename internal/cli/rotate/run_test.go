package rotate

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/cli/config"
	"github.com/unipass/unipass/internal/fixture"
)

const runToken = "fake-rotate-run-token" // #nosec G101 -- a fake's test token

// runRig is a Zendesk fake with users 100, 101, ..., an input file naming them, and the Options of a run
// against it.
type runRig struct {
	zd           *facadetest.Zendesk
	dir, input   string
	passwordsOut string // where a test may have the new passwords go (p.csv in dir, not yet made)
	out, errOut  bytes.Buffer
}

func newRunRig(t *testing.T, users int) *runRig {
	t.Helper()
	seed := fixture.ZendeskTokenSeed(runToken, append([]facadetest.ZendeskUserSeed{fixture.TenantAdminUser()},
		fixture.Agents(users, "fake-Old-Passw0rd", "end-user")...)...)
	seed.AdminSetPassword = true
	r := &runRig{zd: fixture.Zendesk(t, seed), dir: t.TempDir()}
	r.input = clitest.WriteUsers(t, filepath.Join(r.dir, "users.csv"), 100, users)
	r.passwordsOut = filepath.Join(r.dir, "p.csv")
	return r
}

// run runs rotate with f (the command's defaults where f leaves them zero) and returns the exit code,
// standard output, and standard error with the error's line as the command would print it.
func (r *runRig) run(t *testing.T, f Flags) (code int, stdout, stderr string) {
	t.Helper()
	r.out.Reset()
	r.errOut.Reset()
	f.Concurrency = cmp.Or(f.Concurrency, 8)
	f.Length = cmp.Or(f.Length, frotate.DefaultLength)
	err := Run(t.Context(), r.options(f))
	stderr = r.errOut.String()
	if ee := (*cmdutil.ExitError)(nil); err != nil && (!errors.As(err, &ee) || ee.Err != nil) {
		stderr += "unipass: " + err.Error() + "\n"
	}
	return cmdutil.ExitCode(err), r.out.String(), stderr
}

// options are the Options of a run with flags f: no process, no command line.
func (r *runRig) options(f Flags) *Options {
	return &Options{In: strings.NewReader(""), Out: &r.out, ErrOut: &r.errOut, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false }, Flags: f,
		Manager: func(context.Context) (facade.PasswordManager, error) {
			return facade.NewZendesk(r.zd.URL(), facade.WithHTTPClient(r.zd.Client()), facade.WithAPIToken("admin@example.com", runToken))
		},
		Account: func() (config.Account, error) { return config.Account{Vendor: "zendesk", BaseURL: r.zd.URL()}, nil },
		Config:  func() (*config.File, error) { return &config.File{Profiles: map[string]*config.Profile{}}, nil },
	}
}

// Flag combinations that cannot work are refused before anything is read or sent, naming the flags.
func TestRunRefusesFlagCombinations(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 2)
	for _, c := range []struct {
		f    Flags
		want string
	}{
		{Flags{Concurrency: 1}, "--input is required"},
		{Flags{Input: r.input, Concurrency: 1}, "say where the new passwords go: --passwords-out FILE or --print-passwords"},
		{Flags{Input: r.input, Concurrency: 1, PrintPasswords: true}, "say where the journal goes: --journal FILE (or --no-journal)"},
		{Flags{Input: r.input, Concurrency: 1, DryRun: true, Journal: "j"}, "--dry-run writes nothing: drop --journal and --resume"},
		{Flags{Input: "-", Concurrency: 1, CredentialStdin: true, DryRun: true}, "--input - and --credential-stdin both read standard input"},
		{Flags{Input: r.input, Concurrency: 0, DryRun: true}, "--concurrency must be at least 1"},
		{Flags{Input: r.input, Concurrency: 1, Format: "xml", DryRun: true}, "--format must be csv or jsonl"},
		{Flags{Input: r.input, Concurrency: 1, Identity: "key.txt", PrintPasswords: true, NoJournal: true}, "--identity reads an encrypted journal: it goes with --resume"},
	} {
		err := Run(t.Context(), r.options(c.f))
		require.Error(t, err, c.want)
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), c.want)
		assert.Contains(t, err.Error(), c.want)
	}
	assert.Zero(t, r.zd.Hits("SetUserPassword"))
}

// The dry run checks the input and the policy and changes nothing.
func TestRunDryRun(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 2)
	require.NoError(t, Run(t.Context(), r.options(Flags{Input: r.input, Concurrency: 1, Length: 20, DryRun: true})))
	assert.Contains(t, r.out.String(), "zendesk password policy:")
	assert.Contains(t, r.out.String(), "dry run: 2 targets on zendesk; capabilities, input and policy checked; nothing was changed")
	assert.Zero(t, r.zd.Hits("SetUserPassword"))
}

// A run sets every password, delivers each to --passwords-out and journals it.
func TestRunPasswordsOut(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 2)
	out := filepath.Join(r.dir, "new.csv")
	require.NoError(t, Run(t.Context(), r.options(Flags{Input: r.input, Concurrency: 2, Length: 20, PasswordsOut: out})))
	assert.FileExists(t, out+defaultJournalSuffix)
	f, err := os.Open(out) // #nosec G304 -- the test's own file
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3)
	for _, row := range rows[1:] {
		var id int64 = 100
		if row[0] == "101" {
			id = 101
		}
		pw, _ := r.zd.Password(id)
		assert.Equal(t, pw, row[1], "user %s", row[0])
		assert.Equal(t, "done", row[2])
		assert.NotContains(t, r.out.String(), row[1], "no password on standard output")
	}
}
