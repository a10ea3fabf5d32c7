package rotate

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
)

func testEntry(user string) Entry {
	return Entry{Key: TargetKey(facade.VendorZendesk, user), Vendor: facade.VendorZendesk, User: user, State: EntryPending,
		Password: facade.NewSecret("fake-Pw-" + user), Time: time.Now()}
}

// Records that arrive while a commit is under way share the next write and fsync.
func TestJournalGroupCommit(t *testing.T) {
	t.Parallel()
	j, err := CreateJournal(filepath.Join(t.TempDir(), "journal"), JournalHeader{Vendor: "zendesk"})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()

	j.mu.Lock()
	j.flushing = true // a commit under way
	j.mu.Unlock()
	const n = 32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { assert.NoError(t, j.Record(testEntry(string(rune('a'+i))))) })
	}
	for {
		j.mu.Lock()
		q := j.queued
		j.mu.Unlock()
		if q == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	j.mu.Lock()
	j.flushing = false // the commit under way ends
	j.cond.Broadcast()
	j.mu.Unlock()
	wg.Wait()
	assert.Equal(t, uint64(1), j.commits, "one write and fsync for all")
	assert.Equal(t, uint64(n), j.synced)
}

// A failed write or fsync (disk full) fails that Record and every later one.
func TestJournalFailureIsSticky(t *testing.T) {
	t.Parallel()
	j, err := CreateJournal(filepath.Join(t.TempDir(), "journal"), JournalHeader{Vendor: "zendesk"})
	require.NoError(t, err)
	require.NoError(t, j.Record(testEntry("1")))
	require.NoError(t, j.f.Close()) // every write now fails, as on a full disk
	assert.ErrorIs(t, j.Record(testEntry("2")), ErrJournal)
	assert.ErrorIs(t, j.Record(testEntry("3")), ErrJournal)
	assert.Error(t, j.Close())
}

// Queued entries wait for one commit; the wait returns only once the line is in the file, and Record
// after an idle spell commits at once, alone.
func TestJournalQueueSharesOneCommit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	j, err := CreateJournal(path, JournalHeader{Vendor: "zendesk"})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()

	var waits []func() error
	for i := range 10 {
		wait, err := j.queue(testEntry(string(rune('a' + i))))
		require.NoError(t, err)
		waits = append(waits, wait)
	}
	assert.Equal(t, uint64(0), j.Syncs(), "queueing writes nothing")
	require.NoError(t, waits[9]())
	assert.Equal(t, uint64(1), j.Syncs(), "one write and fsync for all ten")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 11, bytes.Count(data, []byte("\n")), "the header and ten entries are in the file")
	for _, w := range waits[:9] {
		require.NoError(t, w(), "earlier entries are durable with the later one")
	}
	assert.Equal(t, uint64(1), j.Syncs())
}

// All writers but one waiting in Record end the linger: the batch is written without waiting maxLinger.
func TestJournalAllWritersWaitingCommit(t *testing.T) {
	t.Parallel()
	j, err := CreateJournal(filepath.Join(t.TempDir(), "journal"), JournalHeader{Vendor: "zendesk"})
	require.NoError(t, err)
	defer func() { require.NoError(t, j.Close()) }()
	j.linger = time.Hour // only the writers' count can end it
	j.setWriters(3)
	require.NoError(t, j.Record(testEntry("0"))) // idle: at once
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { assert.NoError(t, j.Record(testEntry(string(rune('a'+i))))) })
	}
	wg.Wait()
	assert.LessOrEqual(t, j.Syncs(), uint64(3))
}
