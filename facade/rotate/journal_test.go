package rotate_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

var testHeader = rotate.JournalHeader{Vendor: "zendesk", BaseURL: "https://example.zendesk.com", Input: "sha256:fake-input"}

func entry(user string, state rotate.EntryState, pw string) rotate.Entry {
	return rotate.Entry{Key: rotate.TargetKey(facade.VendorZendesk, user), Index: 1, Vendor: facade.VendorZendesk, User: user,
		State: state, Password: facade.NewSecret(pw), Time: time.Now()}
}

// priorOf is a journal's prior entries (rotate.Config.Prior), each under its key.
func priorOf(entries ...rotate.Entry) map[string]rotate.Entry {
	prior := make(map[string]rotate.Entry, len(entries))
	for _, e := range entries {
		prior[e.Key] = e
	}
	return prior
}

// journalLines returns the journal's lines as JSON objects (the header first).
func journalLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "line %q", line)
		out = append(out, m)
	}
	return out
}

func TestJournalCreateRecordOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader)
	require.NoError(t, err)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	require.NoError(t, j.Record(entry("1", rotate.EntryPending, "fake-Pw-1")))
	require.NoError(t, j.Record(entry("1", rotate.EntryDone, "fake-Pw-1")))
	require.NoError(t, j.Record(entry("2", rotate.EntryPending, "fake-Pw-2")))
	require.NoError(t, j.Record(entry("3", rotate.EntryPending, "fake-Pw-3")))
	require.NoError(t, j.Record(entry("3", rotate.EntryNotApplied, "fake-Pw-3")))
	require.NoError(t, j.Close())
	assert.ErrorIs(t, j.Record(entry("4", rotate.EntryPending, "fake-Pw-4")), rotate.ErrJournal, "closed")

	lines := journalLines(t, path)
	require.Len(t, lines, 6)
	assert.Equal(t, "zendesk", lines[0]["vendor"])
	assert.Equal(t, "plain", lines[0]["passwords"])
	assert.Equal(t, "zendesk:1", lines[1]["key"])
	assert.Equal(t, "pending", lines[1]["state"])
	assert.Equal(t, "fake-Pw-1", lines[1]["password"])

	_, err = rotate.CreateJournal(path, testHeader)
	assert.ErrorIs(t, err, rotate.ErrJournal, "an existing journal is never overwritten")

	j2, prior, err := rotate.OpenJournal(path, testHeader)
	require.NoError(t, err)
	require.Len(t, prior, 3)
	assert.Equal(t, rotate.EntryDone, prior["zendesk:1"].State)
	assert.Equal(t, "fake-Pw-1", prior["zendesk:1"].Password.Reveal())
	assert.Equal(t, rotate.EntryPending, prior["zendesk:2"].State)
	assert.Equal(t, rotate.EntryNotApplied, prior["zendesk:3"].State)
	assert.Equal(t, "2", prior["zendesk:2"].User)
	require.NoError(t, j2.Record(entry("2", rotate.EntryDone, "fake-Pw-2")))
	require.NoError(t, j2.Close())
	_, prior, err = rotate.OpenJournal(path, testHeader)
	require.NoError(t, err)
	assert.Equal(t, rotate.EntryDone, prior["zendesk:2"].State, "appended after reopening")
}

func TestJournalHeaderMismatch(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader)
	require.NoError(t, err)
	require.NoError(t, j.Close())

	other := rotate.JournalHeader{Vendor: "docspace", BaseURL: testHeader.BaseURL, Input: "sha256:other"}
	_, _, err = rotate.OpenJournal(path, other)
	require.ErrorIs(t, err, rotate.ErrJournalMismatch)
	assert.Contains(t, err.Error(), `vendor is "zendesk" in the journal, "docspace" in this run`)
	assert.Contains(t, err.Error(), `input is "sha256:fake-input" in the journal, "sha256:other" in this run`)
	assert.NotContains(t, err.Error(), "base URL")

	notJournal := filepath.Join(t.TempDir(), "passwords.csv")
	require.NoError(t, os.WriteFile(notJournal, []byte("user,password\n"), 0o600))
	_, _, err = rotate.OpenJournal(notJournal, testHeader)
	assert.ErrorIs(t, err, rotate.ErrJournalMismatch)

	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	_, _, err = rotate.OpenJournal(path, testHeader, rotate.WithRecipients(id.Recipient()))
	assert.ErrorIs(t, err, rotate.ErrJournalMismatch, "a plain journal is not continued encrypted")
}

// A crash can cut the last line short: its key, when whole, is read as pending; a line cut before its key
// is ignored; a bad line elsewhere is an error.
func TestJournalTruncatedLastLine(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, tail string) string {
		path := filepath.Join(t.TempDir(), "journal")
		j, err := rotate.CreateJournal(path, testHeader)
		require.NoError(t, err)
		require.NoError(t, j.Record(entry("1", rotate.EntryPending, "fake-Pw-1")))
		require.NoError(t, j.Close())
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = f.WriteString(tail)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		return path
	}
	// reopen writes tail after the journal's first record and opens it again: the journal, its prior
	// entries and its path.
	reopen := func(t *testing.T, tail string) (*rotate.FileJournal, map[string]rotate.Entry, string) {
		path := write(t, tail)
		j, prior, err := rotate.OpenJournal(path, testHeader)
		require.NoError(t, err)
		return j, prior, path
	}
	full := func(user, state, pw string) string {
		return fmt.Sprintf(`{"key":"zendesk:%s","index":1,"vendor":"zendesk","user":"%s","state":"%s","time":"2026-01-01T00:00:00Z","password":"%s"}`, user, user, state, pw)
	}

	t.Run("key whole, password cut", func(t *testing.T) {
		t.Parallel()
		line := full("2", "pending", "fake-Pw-2")
		j, prior, path := reopen(t, line[:len(line)-8])
		assert.Equal(t, rotate.EntryPending, prior["zendesk:2"].State)
		assert.True(t, prior["zendesk:2"].Password.IsZero(), "never sent: its pending record never completed")
		require.NoError(t, j.Record(entry("2", rotate.EntryPending, "fake-Pw-2b")))
		require.NoError(t, j.Close())
		lines := journalLines(t, path) // the cut line is gone; the new one stands on its own
		assert.Len(t, lines, 3)
	})
	t.Run("done record cut, earlier pending kept", func(t *testing.T) {
		t.Parallel()
		line := full("1", "done", "fake-Pw-1")
		_, prior, _ := reopen(t, line[:60])
		assert.Equal(t, rotate.EntryPending, prior["zendesk:1"].State)
		assert.Equal(t, "fake-Pw-1", prior["zendesk:1"].Password.Reveal())
	})
	t.Run("password whole, line cut after it", func(t *testing.T) {
		t.Parallel()
		line := full("1", "done", "fake-Pw-1b")
		_, prior, _ := reopen(t, line[:len(line)-1])
		assert.Equal(t, rotate.EntryPending, prior["zendesk:1"].State, "to be verified")
		assert.Equal(t, "fake-Pw-1b", prior["zendesk:1"].Password.Reveal())
	})
	t.Run("not-applied stands when the next record is cut before its password", func(t *testing.T) {
		t.Parallel()
		line := full("1", "pending", "fake-Pw-1c")
		_, prior, _ := reopen(t, full("1", "not-applied", "fake-Pw-1")+"\n"+line[:len(line)-10])
		assert.Equal(t, rotate.EntryNotApplied, prior["zendesk:1"].State)
	})
	t.Run("cut before the key", func(t *testing.T) {
		t.Parallel()
		_, prior, _ := reopen(t, `{"ke`)
		assert.Len(t, prior, 1)
	})
	t.Run("whole line without its newline", func(t *testing.T) {
		t.Parallel()
		j, prior, path := reopen(t, full("2", "done", "fake-Pw-2"))
		assert.Equal(t, rotate.EntryDone, prior["zendesk:2"].State)
		require.NoError(t, j.Record(entry("3", rotate.EntryPending, "fake-Pw-3")))
		require.NoError(t, j.Close())
		assert.Len(t, journalLines(t, path), 4)
	})
	t.Run("bad line in the middle", func(t *testing.T) {
		t.Parallel()
		path := write(t, "{garbage\n"+full("2", "done", "fake-Pw-2")+"\n")
		_, _, err := rotate.OpenJournal(path, testHeader)
		require.ErrorIs(t, err, rotate.ErrJournal)
		assert.Contains(t, err.Error(), "line 3")
	})
}

// With recipients, each password is age-encrypted: the metadata stays readable, the password needs the
// identity.
func TestJournalEncrypted(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader, rotate.WithRecipients(id.Recipient()))
	require.NoError(t, err)
	require.NoError(t, j.Record(entry("1", rotate.EntryPending, "fake-Secret-Pw-1")))
	require.NoError(t, j.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "fake-Secret-Pw-1")
	lines := journalLines(t, path)
	assert.Equal(t, "age", lines[0]["passwords"])
	assert.Equal(t, "zendesk:1", lines[1]["key"])
	assert.NotEmpty(t, lines[1]["password_age"])
	assert.Nil(t, lines[1]["password"])

	_, _, err = rotate.OpenJournal(path, testHeader)
	assert.ErrorIs(t, err, rotate.ErrJournalMismatch, "the identity is needed")
	other, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	_, _, err = rotate.OpenJournal(path, testHeader, rotate.WithIdentities(other))
	assert.ErrorIs(t, err, rotate.ErrJournal, "another identity cannot read it")

	j, prior, err := rotate.OpenJournal(path, testHeader, rotate.WithIdentities(id))
	require.NoError(t, err)
	assert.Equal(t, "fake-Secret-Pw-1", prior["zendesk:1"].Password.Reveal())
	require.NoError(t, j.Record(entry("1", rotate.EntryDone, "fake-Secret-Pw-1")), "recipients derived from the identity")
	require.NoError(t, j.Close())
	data, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "fake-Secret-Pw-1")
}

// Concurrent records all land, each on its own line.
func TestJournalConcurrentRecords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader)
	require.NoError(t, err)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			assert.NoError(t, j.Record(entry(fmt.Sprint(i), rotate.EntryPending, fmt.Sprintf("fake-Pw-%d", i))))
		})
	}
	wg.Wait()
	// How many share an fsync depends on the scheduler here (journal_internal_test.go pins the batching).
	assert.LessOrEqual(t, j.Syncs(), uint64(n), "never more than one fsync a record")
	require.NoError(t, j.Close())
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		if k, ok := m["key"].(string); ok {
			seen[k] = true
		}
	}
	assert.Len(t, seen, n)
}

// An encrypted journal names its recipients in its header: resumed with only an identity (of another
// recipient too), it keeps encrypting to all of them, and says so; it never writes a password in plain.
func TestJournalEncryptedKeepsItsRecipients(t *testing.T) {
	t.Parallel()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	second, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader, rotate.WithRecipients(id.Recipient(), second.Recipient()))
	require.NoError(t, err)
	assert.True(t, j.Encrypted())
	require.NoError(t, j.Record(entry("1", rotate.EntryPending, "fake-Secret-Pw-1")))
	require.NoError(t, j.Close())
	header := journalLines(t, path)[0]
	assert.Equal(t, []any{id.Recipient().String(), second.Recipient().String()}, header["recipients"])

	j, _, err = rotate.OpenJournal(path, testHeader, rotate.WithIdentities(id))
	require.NoError(t, err)
	assert.True(t, j.Encrypted())
	require.Len(t, j.Recipients(), 2, "the header's recipients, not only the identity's")
	require.NoError(t, j.Record(entry("2", rotate.EntryDone, "fake-Secret-Pw-2")))
	require.NoError(t, j.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "fake-Secret-Pw-2")

	_, prior, err := rotate.OpenJournal(path, testHeader, rotate.WithIdentities(second))
	require.NoError(t, err)
	assert.Equal(t, "fake-Secret-Pw-2", prior["zendesk:2"].Password.Reveal(), "the second recipient reads the resumed run's entries")

	plain, err := rotate.CreateJournal(filepath.Join(t.TempDir(), "plain"), testHeader)
	require.NoError(t, err)
	assert.False(t, plain.Encrypted())
	assert.Nil(t, plain.Recipients())
	require.NoError(t, plain.Close())
}
