package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/unipass/unipass/facade/internal/transport"
)

// requestEditor has the shape of every generated client's RequestEditorFn.
type requestEditor = func(ctx context.Context, req *http.Request) error

// editorsAs converts editors to a generated client's RequestEditorFn type.
func editorsAs[E ~func(context.Context, *http.Request) error](in []requestEditor) []E {
	out := make([]E, len(in))
	for i, e := range in {
		out[i] = E(e)
	}
	return out
}

// errorBody is what a vendor-specific parser reads from a JSON error body.
type errorBody struct {
	code, message string
	details       []string
}

// core is the machinery shared by the three adapters: headers, credentials, logins, body limits, error
// mapping and logging. Everything on the wire still goes through the generated clients.
type core struct {
	vendor    Vendor
	hc        *http.Client
	log       *slog.Logger
	userAgent string
	maxBody   int64
	// auth puts the credentials on a request; nil sends none.
	auth requestEditor
	// tokens is set when auth logs in; a 401 then drops the token and the request is tried once more.
	tokens *tokenCache
	// parseError reads the vendor's JSON error body.
	parseError func([]byte) errorBody
	retry      transport.Retry
	now        func() time.Time
	// credentials are the secrets of the manager's options, scrubbed from error texts with the current
	// login token and the call's passwords.
	credentials []Secret

	// The editors of every request, built once: headers, and headers plus credentials.
	plainEditors, authedEditors []requestEditor
	userAgentValue              []string
}

func newCore(c *config, parse func([]byte) errorBody) *core {
	co := &core{
		vendor: c.vendor, hc: c.httpClient, log: c.logger, userAgent: c.userAgent, maxBody: c.maxBody,
		parseError: parse, retry: c.retry, now: time.Now, credentials: configSecrets(c),
	}
	co.userAgentValue = []string{c.userAgent}
	co.plainEditors = []requestEditor{co.headers}
	co.authedEditors = []requestEditor{co.headers, co.authEditor}
	return co
}

// headers sets Accept and User-Agent on every request.
var acceptJSON = []string{"application/json"}

func (c *core) headers(_ context.Context, r *http.Request) error {
	// Shared, never-modified value slices: no allocation per request.
	r.Header["Accept"] = acceptJSON
	r.Header["User-Agent"] = c.userAgentValue
	return nil
}

// sendFunc calls one generated client method with the given editors.
type sendFunc func(ctx context.Context, eds []requestEditor) (*http.Response, error)

// response is a successful answer, its body read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// callKind says whether a request may be repeated.
type callKind int

const (
	// safe requests (reads and logins) may be sent again after 429, 503 or a connection failure.
	safe callKind = iota
	// write requests are sent again only when they provably were not applied: a 429 answer, or a
	// connection that failed before the request was written.
	write
)

// call sends a request and returns the 2xx answer, or an *APIError for any other status, under the retry
// policy. authed adds the credentials. secrets are scrubbed from any error text.
func (c *core) call(ctx context.Context, op Operation, kind callKind, authed bool, send sendFunc, secrets ...Secret) (response, error) {
	eds := c.plainEditors
	if authed && c.auth != nil {
		eds = c.authedEditors
	}
	relogged := false
	for attempt := 1; ; attempt++ {
		resp, sent, err := c.roundTrip(ctx, op, attempt, send, eds)
		if err != nil {
			if ctx.Err() == nil && !sent && c.retry.More(attempt) && isTransportError(err) {
				if werr := transport.Sleep(ctx, c.retry.Backoff(attempt)); werr != nil {
					return response{}, err
				}
				continue
			}
			if kind == write && sent {
				return response{}, &outcomeError{err: err}
			}
			return response{}, err
		}
		if resp.status >= 200 && resp.status < 300 {
			return resp, nil
		}
		// A 401 on a login token means it was revoked or expired early: the request was refused, so one
		// more try after a fresh login is safe, even for a write.
		if resp.status == http.StatusUnauthorized && authed && c.tokens != nil && !relogged {
			relogged = true
			c.tokens.invalidate()
			attempt--
			continue
		}
		e := c.apiError(op, &resp, secrets)
		if kind == write && resp.status >= 500 {
			e.outcomeUnknown = true // the server may have applied it before failing
		}
		retryable := resp.status == http.StatusTooManyRequests || (kind == safe && resp.status == http.StatusServiceUnavailable)
		if !retryable || c.retry.FailFast || !c.retry.More(attempt) {
			return response{}, e
		}
		delay := c.retry.Backoff(attempt)
		if e.RetryAfter > 0 {
			delay = e.RetryAfter
		}
		if delay > c.retry.MaxWait {
			return response{}, e // the vendor asks for a longer wait than the caller allows
		}
		if werr := transport.Sleep(ctx, delay); werr != nil {
			return response{}, fmt.Errorf("%w (gave up waiting: %w)", e, werr)
		}
	}
}

// authEditor puts the credentials on a request; a failure there (a login that failed) is marked so that
// it is told apart from a failure of the request itself, which was then never sent.
func (c *core) authEditor(ctx context.Context, r *http.Request) error {
	if err := c.auth(ctx, r); err != nil {
		return &credentialError{err: err}
	}
	return nil
}

// credentialError is a failure to obtain credentials, before the request was sent.
type credentialError struct{ err error }

func (e *credentialError) Error() string { return e.err.Error() }
func (e *credentialError) Unwrap() error { return e.err }

func isTransportError(err error) bool {
	var apiErr *APIError
	var inErr *InputError
	var credErr *credentialError
	return !errors.As(err, &apiErr) && !errors.As(err, &inErr) && !errors.As(err, &credErr) &&
		!errors.Is(err, ErrTwoFactorRequired) && !errors.Is(err, ErrResponseTooLarge)
}

// roundTrip sends one request and reads its body through the size limit. sent tells whether the request
// was written to the connection: a failure before that provably did not reach the vendor.
func (c *core) roundTrip(ctx context.Context, op Operation, attempt int, send sendFunc, eds []requestEditor) (response, bool, error) {
	start := c.now()
	debug := c.log.Enabled(ctx, slog.LevelDebug)
	if debug {
		eds = append(eds[:len(eds):len(eds)], c.logRequest(op, attempt))
	}
	var wrote transport.WriteTracker
	resp, err := send(wrote.Context(ctx), eds)
	if err != nil {
		var ce *credentialError
		if errors.As(err, &ce) {
			return response{}, false, ce // the login behind the credentials failed (after its own retries); this request was not sent
		}
		if !isTransportError(err) {
			return response{}, false, err // bad input refused by an editor
		}
		if debug {
			c.log.LogAttrs(ctx, slog.LevelDebug, "unipass request failed", slog.String("vendor", string(c.vendor)),
				slog.String("operation", string(op)), slog.Int("attempt", attempt), slog.Bool("sent", wrote.Wrote()),
				slog.Duration("duration", c.now().Sub(start)), slog.String("error", err.Error()))
		}
		if wrote.Wrote() {
			c.observeFailure(ctx, op, attempt)
		}
		return response{}, wrote.Wrote(), fmt.Errorf("%s %s: %w", c.vendor, op, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body []byte
	if resp.ContentLength != 0 { // an empty answer (Zendesk's writes) needs no buffer
		body, err = io.ReadAll(io.LimitReader(resp.Body, readLimit(c.maxBody)))
	}
	if debug {
		c.log.LogAttrs(ctx, slog.LevelDebug, "unipass response",
			slog.String("vendor", string(c.vendor)), slog.String("operation", string(op)), slog.Int("attempt", attempt),
			slog.String("method", resp.Request.Method), slog.String("path", resp.Request.URL.Path),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", c.now().Sub(start)))
	}
	if err != nil {
		return response{}, true, fmt.Errorf("%s %s: HTTP %d, reading the body: %w", c.vendor, op, resp.StatusCode, err)
	}
	if int64(len(body)) > c.maxBody {
		return response{}, true, fmt.Errorf("%s %s: HTTP %d: %w (limit %d bytes)", c.vendor, op, resp.StatusCode, ErrResponseTooLarge, c.maxBody)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	c.observe(ctx, op, attempt, &r)
	return r, true, nil
}

// readLimit is how much of a body is read to tell one of limit bytes from a longer one: limit+1, without
// overflowing at math.MaxInt64 (no body is that long).
func readLimit(limit int64) int64 {
	if limit == math.MaxInt64 {
		return limit
	}
	return limit + 1
}

// logRequest is the last editor: it logs the request as sent, credentials redacted. Bodies are never logged.
func (c *core) logRequest(op Operation, attempt int) requestEditor {
	return func(ctx context.Context, r *http.Request) error {
		if !c.log.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		attrs := []slog.Attr{slog.String("vendor", string(c.vendor)), slog.String("operation", string(op)),
			slog.Int("attempt", attempt), slog.String("method", r.Method), slog.String("path", r.URL.Path)}
		for name, vals := range r.Header {
			v := strings.Join(vals, ", ")
			if transport.SensitiveHeader(name) {
				v = redacted
			}
			attrs = append(attrs, slog.String("header."+name, v))
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "unipass request", attrs...)
		return nil
	}
}

// apiError builds the *APIError of a non-2xx answer, whatever its body: JSON, text, HTML or nothing. Every
// secret of the manager and of the call is scrubbed from the raw body first, before any decoding, folding or
// cutting; decoded strings are scrubbed again before they are cleaned.
func (c *core) apiError(op Operation, r *response, secrets []Secret) *APIError {
	scrub := c.scrubberFor(secrets)
	body := scrub.body(r.body)
	e := &APIError{
		Vendor: c.vendor, Operation: op, StatusCode: r.status,
		RetryAfter: transport.RetryAfter(r.header.Get("Retry-After"), c.now()),
		RateLimit:  parseRateLimit(r.header),
		kind:       kindForStatus(r.status),
	}
	e.keepRaw(body)
	mediaType, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	text := strings.TrimSpace(string(body))
	switch {
	case text == "" || text == "null":
		e.Message = http.StatusText(r.status)
	case strings.Contains(mediaType, "json") || (mediaType == "" && (text[0] == '{' || text[0] == '[')):
		eb := c.parseError(body)
		e.Code, e.Message, e.Details = cleanMessage(scrub.text(eb.code)), cleanMessage(scrub.text(eb.message)), eb.details
		for i := range e.Details {
			e.Details[i] = cleanMessage(scrub.text(e.Details[i]))
		}
		if e.Code == "" && e.Message == "" {
			e.Message = http.StatusText(r.status)
		}
	case mediaType == "text/plain":
		first, _, _ := strings.Cut(text, "\n")
		e.Message = cleanMessage(first)
	default:
		e.Message = fmt.Sprintf("%s (non-JSON %s body)", http.StatusText(r.status), orUnknown(mediaType))
	}
	return e
}

func orUnknown(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// loginFunc logs in and returns a token and its expiry.
type loginFunc func(ctx context.Context) (Secret, time.Time, error)

// tokenCache keeps a login token and refreshes it before it expires. Concurrent callers share one login.
type tokenCache struct {
	login loginFunc
	now   func() time.Time
	sem   chan struct{} // one login at a time

	mu      sync.Mutex
	token   Secret
	expires time.Time
}

// refreshMargin is how long before its expiry a token is replaced.
const refreshMargin = time.Minute

func newTokenCache(login loginFunc, now func() time.Time) *tokenCache {
	return &tokenCache{login: login, now: now, sem: make(chan struct{}, 1)}
}

func (t *tokenCache) cached() (Secret, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token.IsZero() || !t.now().Add(refreshMargin).Before(t.expires) {
		return Secret{}, false
	}
	return t.token, true
}

// get returns a live token, logging in when there is none. Waiting for another caller's login stops when
// ctx is done.
func (t *tokenCache) get(ctx context.Context) (Secret, error) {
	if tok, ok := t.cached(); ok {
		return tok, nil
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return Secret{}, ctx.Err()
	}
	defer func() { <-t.sem }()
	if tok, ok := t.cached(); ok { // another caller logged in while this one waited
		return tok, nil
	}
	tok, exp, err := t.login(ctx)
	if err != nil {
		return Secret{}, err
	}
	t.mu.Lock()
	t.token, t.expires = tok, exp
	t.mu.Unlock()
	return tok, nil
}

func (t *tokenCache) invalidate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token = Secret{}
}

// Credential editors shared by the adapters.

func headerAuth(name string, s Secret) requestEditor {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set(name, s.Reveal())
		return nil
	}
}

func bearerAuth(s Secret) requestEditor {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+s.Reveal())
		return nil
	}
}

func basicAuth(user string, s Secret) requestEditor {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(user, s.Reveal())
		return nil
	}
}

// decode reads a JSON success body into v; a body that does not decode is an error naming the operation.
func (c *core) decode(op Operation, r *response, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("%s %s: HTTP %d with an undecodable body: %w", c.vendor, op, r.status, errUndecodable)
	}
	return nil
}
