package facade

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The sentinel errors, matched with errors.Is. An *APIError matches the one its status maps to.

// ErrUnauthorized means the vendor refused the credentials (401), or a login was refused (DocSpace 401,
// Glowmarkt 401 or a 200 with valid:false). A 401 on a login token is first answered by one new login.
var ErrUnauthorized = errors.New("unauthorized")

// ErrForbidden means the credentials are valid but not allowed to do this (403). For Zendesk SetPassword the
// *APIError's Hint names the admin setting that is usually off.
var ErrForbidden = errors.New("forbidden")

// ErrNotFound means the user or account does not exist (404).
var ErrNotFound = errors.New("not found")

// ErrRateLimited means the vendor asked to slow down (429), and the retries or the wait allowed are used up;
// see APIError.RetryAfter.
var ErrRateLimited = errors.New("rate limited")

// ErrPasswordRejected means the vendor refused the new password, or the old one (Zendesk 422, DocSpace 400,
// Glowmarkt 400 "weak new password" or a 200 with valid:false). ChangePassword gives it on every vendor
// for a wrong old password (DocSpace: the 401 of the login with it, before anything is written).
var ErrPasswordRejected = errors.New("password rejected")

// ErrUnsupported means the vendor's API lacks the operation (see Capabilities); no request is sent.
var ErrUnsupported = errors.New("operation not supported by this vendor")

// ErrTwoFactorRequired means a DocSpace login answered that a second factor (tfa or sms) is needed.
var ErrTwoFactorRequired = errors.New("two-factor authentication required")

// ErrInvalidInput means an argument or option was refused before any request was sent; the error is an
// *InputError naming the field.
var ErrInvalidInput = errors.New("invalid input")

// ErrServer means the vendor failed (5xx). For a write it comes with ErrOutcomeUnknown.
var ErrServer = errors.New("vendor server error")

// ErrOutcomeUnknown means a password write or reset email may or may not have been applied: the connection
// failed, timed out or was cut short after the request was sent, the server answered 5xx or 303 See Other
// (the request was processed), or it answered 2xx with a body that does not read as the expected answer. It
// is never sent again on its own.
var ErrOutcomeUnknown = errors.New("outcome unknown: the request may have been applied")

// ErrWrongPassword means Verify was refused: the password is not the one in effect.
var ErrWrongPassword = errors.New("password is not the one in effect")

// ErrVerifyUnavailable means the vendor cannot check a password for this account, so Verify proves nothing
// either way (Zendesk: the account does not allow password access to the API; DocSpace: the user is
// disabled).
var ErrVerifyUnavailable = errors.New("password verification is not available for this account")

// ErrAmbiguousUser means FindUser found more than one user with the email address (compared without regard
// to case), or more matches than one answer holds, so it names none of them rather than guess.
var ErrAmbiguousUser = errors.New("more than one user has that email address")

// ErrRedirect means the vendor answered with a redirect (3xx), which unipass never follows. A write answered
// 303 See Other (processed) also matches ErrOutcomeUnknown.
var ErrRedirect = errors.New("unexpected redirect")

// ErrResponseTooLarge means a response body exceeded the limit of WithMaxBodyBytes (default 1 MiB). For a
// write it comes with ErrOutcomeUnknown.
var ErrResponseTooLarge = errors.New("response body too large")

// errUndecodable means a 2xx answer that is not the expected JSON.
var errUndecodable = errors.New("response is not the expected JSON")

// errLoginPasswordInDoubt means a WithLogin manager will not log in after a change of its own password whose
// outcome is unknown, since either password may be in effect.
var errLoginPasswordInDoubt = errors.New("the login password is in doubt: a change of it may or may not have " +
	"applied; check which password is in effect and make a new manager with it")

// maxRawBody caps what an APIError keeps of a response body.
const maxRawBody = 4 << 10

// maxMessage caps the vendor message shown in Error().
const maxMessage = 300

// RateLimit is what a response said about the caller's remaining quota. Zero fields were not sent.
type RateLimit struct {
	Limit     int       // X-Rate-Limit, X-RateLimit-Limit or RateLimit-Limit
	Remaining int       // X-Rate-Limit-Remaining, X-RateLimit-Remaining or RateLimit-Remaining; -1 when not sent
	Reset     time.Time // X-RateLimit-Reset (unix seconds), or now + RateLimit-Reset (seconds)
	// Window is the period Limit counts, where the vendor documents it (Zendesk: a minute); 0 when
	// unknown. Limit/Window is then the account's sustained rate.
	Window time.Duration
}

// APIError is a vendor's answer that is not a success. Its Error() holds the vendor, operation, status and
// the vendor's message; never a password, a token, a request body or a server stack trace.
type APIError struct {
	Vendor     Vendor
	Operation  Operation
	StatusCode int
	// Code is the vendor's error code when it sends one (Zendesk "RecordInvalid", Glowmarkt "weak new
	// password", "valid:false").
	Code string
	// Message is the vendor's human-readable explanation, cleaned and shortened.
	Message string
	// Details lists per-field reasons (Zendesk's details), as "field: reason".
	Details []string
	// RetryAfter is the wait the vendor asked for (Retry-After), zero when absent.
	RetryAfter time.Duration
	// RateLimit holds the rate-limit headers of the response.
	RateLimit RateLimit
	// Hint explains a likely cause the vendor does not state (Zendesk's admin set-password setting).
	Hint string

	kind           error
	outcomeUnknown bool
	// raw returns the start of the body, scrubbed. A closure, so that printing the struct by reflection
	// (fmt does not call the methods of a value's fields) shows a function address, not the bytes.
	raw func() []byte
}

// keepRaw keeps the start (maxRawBody) of an already scrubbed body, for RawBody.
func (e *APIError) keepRaw(body []byte) {
	if len(body) == 0 {
		return
	}
	kept := bytes.Clone(body[:min(len(body), maxRawBody)])
	e.raw = func() []byte { return kept }
}

// GoString prints the exported fields only, so %#v shows neither the raw body nor anything else Error()
// leaves out.
func (e *APIError) GoString() string {
	return fmt.Sprintf("&facade.APIError{Vendor:%q, Operation:%q, StatusCode:%d, Code:%q, Message:%q, Details:%#v, "+
		"RetryAfter:%d, RateLimit:facade.RateLimit{Limit:%d, Remaining:%d, Reset:%q}, Hint:%q}",
		e.Vendor, e.Operation, e.StatusCode, e.Code, e.Message, e.Details, e.RetryAfter,
		e.RateLimit.Limit, e.RateLimit.Remaining, e.RateLimit.Reset.Format(time.RFC3339), e.Hint)
}

// Format prints Error() for every verb (as a string: %q quotes it, %x hex-encodes it), and GoString for %#v.
func (e *APIError) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, e.GoString())
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), e.Error())
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Vendor, e.Operation, e.StatusCode)
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" && e.Message != e.Code {
		b.WriteString(": " + e.Message)
	}
	if len(e.Details) > 0 {
		b.WriteString(" (" + strings.Join(e.Details, "; ") + ")")
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	if e.outcomeUnknown {
		b.WriteString("; the change may have been applied: check before trying again")
	}
	return b.String()
}

// Unwrap exposes the sentinel the status maps to (ErrNotFound, ErrRateLimited, ...), and ErrOutcomeUnknown
// for a write answered 5xx.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.kind != nil {
		out = append(out, e.kind)
	}
	if e.outcomeUnknown {
		out = append(out, ErrOutcomeUnknown)
	}
	return out
}

// outcomeError wraps a transport failure after a write was sent.
type outcomeError struct{ err error }

func (e *outcomeError) Error() string {
	return e.err.Error() + ": " + ErrOutcomeUnknown.Error()
}

func (e *outcomeError) Unwrap() []error { return []error{e.err, ErrOutcomeUnknown} }

// RawBody returns the start (at most 4 KiB) of the response body, for diagnosis, with every credential of the
// manager and password of the call replaced by [REDACTED]. It is never part of Error() or of any fmt verb;
// it may hold whatever else the vendor sent.
func (e *APIError) RawBody() []byte {
	if e.raw == nil {
		return nil
	}
	return bytes.Clone(e.raw())
}

// InputError reports an argument or option refused before any request was sent. It matches
// ErrInvalidInput. Field names the argument (user, newPassword, email, ctx) or the option (WithLogin
// password, WithBearerToken, baseURL, ...); Reason says what is wrong, never the value.
type InputError struct {
	// Vendor and Operation name the call that refused the argument; empty for a constructor's options
	// (whose error names the vendor).
	Vendor    Vendor
	Operation Operation
	Field     string
	Reason    string
}

func (e *InputError) Error() string {
	var where string
	switch {
	case e.Vendor != "" && e.Operation != "":
		where = string(e.Vendor) + " " + string(e.Operation) + ": "
	case e.Vendor != "":
		where = string(e.Vendor) + ": "
	}
	return where + "invalid " + e.Field + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// errZeroManager is the error of a manager that was not made by its constructor.
var errZeroManager = &InputError{Field: "manager", Reason: "not made by NewDocSpace, NewZendesk or NewGlowmarkt (a zero value)"}

// errNilContext is the error of a call given a nil context.
var errNilContext = &InputError{Field: "ctx", Reason: "nil context (use context.Background or context.TODO)"}

// named sets, on an *InputError in *err that names no call yet, the vendor and operation of the call that
// returns it: deferred by every operation of the managers.
func named(v Vendor, op Operation, err *error) {
	if *err == nil { // first, so that a call that succeeds allocates nothing here
		return
	}
	var ie *InputError
	if !errors.As(*err, &ie) || ie.Vendor != "" {
		return
	}
	if direct, ok := (*err).(*InputError); ok { //nolint:errorlint // the error itself, not one it wraps
		named := *direct
		named.Vendor, named.Operation = v, op
		*err = &named
		return
	}
	*err = fmt.Errorf("%s %s: %w", v, op, *err) // wrapped on its way: keep the chain, name the call
}

// unsupported is the error of an operation the vendor lacks.
func unsupported(v Vendor, op Operation) error {
	return fmt.Errorf("%s %s: %w", v, op, ErrUnsupported)
}

// kindForStatus maps a status to its sentinel; vendor-specific cases are decided by the adapters.
func kindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500:
		return ErrServer
	case status >= 300 && status < 400:
		return ErrRedirect
	}
	return nil
}

// rateLimitOf reads an answer's quota headers, with the window the vendor documents for its limit.
func rateLimitOf(v Vendor, h http.Header, now time.Time) RateLimit {
	rl := parseRateLimit(h)
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("RateLimit-Reset"))); err == nil && s >= 0 && rl.Reset.IsZero() {
		rl.Reset = now.Add(time.Duration(s) * time.Second)
	}
	if v == VendorZendesk && rl.Limit > 0 {
		rl.Window = time.Minute // X-Rate-Limit is the account's requests per minute
	}
	return rl
}

func parseRateLimit(h http.Header) RateLimit {
	rl := RateLimit{Remaining: -1}
	atoi := func(names ...string) (int, bool) {
		for _, n := range names {
			if v := h.Get(n); v != "" {
				if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					return i, true
				}
			}
		}
		return 0, false
	}
	rl.Limit, _ = atoi("X-Rate-Limit", "X-RateLimit-Limit", "RateLimit-Limit")
	if r, ok := atoi("X-Rate-Limit-Remaining", "X-RateLimit-Remaining", "RateLimit-Remaining"); ok {
		rl.Remaining = r
	}
	if s, ok := atoi("X-RateLimit-Reset"); ok && s > 0 {
		rl.Reset = time.Unix(int64(s), 0)
	}
	return rl
}

// cleanMessage keeps a vendor message printable, on one line and short.
func cleanMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
