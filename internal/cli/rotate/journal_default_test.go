package rotate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// TestRotateDefaultJournal: a real run with --passwords-out and no journal flag records its journal at
// --passwords-out + ".journal" (mode 0600, every target done), names it in the summary, and that journal
// resumes; a second run with the same --passwords-out is refused before anything is sent, saying how to
// go on.
func TestRotateDefaultJournal(t *testing.T) {
	t.Parallel()
	const users = 5
	r := newRunRig(t, users)
	zd, dir, input, out := r.zd, r.dir, r.input, r.passwordsOut
	journal := out + ".journal"

	code, stdout, errOut := r.run(t, Flags{Input: input, PasswordsOut: out, Rate: 1000})
	require.Equal(t, cmdutil.ExitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"status":"done"`))
	assert.Contains(t, errOut, "rotate: 5 done (0 from the journal), 0 unknown, 0 failed, 0 not started; journal "+journal+"\n")
	info, err := os.Stat(journal)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.Equal(t, map[string]string{"100": "done", "101": "done", "102": "done", "103": "done", "104": "done"}, clitest.JournalStates(t, journal))
	pws := clitest.ReadPasswords(t, out)
	clitest.AssertAtFake(t, zd, pws)
	clitest.AssertNoPassword(t, stdout+errOut, pws)

	// The same command again: both files exist; the journal is checked first and the message says how to
	// go on. Nothing is sent and neither file changes.
	before, err := os.ReadFile(journal) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	code, _, errOut = r.run(t, Flags{Input: input, PasswordsOut: out, Rate: 1000})
	assert.Equal(t, cmdutil.ExitUsage, code)
	assert.Contains(t, errOut, "the journal "+journal+" (the default for --passwords-out "+out+") exists")
	assert.Contains(t, errOut, "--resume "+journal+" and a new --passwords-out")
	assert.Contains(t, errOut, "--no-journal")
	assert.Equal(t, users, zd.Hits("SetUserPassword"), "nothing sent")
	after, err := os.ReadFile(journal) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	assert.Equal(t, before, after, "the journal untouched")
	assert.Equal(t, pws, clitest.ReadPasswords(t, out), "the passwords file untouched")

	// The journal resumes as the message says: every target is delivered again from it, none written.
	again := filepath.Join(dir, "again.csv")
	code, _, errOut = r.run(t, Flags{Input: input, Resume: journal, PasswordsOut: again, Rate: 1000})
	require.Equal(t, cmdutil.ExitOK, code, errOut)
	assert.Equal(t, pws, clitest.ReadPasswords(t, again))
	assert.Equal(t, users, zd.Hits("SetUserPassword"), "no target written twice")
	assert.NotContains(t, errOut, "; journal ", "only the default journal is named")
	_, err = os.Stat(again + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist, "--resume takes no default journal")
}

// TestRotateDefaultJournalPasswordsOutExists: --passwords-out exists but its journal does not: the journal
// created for the run is removed with the refusal, so that the same command can run again.
func TestRotateDefaultJournalPasswordsOutExists(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 2)
	zd, input, out := r.zd, r.input, r.passwordsOut
	require.NoError(t, os.WriteFile(out, []byte("kept\n"), 0o600))
	code, _, errOut := r.run(t, Flags{Input: input, PasswordsOut: out})
	assert.Equal(t, cmdutil.ExitUsage, code)
	assert.Contains(t, errOut, "--passwords-out: file exists")
	_, err := os.Stat(out + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Zero(t, zd.Hits("SetUserPassword"))
}

// TestRotateJournalFlagsRefused: --print-passwords alone has nowhere for the journal, --no-journal
// contradicts --journal and --resume, and an encrypted run needs a journal; all refused before anything
// is sent or created.
func TestRotateJournalFlagsRefused(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 2)
	zd, dir, input := r.zd, r.dir, r.input
	for _, c := range []struct {
		name  string
		flags Flags
		want  string
	}{
		{"print-passwords alone", Flags{PrintPasswords: true}, "say where the journal goes: --journal FILE (or --no-journal)"},
		{"no-journal with journal", Flags{NoJournal: true, Journal: dir + "/j", PasswordsOut: dir + "/a.csv"}, "--no-journal runs without a journal"},
		{"no-journal with resume", Flags{NoJournal: true, Resume: dir + "/j", PrintPasswords: true}, "--no-journal runs without a journal"},
		{"encrypted without a journal", Flags{NoJournal: true, EncryptTo: []string{"age1x"}, PasswordsOut: dir + "/b.age"}, "drop --no-journal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := c.flags
			f.Input = input
			code, _, errOut := r.run(t, f)
			assert.Equal(t, cmdutil.ExitUsage, code)
			assert.Contains(t, errOut, c.want)
		})
	}
	assert.Zero(t, zd.Hits("SetUserPassword"))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no file created but the input")
}

// TestRotateNoJournal: --no-journal runs without a journal: the passwords are delivered, and no journal
// file appears.
func TestRotateNoJournal(t *testing.T) {
	t.Parallel()
	const users = 3
	r := newRunRig(t, users)
	zd, input, out := r.zd, r.input, r.passwordsOut
	code, stdout, errOut := r.run(t, Flags{Input: input, PasswordsOut: out, NoJournal: true, Rate: 1000})
	require.Equal(t, cmdutil.ExitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"status":"done"`))
	assert.NotContains(t, errOut, "journal ")
	pws := clitest.ReadPasswords(t, out)
	assert.Len(t, pws, users)
	clitest.AssertAtFake(t, zd, pws)
	_, err := os.Stat(out + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist)

	// With --print-passwords alone, too.
	code, stdout, errOut = r.run(t, Flags{Input: input, PrintPasswords: true, NoJournal: true, Rate: 1000})
	require.Equal(t, cmdutil.ExitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"new_password":"`))
}
