// Package facadetest provides in-process, stateful fakes of the DocSpace, Zendesk and Glowmarkt APIs for
// tests, like net/http/httptest: NewDocSpace, NewZendesk and NewGlowmarkt start a server on loopback;
// point a facade manager (or any client) at its URL() with its Client().
//
// Every request and response passes through the contract validator of package api: a request the vendor's
// description does not allow is answered 400 and recorded, and so is a response of the fake that does not
// match it. With WithT(t), each violation fails the test (t.Errorf) and the server closes at t.Cleanup.
//
// Faults can be armed per operation (named by the spec's operationId): a status with any body and
// Retry-After, a delay, a dropped connection or a truncated body. Faults emulate what stands between a
// client and the vendor (proxies, the network), so their responses are not contract-checked.
package facadetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unipass/unipass/api"
)

// Option configures a fake.
type Option func(*config)

type config struct {
	t        testing.TB
	basePath string
	tls      bool
}

// WithT reports every contract violation with t.Errorf and closes the server at t.Cleanup.
func WithT(t testing.TB) Option { return func(c *config) { c.t = t } }

// WithBasePath serves the API under a path prefix such as "/tenant".
func WithBasePath(prefix string) Option {
	return func(c *config) { c.basePath = "/" + strings.Trim(prefix, "/") }
}

// WithTLS serves https (Client trusts the server's certificate).
func WithTLS() Option { return func(c *config) { c.tls = true } }

// Fault is an answer armed for an operation instead of the fake's own.
type Fault struct {
	Status      int           // status to answer; 0 means 500 (unless Drop)
	RetryAfter  string        // Retry-After value, if not empty
	ContentType string        // default application/json when Body is set
	Body        string        // the body
	Header      http.Header   // extra headers
	Delay       time.Duration // wait before answering; stops if the client goes away
	Drop        bool          // close the connection without any response
	Truncate    bool          // announce the whole Body's length, send half of it, close
	Times       int           // the next Times requests of the operation; 0 until ClearFaults
}

// Server is what the three fakes share: the HTTP server, contract validation, faults and hit counts.
type Server struct {
	srv       *httptest.Server
	validator *api.Validator
	t         testing.TB
	basePath  string
	handle    func(*request) reply

	mu         sync.Mutex
	faults     map[string][]*Fault
	hits       map[string]int
	violations []error
	tokens     map[string]issued
	bucket     *bucket
	limited    int
}

// bucket is a token bucket: rps tokens a second, at most burst at once.
type bucket struct {
	rps    float64
	burst  float64
	tokens float64
	last   time.Time
}

// take spends a token, or says how long until one is there.
func (b *bucket) take(now time.Time) (remaining int, wait time.Duration) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rps)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return int(b.tokens), 0
	}
	return 0, time.Duration((1 - b.tokens) / b.rps * float64(time.Second))
}

// issued is a token the fake handed out.
type issued struct {
	subject string
	expires time.Time
}

// request is what a vendor handler sees.
type request struct {
	op   string
	r    *http.Request
	body []byte
	// params are the path segments after the base path, e.g. ["api", "2.0", "people", "<id>", "password"].
	params []string
}

func (q *request) decode(v any) bool { return json.Unmarshal(q.body, v) == nil }

// reply is a vendor handler's answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, v any) reply {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // the fakes only marshal their own plain values
	}
	return reply{status: status, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: data}
}

func emptyReply(status int) reply { return reply{status: status, header: http.Header{}} }

func newServer(v api.Vendor, opts []Option, handle func(*request) reply) *Server {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	val, err := api.NewValidator(v, api.WithBasePath(cfg.basePath))
	if err != nil {
		panic(fmt.Sprintf("facadetest: %v", err)) // the embedded specs always load
	}
	s := &Server{validator: val, t: cfg.t, basePath: cfg.basePath, handle: handle,
		faults: map[string][]*Fault{}, hits: map[string]int{}, tokens: map[string]issued{}}
	if cfg.tls {
		s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	} else {
		s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	}
	if cfg.t != nil {
		cfg.t.Cleanup(s.Close)
	}
	return s
}

// URL is the base URL to give a client: the server's address and the base path.
func (s *Server) URL() string { return s.srv.URL + s.basePath }

// Client returns an http.Client for the server (it trusts the TLS certificate of WithTLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Fail arms a fault for an operation (its operationId); several faults for one operation queue up.
func (s *Server) Fail(operationID string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[operationID] = append(s.faults[operationID], &f)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*Fault{}
}

// Hits counts the requests that reached the fake for an operation, faulted and invalid ones included.
func (s *Server) Hits(operationID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[operationID]
}

// Violations returns every contract violation seen so far.
func (s *Server) Violations() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.violations...)
}

// SetRateLimit makes the fake enforce a token bucket over all its operations, as the vendors do: rps
// requests a second, bursts of at most burst. A request over the limit is answered 429 with Retry-After
// (whole seconds, at least 1) and the remaining-quota headers, which every answer carries (X-Rate-Limit,
// X-Rate-Limit-Remaining as Zendesk sends them; X-RateLimit-Limit, X-RateLimit-Remaining as DocSpace
// does). rps 0 turns the limit off. Like faults, 429 answers of the limiter are not contract-checked.
func (s *Server) SetRateLimit(rps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rps <= 0 {
		s.bucket = nil
		return
	}
	s.bucket = &bucket{rps: rps, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1)), last: time.Now()}
}

// RateLimited counts the requests the rate limit refused.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// limit applies the rate limit; ok false means the request is refused.
func (s *Server) limit(h http.Header) (ok bool, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket == nil {
		return true, 0
	}
	remaining, wait := s.bucket.take(time.Now())
	limit := fmt.Sprint(int(s.bucket.burst))
	h.Set("X-Rate-Limit", limit)
	h.Set("X-RateLimit-Limit", limit)
	h.Set("X-Rate-Limit-Remaining", fmt.Sprint(remaining))
	h.Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
	if wait > 0 {
		s.limited++
		return false, wait
	}
	return true, 0
}

// ExpireTokens makes every token the fake issued expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.tokens {
		v.expires = time.Time{}
		s.tokens[k] = v
	}
}

func (s *Server) issueToken(subject string, ttl time.Duration) (string, time.Time) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "fake-token-" + hex.EncodeToString(b)
	exp := time.Now().Add(ttl)
	s.mu.Lock()
	s.tokens[tok] = issued{subject: subject, expires: exp}
	s.mu.Unlock()
	return tok, exp
}

// tokenSubject returns whom a live token was issued to.
func (s *Server) tokenSubject(tok string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.tokens[tok]
	if !ok || !time.Now().Before(it.expires) {
		return "", false
	}
	return it.subject, true
}

func (s *Server) violation(err error) {
	s.mu.Lock()
	s.violations = append(s.violations, err)
	s.mu.Unlock()
	if s.t != nil {
		s.t.Errorf("facadetest: %v", err)
	}
}

func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[op]++
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.faults[op] = q[1:]
		}
	}
	return f
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ex, err := s.validator.ValidateRequest(r.Context(), r)
	if err != nil {
		var ve *api.ValidationError
		if errors.As(err, &ve) && ve.Operation != "" {
			s.takeFault(ve.Operation) // counted as a hit; no fault is applied
		}
		s.violation(err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	op := ex.Operation()
	if f := s.takeFault(op); f != nil {
		writeFault(w, r, f)
		return
	}
	if ok, wait := s.limit(w.Header()); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(max(secs, 1)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":"Too many requests"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	params := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, s.basePath), "/"), "/")
	rep := s.handle(&request{op: op, r: r, body: body, params: params})
	if err := ex.ValidateResponse(r.Context(), rep.status, rep.header, rep.body); err != nil {
		s.violation(err)
	}
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

func writeFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	h := http.Header{}
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
	if f.Drop || f.Truncate {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("facadetest: connection cannot be hijacked")
		}
		conn, buf, err := hj.Hijack()
		if err != nil {
			return
		}
		defer func() { _ = conn.Close() }()
		if f.Truncate {
			fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
			h.Set("Content-Length", fmt.Sprint(len(f.Body)))
			_ = h.Write(buf)
			_, _ = buf.WriteString("\r\n" + f.Body[:len(f.Body)/2])
			_ = buf.Flush()
		}
		return
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, f.Body)
}

// basicCredentials returns the request's basic user and password.
func basicCredentials(r *http.Request) (string, string, bool) {
	u, p, ok := r.BasicAuth()
	return u, p, ok && u != ""
}

// bearer returns the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return tok, ok && strings.EqualFold(scheme, "Bearer") && tok != ""
}
