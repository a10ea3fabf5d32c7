package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// Obviously fake credentials; the leak checks look for them in every error text.
const (
	testPassword    = "fake-Passw0rd-7f3a"
	testNewPassword = "fake-NewPassw0rd-91c2"
	testToken       = "fake-token-5e1d0c"
	testAppID       = "fake-app-id-33aa"
	testUserID      = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
)

// reply is what the fake answers next.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// contractServer is an httptest server under a path prefix whose handler answers a set reply, wrapped in
// the vendor's validator. Every request and response it sees is checked, and so is every exchange of the
// client built by client().
type contractServer struct {
	t          *testing.T
	vendor     api.Vendor
	srv        *httptest.Server
	validator  *api.Validator
	mu         sync.Mutex
	next       reply
	paths      []string
	violations []*api.ValidationError
}

const prefix = "/tenant-a"

func newContractServer(t *testing.T, v api.Vendor) *contractServer {
	t.Helper()
	cs := &contractServer{t: t, vendor: v}
	val, err := api.NewValidator(v, api.WithBasePath(prefix), api.WithViolationHandler(func(e *api.ValidationError) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		cs.violations = append(cs.violations, e)
	}))
	require.NoError(t, err)
	cs.validator = val
	cs.srv = httptest.NewServer(val.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		next := cs.next
		cs.paths = append(cs.paths, r.Method+" "+r.URL.EscapedPath())
		cs.mu.Unlock()
		for k, vals := range next.header {
			w.Header()[k] = vals
		}
		w.WriteHeader(next.status)
		_, _ = w.Write(next.body)
	})))
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *contractServer) baseURL() string { return cs.srv.URL + prefix }

// httpClient validates on the client side too.
func (cs *contractServer) httpClient() *http.Client {
	return &http.Client{Transport: cs.validator.RoundTripper(cs.srv.Client().Transport)}
}

func (cs *contractServer) answer(r reply) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.next = r
}

func (cs *contractServer) takeViolations() []*api.ValidationError {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	v := cs.violations
	cs.violations = nil
	return v
}

func (cs *contractServer) lastPath() string {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.paths) == 0 {
		return ""
	}
	return cs.paths[len(cs.paths)-1]
}

// caller makes one valid call of an operation through the generated client.
type caller func(ctx context.Context, base string, hc *http.Client) (*http.Response, error)

// runContract calls every operation of the vendor once per declared status, with a fixture built from
// the response's schema (or given in fixtures), and requires that all traffic passes validation.
func runContract(t *testing.T, v api.Vendor, calls map[string]caller, fixtures map[string]string) {
	t.Helper()
	doc, err := api.Load(v)
	require.NoError(t, err)
	cs := newContractServer(t, v)
	seen := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			call, ok := calls[op.OperationID]
			require.True(t, ok, "no call for %s", op.OperationID)
			seen[op.OperationID] = true
			for _, code := range statusCodes(op) {
				t.Run(op.OperationID+"/"+strconv.Itoa(code), func(t *testing.T) {
					cs.answer(fixtureFor(t, op, code, fixtures[op.OperationID+"/"+strconv.Itoa(code)]))
					resp, err := call(t.Context(), cs.baseURL(), cs.httpClient())
					require.NoError(t, err)
					defer func() { _ = resp.Body.Close() }()
					assert.Equal(t, code, resp.StatusCode)
					assert.Empty(t, cs.takeViolations())
					wantPath := method + " " + prefix + path
					assert.True(t, pathMatches(wantPath, cs.lastPath()), "wire path %q, template %q", cs.lastPath(), wantPath)
				})
			}
		}
	}
	assert.Len(t, seen, len(calls), "every call has an operation")
}

func statusCodes(op *openapi3.Operation) []int {
	var codes []int
	for k := range op.Responses.Map() {
		if c, err := strconv.Atoi(k); err == nil {
			codes = append(codes, c)
		}
	}
	sort.Ints(codes)
	return codes
}

// pathMatches compares a wire path with a template whose {params} match one segment.
func pathMatches(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && ps[i] != "" {
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}

func fixtureFor(t *testing.T, op *openapi3.Operation, code int, body string) reply {
	t.Helper()
	resp := op.Responses.Status(code).Value
	r := reply{status: code, header: http.Header{}}
	if _, ok := resp.Headers["Retry-After"]; ok {
		r.header.Set("Retry-After", "30")
	}
	if len(resp.Content) == 0 {
		return r
	}
	if mt := resp.Content.Get("application/json"); mt != nil {
		r.header.Set("Content-Type", "application/json")
		if body == "" {
			data, err := json.Marshal(sample(mt.Schema.Value))
			require.NoError(t, err)
			body = string(data)
		}
	} else {
		r.header.Set("Content-Type", "text/plain; charset=utf-8")
		if body == "" {
			body = "Rate limit exceeded"
		}
	}
	r.body = []byte(body)
	return r
}

// sample builds a value that a schema accepts, with every readable property present.
func sample(s *openapi3.Schema) any {
	switch {
	case len(s.OneOf) > 0:
		return sample(s.OneOf[0].Value)
	case len(s.AllOf) > 0:
		m := map[string]any{}
		for _, part := range s.AllOf {
			if pm, ok := sample(part.Value).(map[string]any); ok {
				for k, v := range pm {
					m[k] = v
				}
			}
		}
		return m
	case len(s.Enum) > 0:
		return s.Enum[0]
	case s.Type.Is("object"):
		m := map[string]any{}
		for name, p := range s.Properties {
			if !p.Value.WriteOnly {
				m[name] = sample(p.Value)
			}
		}
		return m
	case s.Type.Is("array"):
		return []any{sample(s.Items.Value)}
	case s.Type.Is("integer"):
		return 1
	case s.Type.Is("number"):
		return 1.5
	case s.Type.Is("boolean"):
		return true
	}
	switch s.Format {
	case "uuid":
		return testUserID
	case "email":
		return "user@example.com"
	case "date-time":
		return "2026-01-02T03:04:05Z"
	}
	return "text"
}

func ptr[T any](v T) *T { return &v }
