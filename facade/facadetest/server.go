package facadetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unipass/unipass/api"
)

// Option configures a fake.
type Option func(*config)

type config struct {
	t           testing.TB
	basePath    string
	tls         bool
	mounted     string // WithMount: no server of its own; the origin the caller serves Handler at
	maxBody     int64
	bodyTimeout time.Duration
}

// WithT reports every contract violation with t.Errorf and closes the server at t.Cleanup.
func WithT(t testing.TB) Option { return func(c *config) { c.t = t } }

// WithBasePath serves the API under a path prefix such as "/tenant"; URL includes it.
func WithBasePath(prefix string) Option {
	return func(c *config) {
		c.basePath = ""
		if p := strings.Trim(prefix, "/"); p != "" {
			c.basePath = "/" + p
		}
	}
}

// WithMaxBodyBytes bounds the request bodies the fake reads (api.DefaultMaxBodyBytes without it, or with
// n ≤ 0): a larger one is answered 413, unread when its Content-Length announces it.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithTLS serves https; Client trusts the server's certificate.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// Fault is an answer armed for an operation in place of the fake's own. Its answer is not contract-checked.
type Fault struct {
	Status      int           // status to answer; 0 with no Body: answer as usual after Delay (or none, with Drop)
	RetryAfter  string        // Retry-After header value, if not empty
	ContentType string        // e.g. "text/html"; default application/json when Body is set
	Body        string        // the body
	Header      http.Header   // extra headers, e.g. X-Rate-Limit-Remaining
	Delay       time.Duration // wait before answering; stops when the client goes away or the server closes
	Drop        bool          // close the connection without any response
	Truncate    bool          // announce the whole Body's length, send half of it, close
	Times       int           // the next Times requests of the operation; 0: until ClearFaults
	// After applies the request first: the fake's handler runs (a write changes the fake's state), and
	// then the fault replaces its answer: Drop closes the connection, Status/Body answer instead, Delay
	// stalls before the fake's answer (or the fault's), cut short when the client goes away. This is a
	// vendor that commits a write and loses the answer.
	After bool
}

// passThrough says whether the fault only delays the fake's own answer.
func (f *Fault) passThrough() bool { return !f.Drop && !f.Truncate && f.Status == 0 && f.Body == "" }

// Server is what the three fakes share: the HTTP server, contract validation, faults, hit counts and the
// rate limit. Each fake embeds it.
type Server struct {
	srv         *httptest.Server // nil with WithMount
	origin      string
	vendor      api.Vendor
	validator   *api.Validator
	t           testing.TB
	basePath    string
	handle      func(*request) reply
	done        chan struct{}
	bodyTimeout time.Duration
	closeOnce   sync.Once

	// mu guards the fields below and the state of the fake that embeds the Server.
	mu         sync.Mutex
	faults     map[string][]*Fault
	hits       map[string]int
	violations recent[error]
	bucket     *bucket
	limited    int
}

// request is what a fake's handler sees: a request that passed contract validation.
type request struct {
	*http.Request
	op   string
	body []byte
	// path holds the path segments after the base path as the vendor reads them (Zendesk's .json suffix
	// dropped), e.g. ["api", "2.0", "people", "<id>", "password"].
	path []string
}

// decode unmarshals the body; the validator has already checked it against the description.
func (q *request) decode(v any) { _ = json.Unmarshal(q.body, v) }

// reply is a fake handler's buffered answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, v any) reply {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("facadetest: %v", err)) // the fakes only marshal their own plain values
	}
	return reply{status: status, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: data}
}

func emptyReply(status int) reply { return reply{status: status, header: http.Header{}} }

func newServer(v api.Vendor, opts []Option, handle func(*request) reply) *Server {
	cfg := config{maxBody: api.DefaultMaxBodyBytes, bodyTimeout: DefaultBodyTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	val, err := api.NewValidator(v, api.WithBasePath(cfg.basePath), api.WithMaxBodyBytes(cfg.maxBody))
	if err != nil {
		panic(fmt.Sprintf("facadetest: %v", err)) // the embedded descriptions always load
	}
	s := &Server{vendor: v, validator: val, t: cfg.t, basePath: cfg.basePath, handle: handle, done: make(chan struct{}), bodyTimeout: cfg.bodyTimeout,
		faults: map[string][]*Fault{}, hits: map[string]int{}}
	switch {
	case cfg.mounted != "":
		s.origin = cfg.mounted
	case cfg.tls:
		s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
		s.origin = s.srv.URL
	default:
		s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
		s.origin = s.srv.URL
	}
	if cfg.t != nil {
		cfg.t.Cleanup(s.Close)
	}
	return s
}

// URL is the base URL to give a client: the server's address and the base path.
func (s *Server) URL() string { return s.origin + s.basePath }

// Client returns an http.Client for the server; it trusts the certificate of WithTLS. With WithMount it is
// http.DefaultClient.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Close shuts the server down, cutting delays of faults short. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	if s.srv != nil {
		s.srv.Close()
	}
}

// Fail arms a fault for an operation; several faults for one operation queue up. An op that is not an
// operation of the fake's vendor (see Operation) arms nothing and fails the test: t.Fatalf with WithT, a
// panic without.
func (s *Server) Fail(op Operation, f Fault) {
	if err := checkOperation(s.validator.Vendor(), op); err != nil {
		s.misuse(err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[string(op)] = append(s.faults[string(op)], &f)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
}

// Hits counts the requests that reached the fake for an operation, faulted and invalid ones included. An
// op that is not an operation of the fake's vendor fails the test as for Fail, rather than count 0.
func (s *Server) Hits(op Operation) int {
	if err := checkOperation(s.validator.Vendor(), op); err != nil {
		s.misuse(err)
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[string(op)]
}

// Violations returns the contract violations seen so far, the latest MaxRecent of them.
func (s *Server) Violations() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations.all()
}

// ViolationCount counts every contract violation seen so far; Violations keeps only the latest MaxRecent.
func (s *Server) ViolationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations.total
}

// SetRateLimit makes the fake enforce a token bucket over all its operations, as the vendors do: rps
// requests a second, bursts of at most burst. A request over the limit is answered 429 with Retry-After
// (whole seconds, at least 1); every answer carries the quota headers the vendor documents (see
// quotaHeaders). rps 0 turns the limit off. Like faults, the limit's 429 answers are not contract-checked.
func (s *Server) SetRateLimit(rps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rps <= 0 {
		s.bucket = nil
		return
	}
	b := float64(max(burst, 1))
	s.bucket = &bucket{rps: rps, burst: b, tokens: b, last: time.Now()}
}

// RateLimited counts the requests the rate limit refused.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// bucket is a token bucket: rps tokens a second, at most burst at once.
type bucket struct {
	rps, burst, tokens float64
	last               time.Time
}

// limit applies the rate limit to a request, setting the quota headers on h; a wait above 0 means the
// request is refused.
func (s *Server) limit(h http.Header) (wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucket
	if b == nil {
		return 0
	}
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rps)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
	} else {
		wait = time.Duration((1 - b.tokens) / b.rps * float64(time.Second))
		s.limited++
	}
	quotaHeaders(s.vendor, h, b, now)
	return wait
}

func (s *Server) violation(err error) {
	s.mu.Lock()
	s.violations.add(err)
	s.mu.Unlock()
	if s.t != nil {
		s.t.Errorf("facadetest: %v", err)
	}
}

// hit counts a request of an operation and takes the fault armed for it, if any.
func (s *Server) hit(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[op]++
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	f := *q[0]
	if q[0].Times > 0 {
		if q[0].Times--; q[0].Times == 0 {
			s.faults[op] = q[1:]
		}
	}
	return &f
}

// serve validates the request, applies faults and the rate limit, runs the fake's handler and validates its
// answer.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var ex *api.Exchange
	var err error
	withBodyDeadline(w, s.bodyTimeout, func() error {
		ex, err = s.validator.ValidateRequest(r.Context(), r)
		return err
	})
	if err != nil {
		if ve := (*api.ValidationError)(nil); errors.As(err, &ve) && ve.Operation != "" {
			s.hit(ve.Operation) // counted; no fault applies to a request the vendor would not get
		}
		s.violation(err)
		status := http.StatusBadRequest
		if errors.Is(err, api.ErrBodyTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		w.Header().Set("Connection", "close") // the body may be unread, or still on its way
		http.Error(w, err.Error(), status)
		return
	}
	op := ex.Operation()
	f := s.hit(op)
	if f != nil && !f.After && !s.answerFault(w, r, f) {
		return
	}
	if wait := s.limit(w.Header()); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(max(int((wait+time.Second-1)/time.Second), 1)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Too many requests"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	path := strings.Split(strings.Trim(strings.TrimPrefix(ex.Path(), s.basePath), "/"), "/")
	rep := s.handle(&request{Request: r, op: op, body: body, path: path})
	if err := ex.ValidateResponse(r.Context(), rep.status, rep.header, rep.body); err != nil {
		s.violation(err)
	}
	if f != nil && f.After && !s.answerFault(w, r, f) {
		return
	}
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

// answerFault applies a fault's delay and answer; false means the fault answered (or the connection is
// closed) and the fake's own answer is not to be sent.
func (s *Server) answerFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if !s.sleep(r, f.Delay) {
		panic(http.ErrAbortHandler) // close the connection without an answer
	}
	if f.passThrough() {
		return true
	}
	writeFault(w, f)
	return false
}

// sleep waits d; false means the client went away or the server is closing.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

func writeFault(w http.ResponseWriter, f *Fault) {
	h := w.Header()
	for k, v := range f.Header {
		h[k] = v
	}
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.ContentType != "":
		h.Set("Content-Type", f.ContentType)
	case f.Body != "":
		h.Set("Content-Type", "application/json")
	}
	status := cmp.Or(f.Status, http.StatusOK)
	if !f.Drop && !f.Truncate {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, f.Body)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(fmt.Sprintf("facadetest: hijack: %v", err)) // only HTTP/2 refuses, and the fakes serve HTTP/1.1
	}
	defer func() { _ = conn.Close() }()
	if f.Truncate {
		h.Set("Content-Length", strconv.Itoa(len(f.Body)))
		_, _ = fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
		_ = h.Write(buf)
		_, _ = buf.WriteString("\r\n" + f.Body[:len(f.Body)/2])
		_ = buf.Flush()
	}
}
