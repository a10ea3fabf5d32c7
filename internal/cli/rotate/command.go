package rotate

import (
	"context"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/config"
	"github.com/unipass/unipass/internal/cli/factory"
)

const rotateLong = `rotate reads targets (one user per line: CSV with a "user" column, or JSON lines {"user": "..."}) from
--input (a file, or - for standard input), sets a new random password for each (fitting the vendor's
policy), and writes one JSON line per target to standard output: index, vendor, user, id (for a user
given by address), status (done, unknown, failed, not-started), resumed, attempts, latency_ms, wait_ms
and error. The input is read as it goes, one line at a time, whatever its size.

New passwords are written only where you ask: --passwords-out FILE (created with mode 0600; it must not
exist) as CSV "user,password,status" with a row for every password that is or may be in effect (status
done or unknown), or into the JSON lines with --print-passwords. Without either, rotate refuses to run
(the new passwords would be lost). --dry-run is the run minus its writes: it reads the whole input with
the run's checks (every line, each user's syntax), sends the run's reads (one lookup per email address
line, the policy read), paced by each profile's limiter at the run's rate, reads the policy as the run
does (once per profile, with its first user whose ID is known; a user the vendor does not know is named
with its line), lists the lines the run would fail without a write (duplicates, addresses whose lookup
failed) with exit 1, as the run's, and changes nothing.

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
address: the run looks it up once (one read, FindUser) when the row's turn comes at its profile's rate
limiter, and the account is then keyed by its user ID (the same account by ID and by address is a
duplicate: the later line is refused, as --dry-run says). The row's JSON line gives the address as user and the ID as id; --passwords-out and the
journal name the account by its ID. An address that names nobody, or more than one user, fails its row
(status failed, the error naming the address and its line; exit 1); the other rows run.

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

// Options are rotate's inputs: its flags, the streams and environment, and how the managers are built.
type Options struct {
	In          io.Reader
	Out, ErrOut io.Writer
	Getenv      func(string) string
	IsTerminal  func(any) bool
	Flags       Flags
	// Manager builds the manager of the flags' (or --profile's) account, reading its credential.
	Manager func(ctx context.Context) (facade.PasswordManager, error)
	// Account is that account's settings (for the journal's base URL), no credential read.
	Account func() (config.Account, error)
	// Config reads the config file, for a fleet input.
	Config func() (*config.File, error)
	// ProfileManager builds a profile's manager, for a fleet input.
	ProfileManager func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error)
}

// NewCmdRotate is `unipass rotate`; runF replaces Run in tests.
func NewCmdRotate(fy *factory.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	var f Flags
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
			f.CredentialStdin, _ = cmd.Flags().GetBool("credential-stdin") // false when absent
			opts := newOptions(fy, factory.VendorFrom(cmd), f)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Input, "input", "", "targets: a CSV or JSON-lines file, or - for standard input")
	fl.StringVar(&f.Format, "format", "", "csv or jsonl (default: from the file name; csv for standard input)")
	fl.StringVar(&f.PasswordsOut, "passwords-out", "", "write the new passwords to this new file (mode 0600): user,password,status")
	fl.BoolVar(&f.PrintPasswords, "print-passwords", false, "include the new passwords in the JSON lines on standard output")
	fl.BoolVar(&f.DryRun, "dry-run", false, "check capabilities, every input line and the policy; change nothing")
	fl.IntVar(&f.Concurrency, "concurrency", 8, "targets in flight at once")
	fl.Float64Var(&f.Rate, "rate", 0, "requests per second to the vendor at most (default: the vendor's documented limit); slower when the account's quota headers or 429s say so")
	fl.IntVar(&f.Length, "length", frotate.DefaultLength, "length of generated passwords (longer if the policy asks)")
	fl.StringVar(&f.Journal, "journal", "", `record each new password durably before it is sent, in this new file (mode 0600; default: --passwords-out + ".journal")`)
	fl.StringVar(&f.Resume, "resume", "", "continue the interrupted run of this journal, appending to it")
	fl.BoolVar(&f.NoJournal, "no-journal", false, "not recommended: a crash may lose the passwords of writes in flight")
	fl.StringArrayVar(&f.EncryptTo, "encrypt-to", nil, `encrypt --passwords-out and the journal's passwords to this age recipient ("age1..."); repeatable`)
	fl.StringVar(&f.EncryptToFile, "encrypt-to-file", "", "like --encrypt-to, for each recipient in this file (one per line, as age -R)")
	fl.StringVar(&f.Identity, "identity", "", "age identities (a key file) that decrypt the journal given to --resume")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"csv", "jsonl"}, cobra.ShellCompDirectiveNoFileComp)) // the flag was just defined
	return factory.UsesCredential(cmd)
}

// newOptions are the Options of a running command: the factory's streams and builders over the vendor
// flags v.
func newOptions(fy *factory.Factory, v factory.VendorOptions, f Flags) *Options {
	return &Options{In: fy.In, Out: fy.Out, ErrOut: fy.ErrOut, Getenv: fy.Getenv, IsTerminal: fy.IsTerminal, Flags: f,
		Manager: func(ctx context.Context) (facade.PasswordManager, error) { return fy.Manager(ctx, v, true) },
		Account: func() (config.Account, error) { return fy.Account(v) },
		Config:  func() (*config.File, error) { return fy.LoadConfig(v.ConfigFile) },
		ProfileManager: func(ctx context.Context, pc *config.File, name string) (facade.PasswordManager, error) {
			return fy.ProfileManager(ctx, pc, name, v.FailFast, v.InsecureHTTP)
		}}
}

// Run runs the command: parse and check everything (no network, no file written), check the input,
// then either the dry run, or open the outputs, run and report.
func Run(ctx context.Context, o *Options) error {
	defer leanHeap(o.Getenv)()
	s, err := newRotation(ctx, o)
	if err != nil {
		return err
	}
	if err := s.checkInput(ctx); err != nil {
		return err
	}
	if s.f.DryRun {
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
func leanHeap(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(leanGCPercent)
	return func() { debug.SetGCPercent(old) }
}
