package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
