// Package facade is one password-management interface over ONLYOFFICE DocSpace, Zendesk and Glowmarkt.
//
// Build a PasswordManager with NewDocSpace, NewZendesk or NewGlowmarkt and call it the same way for every
// vendor. What a vendor lacks returns an error matching ErrUnsupported, and Capabilities tells it before any
// call. Vendor answers that are not a success are *APIError values matched to sentinels with errors.Is;
// arguments are checked before any request is sent (*InputError, ErrInvalidInput). Passwords and tokens
// travel as Secret, which never prints its value.
package facade
