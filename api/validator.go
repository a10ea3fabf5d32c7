package api

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// ErrContractViolation is matched by every *ValidationError.
var ErrContractViolation = errors.New("contract violation")

// ValidationError reports a request or response that does not match the vendor's description. Its text
// names the operation and what is wrong, never a password, token or other credential value.
type ValidationError struct {
	Vendor Vendor
	// Phase is "request" or "response".
	Phase string
	// Method and Path are those of the request.
	Method, Path string
	// Operation is the operationId, when the request matched one.
	Operation string
	reason    string
	tooLarge  bool
}

func (e *ValidationError) Error() string {
	op := cmp.Or(e.Operation, e.Method+" "+e.Path)
	return fmt.Sprintf("%s contract violation in %s of %s: %s", e.Vendor, e.Phase, op, e.reason)
}

// NotSent reports whether the request was refused before it was sent: true for a violation in the request
// phase, which RoundTripper returns without passing the request on. A client may read it (through
// errors.As, or an interface with this method) to know the request never left the machine.
func (e *ValidationError) NotSent() bool { return e.Phase == "request" }

// Is makes errors.Is(err, ErrContractViolation) true, and errors.Is(err, ErrBodyTooLarge) for a request
// whose body is over the validator's limit.
func (e *ValidationError) Is(target error) bool {
	return target == ErrContractViolation || (e.tooLarge && target == ErrBodyTooLarge)
}

// Validator checks requests and responses against one vendor's description. It is safe for concurrent use.
type Validator struct {
	vendor      Vendor
	router      routers.Router
	options     *openapi3filter.Options
	onViolation func(*ValidationError)
	maxBody     int64
}

// Option configures a Validator.
type Option func(*validatorConfig) error

type validatorConfig struct {
	basePath    string
	onViolation func(*ValidationError)
	maxBody     int64
}

// WithBasePath makes the validator expect every path under prefix (for example "/tenant" when the
// vendor's API is served under https://host/tenant/api/...). Hosts are never matched: only paths.
func WithBasePath(prefix string) Option {
	return func(c *validatorConfig) error {
		if prefix != "" && !strings.HasPrefix(prefix, "/") {
			return fmt.Errorf("api: base path %q must start with /", prefix)
		}
		c.basePath = strings.TrimSuffix(prefix, "/")
		return nil
	}
}

// WithViolationHandler sets a function called with every violation the middleware or round tripper finds,
// for example to fail a test.
func WithViolationHandler(f func(*ValidationError)) Option {
	return func(c *validatorConfig) error {
		c.onViolation = f
		return nil
	}
}

// NewValidator loads the vendor's description and builds its validator. Build it once and reuse it:
// loading is expensive.
func NewValidator(v Vendor, opts ...Option) (*Validator, error) {
	cfg := validatorConfig{maxBody: DefaultMaxBodyBytes}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	doc, err := Load(v)
	if err != nil {
		return nil, err
	}
	// Route on paths only: a relative server URL makes the router ignore scheme and host.
	doc.Servers = openapi3.Servers{{URL: cfg.basePath + "/"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("api: router for %s: %w", v, err)
	}
	options := &openapi3filter.Options{
		AuthenticationFunc:    authenticate,
		IncludeResponseStatus: true,
		MultiError:            false,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
				"uuid":  openapi3.NewRegexpFormatValidator(uuidPattern),
				"email": openapi3.NewCallbackValidator(validateEmail),
			}),
		},
	}
	options.WithCustomSchemaErrorFunc(schemaErrorText)
	return &Validator{vendor: v, router: router, options: options, onViolation: cfg.onViolation, maxBody: cfg.maxBody}, nil
}

// Vendor returns the vendor whose description the validator checks.
func (v *Validator) Vendor() Vendor { return v.vendor }

// uuidPattern accepts any GUID in 8-4-4-4-12 form: DocSpace IDs do not always carry an RFC 4122 version.
const uuidPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

func validateEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return errors.New("not an email address")
	}
	return nil
}

// schemaErrorText describes a schema error by where and why, never by the offending value.
func schemaErrorText(err *openapi3.SchemaError) string {
	reason := err.Reason
	if reason == "" {
		reason = fmt.Sprintf("does not match the schema's %q", err.SchemaField)
	}
	if p := err.JSONPointer(); len(p) > 0 {
		return fmt.Sprintf("at /%s: %s", strings.Join(p, "/"), reason)
	}
	return reason
}

// Exchange is one request after validation, with what is needed to validate its response.
type Exchange struct {
	v     *Validator
	input *openapi3filter.RequestValidationInput
	// body is the request's body: its credential values, with the headers', are scrubbed from every
	// error text (found only when there is an error to scrub).
	body []byte
}

// ValidateRequest checks r against the description: route, parameters, body and authentication. The
// request body is read (at most the limit of WithMaxBodyBytes) and put back. The returned Exchange
// validates the response.
func (v *Validator) ValidateRequest(ctx context.Context, r *http.Request) (*Exchange, error) {
	body, err := readBody(r, v.maxBody)
	if errors.Is(err, ErrBodyTooLarge) {
		return nil, v.tooLarge(r)
	}
	if err != nil {
		return nil, v.violation("request", r, "", "reading the body: "+err.Error(), nil)
	}
	canon := v.canonicalRequest(r, body)
	route, params, err := v.router.FindRoute(canon)
	if err != nil {
		return nil, v.violation("request", r, "", "no operation matches: "+err.Error(), requestSecrets(r, body))
	}
	canon = v.foldPropertyNames(canon, route, body)
	in := &openapi3filter.RequestValidationInput{Request: canon, PathParams: params, Route: route, Options: v.options}
	ex := &Exchange{v: v, input: in, body: body}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return nil, v.violation("request", r, route.Operation.OperationID, describe(err), requestSecrets(r, body))
	}
	return ex, nil
}

// Operation returns the operationId the request matched.
func (x *Exchange) Operation() string { return x.input.Route.Operation.OperationID }

// Path returns the request's path as the vendor's server reads it: for Zendesk without a .json suffix.
func (x *Exchange) Path() string { return x.input.Request.URL.Path }

// ValidateResponse checks a response to the exchange's request: declared status, headers and body.
func (x *Exchange) ValidateResponse(ctx context.Context, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: x.input,
		Status:                 status,
		Header:                 header,
		Options:                x.v.options,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		secrets := append(requestSecrets(x.input.Request, x.body), bodySecrets(body)...)
		return x.v.violation("response", x.input.Request, x.Operation(), describe(err), secrets)
	}
	return nil
}

func (v *Validator) violation(phase string, r *http.Request, op, reason string, secrets []string) *ValidationError {
	e := &ValidationError{
		Vendor: v.vendor, Phase: phase, Method: r.Method, Path: r.URL.Path, Operation: op,
		reason: scrub(reason, secrets),
	}
	if v.onViolation != nil {
		v.onViolation(e)
	}
	return e
}

// describe turns a kin-openapi error into text without values: security errors name the schemes only.
func describe(err error) string {
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		return "missing or malformed credentials: " + schemeNames(sec)
	}
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var b strings.Builder
		if re.Parameter != nil {
			fmt.Fprintf(&b, "parameter %q in %s: ", re.Parameter.Name, re.Parameter.In)
		} else if re.RequestBody != nil {
			b.WriteString("request body: ")
		}
		var se *openapi3.SchemaError
		switch {
		case errors.As(re.Err, &se):
			b.WriteString(schemaErrorText(se))
		case re.Err != nil:
			b.WriteString(re.Err.Error())
		default:
			b.WriteString(re.Reason)
		}
		return b.String()
	}
	var rsp *openapi3filter.ResponseError
	if errors.As(err, &rsp) {
		var se *openapi3.SchemaError
		if errors.As(rsp.Err, &se) {
			return "response body: " + schemaErrorText(se)
		}
		if rsp.Reason != "" {
			return rsp.Reason
		}
	}
	return err.Error()
}

func schemeNames(err *openapi3filter.SecurityRequirementsError) string {
	var names []string
	for _, req := range err.SecurityRequirements {
		names = append(names, strings.Join(slices.Sorted(maps.Keys(req)), "+"))
	}
	return "need one of " + strings.Join(names, ", ")
}

// authenticate checks that the credential a security scheme names is really on the request. It allocates
// only for an error: it runs for every request.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	present, unsupported := hasCredential(in.SecurityScheme, in.RequestValidationInput.Request)
	switch {
	case unsupported != "":
		return fmt.Errorf("scheme %s: unsupported %s", in.SecuritySchemeName, unsupported)
	case !present:
		return fmt.Errorf("scheme %s: credential missing", in.SecuritySchemeName)
	}
	return nil
}

// hasCredential tells whether r carries the credential of scheme s, or names what of s is unsupported.
func hasCredential(s *openapi3.SecurityScheme, r *http.Request) (present bool, unsupported string) {
	switch s.Type {
	case "apiKey":
		switch s.In {
		case "header":
			return strings.TrimSpace(r.Header.Get(s.Name)) != "", ""
		case "cookie":
			c, err := r.Cookie(s.Name)
			return err == nil && c.Value != "", ""
		case "query":
			return r.URL.Query().Get(s.Name) != "", ""
		}
		return false, ""
	case "http":
		switch strings.ToLower(s.Scheme) {
		case "basic":
			user, pass, ok := r.BasicAuth()
			return ok && user != "" && pass != "", ""
		case "bearer":
			return hasBearer(r), ""
		}
		return false, "http scheme"
	case "oauth2", "openIdConnect":
		return hasBearer(r), ""
	}
	return false, "type"
}

func hasBearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// RoundTripper returns a client-side transport that validates every request before sending it (an
// invalid request is not sent) and every response before returning it; it reads a response's body only up
// to the body limit (WithMaxBodyBytes), and a longer one is a response-phase violation matching
// ErrBodyTooLarge. next nil means http.DefaultTransport.
func (v *Validator) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &roundTripper{v: v, next: next}
}

type roundTripper struct {
	v    *Validator
	next http.RoundTripper
}

func (t *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	// Validate a copy: a RoundTripper must not change the caller's request.
	clone := req.Clone(req.Context())
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(req.Body, overLimit(t.v.maxBody)))
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		if int64(len(body)) > t.v.maxBody {
			return nil, t.v.tooLarge(req) // not sent
		}
		clone.Body = io.NopCloser(bytes.NewReader(body))
		clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	ex, err := t.v.ValidateRequest(req.Context(), clone)
	if err != nil {
		return nil, err
	}
	if body != nil {
		clone.Body, _ = clone.GetBody()
	}
	resp, err := t.next.RoundTrip(clone)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, overLimit(t.v.maxBody)))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err // a body cut short is a transport failure, not a contract question
	}
	if int64(len(data)) > t.v.maxBody {
		return nil, t.v.responseTooLarge(req) // sent: only the answer is refused
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err := ex.ValidateResponse(req.Context(), resp.StatusCode, resp.Header, data); err != nil {
		return nil, err
	}
	return resp, nil
}

// Middleware returns a server-side handler that validates every request before next sees it (an invalid
// request is answered 400 with the violation as text/plain) and every response next writes (a violation
// is reported to the violation handler; the response still goes out unchanged). Handlers may hijack the
// connection, for example to drop it; such responses are not validated.
func (v *Validator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex, err := v.ValidateRequest(r.Context(), r)
		if err != nil {
			http.Error(w, err.Error(), violationStatus(err))
			return
		}
		rec := &recorder{w: w, header: http.Header{}}
		next.ServeHTTP(rec, r)
		if rec.hijacked {
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		_ = ex.ValidateResponse(r.Context(), rec.status, rec.header, rec.body.Bytes())
		for k, vals := range rec.header {
			w.Header()[k] = vals
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// recorder buffers a handler's response so that it can be validated before it is sent.
type recorder struct {
	w        http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// Hijack hands the connection to the handler; what it writes there is not validated.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("api: the response writer cannot be hijacked")
	}
	r.hijacked = true
	return h.Hijack()
}
