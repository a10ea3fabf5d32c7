package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// credentialCommandTimeout bounds a credential_command (a password manager asking to unlock may take a
// while; one that hangs must not hang unipass).
const credentialCommandTimeout = 30 * time.Second

// maxCredentialOutput bounds what a credential_command may print.
const maxCredentialOutput = 64 << 10

// SourceKind is where a profile's credential comes from.
type SourceKind string

// The credential sources of a profile.
const (
	SourceEnv     SourceKind = "env"
	SourceFile    SourceKind = "file"
	SourceCommand SourceKind = "command"
)

// Source is a profile's credential_env, credential_file or credential_command.
type Source struct {
	Kind SourceKind
	// Ref is the variable's name, the file's path (made absolute), or the command's program (argv[0]).
	Ref  string
	Argv []string
}

// String says where the secret comes from, never the secret: "env NAME", "file PATH", "command PROGRAM".
func (s *Source) String() string {
	if s == nil {
		return "-"
	}
	return string(s.Kind) + " " + s.Ref
}

// Key is the profile key that gives this source (credential_env, ...), for messages.
func (s *Source) Key() string { return "credential_" + string(s.Kind) }

// Read returns the secret from its source. A command runs without a shell, with its standard error
// passed through, standard input closed and no UNIPASS_* variable, for at most credentialCommandTimeout;
// the first line it prints is the secret, and nothing it prints ever shows in an error. A source that
// gives no secret is a usage error (exit 2), as a missing credential flag is.
func (s *Source) Read(ctx context.Context, getenv func(string) string, stderr io.Writer) (facade.Secret, error) {
	var v string
	switch s.Kind {
	case SourceEnv:
		if v = getenv(s.Ref); v == "" {
			return facade.Secret{}, cmdutil.Usagef("credential_env: %s is not set", s.Ref)
		}
	case SourceFile:
		data, err := cmdutil.ReadTrusted(s.Ref, "credential_file", cmdutil.TrustPrivate, maxCredentialOutput)
		if err != nil {
			return facade.Secret{}, err
		}
		if v = cmdutil.FirstLine(string(data)); v == "" {
			return facade.Secret{}, cmdutil.Usagef("credential_file %s: the first line is empty", s.Ref)
		}
	default:
		var err error
		if v, err = runCredentialCommand(ctx, stderr, s.Argv, credentialCommandTimeout); err != nil {
			return facade.Secret{}, err
		}
	}
	return facade.NewSecret(v), nil
}

// runCredentialCommand runs argv for at most timeout and returns the first line of its standard output.
func runCredentialCommand(ctx context.Context, stderr io.Writer, argv []string, timeout time.Duration) (string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := &limitedBuffer{max: maxCredentialOutput}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) // #nosec G204 -- the user's own command, from their own config file, run without a shell
	cmd.Env = withoutUnipassVars(os.Environ())
	err := runCommandGroup(cmd, out, stderr) // the timeout and the end kill its whole process group
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "", cmdutil.Usagef("credential_command %s: did not finish within %s", argv[0], timeout)
	case ctx.Err() != nil:
		return "", fmt.Errorf("credential_command %s: %w", argv[0], ctx.Err())
	case errors.As(err, &exit):
		return "", cmdutil.Usagef("credential_command %s: failed (%s); its output is not shown", argv[0], exit.ProcessState)
	case err != nil:
		return "", cmdutil.Usagef("credential_command: %v", err)
	case out.over:
		return "", cmdutil.Usagef("credential_command %s: printed more than %d bytes; its output is not shown", argv[0], maxCredentialOutput)
	}
	line := cmdutil.FirstLine(out.String())
	if line == "" {
		return "", cmdutil.Usagef("credential_command %s: printed nothing on its first line", argv[0])
	}
	return line, nil
}

// withoutUnipassVars drops the UNIPASS_* variables (among them the secrets UNIPASS_CREDENTIAL,
// UNIPASS_NEW_PASSWORD, ...) from a credential command's environment: that program needs none of them.
func withoutUnipassVars(environ []string) []string {
	return slices.DeleteFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, "UNIPASS_") })
}

// limitedBuffer keeps the first max bytes written to it and notes whether more came. (Not an embedded
// bytes.Buffer: its ReadFrom would let io.Copy bypass the limit.)
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := b.max - b.buf.Len(); n > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	_, _ = b.buf.Write(p)
	return n, nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }
