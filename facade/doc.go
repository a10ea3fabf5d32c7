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
// # Verify on DocSpace
//
// Verify logs in as the user with password, to prove it is the one in effect. It looks up the user's login
// name (the email address) with this manager's credentials, then logs in with that name and the password
// without any of the manager's credentials or cookies; the session that login opens is logged out at once
// (its token never replaces the manager's own, nor does its session cookie enter the HTTP client's jar).
//
// The user may notice: with SMS two-factor authentication on, the portal texts the user a code for the
// login Verify makes (which Verify never completes), and the portal may list the login among the user's
// sessions and in its login history.
//
// Outcomes: nil when the portal accepts the password, including when it then asks for a second factor
// (DocSpace answers tfa or sms only after it has checked the password). An error matching ErrWrongPassword
// when the portal refuses it (401). Anything else proves nothing about the password: ErrVerifyUnavailable
// (the user is disabled: no login is tried), ErrNotFound (no such user), ErrRateLimited ("too many login
// attempts", after the retries of a safe request), ErrUnauthorized (the manager's own credentials were
// refused during the lookup), a server or transport error. A refused password is never tried again within a
// call: each call is one login attempt, which the portal counts against its brute-force limit.
//
// # ChangePassword on DocSpace
//
// ChangePassword changes a user's password by proving the old one: it looks up the user's login name (the
// email address) with this manager's credentials, logs in as the user with the old password, and sets the new
// one with that login's session token, sending none of the manager's credentials or cookies. The session
// token is used for that one request and never stored; it never replaces the manager's own, and the
// session is logged out when done, whatever the write's outcome.
//
// Outcomes: nil when the new password is set. An error matching ErrPasswordRejected when the portal refuses
// the old password (the login's 401, the *APIError's Hint says so) or the new one (400, as for
// SetPassword): the same sentinel Zendesk's and Glowmarkt's ChangePassword give for a wrong old password.
// Nothing is written in either case. ErrTwoFactorRequired when the user's login asks for a second factor:
// the old password was accepted, but no session comes back to write with, and nothing is written.
// ErrForbidden when the user is disabled (no login is tried). The write follows SetPassword's rules: it is
// never sent twice, and ErrOutcomeUnknown when its answer is lost or is a 5xx.
//
// A WithLogin manager that changes its own login account's password logs in with the new one from then on.
// When that change's outcome is unknown, either password may be in effect: it keeps its current token but
// makes no new login (the error says so); check which password works and make a new manager with it.
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
