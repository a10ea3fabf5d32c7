// Package clitest holds helpers for the tests of unipass's commands: config files, secrets kept out of
// errors, and files and directories owned or shared the way the file-trust checks refuse. Only tests
// import it.
package clitest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WriteConfig writes a config file (mode 0600) into a new directory and returns its path.
func WriteConfig(t *testing.T, text string) string {
	t.Helper()
	return WriteFile(t, t.TempDir(), "config.yaml", text)
}

// WriteFile writes text to the file name (mode 0600) in dir and returns its path.
func WriteFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// AssertHidden checks that no way of printing err shows any of the secrets.
func AssertHidden(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		text := fmt.Sprintf(verb, err)
		for _, s := range secrets {
			assert.NotContains(t, text, s, verb)
		}
	}
}
