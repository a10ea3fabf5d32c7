package facade

import (
	"errors"
	"slices"
)

// The helpers every adapter shares to read its generated client's answers and to classify a vendor's
// refusals.

// rejectOn marks an *APIError with one of the given statuses as a rejected password.
func rejectOn(err error, statuses ...int) error {
	if err == nil {
		return nil
	}
	var e *APIError
	if errors.As(err, &e) && slices.Contains(statuses, e.StatusCode) {
		e.kind = ErrPasswordRejected
	}
	return err
}

// deref reads an optional field of a generated answer: the zero value when it is absent.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// wrongPasswordOn marks an *APIError with one of the given statuses as a refused password (Verify).
func wrongPasswordOn(err error, statuses ...int) error {
	var e *APIError
	if errors.As(err, &e) && slices.Contains(statuses, e.StatusCode) {
		e.kind, e.Hint = ErrWrongPassword, hintPasswordRefused
	}
	return err
}

// The hints that tell Verify's two refusals apart.
const ( // #nosec G101 -- explanations, not credentials
	hintPasswordRefused = "the vendor refused the password being verified"
	hintManagerRefused  = "the manager's own credentials were refused, not the password being verified: " +
		"nothing is proven about that password"
)

// managerRefused marks a refusal of the manager's own credentials (ErrUnauthorized) met while Verify looks
// the user up, so that its text cannot be read as a wrong password.
func managerRefused(err error) error {
	var e *APIError
	if errors.As(err, &e) && errors.Is(e, ErrUnauthorized) && e.Hint == "" {
		e.Hint = hintManagerRefused
	}
	return err
}
