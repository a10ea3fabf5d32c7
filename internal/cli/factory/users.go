package factory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// ResolveUser turns a user reference given on the command line or in a rotate input into the vendor's user
// ID. A reference with an "@" is an email address, looked up with FindUser; anything else is taken as an ID
// and returned unchanged, without any request. No vendor's user ID holds an "@".
//
// An address that names nobody, or more than one user, is a usage error (exit 2: nothing was changed), and so
// is an address given to a vendor that cannot look users up (Glowmarkt); the facade's error stays in the
// chain for errors.Is. Other failures of the lookup (rate limit, server, credentials) are returned as they are.
func ResolveUser(ctx context.Context, m facade.PasswordManager, ref string) (string, error) {
	if !strings.Contains(ref, "@") {
		return ref, nil
	}
	u, err := m.FindUser(ctx, ref)
	switch {
	case err == nil:
		return u.ID, nil
	case errors.Is(err, facade.ErrUnsupported):
		return "", &cmdutil.UsageError{Err: fmt.Errorf("%s cannot look users up by email address (%q): give the user's ID: %w",
			m.Vendor(), ref, err)}
	case errors.Is(err, facade.ErrNotFound):
		return "", &cmdutil.UsageError{Err: fmt.Errorf("no such user %s at %s: %w", cmdutil.Printable(ref), m.Vendor(), err)}
	case errors.Is(err, facade.ErrAmbiguousUser):
		return "", &cmdutil.UsageError{Err: fmt.Errorf("user %q: %w", ref, err)}
	}
	return "", fmt.Errorf("looking up user %q: %w", ref, err)
}

// UserArgHelp is the sentence the help of every command with a USER argument carries.
const UserArgHelp = `USER is the vendor's user ID or the user's email address, looked up before anything is sent
(DocSpace and Zendesk; Glowmarkt cannot look users up and needs the ID). An address that names nobody, or
more than one user, is a usage error (exit 2) and nothing is changed.`

// UserRef is a user as given on the command line and the vendor's ID it resolved to.
type UserRef struct{ Given, ID string }

// ResolveArg resolves a command's USER argument (see ResolveUser).
func ResolveArg(ctx context.Context, m facade.PasswordManager, given string) (UserRef, error) {
	id, err := ResolveUser(ctx, m, given)
	return UserRef{Given: given, ID: id}, err
}

// String names the user for an output line: the address and the ID it resolved to
// ("mike@example.com (id 35436)"), or the ID alone; vendor text passes through printable.
func (u UserRef) String() string {
	if u.Given == u.ID {
		return cmdutil.Printable(u.ID)
	}
	return cmdutil.Printable(u.Given) + " (id " + cmdutil.Printable(u.ID) + ")"
}

// ForUser appends " for ADDRESS (id ID)" to a message when the user was given by address; a message about a
// user given by ID is left as it is.
func (u UserRef) ForUser(msg string) string {
	if u.Given == u.ID {
		return msg
	}
	return msg + " for " + u.String()
}

// NotFound words the errors of an operation on a user the one way: a user the vendor does not have is
// "no such user USER at VENDOR"; a user ID the vendor cannot have names the USER argument. Other errors
// are returned as they are.
func NotFound(vendor facade.Vendor, u UserRef, err error) error {
	var in *facade.InputError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, facade.ErrNotFound):
		return fmt.Errorf("no such user %s at %s: %w", u, vendor, err)
	case errors.As(err, &in) && in.Field == "user":
		return cmdutil.Usagef("USER %s: %s", u, in.Reason)
	}
	return err
}
