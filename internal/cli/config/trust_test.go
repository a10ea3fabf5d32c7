//go:build unix

package config

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

const trustConfigText = "profiles:\n  zd:\n    vendor: zendesk\n    credential_command: [sh, -c, 'echo fake-token']\n"

// Running as root, a private config owned by another user is refused: its credential_command would run
// as root.
func TestConfigOfAnotherUserRefused(t *testing.T) {
	t.Parallel()
	clitest.NeedRoot(t)
	path := clitest.WriteConfig(t, trustConfigText)
	require.NoError(t, os.Chown(path, clitest.OtherUID, clitest.OtherUID))
	_, err := Load(path, true)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "refusing config file "+path+": owned by uid 65534")
	assert.Contains(t, err.Error(), "fix with: chown 0 "+path)
}

// A config in a directory others may write is refused (they could swap it); a sticky one such as /tmp
// is not.
func TestConfigInAnOpenDirectoryRefused(t *testing.T) {
	t.Parallel()
	open := clitest.SharedDir(t, 0o777)
	path := clitest.WriteFile(t, open, "config.yaml", trustConfigText)
	_, err := Load(path, true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "its directory "+open+" (mode 0777) lets others replace the file; fix with: chmod go-w "+open)

	sticky := clitest.SharedDir(t, 0o777|os.ModeSticky)
	require.NoError(t, os.Chmod(sticky, 0o777|os.ModeSticky))
	path = clitest.WriteFile(t, sticky, "config.yaml", trustConfigText)
	_, err = Load(path, true)
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
		_, err := Load(path, true)
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
		path := clitest.WriteFile(t, dir, "token.txt", "fake-token-1\n")
		require.NoError(t, os.Chmod(path, perm))
		_, err := (&Source{Kind: SourceFile, Ref: path}).Read(t.Context(), noEnv, io.Discard)
		require.Error(t, err, "%04o", perm)
		assert.Contains(t, err.Error(), "refusing credential_file "+path+": mode", "%04o", perm)
		assert.Contains(t, err.Error(), "fix with: chmod 600 "+path)
		clitest.AssertHidden(t, err, "fake-token-1")
	}
	path := clitest.WriteFile(t, t.TempDir(), "token.txt", "fake-token-1\n")
	s, err := (&Source{Kind: SourceFile, Ref: path}).Read(t.Context(), noEnv, io.Discard)
	require.NoError(t, err)
	assert.False(t, s.IsZero())
}

// A credential file of another user is refused (root only can make one).
func TestCredentialFileOfAnotherUserRefused(t *testing.T) {
	t.Parallel()
	clitest.NeedRoot(t)
	path := clitest.WriteFile(t, t.TempDir(), "token.txt", "fake-token-1\n")
	require.NoError(t, os.Chown(path, clitest.OtherUID, clitest.OtherUID))
	_, err := (&Source{Kind: SourceFile, Ref: path}).Read(t.Context(), noEnv, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "owned by uid 65534")
}
