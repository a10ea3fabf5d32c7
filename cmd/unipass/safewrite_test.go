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
