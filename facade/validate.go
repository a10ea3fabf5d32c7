package facade

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// checkEmail accepts a bare address (no display name), at most 255 characters.
func checkEmail(field, s string) error {
	if s == "" {
		return &InputError{Field: field, Reason: "must not be empty"}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 255 {
		return &InputError{Field: field, Reason: "not an email address"}
	}
	return nil
}

// checkPassword refuses an empty password; its value never appears in the error.
func checkPassword(field string, s Secret) error {
	if s.IsZero() {
		return &InputError{Field: field, Reason: "must not be empty"}
	}
	if strings.ContainsAny(s.Reveal(), "\x00") {
		return &InputError{Field: field, Reason: "must not contain NUL"}
	}
	return nil
}

// checkPasswordChange checks both passwords of a ChangePassword (fields oldPassword and newPassword).
func checkPasswordChange(oldPassword, newPassword Secret) error {
	if err := checkPassword("oldPassword", oldPassword); err != nil {
		return err
	}
	return checkPassword("newPassword", newPassword)
}

// parseDocSpaceUser reads a DocSpace user ID: a GUID in 8-4-4-4-12 form.
func parseDocSpaceUser(user string) (uuid.UUID, error) {
	if len(user) != 36 {
		return uuid.UUID{}, &InputError{Field: "user", Reason: "a DocSpace user ID is a UUID (8-4-4-4-12 hex digits)"}
	}
	id, err := uuid.Parse(user)
	if err != nil {
		return uuid.UUID{}, &InputError{Field: "user", Reason: "a DocSpace user ID is a UUID (8-4-4-4-12 hex digits)"}
	}
	return id, nil
}

// parseZendeskUser reads a Zendesk user ID: a positive integer.
func parseZendeskUser(user string) (int64, error) {
	id, err := strconv.ParseInt(user, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != user {
		return 0, &InputError{Field: "user", Reason: "a Zendesk user ID is a positive integer"}
	}
	return id, nil
}

// maxGlowmarktAccount bounds a Glowmarkt account ID (a UUID in production).
const maxGlowmarktAccount = 128

// checkGlowmarktAccount accepts an empty user (the token's own account) or a Glowmarkt account ID: ASCII
// letters, digits, '-' and '_', at most 128 characters; nothing that could change a path or a header.
func checkGlowmarktAccount(user string) error {
	ok := len(user) <= maxGlowmarktAccount && !strings.ContainsFunc(user, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_'
	})
	if !ok {
		return &InputError{Field: "user", Reason: "a Glowmarkt account ID has only letters, digits, '-' and '_' (at most 128)"}
	}
	return nil
}

// CheckUser checks a user reference for vendor v the way that vendor's manager checks its user argument
// before sending anything: a DocSpace user ID is a UUID (8-4-4-4-12), a Zendesk user ID a positive integer,
// a Glowmarkt account ID letters, digits, '-' and '_' (empty: the token's own account). Where the vendor has
// FindUser (DocSpace, Zendesk), a reference holding an "@" is read as an email address to look up instead.
// It sends nothing; the error is an *InputError (matching ErrInvalidInput) whose Reason says what is wrong.
func CheckUser(v Vendor, user string) error {
	switch v {
	case VendorDocSpace, VendorZendesk:
		if strings.Contains(user, "@") {
			return checkEmail("user", user)
		}
		if v == VendorDocSpace {
			_, err := parseDocSpaceUser(user)
			return err
		}
		_, err := parseZendeskUser(user)
		return err
	case VendorGlowmarkt:
		return checkGlowmarktAccount(user)
	}
	return &InputError{Field: "vendor", Reason: fmt.Sprintf("unknown vendor %q", v)}
}
