// Package transport holds the HTTP mechanics the facade's adapters share and its users need not see:
// the retry policy and its waits, Retry-After parsing, base-URL rules, telling whether a failed request
// may have been sent, and which headers are credentials.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Retry says how safe requests, and writes answered 429, are tried again.
type Retry struct {
	MaxAttempts int
	BaseDelay   time.Duration
	MaxWait     time.Duration
	FailFast    bool
}

// DefaultRetry returns the policy of a manager without WithRetry or WithBackoff: 4 attempts, backoff from
// 500 ms, no single wait over 30 s. A function, so that no caller can change it for every other.
func DefaultRetry() Retry {
	return Retry{MaxAttempts: 4, BaseDelay: 500 * time.Millisecond, MaxWait: 30 * time.Second}
}

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
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// SensitiveHeader names the headers whose values are credentials.
func SensitiveHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Cookie", "Token", "Applicationid", "Proxy-Authorization", "Set-Cookie":
		return true
	}
	return false
}

// Attempt is the bookkeeping of one request, carried as (and in) its context: whether the request reached
// the HTTP client, whether the transport reported writing it, and which login token it carried. It costs
// three small allocations: the attempt, its trace hook and the trace's context.
type Attempt struct {
	context.Context
	parent  context.Context
	trace   httptrace.ClientTrace
	handed  atomic.Bool
	written atomic.Bool
	// Token is the generation of the login token the request carries (0: none), set by the editor that
	// puts it on the request.
	Token uint64
}

type attemptKey struct{}

// NewAttempt returns the bookkeeping of one request sent under ctx; pass it as the request's context.
func NewAttempt(ctx context.Context) *Attempt {
	a := &Attempt{parent: ctx}
	a.trace.WroteRequest = a.wroteRequest
	a.Context = httptrace.WithClientTrace(ctx, &a.trace)
	return a
}

// Value answers for the attempt itself and delegates every other key.
func (a *Attempt) Value(key any) any {
	if _, ok := key.(attemptKey); ok {
		return a
	}
	return a.Context.Value(key)
}

// Parent is the context the attempt was made under, without its bookkeeping: for requests made on the
// request's behalf (a login), which must not count as this request's writes.
func (a *Attempt) Parent() context.Context { return a.parent }

// AttemptFrom returns the attempt ctx belongs to, or nil.
func AttemptFrom(ctx context.Context) *Attempt {
	a, _ := ctx.Value(attemptKey{}).(*Attempt)
	return a
}

func (a *Attempt) wroteRequest(httptrace.WroteRequestInfo) { a.written.Store(true) }

// Handed reports whether the request reached the HTTP client (Doer).
func (a *Attempt) Handed() bool { return a.handed.Load() }

// NotSent reports whether a request whose sending failed with err provably never left the machine. The
// rule is fail-safe: a request counts as sent unless it never reached the HTTP client (an editor or the
// building of the request failed, or the context was done before), or the failure is one that happens
// before any byte of the request is written (see neverWritten). A WroteRequest report from the transport
// proves the request was written; its absence proves nothing, since a RoundTripper may send the request
// under a context of its own.
func (a *Attempt) NotSent(err error) bool {
	if !a.handed.Load() {
		return true
	}
	return !a.written.Load() && neverWritten(err)
}

// Refused reports whether a request whose sending failed with err was refused before it left the machine
// for a reason that would refuse it again: it cannot be written as it stands (errUnsendable), or a
// RoundTripper refused it (NotSentError). Unlike a connection that could not be made, trying again is
// pointless.
func (a *Attempt) Refused(err error) bool {
	if a.written.Load() {
		return false
	}
	for ; err != nil; err = errors.Unwrap(err) {
		if err == errUnsendable { //nolint:errorlint // one link of the chain walked by hand
			return true
		}
		switch e := err.(type) { //nolint:errorlint // the chain is walked link by link, to stop at a joined error
		case NotSentError:
			if e.NotSent() {
				return true
			}
		case interface{ Unwrap() []error }:
			return false
		}
	}
	return false
}

// NotSentError is what an error of an http.RoundTripper implements to say that the request it failed
// never left the machine: NotSent returns true when the RoundTripper refused it before passing it on (as
// package api's contract validator does with a request the description does not allow).
type NotSentError interface {
	error
	NotSent() bool
}

// neverWritten reports whether err proves that the request was never written: the connection could not
// be made (a dial error such as a refused connection, a failed DNS lookup, a proxy that could not be
// reached), the server's certificate was refused during the TLS handshake, the request could not be
// written as it stands (errUnsendable), or a RoundTripper said it refused the request (NotSentError). An
// error that joins several failures proves nothing: one of them may have come after a write.
func neverWritten(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if err == errUnsendable { //nolint:errorlint // one link of the chain walked by hand
			return true
		}
		switch e := err.(type) { //nolint:errorlint // the chain is walked link by link, to stop at a joined error
		case *net.OpError:
			if e.Op == "dial" || e.Op == "proxyconnect" {
				return true
			}
		case NotSentError:
			if e.NotSent() {
				return true
			}
		case *net.DNSError, *tls.CertificateVerificationError, *tls.ECHRejectionError:
			return true
		case interface{ Unwrap() []error }:
			return false
		}
	}
	return false
}

// Doer sends the generated clients' requests through an http.Client, noting in each request's Attempt that
// it reached the client: an error from before that point (an editor, the building of the request) proves
// the request never left. A request whose context is already done is refused there, unsent. Every
// generated client of a manager is given the manager's Doer, never the http.Client itself.
type Doer struct{ hc *http.Client }

// NewDoer returns a Doer sending through hc.
func NewDoer(hc *http.Client) Doer { return Doer{hc: hc} }

// Do sends r, as the generated clients' HttpRequestDoer. A request that net/http would refuse before
// writing it (see unsendableRequest) fails with an error matching errUnsendable, provably unsent: through
// net/http's own transport, which checks the headers before it does anything else, the headers are checked
// only when sending fails (nothing to pay on every request); through any other RoundTripper, whose
// handling nobody here knows, before the request is handed to it.
func (d Doer) Do(r *http.Request) (*http.Response, error) {
	a := AttemptFrom(r.Context())
	std := netHTTPTransport(d.hc.Transport)
	if a != nil {
		err := r.Context().Err()
		if err == nil {
			err = unsendableRequest(r)
		}
		if err == nil && !std {
			err = unsendableHeaders(r.Header)
		}
		if err != nil {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, err
		}
		a.handed.Store(true)
	}
	resp, err := d.hc.Do(r) // #nosec G704 -- the generated client's request, to the base URL the constructor checked
	if err != nil && a != nil && std {
		if herr := unsendableHeaders(r.Header); herr != nil {
			return nil, herr // net/http's transport refused it before anything else
		}
	}
	return resp, err
}

// netHTTPTransport reports whether rt is net/http's own transport (nil: http.DefaultTransport), which
// refuses a request with a header it cannot write before it dials or writes anything.
func netHTTPTransport(rt http.RoundTripper) bool {
	if rt == nil {
		rt = http.DefaultTransport
	}
	_, ok := rt.(*http.Transport)
	return ok
}

// errUnsendable is matched by the error of a request that cannot be written as it stands: net/http would
// refuse it before a byte reached the wire.
var errUnsendable = errors.New("the request cannot be sent")

// unsendableRequest and unsendableHeaders check what net/http checks before it writes a request, with the
// same rules (golang.org/x/net/http/httpguts): a valid method and a body reader wherever a length is
// announced; header names and values without line breaks or other control characters. Their errors
// match errUnsendable and name the header, never its value.

// unsendableRequest checks the method and the body.
func unsendableRequest(r *http.Request) error {
	if r.Method != "" && !httpguts.ValidHeaderFieldName(r.Method) {
		return fmt.Errorf("%w: invalid method", errUnsendable)
	}
	if r.Body == nil && r.ContentLength > 0 {
		return fmt.Errorf("%w: a body of %d bytes is announced without a body reader", errUnsendable, r.ContentLength)
	}
	return nil
}

// unsendableHeaders checks the headers.
func unsendableHeaders(h http.Header) error {
	for name, values := range h {
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("%w: invalid header name %q", errUnsendable, name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("%w: the value of header %s holds a line break or another control character", errUnsendable, name)
			}
		}
	}
	return nil
}

// WithoutJar returns a Doer whose client has no cookie jar: for requests whose cookies must not ride along
// on later ones.
func (d Doer) WithoutJar() Doer {
	if d.hc.Jar == nil {
		return d
	}
	c := *d.hc
	c.Jar = nil
	return Doer{hc: &c}
}
