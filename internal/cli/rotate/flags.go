package rotate

import (
	"cmp"
	"strings"

	"filippo.io/age"

	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// Flags are rotate's own flags as given.
type Flags struct {
	Input          string
	Format         string
	PasswordsOut   string
	PrintPasswords bool
	DryRun         bool
	Concurrency    int
	Rate           float64
	Length         int
	Journal        string
	Resume         string
	NoJournal      bool
	// defaultJournal: journal is --passwords-out + ".journal", chosen by rotate (no --journal given).
	defaultJournal bool
	EncryptTo      []string
	EncryptToFile  string
	Identity       string
	// CredentialStdin: the credential comes from standard input (--credential-stdin).
	CredentialStdin bool
}

// checkFlags refuses flag combinations that cannot work, before anything is read, and returns the flags
// with the default journal chosen.
func checkFlags(f Flags) (Flags, error) {
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
func withDefaultJournal(f Flags) (Flags, error) {
	switch {
	case f.DryRun || f.NoJournal || f.Journal != "" || f.Resume != "":
		return f, nil
	case f.PasswordsOut == "":
		return f, cmdutil.Usagef("say where the journal goes: --journal FILE (or --no-journal)")
	}
	f.Journal, f.defaultJournal = f.PasswordsOut+defaultJournalSuffix, true
	return f, nil
}

// checkInputFlags checks the input and the pace.
func checkInputFlags(f Flags) error {
	switch {
	case f.Input == "":
		return cmdutil.Usagef("--input is required (a file, or - for standard input)")
	case f.Input == stdinInput && f.CredentialStdin:
		return cmdutil.Usagef("--input - and --credential-stdin both read standard input: give the credential through UNIPASS_CREDENTIAL or --credential-file")
	case f.Concurrency < 1:
		return cmdutil.Usagef("--concurrency must be at least 1")
	case f.Rate < 0:
		return cmdutil.Usagef("--rate must not be negative")
	}
	return nil
}

// checkJournalFlags checks --journal, --resume and --identity.
func checkJournalFlags(f Flags) error {
	journal := f.Journal != "" || f.Resume != ""
	switch {
	case f.Journal != "" && f.Resume != "":
		return cmdutil.Usagef("--resume FILE appends to FILE: drop --journal")
	case f.DryRun && journal:
		return cmdutil.Usagef("--dry-run writes nothing: drop --journal and --resume")
	case f.Identity != "" && f.Resume == "":
		return cmdutil.Usagef("--identity reads an encrypted journal: it goes with --resume")
	case f.NoJournal && journal:
		return cmdutil.Usagef("--no-journal runs without a journal: drop it, or drop --journal and --resume")
	}
	return nil
}

// checkOutputFlags checks where the new passwords go.
func checkOutputFlags(f Flags) error {
	encrypt := len(f.EncryptTo) > 0 || f.EncryptToFile != ""
	switch {
	case !f.DryRun && f.PasswordsOut == "" && !f.PrintPasswords:
		return cmdutil.Usagef("say where the new passwords go: --passwords-out FILE or --print-passwords (or use --dry-run)")
	case encrypt && f.PrintPasswords:
		return cmdutil.Usagef("--print-passwords writes passwords in plain text; with --encrypt-to, use --passwords-out")
	}
	return nil
}

// checkEncryptionFlags refuses an encrypted run without a journal (once the default journal is chosen).
func checkEncryptionFlags(f Flags) error {
	encrypt := len(f.EncryptTo) > 0 || f.EncryptToFile != ""
	if encrypt && !f.DryRun && f.Journal == "" && f.Resume == "" {
		// An age file is whole only once it is closed: without a journal, a crash would lose the passwords
		// of the unfinished part.
		return cmdutil.Usagef("an encrypted --passwords-out is whole only once rotate exits: drop --no-journal or add --journal FILE, so that a crash loses no password")
	}
	return nil
}

// checkPlainOutputs refuses, before anything is sent, to write passwords in plain text where they are
// meant to be encrypted: into a --passwords-out named *.age, or on standard output for the run of an
// encrypted journal.
func checkPlainOutputs(f Flags, recipients []age.Recipient, encryptedJournal bool) error {
	switch {
	case len(recipients) == 0 && strings.HasSuffix(strings.ToLower(f.PasswordsOut), ".age"):
		return cmdutil.Usagef("--passwords-out %s: a .age file is written encrypted: give --encrypt-to (or resume an encrypted journal)", f.PasswordsOut)
	case encryptedJournal && f.PrintPasswords:
		return cmdutil.Usagef("--print-passwords writes passwords in plain text, and the journal of --resume is encrypted: use --passwords-out")
	}
	return nil
}
