package clitest

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

// WriteUsers writes a CSV of n Zendesk user IDs from first.
func WriteUsers(t *testing.T, path string, first, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user\n")
	for i := range n {
		b.WriteString(strconv.Itoa(first+i) + "\n")
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// ReadPasswords reads a plain --passwords-out file: user → password, for done and unknown rows alike.
func ReadPasswords(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path) // #nosec G304 -- a test's own file
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err, "%s", path)
	require.NotEmpty(t, rows)
	require.Equal(t, []string{"user", "password", "status"}, rows[0])
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[1]
	}
	return out
}

// AssertAtFake checks that each user's password at the fake is the one delivered.
func AssertAtFake(t *testing.T, zd *facadetest.Zendesk, pws map[string]string) {
	t.Helper()
	for user, want := range pws {
		id, err := strconv.ParseInt(user, 10, 64)
		require.NoError(t, err)
		got, _ := zd.Password(id)
		assert.True(t, want == got, "user %s: the fake holds another password", user) // neither printed
	}
}

// AssertNoPassword checks that none of the passwords appears in the command's output.
func AssertNoPassword(t *testing.T, output string, pws map[string]string) {
	t.Helper()
	for user, pw := range pws {
		assert.False(t, strings.Contains(output, pw), "the password of user %s is in the output", user) // not printed
	}
}

// JournalStates reads a plain journal file: user → the state of its last record.
func JournalStates(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path) // #nosec G304 -- a test's temporary file
	require.NoError(t, err)
	states := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] { // after the header
		var e struct {
			User  string `json:"user"`
			State string `json:"state"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		states[e.User] = e.State
	}
	return states
}
