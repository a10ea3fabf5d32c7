package facadetest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

// fake is what every fake offers.
type fake interface {
	URL() string
	Client() *http.Client
	Hits(op facadetest.Operation) int
	Violations() []error
}

type response struct {
	status int
	header http.Header
	body   string
}

// send sends a request to the fake with the header name/value pairs kv; a body is sent as JSON.
func send(ctx context.Context, f fake, method, path, body string, kv ...string) (*response, error) {
	var r io.Reader = http.NoBody
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.URL()+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: string(data)}, nil
}

// call is send that fails the test on a transport error.
func call(t testing.TB, f fake, method, path, body string, kv ...string) *response {
	t.Helper()
	resp, err := send(t.Context(), f, method, path, body, kv...)
	require.NoError(t, err)
	return resp
}

// basic returns an Authorization header value for HTTP basic.
func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// recordingT is a testing.TB that records Errorf instead of failing.
type recordingT struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingT) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}
