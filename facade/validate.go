package facade

import (
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// textProblem names what keeps a password from travelling exactly as given: surrounding whitespace (a
// file's trailing newline, most often), invalid UTF-8 (JSON would send U+FFFD in place of the bad bytes), a
// NUL. Nothing is trimmed or replaced: a changed value would be a different password. Whitespace and other
// characters inside a password are its own.
func textProblem(s string) string {
	switch {
	case strings.TrimSpace(s) != s:
		return "has leading or trailing whitespace (a line break read from a file?); remove it, nothing is trimmed"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.ContainsRune(s, 0):
		return "must not contain NUL"
	}
	return ""
}

// checkText refuses an empty value or one with a textProblem, or, in a credential, user name or header
// value, a control character (which no header may carry).
func checkText(field, s string) error {
	if s == "" {
		return &InputError{Field: field, Reason: "must not be empty"}
	}
	if p := textProblem(s); p != "" {
		return &InputError{Field: field, Reason: p}
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return &InputError{Field: field, Reason: "must not contain control characters (line breaks, tabs, ...)"}
	}
	return nil
}

// checkCookieValue refuses a cookie value net/http would change (and warn about on the standard logger):
// only the cookie-octets of RFC 6265 travel as given.
func checkCookieValue(field, s string) error {
	if err := checkText(field, s); err != nil {
		return err
	}
	for i := range len(s) {
		if b := s[i]; b <= 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' || b == ',' {
			return &InputError{Field: field, Reason: "a cookie value has only printable ASCII without spaces, quotes, ',', ';' or '\\'"}
		}
	}
	return nil
}

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

// checkPassword refuses a password that is empty, not valid UTF-8 (JSON would send U+FFFD in place of the
// bad bytes, a password nobody knows), holds NUL or has surrounding whitespace; its value never appears in
// the error.
func checkPassword(field string, s Secret) error {
	if s.IsZero() {
		return &InputError{Field: field, Reason: "must not be empty"}
	}
	if p := textProblem(s.Reveal()); p != "" {
		return &InputError{Field: field, Reason: p}
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
	if errors.Is(err, strconv.ErrRange) && id > 0 {
		return 0, &InputError{Field: "user", Reason: fmt.Sprintf(
			"a Zendesk user ID of %d digits is out of range (at most %d)", len(user), int64(1<<63-1))}
	}
	var digits [20]byte // the canonical form, built on the stack
	if err != nil || id <= 0 || string(strconv.AppendInt(digits[:0], id, 10)) != user {
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
