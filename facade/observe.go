package facade

import (
	"context"
	"net/http"
	"time"

	"github.com/unipass/unipass/facade/internal/transport"
)

// ResponseInfo describes one answer a manager received: what a caller pacing its own requests (bulk
// rotation) needs to know.
type ResponseInfo struct {
	Vendor    Vendor
	Operation Operation
	// StatusCode is 0 when the request was sent but no answer came (the connection failed or timed out).
	StatusCode int
	// Attempt counts the requests of one call: 1, then 2 for the first retry, ...
	Attempt    int
	RetryAfter time.Duration
	RateLimit  RateLimit
}

type observerKey struct{}

// WithObserver returns a context under which every answer a manager receives is reported to f, from the
// goroutine that made the call. Observers of enclosing contexts are called too.
func WithObserver(ctx context.Context, f func(ResponseInfo)) context.Context {
	if prev, ok := ctx.Value(observerKey{}).(func(ResponseInfo)); ok {
		inner := f
		f = func(i ResponseInfo) { prev(i); inner(i) }
	}
	return context.WithValue(ctx, observerKey{}, f)
}

func (c *core) observe(ctx context.Context, op Operation, attempt int, r *response) {
	f, ok := ctx.Value(observerKey{}).(func(ResponseInfo))
	if !ok {
		return
	}
	f(ResponseInfo{Vendor: c.vendor, Operation: op, StatusCode: r.status, Attempt: attempt,
		RetryAfter: transport.RetryAfter(r.header.Get("Retry-After"), c.now()), RateLimit: rateLimitOf(c.vendor, r.header, c.now())})
}

// observeFailure reports a request that was sent but got no answer.
func (c *core) observeFailure(ctx context.Context, op Operation, attempt int) {
	c.observe(ctx, op, attempt, &response{header: http.Header{}})
}
