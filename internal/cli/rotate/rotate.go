// Package rotate is `unipass rotate`: its flags, its input (CSV or JSON lines, one profile per line for a
// fleet), the journal and the outputs, over the bulk rotation of facade/rotate.
package rotate

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// rotation is one run of the command, from checked flags to the report.
type rotation struct {
	o *Options
	f Flags
	// stdin is standard input, as detectFleet left it to be read whole.
	stdin   io.Reader
	m       facade.PasswordManager
	baseURL string
	format  inputFormat
	keys    ageKeys
	input   inputSummary // from the pass that checked the input; identity "-" for standard input

	// fleet holds the profiles of a fleet input (a profile column); nil otherwise, and m is the flags'
	// manager.
	fleet *fleet

	journal *frotate.FileJournal
	prior   map[string]frotate.Entry
	pwOut   *passwordsOut
	lines   *json.Encoder
	stop    context.CancelCauseFunc // stops the run: a bad input line, a failed output
	dry     *dryLookups             // a dry run's limiters
	addrs   addressLines            // the input lines of address targets in the run
}

// newRotation checks the flags, reads the age keys and builds the manager; nothing is sent.
func newRotation(ctx context.Context, o *Options) (*rotation, error) {
	f, err := checkFlags(o.Flags)
	if err != nil {
		return nil, err
	}
	format, err := inputFormatOf(f.Format, f.Input)
	if err != nil {
		return nil, err
	}
	if f.Resume != "" {
		if err := checkJournalTrusted(f.Resume); err != nil { // before a credential_command runs
			return nil, err
		}
	}
	keys, err := readAgeKeys(f)
	if err != nil {
		return nil, err
	}
	s := &rotation{o: o, f: f, format: format, keys: keys, lines: json.NewEncoder(o.Out)}
	isFleet, stdin, err := detectFleet(o.In, f.Input, format)
	if err != nil {
		return nil, err
	}
	s.stdin = stdin
	if isFleet {
		pc, err := o.Config()
		if err != nil {
			return nil, err
		}
		s.fleet = newFleet(configProfiles{pc: pc, build: o.ProfileManager})
		return s, nil
	}
	if s.m, err = o.Manager(ctx); err != nil {
		return nil, err
	}
	if !s.m.Capabilities().SetPassword {
		return nil, cmdutil.Usagef("%s cannot set passwords (rotate sets them): %w", s.m.Vendor(), facade.ErrUnsupported)
	}
	a, err := o.Account()
	if err != nil {
		return nil, err
	}
	s.baseURL = strings.TrimSuffix(a.BaseURL, "/")
	return s, nil
}

// checkInput reads the whole input once, before anything is sent, when it can be read again (a file) or
// when nothing else will read it (a dry run); a fleet input's managers are then built, every profile's
// credential read. It looks no address up, except in a dry run, which does the run's lookups (see
// dryLookups). A real run from standard input is checked as it streams, and its managers are built
// as their profiles first come.
func (s *rotation) checkInput(ctx context.Context) error {
	if s.f.Input == stdinInput && !s.f.DryRun {
		s.input = inputSummary{identity: stdinInput}
		return nil
	}
	in, err := openInput(s.stdin, s.f.Input)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	var resolve func(target) (string, error) // the run looks addresses up itself, inside the limiter
	if s.f.DryRun {
		resolve = s.dryLimiter().resolve(ctx)
	}
	if s.input, err = scanInput(in, s.format, s.vendorOf, resolve, s.f.DryRun); err != nil {
		return err
	}
	if s.fleet != nil {
		return s.fleet.buildAll(ctx, sortedKeys(s.input.profiles))
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
	if s.f.PasswordsOut == "" {
		return nil
	}
	if s.pwOut, err = createPasswordsOut(s.f.PasswordsOut, recipients, s.fleet != nil); err != nil {
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

// config is the frotate.Config of the run.
func (s *rotation) config() frotate.Config {
	conf := frotate.Config{Concurrency: s.f.Concurrency, Total: s.input.targets, PasswordLength: s.f.Length, Prior: s.prior}
	if s.journal != nil { // a nil *FileJournal in the interface would not be a nil Journal
		conf.Journal = s.journal
	}
	conf.Limits = s.limits()
	if s.o.IsTerminal(s.o.ErrOut) {
		conf.OnProgress = func(p frotate.Progress) { fmt.Fprint(s.o.ErrOut, "\r"+progressLine(p)) }
	}
	return conf
}

// limits are the run's limits per vendor (frotate.Config.Limits): --rate for every vendor; nil without it
// (each vendor's documented limit, frotate.DefaultLimits).
func (s *rotation) limits() map[facade.Vendor]frotate.Limit {
	if s.f.Rate <= 0 {
		return nil
	}
	l := frotate.Limit{PerSecond: s.f.Rate, Burst: 1}
	return map[facade.Vendor]frotate.Limit{facade.VendorDocSpace: l, facade.VendorZendesk: l, facade.VendorGlowmarkt: l}
}

// run streams the input into frotate.Run and delivers every result as it comes.
func (s *rotation) run(ctx context.Context) *tally {
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s.stop = stop
	targets := make(chan frotate.Target)
	fed := make(chan error, 1)
	go func() {
		defer close(targets)
		fed <- s.feed(runCtx, targets)
	}()
	t := &tally{worst: cmdutil.ExitOK}
	for r := range frotate.Run(runCtx, targets, s.config()) {
		s.deliver(r, t)
	}
	t.inputErr = <-fed
	t.interrupted = ctx.Err() != nil
	return t
}

// feed reads the input and sends one target per line. At a bad line it stops the run (no new target
// starts) and reads on, so that every later target is reported not started; it returns the first input
// error.
func (s *rotation) feed(ctx context.Context, targets chan<- frotate.Target) error {
	in, err := openInput(s.stdin, s.f.Input)
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
	for index := 0; ; {
		t, err := src.next()
		var m facade.PasswordManager
		if err == nil {
			m, err = s.managerOf(ctx, t)
		}
		switch {
		case err == nil:
			if isAddress(t.user) {
				s.addrs.add(index, t.line)
			}
			targets <- runTarget(m, t)
			index++
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

// runTarget is the frotate.Target of an input line: by ID, or by email address, which the run looks up
// (one FindUser, after the profile's rate limiter lets it go).
func runTarget(m facade.PasswordManager, t target) frotate.Target {
	if isAddress(t.user) {
		return frotate.Target{Manager: m, Profile: t.profile, Email: t.user}
	}
	return frotate.Target{Manager: m, Profile: t.profile, User: t.user}
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
func progressLine(p frotate.Progress) string {
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
		fmt.Fprintf(&b, "%s%s %.1f/s", sep, cmdutil.Printable(pr.Profile), pr.Rate)
	}
	return b.String() + " "
}
