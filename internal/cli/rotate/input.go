package rotate

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// inputFormat is how rotate reads --input.
type inputFormat string

// The input formats.
const (
	formatCSV   inputFormat = "csv"   // a header row with a "user" column
	formatJSONL inputFormat = "jsonl" // one JSON object with a "user" field per line
)

// maxInputLine bounds one line of JSON-lines input.
const maxInputLine = 1 << 20

// stdinInput is the --input value for standard input, and the journal's input identity for it.
const stdinInput = "-"

// inputFormatOf returns the format named by --format, or guessed from the file name (CSV by default).
func inputFormatOf(flag, path string) (inputFormat, error) {
	switch flag {
	case string(formatCSV), string(formatJSONL):
		return inputFormat(flag), nil
	case "":
		if strings.HasSuffix(path, ".jsonl") || strings.HasSuffix(path, ".json") {
			return formatJSONL, nil
		}
		return formatCSV, nil
	}
	return "", cmdutil.Usagef("--format must be csv or jsonl")
}

// target is one input line: the user to rotate, and the profile whose account it is ("" when the line
// names none: the flags' account).
type target struct {
	line    int // line number in the input, from 1
	user    string
	profile string
	id      string // the user ID an address was found to name (a dry run's duplicate lines only)
}

// lineError is an input line rotate cannot use.
type lineError struct {
	line   int
	reason string
}

func (e *lineError) Error() string { return fmt.Sprintf("--input: line %d: %s", e.line, e.reason) }

// targetReader yields the targets of an input one line at a time; it never holds more than one line.
type targetReader interface {
	// next returns the next target, io.EOF after the last one, or a *lineError for a bad line (the next
	// call reads on after it); any other error ends the input.
	next() (target, error)
}

// newTargetReader reads targets in format f from r (a leading UTF-8 byte-order mark is skipped); for CSV it
// reads the header row first.
func newTargetReader(r io.Reader, f inputFormat) (targetReader, error) {
	r = cmdutil.StripBOM(r)
	if f == formatJSONL {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64*1024), maxInputLine)
		return &jsonlTargets{sc: sc}, nil
	}
	return newCSVTargets(r)
}

// csvTargets reads the "user" column of a CSV file, and its "profile" column when it has one.
type csvTargets struct {
	r          *csv.Reader
	col        int
	profileCol int // -1: no profile column
}

func newCSVTargets(r io.Reader) (*csvTargets, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, cmdutil.Usagef("--input: reading the CSV header: %v", err)
	}
	c := &csvTargets{r: cr, col: -1, profileCol: -1}
	for i, h := range header {
		switch {
		case strings.EqualFold(strings.TrimSpace(h), "user") && c.col < 0:
			c.col = i
		case strings.EqualFold(strings.TrimSpace(h), "profile") && c.profileCol < 0:
			c.profileCol = i
		}
	}
	if c.col < 0 {
		return nil, cmdutil.Usagef(`--input: the CSV needs a "user" column`)
	}
	return c, nil
}

func (c *csvTargets) next() (target, error) {
	rec, err := c.r.Read()
	if err != nil {
		return target{}, csvError(err)
	}
	line, _ := c.r.FieldPos(0)
	if c.col >= len(rec) || strings.TrimSpace(rec[c.col]) == "" {
		return target{}, &lineError{line: line, reason: "no user"}
	}
	t := target{line: line, user: strings.TrimSpace(rec[c.col])}
	if c.profileCol >= 0 {
		if c.profileCol >= len(rec) || strings.TrimSpace(rec[c.profileCol]) == "" {
			return target{}, &lineError{line: line, reason: "no profile (the input has a profile column)"}
		}
		t.profile = strings.TrimSpace(rec[c.profileCol])
	}
	return t, nil
}

// hasProfiles tells whether the CSV has a profile column.
func (c *csvTargets) hasProfiles() bool { return c.profileCol >= 0 }

// csvError makes a CSV parse error a *lineError.
func csvError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.As(err, &pe):
		return &lineError{line: pe.StartLine, reason: pe.Err.Error()}
	}
	return cmdutil.Usagef("--input: %v", err)
}

// jsonlTargets reads the "user" field of JSON lines; blank lines are skipped.
type jsonlTargets struct {
	sc   *bufio.Scanner
	line int
}

func (j *jsonlTargets) next() (target, error) {
	for j.sc.Scan() {
		j.line++
		if strings.TrimSpace(j.sc.Text()) == "" {
			continue
		}
		user, profile, ok := jsonTarget(j.sc.Bytes())
		if !ok {
			return target{}, &lineError{line: j.line, reason: "not a JSON object with a user (and, if any, a string profile)"}
		}
		return target{line: j.line, user: user, profile: profile}, nil
	}
	if err := j.sc.Err(); err != nil {
		return target{}, cmdutil.Usagef("--input: line %d: %v", j.line+1, err)
	}
	return target{}, io.EOF
}

// jsonTarget reads {"user": "..."} or {"user": 123} (a number, such as a Zendesk ID), with an optional
// "profile" string.
func jsonTarget(line []byte) (user, profile string, ok bool) {
	var t struct {
		User    json.RawMessage `json:"user"`
		Profile *string         `json:"profile"`
	}
	if json.Unmarshal(line, &t) != nil || len(t.User) == 0 || string(t.User) == "null" {
		return "", "", false
	}
	if t.Profile != nil {
		if profile = strings.TrimSpace(*t.Profile); profile == "" {
			return "", "", false
		}
	}
	var s string
	if json.Unmarshal(t.User, &s) == nil {
		s = strings.TrimSpace(s)
		return s, profile, s != ""
	}
	var n json.Number
	if json.Unmarshal(t.User, &n) == nil {
		return n.String(), profile, true
	}
	return "", "", false
}

// checkUser checks the syntax of a user reference as the vendor's manager does (facade.CheckUser): an ID,
// or on DocSpace and Zendesk an email address (isAddress: the run looks it up, see frotate.Target.Email).
// The error is the facade's reason alone, to follow the line number and the quoted reference.
func checkUser(v facade.Vendor, user string) error {
	err := facade.CheckUser(v, user)
	if ie := (*facade.InputError)(nil); errors.As(err, &ie) {
		return errors.New(ie.Reason)
	}
	return err
}

// isAddress tells whether a user reference is an email address (looked up at the vendor) rather than an
// ID, as factory.ResolveUser tells them apart.
func isAddress(user string) bool { return strings.Contains(user, "@") }

// checkedTargets reads targets and refuses, as a *lineError, a target whose account cannot be told (an
// unknown profile, a profile where the input names none) and a user whose syntax the vendor refuses.
type checkedTargets struct {
	targetReader
	// vendor returns the vendor of a target's account.
	vendor func(target) (facade.Vendor, error)
}

func (c checkedTargets) next() (target, error) {
	t, err := c.targetReader.next()
	if err != nil {
		return t, err
	}
	v, err := c.vendor(t)
	if err != nil {
		return target{}, &lineError{line: t.line, reason: err.Error()}
	}
	if err := checkUser(v, t.user); err != nil {
		return target{}, &lineError{line: t.line, reason: fmt.Sprintf("%q: %v", cmdutil.Printable(t.user), err)}
	}
	return t, nil
}

// inputFile is --input opened for reading, hashing what is read.
type inputFile struct {
	path string
	file *os.File // nil for standard input
	r    io.Reader
	sum  hash.Hash
}

// openInput opens --input (a file, or - for standard input).
func openInput(stdin io.Reader, path string) (*inputFile, error) {
	if path == stdinInput {
		return &inputFile{path: path, r: stdin}, nil
	}
	f, err := os.Open(path) // #nosec G304 -- the file the user named
	if err != nil {
		return nil, cmdutil.Usagef("--input: %v", errors.Unwrap(err))
	}
	in := &inputFile{path: path, file: f, sum: sha256.New()}
	in.r = io.TeeReader(f, in.sum)
	return in, nil
}

// identity names the input in the journal: the SHA-256 of a file's bytes read so far (all of them once
// read to the end), or "-" for standard input.
func (in *inputFile) identity() string {
	if in.sum == nil {
		return stdinInput
	}
	return "sha256:" + hex.EncodeToString(in.sum.Sum(nil))
}

// Close closes the file.
func (in *inputFile) Close() error {
	if in.file == nil {
		return nil
	}
	return in.file.Close()
}

// inputSummary is what a full pass over the input found.
type inputSummary struct {
	targets  int
	first    firstUser // the first target's user whose ID is known
	identity string    // inputFile.identity after the last byte
	// profiles holds the first user of each profile the input names (a fleet input); nil otherwise.
	profiles map[string]firstUser
	// duplicates are the lines (at most maxListed) whose account an earlier line names too, when the
	// pass looked for them; duplicateCount counts them all.
	duplicates     []target
	duplicateCount int
	// lookupFailures are the address lines (at most maxListed) whose lookup failed, when the pass looked
	// addresses up; lookupFailureCount counts them all, lookupExit is the exit code they call for.
	lookupFailures     []*lookupFailure
	lookupFailureCount int
	lookupExit         int
}

// firstUser is the first target of an input or of one of its profiles whose user ID is known (given, or
// an address looked up): its ID and its line, where the policy is read. id "": none yet.
type firstUser struct {
	id   string
	line int
}

// maxListed bounds the duplicate and failed lines a dry run lists.
const maxListed = 100

// lookupFailure is an address line whose lookup failed: the run fails that row (nothing sent for it).
type lookupFailure struct {
	line int
	err  error // as frotate words it: 'rotate: VENDOR (profile "NAME"): looking up "ADDRESS": REASON'
}

func (e *lookupFailure) Error() string { return inLine(e.line, e.err) }

func (e *lookupFailure) Unwrap() error { return e.err }

// inLine names an input line before an error of its target.
func inLine(line int, err error) string { return fmt.Sprintf("--input: line %d: %v", line, err) }

// lookupExitCode is the exit code a failed lookup calls for: the failure's, except that a vendor that
// cannot look users up fails the row (exit 1), as a refused row does, rather than the input (exit 2).
func lookupExitCode(err error) int {
	if errors.Is(err, facade.ErrUnsupported) {
		return cmdutil.ExitFailure
	}
	return cmdutil.ExitCode(err)
}

// scanInput reads the whole input once, holding one line at a time (and one entry per profile named): it
// checks every line, the account of every target (vendor gives it) and the syntax of every user, counts
// the targets and hashes the bytes. The first bad line is returned as a usage error.
//
// resolve, when not nil, turns a target's email address into its user ID (a lookup at the vendor,
// changing nothing; a dry run's). A failed lookup (a *lookupFailure) is a failed row, as in the run: it is
// recorded, and the pass reads on; any other error of resolve ends the pass. Without resolve nothing is
// looked up: the run looks addresses up itself, once per row, inside the profile's rate limiter.
//
// With dups, it also finds the lines whose account (profile, vendor and user ID, as rotate keys them) an
// earlier line names, as frotate.Run would refuse them, exactly and in memory that does not grow with the
// input (dupFinder); an address counts once looked up.
func scanInput(in *inputFile, f inputFormat, vendor func(target) (facade.Vendor, error), resolve func(target) (string, error), dups bool) (inputSummary, error) {
	var s inputSummary
	tr, err := newTargetReader(in.r, f)
	if err != nil {
		return s, err
	}
	src := checkedTargets{targetReader: tr, vendor: vendor}
	var seen *dupFinder
	if dups {
		seen = newDupFinder()
		defer seen.close()
	}
	for {
		t, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, asUsage(err)
		}
		id, err := t.user, error(nil)
		switch {
		case resolve != nil:
			id, err = resolve(t)
		case isAddress(t.user):
			id = "" // looked up by the run
		}
		var lf *lookupFailure
		if errors.As(err, &lf) {
			s.failed(lf)
			id, err = "", nil
		}
		if err != nil {
			return s, asUsage(err)
		}
		if err := s.add(t, id, seen, vendor); err != nil {
			return s, err
		}
	}
	if s.targets == 0 {
		return s, cmdutil.Usagef("--input: no targets")
	}
	if seen != nil {
		if s.duplicates, s.duplicateCount, err = seen.finish(); err != nil {
			return s, err
		}
	}
	// Whatever follows the last record (csv stops at EOF) is hashed too.
	if _, err := io.Copy(io.Discard, in.r); err != nil {
		return s, cmdutil.Usagef("--input: %v", err)
	}
	s.identity = in.identity()
	return s, nil
}

// failed records a failed lookup.
func (s *inputSummary) failed(lf *lookupFailure) {
	if s.lookupFailureCount++; len(s.lookupFailures) < maxListed {
		s.lookupFailures = append(s.lookupFailures, lf)
	}
	s.lookupExit = max(s.lookupExit, lookupExitCode(lf.err))
}

// add counts a target, notes the first of the input and of its profile whose user ID is known (id: the
// line's, or its address looked up; "" when not), and, with seen and a known ID, gives seen its account.
func (s *inputSummary) add(t target, id string, seen *dupFinder, vendor func(target) (facade.Vendor, error)) error {
	first := firstUser{id: id, line: t.line}
	if s.first.id == "" && id != "" {
		s.first = first
	}
	s.targets++
	if t.profile != "" {
		if s.profiles == nil {
			s.profiles = map[string]firstUser{}
		}
		if p, ok := s.profiles[t.profile]; !ok || p.id == "" && id != "" {
			s.profiles[t.profile] = first
		}
	}
	if seen == nil || id == "" {
		return nil
	}
	v, _ := vendor(t) // checked by checkedTargets
	return seen.add(frotate.ProfileKey(t.profile, v, id), target{line: t.line, user: t.user, profile: t.profile, id: id})
}

// isLineError reports whether err is a bad input line (reading may go on after it).
func isLineError(err error) bool {
	var le *lineError
	return errors.As(err, &le)
}

// asUsage makes a bad input line a usage error (input refused before sending).
func asUsage(err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return &cmdutil.UsageError{Err: err}
	}
	return err
}
