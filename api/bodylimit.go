package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
)

// DefaultMaxBodyBytes is the largest request body a validator reads unless WithMaxBodyBytes says
// otherwise: 1 MiB, far above any request of the three vendors' password operations.
const DefaultMaxBodyBytes = 1 << 20

// ErrBodyTooLarge is matched by the *ValidationError of a request whose body is over the validator's
// limit (a server answers it 413).
var ErrBodyTooLarge = errors.New("request body too large")

// WithMaxBodyBytes bounds the request bodies the validator reads, and the response bodies its
// RoundTripper reads (DefaultMaxBodyBytes without it). A larger request body is refused before it is
// read: from its Content-Length when it announces one (so a client sending "Expect: 100-continue" is
// never told to go on), else once more than n bytes came.
func WithMaxBodyBytes(n int64) Option {
	return func(c *validatorConfig) error {
		if n <= 0 {
			return fmt.Errorf("api: body limit %d must be above 0", n)
		}
		c.maxBody = n
		return nil
	}
}

// readBody reads r's body, at most limit bytes, and puts it back for whoever reads it next. A body over
// the limit is ErrBodyTooLarge, and is left unread when its Content-Length announces it.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, ErrBodyTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, overLimit(limit)))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return nil, ErrBodyTooLarge
	}
	return data, nil
}

// overLimit is how much of a body is read to tell one of limit bytes from a longer one: limit+1, without
// overflowing at math.MaxInt64 (no body is that long).
func overLimit(limit int64) int64 {
	if limit == math.MaxInt64 {
		return limit
	}
	return limit + 1
}

// tooLarge is the violation of a request whose body is over the limit.
func (v *Validator) tooLarge(r *http.Request) *ValidationError {
	e := &ValidationError{Vendor: v.vendor, Phase: "request", Method: r.Method, Path: r.URL.Path,
		reason: fmt.Sprintf("body larger than %d bytes", v.maxBody), tooLarge: true}
	if v.onViolation != nil {
		v.onViolation(e)
	}
	return e
}

// responseTooLarge is the violation of a response whose body is over the limit (the request was sent).
func (v *Validator) responseTooLarge(r *http.Request) *ValidationError {
	e := &ValidationError{Vendor: v.vendor, Phase: "response", Method: r.Method, Path: r.URL.Path,
		reason: fmt.Sprintf("response body larger than %d bytes", v.maxBody), tooLarge: true}
	if v.onViolation != nil {
		v.onViolation(e)
	}
	return e
}

// violationStatus is the status a server answers a refused request with: 413 for a body over the limit,
// else 400.
func violationStatus(err error) int {
	if errors.Is(err, ErrBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}
