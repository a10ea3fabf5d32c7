//go:build unix

package cmdutil_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

const pipeSecret = "fake-Secret-From-A-Pipe\n"

// A secret's file is read when it is the user's own private file, or a pipe (what <(pass show ...) hands
// over); a file others may read, a directory, a file over the limit are refused, naming the fix.
func TestReadTrustedOrPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	private := filepath.Join(dir, "private.txt")
	require.NoError(t, os.WriteFile(private, []byte(pipeSecret), 0o600))
	data, err := cmdutil.ReadTrustedOrPipe(private, "--password-file", cmdutil.TrustPrivate, 1024)
	require.NoError(t, err)
	assert.Equal(t, pipeSecret, string(data))

	shared := filepath.Join(dir, "shared.txt")
	require.NoError(t, os.WriteFile(shared, []byte(pipeSecret), 0o600))
	require.NoError(t, os.Chmod(shared, 0o644))
	_, err = cmdutil.ReadTrustedOrPipe(shared, "--password-file", cmdutil.TrustPrivate, 1024)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "refusing --password-file "+shared+": mode 0644")
	assert.Contains(t, err.Error(), "chmod 600 "+shared)
	assert.NotContains(t, err.Error(), "fake-")
	data, err = cmdutil.ReadTrustedOrPipe(shared, "--encrypt-to-file", cmdutil.TrustOwn, 1024)
	require.NoError(t, err, "others may read a file of public keys")
	assert.Equal(t, pipeSecret, string(data))

	_, err = cmdutil.ReadTrustedOrPipe(dir, "--password-file", cmdutil.TrustPrivate, 1024)
	require.Error(t, err)
	_, err = cmdutil.ReadTrustedOrPipe(private, "--password-file", cmdutil.TrustPrivate, 8)
	require.ErrorContains(t, err, "larger than 8 bytes")
}

// A pipe is read as it comes, whatever its mode; a named pipe nobody writes to reads as empty instead of
// blocking.
func TestReadTrustedOrPipeReadsPipes(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	go func() {
		_, _ = w.WriteString(pipeSecret)
		_ = w.Close()
	}()
	data, err := cmdutil.ReadTrustedOrPipe(fmt.Sprintf("/dev/fd/%d", r.Fd()), "--password-file", cmdutil.TrustPrivate, 1024)
	require.NoError(t, err)
	assert.Equal(t, pipeSecret, string(data))

	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	data, err = cmdutil.ReadTrustedOrPipe(fifo, "--password-file", cmdutil.TrustPrivate, 1024)
	require.NoError(t, err)
	assert.Empty(t, data)
}

// A named pipe others could write to (and so hand over their password, or their key to encrypt to), or
// read from, is refused as a file would be, naming the fix; running as root, so is one of another user.
func TestReadTrustedOrPipeRefusesPipesOfOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	require.NoError(t, syscall.Mkfifo(open, 0o600))
	require.NoError(t, os.Chmod(open, 0o666))
	for _, level := range []cmdutil.TrustLevel{cmdutil.TrustPrivate, cmdutil.TrustOwn} {
		_, err := cmdutil.ReadTrustedOrPipe(open, "--encrypt-to-file", level, 1024)
		require.Error(t, err)
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
		assert.Contains(t, err.Error(), "mode 0666")
	}
	readable := filepath.Join(dir, "readable")
	require.NoError(t, syscall.Mkfifo(readable, 0o600))
	require.NoError(t, os.Chmod(readable, 0o644))
	_, err := cmdutil.ReadTrustedOrPipe(readable, "--password-file", cmdutil.TrustPrivate, 1024)
	require.ErrorContains(t, err, "chmod 600 "+readable)

	clitest.NeedRoot(t)
	theirs := filepath.Join(dir, "theirs")
	require.NoError(t, syscall.Mkfifo(theirs, 0o600))
	require.NoError(t, os.Chown(theirs, clitest.OtherUID, clitest.OtherUID))
	_, err = cmdutil.ReadTrustedOrPipe(theirs, "--password-file", cmdutil.TrustPrivate, 1024)
	require.ErrorContains(t, err, "owned by uid")
}
