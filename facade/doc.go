// Package facade is one password-management interface over ONLYOFFICE DocSpace, Zendesk and Glowmarkt.
//
// Build a PasswordManager with NewDocSpace, NewZendesk or NewGlowmarkt and call it the same way for every
// vendor. What a vendor lacks returns an error matching ErrUnsupported, and Capabilities tells it before any
// call. Vendor answers that are not a success are *APIError values matched to sentinels with errors.Is;
// arguments are checked before any request is sent (*InputError, ErrInvalidInput). Passwords and tokens
// travel as Secret, which never prints its value.
//
// # Options
//
// Option values follow these rules; a bad one fails the constructor with an *InputError naming the option.
//
//   - Credentials, user names, the application ID and the User-Agent are used exactly as given: one that is
//     empty, has leading or trailing whitespace (a line break read from a file), is not valid UTF-8 or holds
//     a control character is refused, never trimmed. WithAuthCookie takes only cookie-octets (RFC 6265).
//   - Passwords, in options and in calls, follow the same rules, except that a password may hold
//     whitespace and control characters inside it (WithLogin and WithBasicAuth passwords travel in a body or
//     base64): a changed byte would be a different password.
//   - The base URL is absolute https (plain http only on loopback or WithInsecureHTTP), without user
//     information, query or fragment, and without the vendor's API prefix (/api/2.0, /api/v2, /api/v0-1),
//     which every operation adds: a base URL holding it is refused with the URL to give instead.
//   - A manager needs credentials for what it does: NewZendesk refuses none; NewGlowmarkt refuses none
//     unless WithAppKeys is given; NewDocSpace without one can only SendReset (Capabilities say so).
//
// # Verify on Zendesk
//
// Zendesk's Verify signs in as the user with their email address and password (HTTP basic), to prove the
// password is the one in effect. It looks up the email with this manager's credentials, then asks who the
// email:password credentials belong to, sending none of the manager's credentials or cookies (any session
// cookie of that answer stays out of the HTTP client's jar).
//
// Outcomes: nil when Zendesk answers with the user's own ID. When the credentials are refused (401, or a
// 200 for the anonymous user), Verify reads the account's settings with the manager's credentials, since
// Zendesk refuses every password the same way when the account does not allow password access to the API
// (Admin Center > Apps and integrations > APIs > Zendesk API; Zendesk has been turning it off on all
// accounts since 2024): an error matching ErrWrongPassword when password access is on, an error matching
// ErrVerifyUnavailable when it is off (the password is then neither proven nor refused). Anything else
// proves nothing about the password: ErrNotFound (no such user), an answer for another user, a rate limit
// or server error after the retries of a safe request, settings that could not be read. A refused password
// is never tried again within a call. Zendesk also refuses every password of a user who may sign in only
// through single sign-on: for such a user ErrWrongPassword proves nothing, and a nil from Verify with
// another password of the same user rules that case out.
// Zendesk: GET /api/v2/users/{user_id}, GET /api/v2/users/me with basic {email}:{password}, and on a
// refusal GET /api/v2/account/settings.
//
// # Verify on Glowmarkt
//
// Glowmarkt's Verify logs in with the manager's login username and password, to prove that password is the
// one in effect for the logged-in account. user may be empty or that account's ID, as for ChangePassword; a
// different ID is refused before the password is sent (the manager logs in first if it has not yet). The
// token the login returns is dropped at once and never replaces the manager's own; the password the
// manager logs in with is not changed either, and the HTTP client's cookie jar is not used.
//
// Outcomes: nil when Glowmarkt accepts the password. An error matching ErrWrongPassword when it refuses
// it: 401 "Access denied", or a 200 with "valid": false. Glowmarkt answers a wrong applicationId with the
// same 401; the manager's own logins send the same one, so a manager whose logins work is not affected.
// Anything else proves nothing about the password (rate limit or server error after the retries of a safe
// request, a transport error). A refused password is never tried again within a call.
//
// Verify needs the username, which only WithLogin gives: a manager built WithToken returns an error
// matching ErrUnsupported, and its Capabilities say so.
// Glowmarkt: POST /api/v0-1/auth with the applicationId header and {"username", "password"}.
package facade
