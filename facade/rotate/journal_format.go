package rotate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/unipass/unipass/facade"
)

// EntryState is the state of a password write in the journal.
type EntryState string

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
	// Attempts counts the write requests sent for the key so far, over every run the journal records; a
	// pending entry counts the send it precedes (it may have left the machine).
	Attempts int
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
	Attempts    int        `json:"attempts,omitempty"`
	Password    string     `json:"password,omitempty"`
	PasswordAge string     `json:"password_age,omitempty"`
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
		"time": &e.Time, "attempts": &e.Attempts, "password": &e.Password, "password_age": &e.PasswordAge}
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
		e := Entry{Key: k, Index: re.Index, Profile: re.Profile, Vendor: facade.Vendor(re.Vendor), User: re.User, State: re.State, Time: re.Time, Attempts: re.Attempts}
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
