package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --url-file and --cert-out refuse a symbolic link planted at their path, and one planted at the old
// temporary name is left alone: the victim file keeps its content.
func TestFakesFilesRefusePlantedLinks(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--url-file", "--cert-out"} {
		dir := t.TempDir()
		victim := filepath.Join(dir, "victim")
		require.NoError(t, os.WriteFile(victim, []byte("precious\n"), 0o600))
		out := filepath.Join(dir, "out")
		require.NoError(t, os.Symlink(victim, out))
		args := []string{"fakes", "--addr", "127.0.0.1:0", flag, out}
		if flag == "--cert-out" {
			args = append(args, "--tls")
		}
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
		assert.Equal(t, exitUsage, code, flag)
		assert.Contains(t, stderr.String(), flag+": "+out+" is a symbolic link", flag)
		data, err := os.ReadFile(victim)
		require.NoError(t, err)
		assert.Equal(t, "precious\n", string(data), flag)
	}
}

// The temporary file is made under a fresh random name: a link planted at a guessable one is not used.
func TestWriteFileReplacingIgnoresPlantedTemporaryNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious\n"), 0o600))
	out := filepath.Join(dir, "url.txt")
	require.NoError(t, os.Symlink(victim, out+".tmp"))
	require.NoError(t, writeFileReplacing(out, []byte("http://127.0.0.1:1\n")))
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
