package rotate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"filippo.io/age"
)

// The journal states.
const (
	// EntryPending is recorded before the write is sent: the write may be in flight.
	EntryPending EntryState = "pending"
	// EntryDone: the vendor accepted the write, or Verify proved the candidate is in effect.
	EntryDone EntryState = "done"
	// EntryNotApplied: the write provably did not apply (a 429, a connection that failed before sending,
	// a refusal, or a refused Verify of the candidate while the old password still verifies).
	EntryNotApplied EntryState = "not-applied"
	// EntryUnknown: the write may or may not have applied and Verify could not settle it.
	EntryUnknown EntryState = "unknown"
	// EntryRefused: the write's outcome was unknown and Verify refused the candidate of a SetPassword;
	// the same password is sent once more (a pending entry follows). Unsettled until then: resuming
	// reconciles it like a pending one.
	EntryRefused EntryState = "refused"
	// EntryResending: resuming found the write's outcome unknown and Verify unable to settle it (Zendesk
	// without password access to the API, an account with two-factor sign-in); the same password is
	// set again (a SetPassword; a pending entry follows), which ends with it in effect whether or not the
	// first write applied. Unsettled until then: resuming reconciles it like a pending one.
	EntryResending EntryState = "resending"
)

// Journal records each password write before it is sent, and its outcome after.
type Journal interface {
	// Record returns once e is durable (a file journal writes and fsyncs; concurrent records share
	// one fsync). An error stops the run before the next write.
	Record(e Entry) error
}

// Errors of the journal and of Run, matched with errors.Is.
var (
	// ErrJournal: the journal could not be written or read. Run sends no write after it.
	ErrJournal = errors.New("rotation journal failed")
	// ErrJournalMismatch: OpenJournal was given a journal of another run (another vendor, base URL,
	// fleet of profiles, input or format), or encryption options that do not fit it.
	ErrJournalMismatch = errors.New("rotation journal belongs to another run")
	// ErrDuplicateTarget: the target's key was seen earlier in the same run; nothing was sent for it.
	ErrDuplicateTarget = errors.New("duplicate target")
	// ErrNotInInput: a journal entry from an earlier run whose target is not in this run's input.
	ErrNotInInput = errors.New("journal entry not in the input")
)

// Group commit: the first record to find no fsync running leads the next batch. It writes at once when the
// journal has been idle (no fsync within maxLinger), so that a lone record costs one fsync and no wait.
// While records stream in, it lingers for the others' records: until all writers of the run but one wait in
// Record (Run tells the journal how many workers it has; the one left takes the next target when its
// turn comes), lingerBatch records are queued, or maxLinger has passed. Outside Run (the writers unknown)
// it does not linger. Records arriving while an fsync runs wait for the next batch: the fsync itself is a
// batching window.
const (
	maxLinger   = 25 * time.Millisecond
	lingerBatch = 64
)

// FileJournal is a Journal in a file of JSON lines, append-only. Concurrent Record calls are committed
// together: one write and one fsync for all the entries that arrived while the previous fsync ran, and,
// within a run (Run), while records stream in, for those arriving within maxLinger of the batch's first
// (at once when all the run's writers but one wait, or lingerBatch are queued; a record after an idle
// spell is written at once),
// each caller returning once its entry is durable, never earlier. After
// the first failed write or fsync every Record fails (the state of the file's tail is then unknown).
// Safe for concurrent use.
type FileJournal struct {
	path       string
	recipients []age.Recipient
	encrypted  bool // the journal's passwords are age-encrypted: a plain one is never written

	mu       sync.Mutex
	cond     *sync.Cond
	f        *os.File
	buf      []byte        // lines waiting for the next commit
	queued   uint64        // lines handed to Record so far
	synced   uint64        // lines durable so far
	flushing bool          // a Record is writing and syncing a batch
	commits  uint64        // batches written and synced
	linger   time.Duration // the longest a commit waits for more records before it writes
	writers  int           // how many goroutines may record at once (0: unknown)
	blocked  int           // Record calls waiting for their batch (queue's waits not counted)
	lastSync time.Time     // when the last fsync ended
	more     chan struct{} // capacity 1: a record was queued while a leader lingers
	err      error         // the first failure; sticky
	closed   bool
}

// CreateJournal creates path (O_EXCL, 0600; refused if it exists), writes the header, and fsyncs the
// file and its directory. The journal holds the only copy of each new password until the caller has
// delivered it: treat the file like a password file.
func CreateJournal(path string, h JournalHeader, opts ...JournalOption) (*FileJournal, error) {
	cfg := journalOptions(opts)
	f, err := os.OpenFile(filepath.Clean(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("rotate: creating the journal: %w: %w", ErrJournal, err)
	}
	fh := fileHeader{Format: journalFormat, Version: journalVersion, Vendor: h.Vendor, BaseURL: h.BaseURL,
		Profiles: sortedProfiles(h.Profiles), Input: h.Input, Passwords: passwordsPlain, Created: time.Now().UTC()}
	if len(cfg.recipients) > 0 {
		fh.Passwords, fh.Recipients = passwordsAge, recipientNames(cfg.recipients)
	}
	line, err := json.Marshal(fh)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("rotate: writing the journal header: %w: %w", ErrJournal, err)
	}
	return newFileJournal(path, f, cfg.recipients, fh.Passwords == passwordsAge), nil
}

// OpenJournal opens an existing journal to resume: checks the header against h and the encryption
// options, reads every entry, returns the last state per key, and reopens the file for appending.
//
// A line that does not parse is an error (ErrJournal), except the last one, which a crash may have cut
// short. Its Record call never returned, so no write was sent on its account; still, when its key and
// password can be read, the key is returned as EntryPending with that password (to be verified). When
// only its key can be read, the key's previous entry stands, or, without one, the key is returned as
// EntryPending without a password (never sent: Run runs it as new). When not even the key can be read,
// the line is ignored. The cut line is removed from the file before appending; a last line that is whole
// but lacks its newline is read as it is and terminated.
func OpenJournal(path string, h JournalHeader, opts ...JournalOption) (*FileJournal, map[string]Entry, error) {
	cfg := journalOptions(opts)
	f, err := os.OpenFile(filepath.Clean(path), os.O_RDWR, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("rotate: opening the journal: %w: %w", ErrJournal, err)
	}
	j, entries, err := openJournal(path, f, h, cfg)
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return j, entries, nil
}

func openJournal(path string, f *os.File, h JournalHeader, cfg journalConfig) (*FileJournal, map[string]Entry, error) {
	r := &journalReader{br: bufio.NewReader(f), cfg: cfg, entries: map[string]rawEntry{}}
	fh, err := r.header()
	if err != nil {
		return nil, nil, err
	}
	if err := checkHeader(fh, h, &cfg); err != nil {
		return nil, nil, err
	}
	if err := r.readEntries(); err != nil {
		return nil, nil, err
	}
	entries, err := r.decrypt()
	if err != nil {
		return nil, nil, err
	}
	if err := r.repairTail(f); err != nil {
		return nil, nil, err
	}
	return newFileJournal(path, f, cfg.recipients, fh.Passwords == passwordsAge), entries, nil
}

func newFileJournal(path string, f *os.File, recipients []age.Recipient, encrypted bool) *FileJournal {
	j := &FileJournal{path: path, f: f, recipients: recipients, encrypted: encrypted, linger: maxLinger, more: make(chan struct{}, 1)}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// Record appends e and returns once it is durable. Records arriving while another batch is being synced
// are written and synced together by one of them.
func (j *FileJournal) Record(e Entry) error {
	wait, err := j.queue(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	j.blocked++
	if j.flushing {
		wake(j.more)
	}
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		j.blocked--
		j.mu.Unlock()
	}()
	return wait()
}

// queue appends e to the next batch and returns a function that waits until e is durable (and takes the
// batch's commit when no other caller does). Run records a target's last entry this way, so that its
// worker takes the next target while the entry waits for its batch; the target's result is reported
// only once wait returns, as with Record.
func (j *FileJournal) queue(e Entry) (wait func() error, err error) {
	line, err := j.encode(e)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return nil, err
	}
	j.buf = append(j.buf, line...)
	j.queued++
	mine := j.queued
	return func() error { return j.waitFor(mine) }, nil
}

// waitFor returns once the first n lines are durable, committing a batch itself when no one else is.
func (j *FileJournal) waitFor(n uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.synced < n {
		switch {
		case j.err != nil:
			return j.err
		case j.flushing:
			j.cond.Wait()
		default:
			j.commit()
		}
	}
	return nil
}

// usable returns the error that stops every Record: the first failure, or Close.
func (j *FileJournal) usable() error {
	if j.err != nil {
		return j.err
	}
	if j.closed {
		return fmt.Errorf("rotate: %w: the journal is closed", ErrJournal)
	}
	return nil
}

// commit writes and syncs every queued line, with j.mu held on entry and exit (released meanwhile).
func (j *FileJournal) commit() {
	j.flushing = true
	j.lingerForBatch()
	batch, upto := j.buf, j.queued
	j.buf = nil
	j.mu.Unlock()
	_, err := j.f.Write(batch)
	if err == nil {
		err = j.f.Sync()
	}
	j.mu.Lock()
	j.flushing = false
	j.lastSync = time.Now()
	if err != nil && j.err == nil {
		j.err = fmt.Errorf("rotate: writing the journal: %w: %w", ErrJournal, err)
	} else if err == nil {
		j.synced = upto
		j.commits++
		if j.buf == nil {
			j.buf = batch[:0] // reuse the batch's memory
		}
	}
	j.cond.Broadcast()
}

// lingerForBatch lets the records of other writers join the batch (see maxLinger), with j.mu held on
// entry and exit.
func (j *FileJournal) lingerForBatch() {
	if j.linger <= 0 || j.writers <= 0 || time.Since(j.lastSync) > j.linger {
		return // idle, or outside Run (writers unknown): the fsync under way is the only batching window
	}
	deadline := time.NewTimer(j.linger)
	defer deadline.Stop()
	for j.queued-j.synced < lingerBatch && j.blocked < max(j.writers-1, 1) {
		j.mu.Unlock()
		select {
		case <-j.more:
		case <-deadline.C:
			j.mu.Lock()
			return
		}
		j.mu.Lock()
	}
}

// setWriters tells the journal how many goroutines record at once (Run's workers), so that a batch is
// written as soon as all of them but one wait for it; 0 or less: unknown (no linger).
func (j *FileJournal) setWriters(n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.writers = n
}

// Syncs returns how many batches the journal has written and fsynced so far (each fsync commits every
// record that arrived while the previous one ran), for measuring how well records share them.
func (j *FileJournal) Syncs() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.commits
}

// encode returns e's line, its password encrypted when the journal has recipients.
func (j *FileJournal) encode(e Entry) ([]byte, error) {
	if e.Key == "" || !e.State.valid() {
		return nil, fmt.Errorf("rotate: %w: an entry needs a key and a state (got %q)", ErrJournal, e.State)
	}
	fe := fileEntry{Key: e.Key, Index: e.Index, Profile: e.Profile, Vendor: string(e.Vendor), User: e.User, State: e.State, Time: e.Time.UTC(), Attempts: e.Attempts}
	if fe.Time.IsZero() {
		fe.Time = time.Now().UTC()
	}
	if !e.Password.IsZero() {
		if j.encrypted && len(j.recipients) == 0 {
			return nil, fmt.Errorf("rotate: %w: the journal is encrypted and has no recipients: a password is never written to it in plain text", ErrJournal)
		}
		if len(j.recipients) > 0 {
			enc, err := sealPassword(e.Password, j.recipients)
			if err != nil {
				return nil, fmt.Errorf("rotate: %w: encrypting a password: %w", ErrJournal, err)
			}
			fe.PasswordAge = enc
		} else {
			fe.Password = e.Password.Reveal()
		}
	}
	line, err := json.Marshal(fe) //nolint:gosec // G117: the journal holds the passwords by design (age-encrypted with WithRecipients)
	if err != nil {
		return nil, fmt.Errorf("rotate: %w: %w", ErrJournal, err)
	}
	return append(line, '\n'), nil
}

// Close closes the file; later Records fail. Call it once the run's results are all read.
func (j *FileJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.flushing {
		j.cond.Wait()
	}
	if j.closed {
		return nil
	}
	j.closed = true
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("rotate: closing the journal: %w: %w", ErrJournal, err)
	}
	return nil
}

// Path returns the journal's file name.
func (j *FileJournal) Path() string { return j.path }

// syncDir fsyncs a directory, so that a file created in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
