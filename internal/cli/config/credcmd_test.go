//go:build unix

package config

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gone says whether a process has ended (a zombie waiting for its reaper counts as ended).
func gone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(data), ") ")
	return strings.HasPrefix(rest, "Z")
}

// readPID reads the pid a command wrote to path.
func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	return pid
}

func needProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
}

// The timeout kills the whole process group, not only the command: its background children end too.
func TestCredentialCommandTimeoutKillsItsGroup(t *testing.T) {
	t.Parallel()
	needProc(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := runCredentialCommand(t.Context(), io.Discard, []string{"sh", "-c", "sleep 777 & echo $! > " + pidFile + "; sleep 778"}, 500*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not finish within")
	pid := readPID(t, pidFile)
	assert.Eventually(t, func() bool { return gone(pid) }, 30*time.Second, 10*time.Millisecond, "the background child was left running")
}

// A command that leaves a child holding its standard output still gives its secret at once, and the
// child is killed with the rest of its group.
func TestCredentialCommandEndKillsWhatItLeft(t *testing.T) {
	t.Parallel()
	needProc(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	v, err := runCredentialCommand(t.Context(), io.Discard, []string{"sh", "-c", "sleep 779 & echo $! > " + pidFile + "; echo fake-cmd-secret"}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "fake-cmd-secret", v)
	assert.Less(t, time.Since(start), 30*time.Second)
	pid := readPID(t, pidFile)
	assert.Eventually(t, func() bool { return gone(pid) }, 30*time.Second, 10*time.Millisecond, "the background child was left running")
}

// A child that left the process group and holds standard output does not hold up the command past the
// drain of its pipes.
func TestCredentialCommandEscapedChildDoesNotHang(t *testing.T) {
	t.Parallel()
	needProc(t)
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := "setsid sh -c 'echo $$ > " + pidFile + "; exec sleep 781' & while [ ! -s " + pidFile + " ]; do sleep 0.01; done; echo fake-cmd-secret"
	v, err := runCredentialCommand(t.Context(), io.Discard, []string{"sh", "-c", script}, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "fake-cmd-secret", v)
	pid := readPID(t, pidFile)
	assert.False(t, gone(pid), "the escaped child outlives the group")
	t.Cleanup(func() {
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill()
		}
	})
}
