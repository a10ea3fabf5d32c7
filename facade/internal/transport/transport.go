// Package transport holds the HTTP mechanics the facade's adapters share and its users need not see:
// the retry policy and its waits, Retry-After parsing, base-URL rules, tracking whether a request was
// written, and which headers are credentials.
package transport

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Retry says how safe requests, and writes answered 429, are tried again.
type Retry struct {
	MaxAttempts int
	BaseDelay   time.Duration
	MaxWait     time.Duration
	FailFast    bool
}

// DefaultRetry: 4 attempts, backoff from 500 ms, no single wait over 30 s.
var DefaultRetry = Retry{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxWait: 30 * time.Second}

// More reports whether another attempt may follow attempt (counted from 1).
func (p Retry) More(attempt int) bool { return attempt < p.MaxAttempts }

// Backoff is the full-jitter exponential delay before attempt+1: uniform in [0, base*2^(attempt-1)],
// capped by MaxWait.
func (p Retry) Backoff(attempt int) time.Duration {
	ceiling := p.BaseDelay << min(attempt-1, 20)
	if ceiling > p.MaxWait || ceiling <= 0 {
		ceiling = p.MaxWait
	}
	return rand.N(ceiling + 1) // #nosec G404 -- jitter, not a secret
}

// Sleep waits for d, returning at once with ctx's error when ctx is done first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RetryAfter reads Retry-After in both forms: delay seconds or an HTTP date. Negative or unreadable values
// give zero; a number of seconds too large for any duration gives the longest duration in whole seconds.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	n, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && n > 0 {
		n, err = maxSeconds, nil // more seconds than int64 holds: a very long wait, not an absent one
	}
	if err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, maxSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SensitiveHeader names the headers whose values are credentials.
func SensitiveHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Cookie", "Token", "Applicationid", "Proxy-Authorization", "Set-Cookie":
		return true
	}
	return false
}

// WriteTracker notes whether a request was written to the connection: a failure before that provably
// did not reach the server. One allocation with its trace.
type WriteTracker struct {
	trace httptrace.ClientTrace
	wrote atomic.Bool
}

// Context returns ctx carrying the tracker's trace; pass it to the request.
func (w *WriteTracker) Context(ctx context.Context) context.Context {
	w.trace.WroteRequest = w.wroteRequest
	return httptrace.WithClientTrace(ctx, &w.trace)
}

func (w *WriteTracker) wroteRequest(httptrace.WroteRequestInfo) { w.wrote.Store(true) }

// Wrote reports whether the request was written.
func (w *WriteTracker) Wrote() bool { return w.wrote.Load() }
