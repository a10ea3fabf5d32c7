package rotate

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"filippo.io/age"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// passwordsOut is the --passwords-out file: CSV "user,password,status" ("profile,user,password,status"
// for a fleet input), plain (mode 0600) or one age file.
type passwordsOut struct {
	path     string
	file     *os.File
	enc      io.WriteCloser // the age stream; nil when plain
	csv      *csv.Writer
	profiles bool // the profile column comes first
}

// createPasswordsOut creates path (it must not exist, mode 0600) and writes the header row, with a
// profile column first when profiles; with recipients, everything written to it is age-encrypted to them.
func createPasswordsOut(path string, recipients []age.Recipient, profiles bool) (*passwordsOut, error) {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the file the user named
	if err != nil {
		return nil, cmdutil.Usagef("--passwords-out: %v", errors.Unwrap(err))
	}
	p := &passwordsOut{path: path, file: file, profiles: profiles}
	var w io.Writer = file
	if len(recipients) > 0 {
		if p.enc, err = age.Encrypt(file, recipients...); err != nil {
			p.remove()
			return nil, fmt.Errorf("--passwords-out: encrypting: %w", err)
		}
		w = p.enc
	}
	p.csv = csv.NewWriter(w)
	header := []string{"user", "password", "status"}
	if profiles {
		header = append([]string{"profile"}, header...)
	}
	if err := p.row(header...); err != nil {
		p.remove()
		return nil, err
	}
	return p, nil
}

// write adds a password and the status of its write.
func (p *passwordsOut) write(profile, user string, pw facade.Secret, st frotate.Status) error {
	if p.profiles {
		return p.row(profile, user, pw.Reveal(), string(st))
	}
	return p.row(user, pw.Reveal(), string(st))
}

// row writes one CSV row through to the file (an encrypted file holds it until its chunk is full).
func (p *passwordsOut) row(fields ...string) error {
	_ = p.csv.Write(fields) // the error is the writer's sticky one, read below
	p.csv.Flush()
	if err := p.csv.Error(); err != nil {
		return fmt.Errorf("--passwords-out: %w", err)
	}
	return nil
}

// Close finishes the age stream, syncs and closes the file.
func (p *passwordsOut) Close() error {
	p.csv.Flush()
	err := p.csv.Error()
	if p.enc != nil {
		err = cmp.Or(err, p.enc.Close())
	}
	err = cmp.Or(err, p.file.Sync(), p.file.Close())
	if err != nil {
		return fmt.Errorf("--passwords-out: %w", err)
	}
	return nil
}

// remove deletes a file created moments ago that holds no password.
func (p *passwordsOut) remove() {
	_ = p.file.Close()
	_ = os.Remove(p.path)
}

// ResultLine is one JSON line of rotate's output.
type ResultLine struct {
	Index       int    `json:"index"`
	Profile     string `json:"profile,omitempty"`
	Vendor      string `json:"vendor"`
	User        string `json:"user"`         // as the input gives it: the user ID, or the email address
	ID          string `json:"id,omitempty"` // the user ID an email address was found to name
	Status      string `json:"status"`
	Resumed     bool   `json:"resumed,omitempty"`
	Settled     string `json:"settled,omitempty"` // "by re-sending": an unverifiable earlier write, set again
	Attempts    int    `json:"attempts"`
	LatencyMS   int64  `json:"latency_ms"` // the vendor's time
	WaitMS      int64  `json:"wait_ms"`    // the rate limiter's
	Error       string `json:"error,omitempty"`
	NewPassword string `json:"new_password,omitempty"`
}

// settledByResend is the "settled" field of a row settled by re-sending its journaled password.
const settledByResend = "by re-sending"

// tally counts how the targets ended.
type tally struct {
	done, unknown, failed, notStarted, resumed, notInInput, resent int
	worst                                                          int   // the exit code the results call for
	inputErr                                                       error // the first bad input line, or a read error
	outputErr                                                      error // the first failed write to an output
	interrupted                                                    bool  // Ctrl-C or SIGTERM
}

// add counts r and raises the exit code it calls for.
func (t *tally) add(r frotate.Result) {
	t.count(r.Status)
	if r.Resumed {
		t.resumed++
	}
	if r.SettledByResend {
		t.resent++
	}
	notInInput := errors.Is(r.Err, frotate.ErrNotInInput)
	if notInInput {
		t.notInInput++
	}
	// A target not started says nothing about the vendor; a journal entry not in the input is reported
	// by its status.
	switch {
	case r.Err == nil || notInInput || r.Status == frotate.NotStarted:
	case r.Email != "" && r.User == "": // a failed lookup fails its row (exit 1 for an unsupported one, not 2)
		t.worst = max(t.worst, lookupExitCode(r.Err))
	default:
		t.worst = max(t.worst, cmdutil.ExitCode(r.Err))
	}
}

// count counts a status; unknown calls for exit 4.
func (t *tally) count(st frotate.Status) {
	switch st {
	case frotate.Done:
		t.done++
	case frotate.Unknown:
		t.unknown++
		t.worst = max(t.worst, cmdutil.ExitUnknown)
	case frotate.NotStarted:
		t.notStarted++
	default:
		t.failed++
	}
}

// exitError is the error that carries the run's exit code, with its reasons: the highest of the results'
// codes, 1 for a failed output, 2 for a bad input line, 6 when interrupted with targets left.
func (t *tally) exitError(closeErr error, resumeHint func() string) error {
	var reasons []string
	code := t.worst
	if err := cmp.Or(closeErr, t.outputErr); err != nil {
		code = max(code, cmdutil.ExitFailure)
		reasons = append(reasons, err.Error())
	}
	if t.inputErr != nil {
		code = max(code, cmdutil.ExitCode(asUsage(t.inputErr)))
		reasons = append(reasons, t.inputErr.Error()+"; no target after it was started")
	}
	if t.interrupted && t.notStarted > 0 {
		code = cmdutil.ExitInterrupted
		reasons = append(reasons, resumeHint())
	}
	if code == cmdutil.ExitOK {
		return nil
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "some targets did not end done; see the JSON lines")
	}
	return &cmdutil.ExitError{Code: code, Err: errors.New(strings.Join(reasons, "; "))}
}

// delivers reports whether a result's password goes to the outputs: every password that is or may be in
// effect, and every password of a journal entry whose target is not in the input.
func delivers(r frotate.Result) bool {
	if r.NewPassword.IsZero() {
		return false
	}
	return r.Status == frotate.Done || r.Status == frotate.Unknown || errors.Is(r.Err, frotate.ErrNotInInput)
}

// deliver writes a result: its password to the outputs, its JSON line to standard output.
func (s *rotation) deliver(r frotate.Result, t *tally) {
	t.add(r)
	line := ResultLine{Index: r.Index, Profile: r.Profile, Vendor: string(r.Vendor), User: r.User, Status: string(r.Status),
		Resumed: r.Resumed, Attempts: r.Attempts, LatencyMS: r.Latency.Milliseconds(), WaitMS: r.Wait.Milliseconds()}
	if r.SettledByResend {
		line.Settled = settledByResend
	}
	if r.Err != nil {
		line.Error = cmdutil.Printable(r.Err.Error())
	}
	if r.Email != "" {
		s.byAddress(r, &line)
	}
	if delivers(r) {
		s.deliverPassword(r, &line, t)
	}
	if errors.Is(r.Err, frotate.ErrNotInInput) {
		where := ""
		if r.Profile != "" {
			where = fmt.Sprintf(" of profile %q", cmdutil.Printable(r.Profile))
		}
		fmt.Fprintf(s.o.ErrOut, "unipass: the journal holds a password for user %q%s (%s), who is not in the input; it is delivered with the others\n",
			cmdutil.Printable(r.User), where, r.Status)
	}
	if err := s.lines.Encode(line); err != nil && t.outputErr == nil {
		t.outputErr = fmt.Errorf("standard output: %w", err)
	}
}

// byAddress fills in the line of a target given by address: the address as the user, the ID it names;
// a failed lookup's error names the input line too.
func (s *rotation) byAddress(r frotate.Result, line *ResultLine) {
	line.User, line.ID = r.Email, r.User
	if n, ok := s.addrs.take(r.Index); ok && r.User == "" && r.Status == frotate.Failed && r.Err != nil {
		line.Error = cmdutil.Printable(inLine(n, r.Err))
	}
}

// addressLines holds the input line of each address target the feed sent whose result has not come
// yet (a failed lookup names its line): as many as the run holds targets, not the input's rows.
type addressLines struct {
	mu    sync.Mutex
	lines map[int]int // target index → input line
}

// add notes the line of the target with index i.
func (a *addressLines) add(i, line int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lines == nil {
		a.lines = map[int]int{}
	}
	a.lines[i] = line
}

// take returns and forgets the line of the target with index i.
func (a *addressLines) take(i int) (int, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	line, ok := a.lines[i]
	delete(a.lines, i)
	return line, ok
}

// deliverPassword writes a result's password to --passwords-out and, with --print-passwords, into its
// JSON line. A failed write to --passwords-out stops the run (the journal, if any, still holds every
// password).
func (s *rotation) deliverPassword(r frotate.Result, line *ResultLine, t *tally) {
	if s.f.PrintPasswords {
		line.NewPassword = r.NewPassword.Reveal()
	}
	if s.pwOut == nil {
		return
	}
	if err := s.pwOut.write(r.Profile, r.User, r.NewPassword, r.Status); err != nil && t.outputErr == nil {
		t.outputErr = err
		s.stop(err)
	}
}

// finish closes the outputs, prints a summary on standard error and returns the error that carries the
// exit code.
func (s *rotation) finish(ctx context.Context, t *tally) error {
	if s.o.IsTerminal(s.o.ErrOut) {
		fmt.Fprintln(s.o.ErrOut)
	}
	closeErr := s.closeOutputs()
	journal := ""
	if s.f.defaultJournal {
		journal = "; journal " + s.f.Journal
	}
	fmt.Fprintf(s.o.ErrOut, "rotate: %d done (%d from the journal), %d unknown, %d failed, %d not started%s\n",
		t.done, t.resumed, t.unknown, t.failed, t.notStarted, journal)
	if t.resent > 0 {
		fmt.Fprintf(s.o.ErrOut, "rotate: %d outcomes of an earlier run that verifying could not tell settled by re-sending the journaled password\n", t.resent)
	}
	if t.unknown > 0 {
		fmt.Fprintf(s.o.ErrOut, "rotate: %d passwords may or may not be in effect (status unknown, delivered with the others): check each with `unipass verify USER`, or set a new one\n", t.unknown)
	}
	return t.exitError(closeErr, func() string { return s.resumeHint(ctx, t) })
}

// resumeHint says how to go on after an interruption.
func (s *rotation) resumeHint(ctx context.Context, t *tally) string {
	journal := cmp.Or(s.f.Resume, s.f.Journal)
	why := "interrupted"
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		why = "interrupted (" + cause.Error() + ")"
	}
	if journal == "" {
		return fmt.Sprintf("%s: %d targets not started; without a journal, rotate them again from a new input", why, t.notStarted)
	}
	return fmt.Sprintf("%s: %d targets not started; continue with --resume %s (same input, a new --passwords-out)", why, t.notStarted, journal)
}

// closeOutputs closes --passwords-out and the journal.
func (s *rotation) closeOutputs() error {
	var err error
	if s.pwOut != nil {
		err = s.pwOut.Close()
	}
	if s.journal != nil {
		if jerr := s.journal.Close(); jerr != nil {
			err = cmp.Or(err, fmt.Errorf("journal: %w", jerr))
		}
	}
	return err
}
