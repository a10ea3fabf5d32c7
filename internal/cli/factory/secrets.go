package factory

import (
	"bufio"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// The ways a command may receive a secret: UNIPASS_<NAME>, --<name>-file, --<name>-stdin, or a hidden
// prompt on a terminal. A --<name> flag exists only to refuse a value on the command line.

// Credential names the secret --auth uses; commands that use it are marked with UsesCredential.
const Credential = "credential"

// SecretInput is how one secret was asked for on the command line.
type SecretInput struct {
	Name string
	// Refused is a value given to --<name> itself: always refused.
	Refused string
	File    string // --<name>-file
	Stdin   bool   // --<name>-stdin
}

// secretWay is how one of a secret's flags gives the secret.
type secretWay string

const (
	secretValue secretWay = "value" // --<name> VALUE: always refused
	secretFile  secretWay = "file"  // --<name>-file FILE
	secretStdin secretWay = "stdin" // --<name>-stdin
)

// secretAnnotation, in a flag's Annotations, holds the secret's name and how the flag gives it.
const secretAnnotation = "unipass-secret"

// credentialAnnotation marks, in a command's Annotations, a command that uses the credential.
const credentialAnnotation = "unipass-uses-credential" // #nosec G101 -- an annotation key, not a credential

// UsesCredential marks cmd as a command that uses the credential flags and returns it.
func UsesCredential(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[credentialAnnotation] = "yes"
	return cmd
}

// secretFlag tells whether fl is one of a secret's flags, which secret, and how it gives it.
func secretFlag(fl *pflag.Flag) (name string, way secretWay, ok bool) {
	a := fl.Annotations[secretAnnotation]
	if len(a) != 2 {
		return "", "", false
	}
	return a[0], secretWay(a[1]), true
}

// BindSecret defines the flags of the named secret on f.
func BindSecret(f *pflag.FlagSet, name, what string) {
	f.String(name+"-file", "", "read "+what+" from this file (first line)")
	f.Bool(name+"-stdin", false, "read "+what+" from standard input (first line)")
	f.String(name, "", "refused: secrets never go on the command line; use "+EnvName(name)+", --"+name+"-file or --"+name+"-stdin")
	for flag, way := range map[string]secretWay{name: secretValue, name + "-file": secretFile, name + "-stdin": secretStdin} {
		_ = f.SetAnnotation(flag, secretAnnotation, []string{name, string(way)}) // the flag was just defined
	}
}

// SecretFrom reads how the named secret was asked for from cmd's flags (BindSecret).
func SecretFrom(cmd *cobra.Command, name string) SecretInput {
	s := SecretInput{Name: name}
	fl := cmd.Flags()
	s.Refused, _ = fl.GetString(name) // "" when the command has no such flag
	s.File, _ = fl.GetString(name + "-file")
	s.Stdin, _ = fl.GetBool(name + "-stdin")
	return s
}

// Given tells whether the command line or the environment gives the secret.
func (f *Factory) Given(s SecretInput) bool {
	return s.Refused != "" || s.File != "" || s.Stdin || f.Getenv(EnvName(s.Name)) != ""
}

// Where names the ways to give the secret, for messages.
func (s SecretInput) Where() string {
	return EnvName(s.Name) + ", --" + s.Name + "-file or --" + s.Name + "-stdin"
}

func refusedOnCommandLine(name string) error {
	return cmdutil.Usagef("refusing --%s on the command line: it would show in the process list and the shell history; use %s, --%s-file or --%s-stdin",
		name, EnvName(name), name, name)
}

// maxSecretFile bounds what is read of a secret's file (its first line is the secret).
const maxSecretFile = 64 << 10

// ReadSecret returns the secret from its flag's file, standard input, the environment or a prompt.
func (f *Factory) ReadSecret(s SecretInput) (facade.Secret, error) {
	name := s.Name
	if s.Refused != "" {
		return facade.Secret{}, refusedOnCommandLine(name)
	}
	var v string
	switch {
	case s.File != "":
		// The user's own private file (as the config file's credential_file), or a pipe: <(pass show ...).
		data, err := cmdutil.ReadTrustedOrPipe(s.File, "--"+name+"-file", cmdutil.TrustPrivate, maxSecretFile)
		if err != nil {
			return facade.Secret{}, err
		}
		v = cmdutil.FirstLine(string(data))
	case s.Stdin:
		line, err := bufio.NewReader(f.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return facade.Secret{}, cmdutil.Usagef("--%s-stdin: reading standard input: %v", name, err)
		}
		v = cmdutil.FirstLine(line)
	case f.Getenv(EnvName(name)) != "":
		v = f.Getenv(EnvName(name))
	case f.IsTerminal(f.In):
		p, err := f.Prompt(strings.ReplaceAll(name, "-", " ") + ": ")
		if err != nil {
			return facade.Secret{}, cmdutil.Usagef("reading %s: %v", name, err)
		}
		v = p
	}
	if v == "" {
		return facade.Secret{}, cmdutil.Usagef("missing %s: set %s, or use --%s-file or --%s-stdin", name, EnvName(name), name, name)
	}
	return facade.NewSecret(v), nil
}

// CheckSecretFlags refuses, before anything else runs, every secret given on the command line where it
// would not be used: a secret's value as an argument (--credential VALUE), a secret flag of a command that
// does not use that secret (--credential-file on reset), and more than one secret from standard input.
func CheckSecretFlags(cmd *cobra.Command) error {
	var err error
	var fromStdin []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		name, way, ok := secretFlag(fl)
		if !ok || err != nil {
			return
		}
		switch {
		case way == secretValue:
			err = refusedOnCommandLine(name)
		case name == Credential && cmd.Annotations[credentialAnnotation] == "":
			err = cmdutil.Usagef("refusing --%s: %s uses no credential (nothing would read it)", fl.Name, cmd.Name())
		case way == secretStdin:
			fromStdin = append(fromStdin, "--"+fl.Name)
		}
	})
	if err == nil && len(fromStdin) > 1 {
		err = cmdutil.Usagef("only one secret can come from standard input (%s): use a file or the environment for the others", strings.Join(fromStdin, ", "))
	}
	return err
}

// FlagError turns cobra's and pflag's flag errors into usage errors that never show the value given to a
// secret's flag (pflag quotes it: --new-password-stdin=VALUE), nor a mistyped argument that may hold one.
func FlagError(_ *cobra.Command, err error) error {
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	var notExist *pflag.NotExistError
	switch {
	case errors.As(err, &invalid):
		if _, way, ok := secretFlag(invalid.GetFlag()); ok {
			what := "a value that is not valid"
			if way == secretStdin {
				what = "a value, and takes none"
			}
			return cmdutil.Usagef("--%s was given %s (not shown)", invalid.GetFlag().Name, what)
		}
	case errors.As(err, &syntax):
		return cmdutil.Usagef("bad flag syntax: an argument starts with --- or --= (not shown)")
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		return cmdutil.Usagef("unknown shorthand flag -%s", notExist.GetSpecifiedName())
	}
	return &cmdutil.UsageError{Err: err}
}
