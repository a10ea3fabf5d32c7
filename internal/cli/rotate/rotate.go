package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// rotateFlags are rotate's flags as given.
type rotateFlags struct {
	input          string
	format         string
	passwordsOut   string
	printPasswords bool
	dryRun         bool
	concurrency    int
	rate           float64
	length         int
	journal        string
	resume         string
	noJournal      bool
	// defaultJournal: journal is --passwords-out + ".journal", chosen by rotate (no --journal given).
	defaultJournal bool
	encryptTo      []string
	encryptToFile  string
	identity       string
	// credentialStdin: the credential comes from standard input (--credential-stdin).
	credentialStdin bool
}

const rotateLong = `rotate reads targets (one user per line: CSV with a "user" column, or JSON lines {"user": "..."}) from
--input (a file, or - for standard input), sets a new random password for each (fitting the vendor's
policy), and writes one JSON line per target to standard output: index, vendor, user, status (done,
unknown, failed, not-started), resumed, attempts, latency_ms and error. The input is read as it goes,
one line at a time, whatever its size.

New passwords are written only where you ask: --passwords-out FILE (created with mode 0600; it must not
exist) as CSV "user,password,status" with a row for every password that is or may be in effect (status
done or unknown), or into the JSON lines with --print-passwords. Without either, rotate refuses to run
(the new passwords would be lost). --dry-run is the run minus its writes: it reads the whole input with
the run's checks (every line, each user's syntax, email addresses looked up), reads the policy as the run
does (once per profile, with its first user; a user the vendor does not know is named with its line),
lists the lines the run would refuse as duplicates (exit 1), and changes nothing.

Fleet rotation: with a "profile" column (CSV) or a "profile" field on the first line (JSON lines), every
line names a profile of the config file (--config) whose account the user is in, and one run rotates
across vendors and tenants: a manager (its credential read once) and a rate limiter per profile (--rate
is each profile's limit), the same user ID in two profiles is two accounts, the JSON lines and
--passwords-out (profile,user,password,status) name the profile, and the journal lists the profiles with
their vendors and base URLs (--resume refuses another fleet's journal). An unknown profile, a line
without one, or a profile whose vendor cannot set passwords is a bad input line; an input file's
profiles are all checked, and their managers built, before anything is sent. Rows of different profiles
never wait on each other, whatever the input's order (tenants one after another run in the slowest
tenant's time). Without a profile column, the flags and --profile say which account.

Users by email: where the vendor can look users up (DocSpace, Zendesk), a user may be given as an email
address: it is looked up (one read, FindUser) when the input is checked and again as the target is fed,
and the account is then named and keyed by its user ID (the same account by ID and by address is a
duplicate). An address that names nobody, or more than one user, is a bad input line.

Input errors: a line rotate cannot use (no user, bad CSV or JSON, a user ID the vendor cannot have)
stops the run. An input file is checked in full before anything is sent, so a bad line means nothing was
sent (exit 2). From standard input targets are read as they come: at a bad line no further target
starts, writes in flight finish, and rotate exits 2 naming the line.

The journal: --journal FILE records every target's new password and the state of its write, durably,
before the write is sent (a new file, mode 0600). Without a journal, a crash, a kill or a lost machine
between the vendor applying a password and rotate writing it out loses that password, so a run always
has one: without --journal (or --resume), it is --passwords-out's path with ".journal" added (refused
if it exists: continue that run with --resume, or give --journal FILE or --no-journal), and with
--print-passwords alone, rotate refuses to run until you say where it goes. --no-journal runs without
one (not recommended).
--resume FILE continues an interrupted run from its journal, appending to it: targets already done are
not sent again (their passwords are delivered again to --passwords-out, status done, "resumed" in the
JSON lines), writes whose outcome was unknown are settled by verifying the password at the vendor (a
refused Verify: the same password is sent once more; where verifying cannot answer, the same journaled
password is set again, "settled":"by re-sending" in the JSON lines), the rest run. Give the same vendor, base URL
and input file (a journal of another run is refused before anything is sent) and a new
--passwords-out. Journal entries for users not in the input are delivered too, with their status, and
reported on standard error.

A write whose answer was lost (timeout, dropped connection, 5xx) is settled by verifying the new
password: verified, it is done; refused, the same password is sent once more (it can only end with the
delivered password in effect). When Verify cannot settle it (it fails, or is unavailable: Zendesk without
password access to the API), or still refuses the password after the second write, the target ends
"unknown" and its candidate password is delivered: it may or may not be in effect. Check it with
"unipass verify USER", or set a new password.

Encryption: --encrypt-to RECIPIENT (repeatable; an age public key "age1...") or --encrypt-to-file FILE
(one recipient per line, as age -R) encrypts --passwords-out as one age file and every password in the
journal. Decrypt with "age -d -i KEY". An encrypted --passwords-out is whole only once rotate has
exited, so encryption needs a journal (not --no-journal): after a crash, resume to have every password
delivered again. To resume an encrypted journal
give --identity FILE (age identities): the journal names its recipients, and the resumed run encrypts
its passwords and --passwords-out to them (or to --encrypt-to's). Without encryption the files are plain
text, mode 0600, and a --passwords-out named *.age is refused.

Ctrl-C (or SIGTERM) stops new targets, lets writes in flight finish, settles them, writes the outputs and
exits 6: resumable with --resume. Exit codes: 0 all done, 2 bad input, 3 refused by the vendor, 4 an
outcome unknown (see above), 5 rate limited, 6 interrupted, 1 anything else.`

func (e *env) rotateCommand(cfg *vendorConfig) *cobra.Command {
	var f rotateFlags
	cmd := &cobra.Command{
		Use:   "rotate --input FILE",
		Short: "Rotate the passwords of many accounts at the vendor's rate limit",
		Long:  rotateLong,
		Example: `  unipass rotate --vendor zendesk --base-url https://example.zendesk.com --auth api-token \
    --user admin@example.com --input users.csv --journal rotate.journal --passwords-out new-passwords.csv --rate 3
  # after an interruption (exit 6), continue with the same input and a new passwords file:
  unipass rotate ... --input users.csv --resume rotate.journal --passwords-out new-passwords-2.csv
  # across the config file's profiles: fleet.csv has the columns profile,user
  unipass rotate --input fleet.csv --journal fleet.journal --passwords-out fleet-passwords.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.credentialStdin, _ = cmd.Flags().GetBool("credential-stdin") // false when absent
			return e.rotate(cmd.Context(), cfg, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "targets: a CSV or JSON-lines file, or - for standard input")
	fl.StringVar(&f.format, "format", "", "csv or jsonl (default: from the file name; csv for standard input)")
	fl.StringVar(&f.passwordsOut, "passwords-out", "", "write the new passwords to this new file (mode 0600): user,password,status")
	fl.BoolVar(&f.printPasswords, "print-passwords", false, "include the new passwords in the JSON lines on standard output")
	fl.BoolVar(&f.dryRun, "dry-run", false, "check capabilities, every input line and the policy; change nothing")
	fl.IntVar(&f.concurrency, "concurrency", 8, "targets in flight at once")
	fl.Float64Var(&f.rate, "rate", 0, "requests per second to the vendor at most (default: the vendor's documented limit); slower when the account's quota headers or 429s say so")
	fl.IntVar(&f.length, "length", rotate.DefaultLength, "length of generated passwords (longer if the policy asks)")
	fl.StringVar(&f.journal, "journal", "", `record each new password durably before it is sent, in this new file (mode 0600; default: --passwords-out + ".journal")`)
	fl.StringVar(&f.resume, "resume", "", "continue the interrupted run of this journal, appending to it")
	fl.BoolVar(&f.noJournal, "no-journal", false, "not recommended: a crash may lose the passwords of writes in flight")
	fl.StringArrayVar(&f.encryptTo, "encrypt-to", nil, `encrypt --passwords-out and the journal's passwords to this age recipient ("age1..."); repeatable`)
	fl.StringVar(&f.encryptToFile, "encrypt-to-file", "", "like --encrypt-to, for each recipient in this file (one per line, as age -R)")
	fl.StringVar(&f.identity, "identity", "", "age identities (a key file) that decrypt the journal given to --resume")
	return cmd
}

// rotate runs the command: parse and check everything (no network, no file written), check the input,
// then either the dry run, or open the outputs, run and report.
func (e *env) rotate(ctx context.Context, cfg *vendorConfig, f rotateFlags) error {
	defer e.leanHeap()()
	s, err := e.newRotation(cfg, f)
	if err != nil {
		return err
	}
	if err := s.checkInput(ctx); err != nil {
		return err
	}
	if f.dryRun {
		return s.dryRun(ctx)
	}
	if err := s.openOutputs(); err != nil {
		return err
	}
	return s.finish(ctx, s.run(ctx))
}

// leanGCPercent is the collector's target while rotate runs (see leanHeap).
const leanGCPercent = 25

// leanHeap lowers the garbage collector's target while rotate runs, unless GOGC is set, and returns what
// restores it. rotate streams its input, so what it allocates per row is garbage at once; with Go's
// default target the heap still grows to the collector's 4 MiB minimum before the first collection,
// which only a long input reaches. A lower target keeps the heap near what is live (memory flat in the
// number of rows) at a CPU cost that a run paced by a vendor's rate limit does not notice.
func (e *env) leanHeap() (restore func()) {
	if e.getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(leanGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// checkFlags refuses flag combinations that cannot work, before anything is read, and returns the flags
// with the default journal chosen.
func checkFlags(f rotateFlags) (rotateFlags, error) {
	if err := cmp.Or(checkInputFlags(f), checkJournalFlags(f), checkOutputFlags(f)); err != nil {
		return f, err
	}
	f, err := withDefaultJournal(f)
	if err != nil {
		return f, err
	}
	return f, checkEncryptionFlags(f)
}

// defaultJournalSuffix makes the default journal's path from --passwords-out's.
const defaultJournalSuffix = ".journal"

// withDefaultJournal gives a real run without --journal, --resume or --no-journal its journal: next to
// --passwords-out; with --print-passwords alone there is no place to put it, so it refuses.
func withDefaultJournal(f rotateFlags) (rotateFlags, error) {
	switch {
	case f.dryRun || f.noJournal || f.journal != "" || f.resume != "":
		return f, nil
	case f.passwordsOut == "":
		return f, usagef("say where the journal goes: --journal FILE (or --no-journal)")
	}
	f.journal, f.defaultJournal = f.passwordsOut+defaultJournalSuffix, true
	return f, nil
}

// checkInputFlags checks the input and the pace.
func checkInputFlags(f rotateFlags) error {
	switch {
	case f.input == "":
		return usagef("--input is required (a file, or - for standard input)")
	case f.input == stdinInput && f.credentialStdin:
		return usagef("--input - and --credential-stdin both read standard input: give the credential through UNIPASS_CREDENTIAL or --credential-file")
	case f.concurrency < 1:
		return usagef("--concurrency must be at least 1")
	case f.rate < 0:
		return usagef("--rate must not be negative")
	}
	return nil
}

// checkJournalFlags checks --journal, --resume and --identity.
func checkJournalFlags(f rotateFlags) error {
	journal := f.journal != "" || f.resume != ""
	switch {
	case f.journal != "" && f.resume != "":
		return usagef("--resume FILE appends to FILE: drop --journal")
	case f.dryRun && journal:
		return usagef("--dry-run writes nothing: drop --journal and --resume")
	case f.identity != "" && f.resume == "":
		return usagef("--identity reads an encrypted journal: it goes with --resume")
	case f.noJournal && journal:
		return usagef("--no-journal runs without a journal: drop it, or drop --journal and --resume")
	}
	return nil
}

// checkOutputFlags checks where the new passwords go.
func checkOutputFlags(f rotateFlags) error {
	encrypt := len(f.encryptTo) > 0 || f.encryptToFile != ""
	switch {
	case !f.dryRun && f.passwordsOut == "" && !f.printPasswords:
		return usagef("say where the new passwords go: --passwords-out FILE or --print-passwords (or use --dry-run)")
	case encrypt && f.printPasswords:
		return usagef("--print-passwords writes passwords in plain text; with --encrypt-to, use --passwords-out")
	}
	return nil
}

// checkEncryptionFlags refuses an encrypted run without a journal (once the default journal is chosen).
func checkEncryptionFlags(f rotateFlags) error {
	encrypt := len(f.encryptTo) > 0 || f.encryptToFile != ""
	if encrypt && !f.dryRun && f.journal == "" && f.resume == "" {
		// An age file is whole only once it is closed: without a journal, a crash would lose the passwords
		// of the unfinished part.
		return usagef("an encrypted --passwords-out is whole only once rotate exits: drop --no-journal or add --journal FILE, so that a crash loses no password")
	}
	return nil
}

// rotation is one run of the command, from checked flags to the report.
type rotation struct {
	e       *env
	f       rotateFlags
	m       facade.PasswordManager
	baseURL string
	format  inputFormat
	keys    ageKeys
	input   inputSummary // from the pass that checked the input; identity "-" for standard input

	// fleet holds the profiles of a fleet input (a profile column); nil otherwise, and m is the flags'
	// manager.
	fleet *fleet

	journal *rotate.FileJournal
	prior   map[string]rotate.Entry
	pwOut   *passwordsOut
	lines   *json.Encoder
	stop    context.CancelCauseFunc // stops the run: a bad input line, a failed output
}

// newRotation checks the flags, reads the age keys and builds the manager; nothing is sent.
func (e *env) newRotation(cfg *vendorConfig, f rotateFlags) (*rotation, error) {
	f, err := checkFlags(f)
	if err != nil {
		return nil, err
	}
	format, err := inputFormatOf(f.format, f.input)
	if err != nil {
		return nil, err
	}
	if f.resume != "" {
		if err := checkJournalTrusted(f.resume); err != nil { // before a credential_command runs
			return nil, err
		}
	}
	keys, err := readAgeKeys(f)
	if err != nil {
		return nil, err
	}
	s := &rotation{e: e, f: f, format: format, keys: keys, lines: json.NewEncoder(e.stdout)}
	isFleet, err := s.detectFleet()
	if err != nil {
		return nil, err
	}
	if isFleet {
		pc, err := cfg.profiles()
		if err != nil {
			return nil, err
		}
		s.fleet = newFleet(configProfiles{pc})
		return s, nil
	}
	if s.m, err = cfg.manager(true); err != nil {
		return nil, err
	}
	if !s.m.Capabilities().SetPassword {
		return nil, fmt.Errorf("%s cannot set passwords: %w", s.m.Vendor(), facade.ErrUnsupported)
	}
	s.baseURL = strings.TrimSuffix(cfg.baseURL, "/")
	return s, nil
}

// checkInput reads the whole input once, before anything is sent, when it can be read again (a file) or
// when nothing else will read it (a dry run); a fleet input's managers are then built, every profile's
// credential read. A real run from standard input is checked as it streams, and its managers are built
// as their profiles first come.
func (s *rotation) checkInput(ctx context.Context) error {
	if s.f.input == stdinInput && !s.f.dryRun {
		s.input = inputSummary{identity: stdinInput}
		return nil
	}
	in, err := s.e.openInput(s.f.input)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	resolve := func(t target) (string, error) {
		m, err := s.managerOf(ctx, t)
		if err != nil {
			return "", err
		}
		return s.resolve(ctx, m, t)
	}
	if s.input, err = scanInput(in, s.format, s.vendorOf, resolve, s.f.dryRun); err != nil {
		return err
	}
	if s.fleet != nil {
		return s.fleet.buildAll(ctx, sortedKeys(s.input.profiles))
	}
	return nil
}

// dryRun does what a run does short of writing: the input was checked as the run checks it (every line,
// each user's syntax, email addresses looked up), and here the policy is read where the run reads it
// (once per manager, with its first target's user ID) and a generated password checked against it; the
// lines whose account an earlier line names are listed, as the run would refuse them.
func (s *rotation) dryRun(ctx context.Context) error {
	if s.fleet == nil {
		if err := s.checkPolicy(ctx, s.m, s.input.first); err != nil {
			return err
		}
		if err := s.reportDuplicates(); err != nil {
			return err
		}
		fmt.Fprintf(s.e.stdout, "dry run: %d targets on %s; capabilities, input and policy checked; nothing was changed\n",
			s.input.targets, s.m.Vendor())
		return nil
	}
	names := sortedKeys(s.input.profiles)
	for _, name := range names {
		m, err := s.fleet.manager(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.e.stdout, "profile %s (%s):\n", name, m.Vendor())
		if err := s.checkPolicy(ctx, m, s.input.profiles[name]); err != nil {
			return fmt.Errorf("profile %q: %w", name, err)
		}
	}
	if err := s.reportDuplicates(); err != nil {
		return err
	}
	fmt.Fprintf(s.e.stdout, "dry run: %d targets over %d profiles (%s); capabilities, input and policies checked; nothing was changed\n",
		s.input.targets, len(names), strings.Join(names, ", "))
	return nil
}

// reportDuplicates lists the lines the run would refuse as duplicates, and fails as the run would (exit 1).
func (s *rotation) reportDuplicates() error {
	if s.input.duplicateCount == 0 {
		return nil
	}
	for _, t := range s.input.duplicates {
		where := ""
		if t.profile != "" {
			where = fmt.Sprintf(" of profile %q", printable(t.profile))
		}
		fmt.Fprintf(s.e.stdout, "--input: line %d: user %q%s appears earlier in the input: the run refuses it (%v), nothing sent\n",
			t.line, printable(t.user), where, rotate.ErrDuplicateTarget)
	}
	if more := s.input.duplicateCount - len(s.input.duplicates); more > 0 {
		fmt.Fprintf(s.e.stdout, "--input: %d more duplicate lines\n", more)
	}
	return &exitError{code: exitFailure, err: fmt.Errorf("dry run: %d duplicate lines in --input (listed on standard output); the run would refuse them; nothing was changed", s.input.duplicateCount)}
}

// checkPolicy reads m's policy (with the first target's account, as the run does) and checks that a
// generated password meets it; a failure names that target's line.
func (s *rotation) checkPolicy(ctx context.Context, m facade.PasswordManager, first firstUser) error {
	var policy *facade.Policy
	if m.Capabilities().Requirements {
		var err error
		if policy, err = m.Requirements(ctx, first.id); err != nil {
			return fmt.Errorf("--input: line %d: user %q: reading the policy: %w", first.line, printable(first.id), err)
		}
		printPolicy(s.e.stdout, policy)
	}
	pw, err := rotate.GeneratePassword(policy, s.f.length)
	if err != nil {
		return err
	}
	if policy != nil && len(policy.Check(pw)) > 0 {
		return errors.New("a generated password does not meet the policy")
	}
	return nil
}

// openOutputs opens the journal and --passwords-out. On failure, a file it created is removed (nothing
// was written to it).
func (s *rotation) openOutputs() (err error) {
	if err := s.openJournal(); err != nil {
		return err
	}
	recipients := s.outputRecipients()
	if err := checkPlainOutputs(s.f, recipients, s.journal != nil && s.journal.Encrypted()); err != nil {
		s.abandonJournal()
		return err
	}
	if s.f.passwordsOut == "" {
		return nil
	}
	if s.pwOut, err = createPasswordsOut(s.f.passwordsOut, recipients, s.fleet != nil); err != nil {
		s.abandonJournal()
		return err
	}
	return nil
}

// outputRecipients are the age recipients --passwords-out is encrypted to: --encrypt-to's, or, when a
// resumed journal is encrypted and none are given, the journal's (encryption is never dropped).
func (s *rotation) outputRecipients() []age.Recipient {
	if len(s.keys.recipients) == 0 && s.journal != nil && s.journal.Encrypted() {
		return s.journal.Recipients()
	}
	return s.keys.recipients
}

// checkPlainOutputs refuses, before anything is sent, to write passwords in plain text where they are
// meant to be encrypted: into a --passwords-out named *.age, or on standard output for the run of an
// encrypted journal.
func checkPlainOutputs(f rotateFlags, recipients []age.Recipient, encryptedJournal bool) error {
	switch {
	case len(recipients) == 0 && strings.HasSuffix(strings.ToLower(f.passwordsOut), ".age"):
		return usagef("--passwords-out %s: a .age file is written encrypted: give --encrypt-to (or resume an encrypted journal)", f.passwordsOut)
	case encryptedJournal && f.printPasswords:
		return usagef("--print-passwords writes passwords in plain text, and the journal of --resume is encrypted: use --passwords-out")
	}
	return nil
}

// config is the rotate.Config of the run.
func (s *rotation) config() rotate.Config {
	conf := rotate.Config{Concurrency: s.f.concurrency, Total: s.input.targets, PasswordLength: s.f.length, Prior: s.prior}
	if s.journal != nil { // a nil *FileJournal in the interface would not be a nil Journal
		conf.Journal = s.journal
	}
	if s.f.rate > 0 { // every profile's pacer takes its vendor's limit
		l := rotate.Limit{PerSecond: s.f.rate, Burst: 1}
		conf.Limits = map[facade.Vendor]rotate.Limit{facade.VendorDocSpace: l, facade.VendorZendesk: l, facade.VendorGlowmarkt: l}
	}
	if s.e.terminal(s.e.stderr) {
		conf.OnProgress = func(p rotate.Progress) { fmt.Fprint(s.e.stderr, "\r"+progressLine(p)) }
	}
	return conf
}

// run streams the input into rotate.Run and delivers every result as it comes.
func (s *rotation) run(ctx context.Context) *tally {
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.stop = stop
	targets := make(chan rotate.Target)
	fed := make(chan error, 1)
	go func() {
		defer close(targets)
		fed <- s.feed(runCtx, targets)
	}()
	t := &tally{worst: exitOK}
	for r := range rotate.Run(runCtx, targets, s.config()) {
		s.deliver(r, t)
	}
	t.inputErr = <-fed
	t.interrupted = ctx.Err() != nil
	return t
}

// feed reads the input and sends one target per line. At a bad line it stops the run (no new target
// starts) and reads on, so that every later target is reported not started; it returns the first input
// error.
func (s *rotation) feed(ctx context.Context, targets chan<- rotate.Target) error {
	in, err := s.e.openInput(s.f.input)
	if err != nil {
		s.stop(err)
		return err
	}
	defer func() { _ = in.Close() }()
	tr, err := newTargetReader(in.r, s.format)
	if err != nil {
		s.stop(err)
		return err
	}
	src := checkedTargets{targetReader: tr, vendor: s.vendorOf}
	var first error
	for {
		t, err := src.next()
		var m facade.PasswordManager
		if err == nil {
			m, err = s.managerOf(ctx, t)
		}
		if err == nil {
			t.user, err = s.resolve(ctx, m, t)
		}
		switch {
		case err == nil:
			targets <- rotate.Target{Manager: m, Profile: t.profile, User: t.user}
		case errors.Is(err, io.EOF):
			return cmp.Or(first, s.inputUnchanged(in))
		case !isLineError(err):
			s.stop(err)
			return cmp.Or(first, err)
		case first == nil:
			first = err
			s.stop(err)
		}
	}
}

// inputUnchanged checks, after the last byte, that a file reads as it did when it was checked (and as
// the journal names it).
func (s *rotation) inputUnchanged(in *inputFile) error {
	if s.input.identity == stdinInput {
		return nil
	}
	if _, err := io.Copy(io.Discard, in.r); err != nil {
		return err
	}
	if in.identity() != s.input.identity {
		return errors.New("--input changed while rotate read it: the targets sent are those of the new content")
	}
	return nil
}

// progressLine shows how far the run is: counts, the rate, the time left and each profile's rate.
func progressLine(p rotate.Progress) string {
	const width = 30
	var b strings.Builder
	if p.Total <= 0 {
		fmt.Fprintf(&b, "%d done, %d unknown, %d failed, %.1f/s", p.Done, p.Unknown, p.Failed, p.Rate)
	} else {
		n := min((p.Done+p.Unknown+p.Failed+p.NotStarted)*width/p.Total, width)
		fmt.Fprintf(&b, "[%s%s] %d/%d done, %d unknown, %d failed, %.1f/s", strings.Repeat("#", n), strings.Repeat(".", width-n),
			p.Done, p.Total, p.Unknown, p.Failed, p.Rate)
	}
	if p.Left > 0 {
		fmt.Fprintf(&b, ", %s left", p.Left.Round(time.Second))
	}
	for i, pr := range p.Profiles {
		sep := ", "
		if i == 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s %.1f/s", sep, printable(pr.Profile), pr.Rate)
	}
	return b.String() + " "
}
