package facade

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors, matched with errors.Is.
var (
	ErrUnauthorized      = errors.New("unauthorized")
	ErrForbidden         = errors.New("forbidden")
	ErrNotFound          = errors.New("not found")
	ErrRateLimited       = errors.New("rate limited")
	ErrPasswordRejected  = errors.New("password rejected")
	ErrUnsupported       = errors.New("operation not supported by this vendor")
	ErrTwoFactorRequired = errors.New("two-factor authentication required")
	ErrInvalidInput      = errors.New("invalid input")
	ErrServer            = errors.New("vendor server error")
	// ErrOutcomeUnknown: a password write or reset email may or may not have been applied (the connection
	// failed, timed out or the server failed after the request was sent). It is never sent again on its own.
	ErrOutcomeUnknown = errors.New("outcome unknown: the request may have been applied")
	// ErrWrongPassword: Verify was refused: the password is not the one in effect.
	ErrWrongPassword = errors.New("password is not the one in effect")
	// ErrVerifyUnavailable: the vendor cannot check a password for this account, so Verify proves nothing
	// either way (Zendesk: the account does not allow password access to the API).
	ErrVerifyUnavailable = errors.New("password verification is not available for this account")
	// ErrRedirect: the vendor answered with a redirect, which unipass never follows.
	ErrRedirect = errors.New("unexpected redirect")
)

// maxRawBody caps what an APIError keeps of a response body.
const maxRawBody = 4 << 10

// maxMessage caps the vendor message shown in Error().
const maxMessage = 300

// RateLimit is what a response said about the caller's remaining quota. Zero fields were not sent.
type RateLimit struct {
	Limit     int       // X-Rate-Limit or X-RateLimit-Limit
	Remaining int       // X-Rate-Limit-Remaining or X-RateLimit-Remaining; -1 when not sent
	Reset     time.Time // X-RateLimit-Reset (unix seconds)
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
	raw            []byte
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

// RawBody returns the start (at most 4 KiB) of the response body, for diagnosis. It is never part of
// Error(); it may hold whatever the vendor sent.
func (e *APIError) RawBody() []byte { return append([]byte(nil), e.raw...) }

// InputError reports an argument refused before any request was sent. It matches ErrInvalidInput.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalidInput) true.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

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
	rl.Limit, _ = atoi("X-Rate-Limit", "X-RateLimit-Limit")
	if r, ok := atoi("X-Rate-Limit-Remaining", "X-RateLimit-Remaining"); ok {
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

// scrubSecrets removes every secret value from the error's text fields.
func (e *APIError) scrubSecrets(secrets []Secret) {
	for _, s := range secrets {
		v := s.Reveal()
		if len(v) < 3 {
			continue
		}
		e.Code = strings.ReplaceAll(e.Code, v, redacted)
		e.Message = strings.ReplaceAll(e.Message, v, redacted)
		for i := range e.Details {
			e.Details[i] = strings.ReplaceAll(e.Details[i], v, redacted)
		}
	}
}
