package facade

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strings"
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
	vendor  Vendor
	doer    transport.Doer // what the generated clients send through
	log     *slog.Logger
	maxBody int64
	// auth puts the credentials on a request; nil sends none.
	auth requestEditor
	// tokens is set when auth logs in; a 401 then drops the token refused and the request is sent once more.
	tokens *tokenCache
	// parseError reads the vendor's JSON error body.
	parseError func([]byte) errorBody
	retry      transport.Retry
	now        func() time.Time
	// credentials are the secrets of the manager's options, scrubbed from error texts with the current
	// login token and the call's passwords.
	credentials []Secret
	// scrubCache keeps the compiled scrubbing patterns of the credentials and login tokens.
	scrubCache scrubPatterns

	// The editors of every request, built once: headers, and headers plus credentials.
	plainEditors, authedEditors []requestEditor
	userAgentValue              []string // the User-Agent header's value
}

// newCore builds the core of a manager; authorize turns the credential of the options into the editor
// that puts it on requests.
func newCore(c *config, parse func([]byte) errorBody, authorize authorizeFunc) *core {
	co := &core{
		vendor: c.vendor, doer: c.doer, log: c.logger, maxBody: c.maxBody,
		parseError: parse, retry: c.retry, now: time.Now, credentials: configSecrets(c),
	}
	if c.cred.kind != credNone {
		a := authorize(co, c.cred)
		co.auth, co.tokens = a.edit, a.tokens
	}
	co.userAgentValue = []string{c.userAgent}
	co.plainEditors = []requestEditor{co.headers}
	co.authedEditors = co.plainEditors
	if co.auth != nil {
		co.authedEditors = []requestEditor{co.headers, co.auth}
	}
	return co
}

// acceptJSON is the Accept header's value.
var acceptJSON = []string{"application/json"}

// headers sets Accept and User-Agent on every request.
func (c *core) headers(_ context.Context, r *http.Request) error {
	// Shared, never-modified value slices: no allocation per request.
	r.Header["Accept"] = acceptJSON
	r.Header["User-Agent"] = c.userAgentValue
	return nil
}

// authEditor puts the headers and the credentials on a request of the generated client: what the
// adapters' AuthEditor methods return.
func (c *core) authEditor(ctx context.Context, r *http.Request) error {
	if c == nil {
		return errZeroManager
	}
	if err := c.headers(ctx, r); err != nil || c.auth == nil {
		return err
	}
	return c.auth(ctx, r)
}

// sendFunc calls one generated client method with the given editors.
type sendFunc func(ctx context.Context, eds []requestEditor) (*http.Response, error)

// response is a successful answer, its body read in full.
type response struct {
	status int
	header http.Header
	body   []byte
	// token is the generation of the login token the request carried (0: none).
	token uint64
}

// callKind says whether a request may be repeated.
type callKind int

const (
	// safe requests (reads and logins) may be sent again after 429, 503 or a connection that provably
	// was not made.
	safe callKind = iota
	// write requests are sent again only when they provably were not applied: a 429 answer, or a
	// failure that proves the request never left the machine.
	write
)

// call sends a request and returns the 2xx answer, or an *APIError for any other status, under the retry
// policy. authed adds the credentials. secrets are scrubbed from any error text.
func (c *core) call(ctx context.Context, op Operation, kind callKind, authed bool, send sendFunc, secrets ...Secret) (response, error) {
	if err := c.begin(ctx); err != nil {
		return response{}, err
	}
	if authed && c.auth == nil {
		return response{}, fmt.Errorf("%s %s: the manager was made without an auth option, which this operation "+
			"needs: %w", c.vendor, op, ErrUnsupported)
	}
	eds := c.plainEditors
	if authed {
		eds = c.authedEditors
	}
	relogged := false
	for attempt := 1; ; attempt++ {
		r, err := c.roundTrip(ctx, op, attempt, send, eds)
		if !relogged && authed && c.tokenRefused(&r, err) {
			// The vendor refused the login token (revoked, or expired early), so the request was not
			// applied: after one fresh login, shared by every caller, it is sent once more, even a write.
			relogged = true
			c.tokens.drop(r.token)
			r, err = c.roundTrip(ctx, op, attempt, send, eds)
		}
		if err == nil && r.status >= 200 && r.status < 300 {
			return r, nil
		}
		end, err := c.failed(op, kind, &r, err, secrets)
		wait, again := retryWait(c.retry, kind, end, attempt, c.retry.Backoff(attempt))
		if !again {
			return response{}, err
		}
		if werr := transport.Sleep(ctx, wait); werr != nil {
			return response{}, fmt.Errorf("%w (gave up waiting: %w)", err, werr)
		}
	}
}

// hasCredentials reports whether the manager was given an auth option. c may be nil.
func (c *core) hasCredentials() bool { return c != nil && c.auth != nil }

// begin refuses a call on a manager that was not made by its constructor (a zero value) or under a nil
// context, before anything else: every operation starts with it. c may be nil.
func (c *core) begin(ctx context.Context) error {
	switch {
	case c == nil:
		return errZeroManager
	case ctx == nil:
		return errNilContext
	}
	return nil
}

// tokenRefused reports whether the answer is the vendor refusing the login token the request carried.
func (c *core) tokenRefused(r *response, err error) bool {
	return err == nil && c.tokens != nil && r.status == http.StatusUnauthorized
}

// sendStage is how far a request that got no answer went.
type sendStage int

const (
	// refused: it never left the machine, and sending it again would not change that. It never reached
	// the HTTP transport (an editor refused it: bad input, a failed login; building it failed; the context
	// was done; net/http could not write it as it stands), or the caller's RoundTripper refused it.
	refused sendStage = iota
	// notSent: the transport had it, but the failure proves it never left the machine (the connection
	// could not be made).
	notSent
	// maybeSent: it may have reached the vendor. Every failure is this unless proved otherwise.
	maybeSent
)

// sendError is a request that got no usable answer: sending it failed, or the answer's body could not
// be read. Like net/http's nothingWrittenError, it records whether the request may have been written.
type sendError struct {
	err   error
	stage sendStage
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// ending is how an attempt that did not succeed ended, as the retry rule sees it.
type ending struct {
	status     int           // the answer's status; 0 when no usable answer came
	stage      sendStage     // with no answer: how far the request went
	retryAfter time.Duration // the wait the vendor asked for
}

// failed returns how an attempt that did not succeed ended and the error its caller gets: the *APIError
// of an answer, or the failure to send, marked ErrOutcomeUnknown for a write that may have been applied.
func (c *core) failed(op Operation, kind callKind, r *response, err error, secrets []Secret) (ending, error) {
	if err == nil {
		e := c.apiError(op, r, secrets)
		// 5xx: the server may have applied it before failing; 303 See Other: it was processed.
		e.outcomeUnknown = kind == write && (r.status >= 500 || r.status == http.StatusSeeOther)
		return ending{status: r.status, retryAfter: e.RetryAfter}, e
	}
	se := &sendError{err: err, stage: maybeSent} // an error roundTrip did not classify: assume the worst
	errors.As(err, &se)
	if kind == write && se.stage == maybeSent {
		return ending{stage: maybeSent}, &outcomeError{err: se}
	}
	return ending{stage: se.stage}, se
}

// retryWait is the retry rule: whether an attempt that ended so is followed by another, and after which
// wait. It depends on nothing else: backoff is the policy's jittered wait for this attempt, used when the
// vendor names none.
//   - No answer: try again only if the request provably never left the machine.
//   - 429 (any request) and 503 (safe requests): try again after Retry-After or the backoff, unless
//     fail-fast is on or the vendor asks for a longer wait than the policy allows.
//   - Anything else is final, as is the last attempt.
func retryWait(p transport.Retry, kind callKind, end ending, attempt int, backoff time.Duration) (time.Duration, bool) {
	switch {
	case !p.More(attempt):
		return 0, false
	case end.status == 0:
		return backoff, end.stage == notSent
	case end.status == http.StatusTooManyRequests, kind == safe && end.status == http.StatusServiceUnavailable:
	default:
		return 0, false
	}
	if p.FailFast {
		return 0, false
	}
	wait := backoff
	if end.retryAfter > 0 {
		wait = end.retryAfter
	}
	return wait, wait <= p.MaxWait
}

// roundTrip sends one request and reads its body through the size limit. A failure is a *sendError
// saying how far the request went.
func (c *core) roundTrip(ctx context.Context, op Operation, attempt int, send sendFunc, eds []requestEditor) (response, error) {
	debug := c.log.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if debug {
		start = c.now()
		eds = append(eds[:len(eds):len(eds)], c.logRequest(op, attempt))
	}
	a := transport.NewAttempt(ctx)
	resp, err := send(a, eds)
	if err != nil {
		if !a.Handed() {
			var in *InputError
			var api *APIError
			if !errors.As(err, &in) && !errors.As(err, &api) {
				// a done context, a login in doubt: named here (an *InputError is named by the operation
				// that returns it, an *APIError of a login names its own)
				err = fmt.Errorf("%s %s: %w", c.vendor, op, err)
			}
			return response{}, &sendError{err: err, stage: refused}
		}
		stage := maybeSent
		switch {
		case a.Refused(err): // refused by the caller's RoundTripper: sending it again would be refused again
			stage = refused
		case a.NotSent(err):
			stage = notSent
		}
		if debug {
			c.log.LogAttrs(ctx, slog.LevelDebug, "unipass request failed", slog.String("vendor", string(c.vendor)),
				slog.String("operation", string(op)), slog.Int("attempt", attempt), slog.Bool("sent", stage == maybeSent),
				slog.Duration("duration", c.now().Sub(start)), slog.String("error", err.Error()))
		}
		if stage == maybeSent {
			c.observeFailure(ctx, op, attempt)
		}
		return response{}, &sendError{err: fmt.Errorf("%s %s: %w", c.vendor, op, err), stage: stage}
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
		return response{}, &sendError{stage: maybeSent, err: fmt.Errorf("%s %s: HTTP %d, reading the body: %w", c.vendor, op, resp.StatusCode, err)}
	}
	if int64(len(body)) > c.maxBody {
		return response{}, &sendError{stage: maybeSent, err: fmt.Errorf("%s %s: HTTP %d: %w (limit %d bytes)", c.vendor, op, resp.StatusCode, ErrResponseTooLarge, c.maxBody)}
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body, token: a.Token}
	c.observe(ctx, op, attempt, &r)
	return r, nil
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
		RateLimit:  rateLimitOf(c.vendor, r.header, c.now()),
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
		e.Message = fmt.Sprintf("%s (non-JSON %s body)", http.StatusText(r.status), cmp.Or(mediaType, "untyped"))
	}
	return e
}

// decode reads a JSON success body into v leniently (decodeLenient): a field the operation does not use never
// fails it, whatever its type. A body that is not JSON, or not of v's shape at all, is an error naming the
// operation.
func (c *core) decode(op Operation, r *response, v any) error {
	if err := decodeLenient(r.body, v); err != nil {
		return fmt.Errorf("%s %s: HTTP %d with an undecodable body: %w", c.vendor, op, r.status, errUndecodable)
	}
	return nil
}
