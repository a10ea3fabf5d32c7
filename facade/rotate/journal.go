package rotate

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/unipass/unipass/facade"
)

// EntryState is the state of a password write in the journal.
type EntryState string

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

func (s EntryState) valid() bool {
	switch s {
	case EntryPending, EntryDone, EntryNotApplied, EntryUnknown, EntryRefused, EntryResending:
		return true
	}
	return false
}

// Entry is one journal record: a target's candidate password and the state of its write.
type Entry struct {
	// Key is ProfileKey(Profile, Vendor, User).
	Key string
	// Index is the target's position in the input stream of the run that recorded it.
	Index int
	// Profile is the target's Profile ("" for none).
	Profile string
	Vendor  facade.Vendor
	User    string
	State   EntryState
	// Password is the candidate password. Every record carries it, so the last record of a key always
	// holds the password that may be in effect.
	Password facade.Secret
	Time     time.Time
}

// TargetKey identifies a target without a profile across runs: "<vendor>:<user>" (vendor names hold no
// colon, so the key splits at its first one). It is ProfileKey("", v, user).
func TargetKey(v facade.Vendor, user string) string { return string(v) + ":" + user }

// ProfileKey identifies a target of a profile across runs: "<profile>/<vendor>:<user>", or
// TargetKey(v, user) when profile is "" (so journals of runs without profiles read as before). Profile
// and vendor names hold neither "/" nor ":", so the key splits at its first "/" and first ":".
func ProfileKey(profile string, v facade.Vendor, user string) string {
	if profile == "" {
		return TargetKey(v, user)
	}
	return profile + "/" + string(v) + ":" + user
}

// splitKey returns the parts of a key made by ProfileKey.
func splitKey(key string) (profile string, v facade.Vendor, user string) {
	head, user, _ := strings.Cut(key, ":")
	if p, vendor, ok := strings.Cut(head, "/"); ok {
		return p, facade.Vendor(vendor), user
	}
	return "", facade.Vendor(head), user
}

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

// JournalHeader identifies a run; OpenJournal refuses a journal whose header differs.
type JournalHeader struct {
	Vendor  string // the vendor's name, or Mixed for a fleet run
	BaseURL string // the vendor's address; "" for a fleet run (each profile has its own)
	Input   string // identity of the input (the CLI uses a SHA-256 of the input file, or "-" for stdin)
	// Profiles are the profiles of a fleet run (targets with a Target.Profile), in any order; nil for a
	// run without profiles. OpenJournal compares them as a set: a journal of another fleet (a profile
	// more or less, or one with another vendor or base URL) is refused.
	Profiles []JournalProfile
}

// Mixed is JournalHeader.Vendor of a fleet run, whose targets are of several vendors or tenants.
const Mixed = "mixed"

// JournalProfile is one profile of a fleet run in the journal's header: its name, vendor and base URL.
type JournalProfile struct {
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`
	BaseURL string `json:"base_url"`
}

// sortedProfiles returns a copy of ps sorted by name, nil when empty.
func sortedProfiles(ps []JournalProfile) []JournalProfile {
	if len(ps) == 0 {
		return nil
	}
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b JournalProfile) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// profileDiffs names the profiles that differ between a journal's header and a run's.
func profileDiffs(journal, run []JournalProfile) []string {
	in := func(ps []JournalProfile) map[string]JournalProfile {
		m := make(map[string]JournalProfile, len(ps))
		for _, p := range ps {
			m[p.Name] = p
		}
		return m
	}
	jm, rm := in(journal), in(run)
	var diffs []string
	for _, p := range sortedProfiles(journal) {
		switch q, ok := rm[p.Name]; {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("profile %q is in the journal, not in this run", p.Name))
		case q != p:
			diffs = append(diffs, fmt.Sprintf("profile %q is %s at %q in the journal, %s at %q in this run", p.Name, p.Vendor, p.BaseURL, q.Vendor, q.BaseURL))
		}
	}
	for _, p := range sortedProfiles(run) {
		if _, ok := jm[p.Name]; !ok {
			diffs = append(diffs, fmt.Sprintf("profile %q is in this run, not in the journal", p.Name))
		}
	}
	return diffs
}

// JournalOption configures CreateJournal and OpenJournal.
type JournalOption func(*journalConfig)

type journalConfig struct {
	recipients []age.Recipient
	identities []age.Identity
}

// WithRecipients age-encrypts the password of every entry to the recipients: a line stays JSON with its
// metadata readable, and its "password_age" field holds the base64 of an age file (binary format) that
// needs one of the recipients' identities. A journal is encrypted or plain from its creation on;
// OpenJournal of an encrypted journal needs WithRecipients (or WithIdentities of X25519 or hybrid
// identities, whose recipients are derived) to append, and WithIdentities to read.
func WithRecipients(r ...age.Recipient) JournalOption {
	return func(c *journalConfig) { c.recipients = append(c.recipients, r...) }
}

// WithIdentities gives OpenJournal the identities that decrypt the password fields of an encrypted
// journal.
func WithIdentities(i ...age.Identity) JournalOption {
	return func(c *journalConfig) { c.identities = append(c.identities, i...) }
}

// A commit waits defaultLinger for the records of other workers (unless lingerBatch are queued already),
// so that they share one fsync.
const (
	defaultLinger = 5 * time.Millisecond
	lingerBatch   = 32
)

// The journal's format: a header line, then one JSON object per line.
const (
	journalFormat  = "unipass-rotate-journal"
	journalVersion = 1
	passwordsPlain = "plain"
	passwordsAge   = "age"
)

// fileHeader is the journal's first line.
type fileHeader struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	Vendor    string           `json:"vendor"`
	BaseURL   string           `json:"base_url"`
	Profiles  []JournalProfile `json:"profiles,omitempty"`
	Input     string           `json:"input"`
	Passwords string           `json:"passwords"`
	// Recipients are the age recipients of an encrypted journal ("age1..."), so that a resume without
	// them still encrypts to them; empty when a recipient has no text form (a resume must then name them).
	Recipients []string  `json:"recipients,omitempty"`
	Created    time.Time `json:"created"`
}

// fileEntry is one entry line; the key comes first and the password last, so that a line cut short by a
// crash still shows whose it was.
type fileEntry struct {
	Key         string     `json:"key"`
	Index       int        `json:"index"`
	Profile     string     `json:"profile,omitempty"`
	Vendor      string     `json:"vendor"`
	User        string     `json:"user"`
	State       EntryState `json:"state"`
	Time        time.Time  `json:"time"`
	Password    string     `json:"password,omitempty"`
	PasswordAge string     `json:"password_age,omitempty"`
}

// FileJournal is a Journal in a file of JSON lines, append-only. Concurrent Record calls are committed
// together: one write and one fsync for all the entries that arrived while the previous fsync ran, or
// within a few milliseconds of the batch's first (defaultLinger; at once when lingerBatch are queued),
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
	linger   time.Duration // how long a commit waits for more records before it writes
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

func journalOptions(opts []JournalOption) journalConfig {
	var cfg journalConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return cfg
}

func newFileJournal(path string, f *os.File, recipients []age.Recipient, encrypted bool) *FileJournal {
	j := &FileJournal{path: path, f: f, recipients: recipients, encrypted: encrypted, linger: defaultLinger}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// checkHeader compares the journal's header with the run's, naming every difference; it also derives the
// recipients of an encrypted journal from the identities when none are given.
func checkHeader(fh fileHeader, h JournalHeader, cfg *journalConfig) error {
	if fh.Format != journalFormat || fh.Version != journalVersion {
		return fmt.Errorf("rotate: %w: format %q version %d, this unipass reads %q version %d",
			ErrJournalMismatch, fh.Format, fh.Version, journalFormat, journalVersion)
	}
	var diffs []string
	differ := func(name, journal, run string) {
		if journal != run {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the journal, %q in this run", name, journal, run))
		}
	}
	differ("vendor", fh.Vendor, h.Vendor)
	differ("base URL", fh.BaseURL, h.BaseURL)
	diffs = append(diffs, profileDiffs(fh.Profiles, h.Profiles)...)
	differ("input", fh.Input, h.Input)
	if len(diffs) > 0 {
		return fmt.Errorf("rotate: %w: %s", ErrJournalMismatch, strings.Join(diffs, "; "))
	}
	switch fh.Passwords {
	case passwordsPlain:
		if len(cfg.recipients) > 0 {
			return fmt.Errorf("rotate: %w: its passwords are plain text; it cannot be continued encrypted (WithRecipients)", ErrJournalMismatch)
		}
	case passwordsAge:
		if len(cfg.identities) == 0 {
			return fmt.Errorf("rotate: %w: its passwords are age-encrypted; reading them needs the identity (WithIdentities)", ErrJournalMismatch)
		}
		if len(cfg.recipients) == 0 {
			rs, err := parseRecipientNames(fh.Recipients)
			if err != nil {
				return fmt.Errorf("rotate: %w: the recipients in its header: %w", ErrJournalMismatch, err)
			}
			if cfg.recipients = rs; len(rs) == 0 {
				cfg.recipients = recipientsOf(cfg.identities)
			}
		}
		if len(cfg.recipients) == 0 {
			return fmt.Errorf("rotate: %w: its passwords are age-encrypted; continuing it needs the recipients (WithRecipients)", ErrJournalMismatch)
		}
	default:
		return fmt.Errorf("rotate: %w: unknown password encoding %q", ErrJournalMismatch, fh.Passwords)
	}
	return nil
}

// recipientsOf returns the recipients of the identities that know theirs (X25519 and hybrid), or nil
// when any does not.
func recipientsOf(ids []age.Identity) []age.Recipient {
	var out []age.Recipient
	for _, id := range ids {
		switch i := id.(type) {
		case *age.X25519Identity:
			out = append(out, i.Recipient())
		case *age.HybridIdentity:
			out = append(out, i.Recipient())
		default:
			return nil
		}
	}
	return out
}

// rawEntry is a key's last entry as read, its password still encoded.
type rawEntry struct {
	fileEntry
	line int
}

// journalReader reads a journal line by line.
type journalReader struct {
	br      *bufio.Reader
	cfg     journalConfig
	entries map[string]rawEntry
	line    int   // lines read
	good    int64 // bytes up to the end of the last line that parsed
	size    int64 // bytes read
	// unterminated: the last line parsed but has no newline (its Record never returned); it is
	// terminated on reopening. A last line that does not parse is cut off (size > good).
	unterminated bool
}

// next returns the next line without its newline; whole is false for a last line without one.
func (r *journalReader) next() (data []byte, whole bool, err error) {
	data, err = r.br.ReadBytes('\n')
	r.size += int64(len(data))
	if err == io.EOF {
		if len(data) == 0 {
			return nil, false, io.EOF
		}
		return data, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("rotate: reading the journal: %w: %w", ErrJournal, err)
	}
	return data[:len(data)-1], true, nil
}

func (r *journalReader) header() (fileHeader, error) {
	var fh fileHeader
	data, whole, err := r.next()
	r.line++
	if errors.Is(err, io.EOF) || err == nil && (!whole || json.Unmarshal(data, &fh) != nil) {
		return fh, fmt.Errorf("rotate: %w: not a rotation journal (no header line)", ErrJournalMismatch)
	}
	if err != nil {
		return fh, err
	}
	r.good = r.size
	return fh, nil
}

func (r *journalReader) readEntries() error {
	var held []byte // a line that did not parse: an error unless it is the last
	for {
		data, whole, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if held != nil {
			return fmt.Errorf("rotate: %w: line %d is not a journal entry", ErrJournal, r.line)
		}
		r.line++
		var e fileEntry
		if err := json.Unmarshal(data, &e); err != nil || !e.State.valid() || e.Key == "" {
			held = data
			continue
		}
		r.entries[e.Key] = rawEntry{fileEntry: e, line: r.line}
		r.good, r.unterminated = r.size, !whole
	}
	if held != nil {
		r.partial(held)
	}
	return nil
}

// partial reads what it can of a last line cut short: when its key is whole, the key becomes pending.
func (r *journalReader) partial(data []byte) {
	e := partialEntry(data)
	if e.Key == "" {
		return
	}
	if _, ok := r.entries[e.Key]; ok && e.Password == "" && e.PasswordAge == "" {
		return // the cut record never returned, so nothing was sent with it: the key's previous entry stands
	}
	if e.Vendor == "" || e.User == "" {
		p, v, u := splitKey(e.Key)
		e.Profile, e.Vendor, e.User = p, string(v), u
	}
	e.State = EntryPending
	r.entries[e.Key] = rawEntry{fileEntry: e, line: r.line}
}

// partialEntry reads the whole fields at the start of a JSON object cut short.
func partialEntry(data []byte) fileEntry {
	var e fileEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return e
	}
	fields := map[string]any{"key": &e.Key, "index": &e.Index, "profile": &e.Profile, "vendor": &e.Vendor, "user": &e.User,
		"time": &e.Time, "password": &e.Password, "password_age": &e.PasswordAge}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			break
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			break
		}
		if name, ok := name.(string); ok && fields[name] != nil {
			_ = json.Unmarshal(raw, fields[name])
		}
	}
	return e
}

// decrypt turns the last entry of every key into an Entry, decrypting its password.
func (r *journalReader) decrypt() (map[string]Entry, error) {
	out := make(map[string]Entry, len(r.entries))
	for k, re := range r.entries {
		e := Entry{Key: k, Index: re.Index, Profile: re.Profile, Vendor: facade.Vendor(re.Vendor), User: re.User, State: re.State, Time: re.Time}
		switch {
		case re.PasswordAge != "":
			pw, err := openPassword(re.PasswordAge, r.cfg.identities)
			if err != nil {
				return nil, fmt.Errorf("rotate: %w: the password of line %d: %w", ErrJournal, re.line, err)
			}
			e.Password = pw
		case re.Password != "":
			e.Password = facade.NewSecret(re.Password)
		}
		out[k] = e
	}
	return out, nil
}

// repairTail removes a last line cut short, or terminates a whole last line that lacks its newline, so
// that appended entries start on a line of their own.
func (r *journalReader) repairTail(f *os.File) error {
	var err error
	switch {
	case r.good < r.size:
		err = f.Truncate(r.good)
	case r.unterminated:
		_, err = f.WriteAt([]byte{'\n'}, r.size)
	}
	if err == nil && (r.good < r.size || r.unterminated) {
		err = f.Sync()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekEnd)
	}
	if err != nil {
		return fmt.Errorf("rotate: repairing the journal's last line: %w: %w", ErrJournal, err)
	}
	return nil
}

// Record appends e and returns once it is durable. Records arriving while another batch is being synced
// are written and synced together by one of them.
func (j *FileJournal) Record(e Entry) error {
	line, err := j.encode(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	j.buf = append(j.buf, line...)
	j.queued++
	mine := j.queued
	for j.synced < mine {
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
	if j.linger > 0 && j.queued-j.synced < lingerBatch {
		// Let the records of other workers arriving meanwhile share this fsync.
		j.mu.Unlock()
		time.Sleep(j.linger)
		j.mu.Lock()
	}
	batch, upto := j.buf, j.queued
	j.buf = nil
	j.mu.Unlock()
	_, err := j.f.Write(batch)
	if err == nil {
		err = j.f.Sync()
	}
	j.mu.Lock()
	j.flushing = false
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

// encode returns e's line, its password encrypted when the journal has recipients.
func (j *FileJournal) encode(e Entry) ([]byte, error) {
	if e.Key == "" || !e.State.valid() {
		return nil, fmt.Errorf("rotate: %w: an entry needs a key and a state (got %q)", ErrJournal, e.State)
	}
	fe := fileEntry{Key: e.Key, Index: e.Index, Profile: e.Profile, Vendor: string(e.Vendor), User: e.User, State: e.State, Time: e.Time.UTC()}
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

// sealPassword age-encrypts a password and returns the base64 of the age file.
func sealPassword(pw facade.Secret, recipients []age.Recipient) (string, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, recipients...)
	if err != nil {
		return "", err
	}
	if _, err := io.WriteString(w, pw.Reveal()); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b.Bytes()), nil
}

// openPassword decrypts what sealPassword produced.
func openPassword(enc string, ids []age.Identity) (facade.Secret, error) {
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return facade.Secret{}, errors.New("not base64")
	}
	r, err := age.Decrypt(bytes.NewReader(data), ids...)
	if err != nil {
		return facade.Secret{}, err
	}
	pw, err := io.ReadAll(io.LimitReader(r, 4*maxLength))
	if err != nil {
		return facade.Secret{}, err
	}
	return facade.NewSecret(string(pw)), nil
}

// syncDir fsyncs a directory, so that a file created in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
