// Package cmdutil holds what every unipass command shares below the Factory: exit codes and the errors
// that choose them, text made safe to print, and files read and written safely.
package cmdutil

import (
	"errors"
	"fmt"

	"github.com/unipass/unipass/facade"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailure     = 1 // anything else: network, a vendor's 5xx, a Verify that cannot prove anything, ...
	ExitUsage       = 2 // bad flags or arguments, a missing or refused secret, input refused or unsupported before sending
	ExitRejected    = 3 // the vendor refused: 4xx, rejected password
	ExitUnknown     = 4 // a write may or may not have been applied
	ExitLimited     = 5 // rate limited
	ExitInterrupted = 6 // Ctrl-C or SIGTERM stopped a rotation early; it continues with rotate --resume
)

// ExitError carries an exit code chosen by a command; Err, when set, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError marks a mistake in how the command was called (exit 2).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef is a UsageError with a formatted message (%w wraps).
func Usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// ExitCode maps an error to the documented exit codes. An operation the vendor does not support is a
// usage error: unipass refuses it before anything is sent.
func ExitCode(err error) int {
	var ee *ExitError
	var ue *UsageError
	var apiErr *facade.APIError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue), errors.Is(err, facade.ErrInvalidInput), errors.Is(err, facade.ErrUnsupported):
		return ExitUsage
	case errors.Is(err, facade.ErrOutcomeUnknown):
		return ExitUnknown
	case errors.Is(err, facade.ErrRateLimited):
		return ExitLimited
	case errors.Is(err, facade.ErrVerifyUnavailable): // the vendor's refusal proves nothing about the password
		return ExitFailure
	case errors.Is(err, facade.ErrPasswordRejected), errors.Is(err, facade.ErrWrongPassword):
		return ExitRejected
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 300 && apiErr.StatusCode < 500:
		return ExitRejected
	}
	return ExitFailure
}
