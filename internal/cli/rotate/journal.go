package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"filippo.io/age"

	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// ageKeys are the age recipients new passwords are encrypted to and the identities that decrypt a
// journal.
type ageKeys struct {
	recipients []age.Recipient
	identities []age.Identity
}

// readAgeKeys parses --encrypt-to, --encrypt-to-file and --identity. Key files are read here, before
// anything is sent; age's parse errors name the line, never its content.
func readAgeKeys(f Flags) (ageKeys, error) {
	var k ageKeys
	for _, s := range f.EncryptTo {
		s = strings.TrimSpace(s)
		r, err := age.ParseRecipients(strings.NewReader(s))
		if err != nil || len(r) != 1 || strings.Contains(s, "\n") {
			return k, cmdutil.Usagef("--encrypt-to %q: not an age recipient (age1...)", cmdutil.Printable(s))
		}
		k.recipients = append(k.recipients, r...)
	}
	if f.EncryptToFile != "" {
		// Whoever could change the recipients could read what is encrypted to them: the user's own file
		// that others cannot change, or a pipe.
		r, err := readKeyFile(f.EncryptToFile, "--encrypt-to-file", cmdutil.TrustOwn, age.ParseRecipients)
		if err != nil {
			return k, err
		}
		k.recipients = append(k.recipients, r...)
	}
	if f.Identity != "" {
		ids, err := readKeyFile(f.Identity, "--identity", cmdutil.TrustPrivate, age.ParseIdentities)
		if err != nil {
			return k, err
		}
		k.identities = ids
	}
	return k, nil
}

// maxKeyFile bounds what is read of an age recipients or identities file.
const maxKeyFile = 1 << 20

// readKeyFile reads an age recipients or identities file (see cmdutil.ReadTrustedOrPipe) and parses it.
func readKeyFile[T any](path, flag string, level cmdutil.TrustLevel, parse func(io.Reader) ([]T, error)) ([]T, error) {
	data, err := cmdutil.ReadTrustedOrPipe(path, flag, level, maxKeyFile)
	if err != nil {
		return nil, err
	}
	keys, err := parse(bytes.NewReader(data))
	if err != nil {
		return nil, cmdutil.Usagef("%s: %v", flag, err)
	}
	return keys, nil
}

// journalHeader names the run in its journal: vendor, base URL and input; for a fleet input, "mixed" and
// its profiles (each with its vendor and base URL): those the input names, or, from standard input (not
// read ahead), every profile of the config file.
func (s *rotation) journalHeader() (frotate.JournalHeader, error) {
	if s.fleet == nil {
		return frotate.JournalHeader{Vendor: string(s.m.Vendor()), BaseURL: s.baseURL, Input: s.input.identity}, nil
	}
	names := sortedKeys(s.input.profiles)
	if s.input.identity == stdinInput {
		names = s.fleet.src.profileNames()
	}
	profiles, err := s.fleet.journalProfiles(names)
	if err != nil {
		return frotate.JournalHeader{}, err
	}
	return frotate.JournalHeader{Vendor: frotate.Mixed, Input: s.input.identity, Profiles: profiles}, nil
}

// journalOptions passes the age keys to the journal.
func (s *rotation) journalOptions() []frotate.JournalOption {
	var opts []frotate.JournalOption
	if len(s.keys.recipients) > 0 {
		opts = append(opts, frotate.WithRecipients(s.keys.recipients...))
	}
	if len(s.keys.identities) > 0 {
		opts = append(opts, frotate.WithIdentities(s.keys.identities...))
	}
	return opts
}

// openJournal creates --journal, or opens --resume (refusing a journal of another run) and reads its
// entries as the prior state of the run.
func (s *rotation) openJournal() error {
	if s.f.Journal == "" && s.f.Resume == "" {
		return nil
	}
	header, err := s.journalHeader()
	if err != nil {
		return err
	}
	switch {
	case s.f.defaultJournal:
		if s.journal, err = frotate.CreateJournal(s.f.Journal, header, s.journalOptions()...); err != nil {
			return defaultJournalError(s.f, err)
		}
	case s.f.Journal != "":
		if s.journal, err = frotate.CreateJournal(s.f.Journal, header, s.journalOptions()...); err != nil {
			return cmdutil.Usagef("--journal: %v", err)
		}
	case s.f.Resume != "":
		if s.journal, s.prior, err = frotate.OpenJournal(s.f.Resume, header, s.journalOptions()...); err != nil {
			return resumeError(s.f.Resume, err)
		}
	}
	return nil
}

// checkJournalTrusted refuses a journal for --resume that is not the user's own (see openTrusted): its
// pending entries are passwords that would be set.
func checkJournalTrusted(path string) error {
	f, err := cmdutil.OpenTrusted(path, "--resume", cmdutil.TrustOwn)
	if err != nil {
		return err
	}
	return f.Close()
}

// defaultJournalError says why the default journal could not be created and, when it exists (a run with
// the same --passwords-out went before), how to go on.
func defaultJournalError(f Flags, err error) error {
	if !errors.Is(err, fs.ErrExist) {
		return cmdutil.Usagef("the journal %s (the default for --passwords-out %s): %v", f.Journal, f.PasswordsOut, err)
	}
	return cmdutil.Usagef("the journal %s (the default for --passwords-out %s) exists: continue that run with --resume %s and a new --passwords-out, or start another with a new --passwords-out, --journal FILE or --no-journal",
		f.Journal, f.PasswordsOut, f.Journal)
}

// abandonJournal closes the journal after a failure to open the other outputs; a journal created by this
// run (it holds only its header) is removed, so that the same command can run again.
func (s *rotation) abandonJournal() {
	if s.journal == nil {
		return
	}
	if err := s.journal.Close(); err != nil {
		fmt.Fprintln(s.o.ErrOut, "unipass: journal:", err)
	}
	if s.f.Journal != "" {
		_ = os.Remove(s.f.Journal)
	}
	s.journal = nil
}

// mismatchFlags names, in a journal's refusal, the flag that gives each setting the run and the journal
// must agree on.
var mismatchFlags = strings.NewReplacer(
	"vendor is ", "vendor (--vendor) is ",
	"base URL is ", "base URL (--base-url) is ",
	"input is ", "input (--input, by its SHA-256) is ",
)

// resumeError says why --resume refused a journal: for a journal of another run, what differs and which
// flag gives it.
func resumeError(path string, err error) error {
	msg := err.Error()
	if errors.Is(err, frotate.ErrJournalMismatch) {
		msg = mismatchFlags.Replace(msg) + "; give the flags and --input of the run that wrote it"
		if strings.Contains(msg, "profile ") {
			msg += " (a profile's vendor and base_url: in the config file, --config)"
		}
	}
	return cmdutil.Usagef("--resume %s: %s", path, cmdutil.FlagWords(msg))
}
