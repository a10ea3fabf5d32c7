package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// journalStates reads a plain journal file: user → the state of its last record.
func journalStates(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	states := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] { // after the header
		var e struct {
			User  string `json:"user"`
			State string `json:"state"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		states[e.User] = e.State
	}
	return states
}

// TestRotateDefaultJournal: a real run with --passwords-out and no journal flag records its journal at
// --passwords-out + ".journal" (mode 0600, every target done), names it in the summary, and that journal
// resumes; a second run with the same --passwords-out is refused before anything is sent, saying how to
// go on.
func TestRotateDefaultJournal(t *testing.T) {
	t.Parallel()
	const users = 5
	zd := rotateFake(t, users)
	dir := t.TempDir()
	input := writeUsersFrom(t, filepath.Join(dir, "users.csv"), 100, users)
	out := filepath.Join(dir, "p.csv")
	journal := out + ".journal"

	code, stdout, errOut := runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--passwords-out", out, "--rate", "1000")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"status":"done"`))
	assert.Contains(t, errOut, "rotate: 5 done (0 from the journal), 0 unknown, 0 failed, 0 not started; journal "+journal+"\n")
	info, err := os.Stat(journal)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.Equal(t, map[string]string{"100": "done", "101": "done", "102": "done", "103": "done", "104": "done"}, journalStates(t, journal))
	pws := readPasswords(t, out)
	assertAtFake(t, zd, pws)
	assertNoPassword(t, stdout+errOut, pws)

	// The same command again: both files exist; the journal is checked first and the message says how to
	// go on. Nothing is sent and neither file changes.
	before, err := os.ReadFile(journal) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	code, _, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--passwords-out", out, "--rate", "1000")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "the journal "+journal+" (the default for --passwords-out "+out+") exists")
	assert.Contains(t, errOut, "--resume "+journal+" and a new --passwords-out")
	assert.Contains(t, errOut, "--no-journal")
	assert.Equal(t, users, zd.Hits("SetUserPassword"), "nothing sent")
	after, err := os.ReadFile(journal) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	assert.Equal(t, before, after, "the journal untouched")
	assert.Equal(t, pws, readPasswords(t, out), "the passwords file untouched")

	// The journal resumes as the message says: every target is delivered again from it, none written.
	again := filepath.Join(dir, "again.csv")
	code, _, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--resume", journal, "--passwords-out", again, "--rate", "1000")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, pws, readPasswords(t, again))
	assert.Equal(t, users, zd.Hits("SetUserPassword"), "no target written twice")
	assert.NotContains(t, errOut, "; journal ", "only the default journal is named")
	_, err = os.Stat(again + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist, "--resume takes no default journal")
}

// TestRotateDefaultJournalPasswordsOutExists: --passwords-out exists but its journal does not: the journal
// created for the run is removed with the refusal, so that the same command can run again.
func TestRotateDefaultJournalPasswordsOutExists(t *testing.T) {
	t.Parallel()
	zd := rotateFake(t, 2)
	dir := t.TempDir()
	input := writeUsersFrom(t, filepath.Join(dir, "users.csv"), 100, 2)
	out := filepath.Join(dir, "p.csv")
	require.NoError(t, os.WriteFile(out, []byte("kept\n"), 0o600))
	code, _, errOut := runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--passwords-out", out)
	assert.Equal(t, exitUsage, code)
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
	zd := rotateFake(t, 2)
	dir := t.TempDir()
	input := writeUsersFrom(t, filepath.Join(dir, "users.csv"), 100, 2)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"print-passwords alone", []string{"--print-passwords"}, "say where the journal goes: --journal FILE (or --no-journal)"},
		{"no-journal with journal", []string{"--no-journal", "--journal", dir + "/j", "--passwords-out", dir + "/a.csv"}, "--no-journal runs without a journal"},
		{"no-journal with resume", []string{"--no-journal", "--resume", dir + "/j", "--print-passwords"}, "--no-journal runs without a journal"},
		{"encrypted without a journal", []string{"--no-journal", "--encrypt-to", "age1x", "--passwords-out", dir + "/b.age"}, "drop --no-journal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runRotate(t.Context(), t, zd.URL(), "", append([]string{"--input", input}, c.args...)...)
			assert.Equal(t, exitUsage, code)
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
	zd := rotateFake(t, users)
	dir := t.TempDir()
	input := writeUsersFrom(t, filepath.Join(dir, "users.csv"), 100, users)
	out := filepath.Join(dir, "p.csv")
	code, stdout, errOut := runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--passwords-out", out, "--no-journal", "--rate", "1000")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"status":"done"`))
	assert.NotContains(t, errOut, "journal ")
	pws := readPasswords(t, out)
	assert.Len(t, pws, users)
	assertAtFake(t, zd, pws)
	_, err := os.Stat(out + ".journal")
	assert.ErrorIs(t, err, os.ErrNotExist)

	// With --print-passwords alone, too.
	code, stdout, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--print-passwords", "--no-journal", "--rate", "1000")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, users, strings.Count(stdout, `"new_password":"`))
}
