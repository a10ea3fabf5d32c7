//go:build unix

package clitest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// OtherUID is a user that is not the one running the tests.
const OtherUID = 65534 // nobody

// NeedRoot skips a test that is not run as root.
func NeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: files owned by another user are made with chown")
	}
}

// SharedDir makes a directory under the system temporary directory with mode perm, reachable by other
// users (t.TempDir's parents are private).
func SharedDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "unipass-trust-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, perm)) // #nosec G302 -- the point of the test
	return dir
}

// AsOtherUser runs a program as OtherUID.
func AsOtherUser(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...) // #nosec G204 -- the test's own command
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: OtherUID, Gid: OtherUID}}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}
