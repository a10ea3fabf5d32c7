//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
)

// A journal another user put in a world-writable directory is refused by --resume before anything is
// sent; so is one of ours there, and one others may change.
func TestResumeRefusesAJournalNotOurOwn(t *testing.T) {
	t.Parallel()
	zd := rotateFake(t, 2)
	input := clitest.WriteUsers(t, filepath.Join(t.TempDir(), "users.csv"), 100, 2)
	planted := []byte("not even a journal: refused before it is read\n")

	open := clitest.SharedDir(t, 0o777)
	ours := filepath.Join(open, "ours.journal")
	require.NoError(t, os.WriteFile(ours, planted, 0o600))
	code, _, errOut := runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--resume", ours, "--print-passwords")
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "refusing --resume "+ours+": its directory "+open)

	writable := filepath.Join(t.TempDir(), "writable.journal")
	require.NoError(t, os.WriteFile(writable, planted, 0o600))
	require.NoError(t, os.Chmod(writable, 0o666))
	code, _, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--resume", writable, "--print-passwords")
	assert.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "lets group or others change it; fix with: chmod go-w "+writable)

	if os.Geteuid() == 0 {
		theirs := filepath.Join(open, "theirs.journal")
		src := filepath.Join(open, "src")
		require.NoError(t, os.WriteFile(src, planted, 0o644))
		clitest.AsOtherUser(t, "cp", src, theirs)
		mine := filepath.Join(t.TempDir(), "theirs.journal")
		require.NoError(t, os.WriteFile(mine, planted, 0o600))
		require.NoError(t, os.Chown(mine, clitest.OtherUID, clitest.OtherUID))
		for _, path := range []string{theirs, mine} {
			code, _, errOut = runRotate(t.Context(), t, zd.URL(), "", "--input", input, "--resume", path, "--print-passwords")
			assert.Equal(t, exitUsage, code, errOut)
			assert.Contains(t, errOut, "refusing --resume "+path, errOut)
		}
		assert.Contains(t, errOut, "owned by uid 65534")
	}
	assert.Equal(t, 0, zd.Hits("SetUserPassword"))
	assert.Equal(t, 0, zd.Hits("GetUserPasswordRequirements"))
}
