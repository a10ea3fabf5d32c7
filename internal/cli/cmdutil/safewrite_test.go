package cmdutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/cli/clitest"
)

// The temporary file is made under a fresh random name: a link planted at a guessable one is not used.
func TestWriteFileReplacingIgnoresPlantedTemporaryNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := clitest.WriteFile(t, dir, "victim", "precious\n")
	out := filepath.Join(dir, "url.txt")
	require.NoError(t, os.Symlink(victim, out+".tmp"))
	require.NoError(t, WriteFileReplacing(out, []byte("http://127.0.0.1:1\n")))
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious\n", string(data))
	data, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:1\n", string(data))
	info, err := os.Lstat(out)
	require.NoError(t, err)
	assert.True(t, info.Mode().IsRegular())
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3, "no temporary file left")
}
