package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
)

// resolveUser turns a user reference given on the command line or in a rotate input into the vendor's user
// ID. A reference with an "@" is an email address, looked up with FindUser; anything else is taken as an ID
// and returned unchanged, without any request. No vendor's user ID holds an "@".
//
// An address that names nobody, or more than one user, is a usage error (exit 2: nothing was changed), and so
// is an address given to a vendor that cannot look users up (Glowmarkt); the facade's error stays in the
// chain for errors.Is. Other failures of the lookup (rate limit, server, credentials) are returned as they are.
func resolveUser(ctx context.Context, m facade.PasswordManager, ref string) (string, error) {
	if !strings.Contains(ref, "@") {
		return ref, nil
	}
	u, err := m.FindUser(ctx, ref)
	switch {
	case err == nil:
		return u.ID, nil
	case errors.Is(err, facade.ErrUnsupported):
		return "", &usageError{fmt.Errorf("%s cannot look users up by email address (%q): give the user's ID: %w",
			m.Vendor(), ref, err)}
	case errors.Is(err, facade.ErrNotFound), errors.Is(err, facade.ErrAmbiguousUser):
		return "", &usageError{fmt.Errorf("user %q: %w", ref, err)}
	}
	return "", fmt.Errorf("looking up user %q: %w", ref, err)
}

// userArgHelp is the sentence the help of every command with a USER argument carries.
const userArgHelp = `USER is the vendor's user ID or the user's email address, looked up before anything is sent
(DocSpace and Zendesk; Glowmarkt cannot look users up and needs the ID). An address that names nobody, or
more than one user, is a usage error (exit 2) and nothing is changed.`

// userRef is a user as given on the command line and the vendor's ID it resolved to.
type userRef struct{ given, id string }

// resolveArg resolves a command's USER argument (see resolveUser).
func resolveArg(cmd *cobra.Command, m facade.PasswordManager, given string) (userRef, error) {
	id, err := resolveUser(cmd.Context(), m, given)
	return userRef{given: given, id: id}, err
}

// String names the user for an output line: the address and the ID it resolved to
// ("mike@example.com (id 35436)"), or the ID alone; vendor text passes through printable.
func (u userRef) String() string {
	if u.given == u.id {
		return printable(u.id)
	}
	return printable(u.given) + " (id " + printable(u.id) + ")"
}

// forUser appends " for ADDRESS (id ID)" to a message when the user was given by address; a message about a
// user given by ID is left as it is.
func (u userRef) forUser(msg string) string {
	if u.given == u.id {
		return msg
	}
	return msg + " for " + u.String()
}
