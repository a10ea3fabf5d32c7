//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherUID is a user that is not the one running the tests.
const otherUID = 65534 // nobody

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: files owned by another user are made with chown")
	}
}

// sharedDir makes a directory under the system temporary directory with mode perm, reachable by other
// users (t.TempDir's parents are private).
func sharedDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "unipass-trust-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, perm)) // #nosec G302 -- the point of the test
	return dir
}

// asOtherUser runs a program as otherUID.
func asOtherUser(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...) // #nosec G204 -- the test's own command
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

const trustConfigText = "profiles:\n  zd:\n    vendor: zendesk\n    credential_command: [sh, -c, 'echo fake-token']\n"

// Running as root, a private config owned by another user is refused: its credential_command would run
// as root.
func TestConfigOfAnotherUserRefused(t *testing.T) {
	t.Parallel()
	needRoot(t)
	path := writeConfig(t, trustConfigText)
	require.NoError(t, os.Chown(path, otherUID, otherUID))
	e, _ := testEnv(nil)
	_, err := e.loadProfiles(path, true)
	require.Error(t, err)
	assert.Equal(t, exitUsage, exitCode(err))
	assert.Contains(t, err.Error(), "refusing config file "+path+": owned by uid 65534")
	assert.Contains(t, err.Error(), "fix with: chown 0 "+path)
}

// A config in a directory others may write is refused (they could swap it); a sticky one such as /tmp
// is not.
func TestConfigInAnOpenDirectoryRefused(t *testing.T) {
	t.Parallel()
	e, _ := testEnv(nil)
	open := sharedDir(t, 0o777)
	path := filepath.Join(open, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(trustConfigText), 0o600))
	_, err := e.loadProfiles(path, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its directory "+open+" (mode 0777) lets others replace the file; fix with: chmod go-w "+open)

	sticky := sharedDir(t, 0o777|os.ModeSticky)
	require.NoError(t, os.Chmod(sticky, 0o777|os.ModeSticky))
	path = filepath.Join(sticky, "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(trustConfigText), 0o600))
	_, err = e.loadProfiles(path, true)
	require.NoError(t, err)
}

// A FIFO given as the config is refused at once, not waited on.
func TestConfigFIFODoesNotBlock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	t.Cleanup(func() { // frees a reader stuck on the FIFO should the test fail
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = w.Close()
		}
	})
	done := make(chan error, 1)
	go func() {
		e, _ := testEnv(nil)
		_, err := e.loadProfiles(path, true)
		done <- err
	}()
	select {
	case err := <-done:
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not a regular file")
	case <-time.After(30 * time.Second):
		t.Fatal("opening a FIFO config blocked")
	}
}

// A credential file that group or others may change or read is refused with the chmod that fixes it.
func TestCredentialFileModesRefused(t *testing.T) {
	t.Parallel()
	for _, perm := range []os.FileMode{0o666, 0o644, 0o640, 0o620} {
		dir := t.TempDir()
		path := filepath.Join(dir, "token.txt")
		require.NoError(t, os.WriteFile(path, []byte("fake-token-1\n"), 0o600))
		require.NoError(t, os.Chmod(path, perm))
		e, _ := testEnv(nil)
		_, err := (&secretSource{kind: sourceFile, ref: path}).read(t.Context(), e)
		require.Error(t, err, "%04o", perm)
		assert.Contains(t, err.Error(), "refusing credential_file "+path+": mode", "%04o", perm)
		assert.Contains(t, err.Error(), "fix with: chmod 600 "+path)
		assertHidden(t, err, "fake-token-1")
	}
	path := filepath.Join(t.TempDir(), "token.txt")
	require.NoError(t, os.WriteFile(path, []byte("fake-token-1\n"), 0o600))
	e, _ := testEnv(nil)
	s, err := (&secretSource{kind: sourceFile, ref: path}).read(t.Context(), e)
	require.NoError(t, err)
	assert.False(t, s.IsZero())
}

// A credential file of another user is refused (root only can make one).
func TestCredentialFileOfAnotherUserRefused(t *testing.T) {
	t.Parallel()
	needRoot(t)
	path := filepath.Join(t.TempDir(), "token.txt")
	require.NoError(t, os.WriteFile(path, []byte("fake-token-1\n"), 0o600))
	require.NoError(t, os.Chown(path, otherUID, otherUID))
	e, _ := testEnv(nil)
	_, err := (&secretSource{kind: sourceFile, ref: path}).read(t.Context(), e)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "owned by uid 65534")
}

// A journal another user put in a world-writable directory is refused by --resume before anything is
// sent; so is one of ours there, and one others may change.
func TestResumeRefusesAJournalNotOurOwn(t *testing.T) {
	t.Parallel()
	zd := rotateFake(t, 2)
	input := writeUsersFrom(t, filepath.Join(t.TempDir(), "users.csv"), 100, 2)
	planted := []byte("not even a journal: refused before it is read\n")

	open := sharedDir(t, 0o777)
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
		asOtherUser(t, "cp", src, theirs)
		mine := filepath.Join(t.TempDir(), "theirs.journal")
		require.NoError(t, os.WriteFile(mine, planted, 0o600))
		require.NoError(t, os.Chown(mine, otherUID, otherUID))
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
