package api_test

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// endlessBody is a body of n bytes made up as it is read, counting what was read.
type endlessBody struct {
	left, read int64
}

func (b *endlessBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), b.left)
	for i := range p[:n] {
		p[i] = ' '
	}
	b.left -= n
	b.read += n
	return int(n), nil
}

func (b *endlessBody) Close() error { return nil }

func setPasswordRequest(t *testing.T, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://zendesk.invalid/api/v2/users/1/password", body)
	require.NoError(t, err)
	req.SetBasicAuth("admin@example.com/token", testToken)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// A body over the limit is refused having read at most the limit (and a byte), not the whole body.
func TestValidatorReadsAtMostTheBodyLimit(t *testing.T) {
	t.Parallel()
	val, err := api.NewValidator(api.Zendesk)
	require.NoError(t, err)
	body := &endlessBody{left: 100 << 20}
	req := setPasswordRequest(t, body)
	req.ContentLength = -1 // unannounced: chunked
	_, err = val.ValidateRequest(t.Context(), req)
	require.ErrorIs(t, err, api.ErrBodyTooLarge)
	require.ErrorIs(t, err, api.ErrContractViolation)
	assert.LessOrEqual(t, body.read, int64(api.DefaultMaxBodyBytes)+64<<10)
}

// A Content-Length over the limit is refused without reading a byte.
func TestValidatorRefusesAnAnnouncedBodyUnread(t *testing.T) {
	t.Parallel()
	val, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(4096))
	require.NoError(t, err)
	body := &endlessBody{left: 10 << 30}
	req := setPasswordRequest(t, body)
	req.ContentLength = 10 << 30
	_, err = val.ValidateRequest(t.Context(), req)
	require.ErrorIs(t, err, api.ErrBodyTooLarge)
	assert.Zero(t, body.read)
	assert.Contains(t, err.Error(), "body larger than 4096 bytes")
}

// The limit is configurable: a body under a raised limit goes on to the schema checks.
func TestValidatorBodyLimitIsConfigurable(t *testing.T) {
	t.Parallel()
	_, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(0))
	require.Error(t, err)
	val, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(4<<20))
	require.NoError(t, err)
	pad := strings.Repeat(" ", 2<<20)
	req := setPasswordRequest(t, strings.NewReader(`{"password":"`+testNewPassword+`"}`+pad))
	_, err = val.ValidateRequest(t.Context(), req)
	require.NoError(t, err)
}

// The round tripper refuses, without sending it, a request whose body is over the limit.
func TestRoundTripperRefusesALargeBodyUnsent(t *testing.T) {
	t.Parallel()
	var sent atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { sent.Store(true) }))
	t.Cleanup(srv.Close)
	val, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	client := &http.Client{Transport: val.RoundTripper(nil)}
	req := setPasswordRequest(t, &endlessBody{left: 1 << 20})
	req.URL.Host = strings.TrimPrefix(srv.URL, "http://")
	_, err = client.Do(req) //nolint:bodyclose // refused: no response
	require.ErrorIs(t, err, api.ErrBodyTooLarge)
	assert.False(t, sent.Load())
}

// A server behind the middleware answers 413 at once to a huge Content-Length with "Expect: 100-continue":
// the client is never told to go on sending it.
func TestMiddlewareRefusesBeforeContinue(t *testing.T) {
	t.Parallel()
	val, err := api.NewValidator(api.Zendesk)
	require.NoError(t, err)
	srv := httptest.NewServer(val.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	_, err = fmt.Fprintf(conn, "POST /api/v2/users/1/password HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", int64(10)<<30)
	require.NoError(t, err)
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 413 Request Entity Too Large\r\n", status)
}

// The round tripper reads a response's body only up to the limit: a longer one is a response-phase
// violation (the request was sent, so NotSent is false), read no further than the limit.
func TestRoundTripperBoundsTheResponseBody(t *testing.T) {
	t.Parallel()
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		n, _ := io.Copy(w, &endlessBody{left: 64 << 20})
		written.Store(n)
	}))
	t.Cleanup(srv.Close)
	val, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(4096))
	require.NoError(t, err)
	client := &http.Client{Transport: val.RoundTripper(nil)}
	req := setPasswordRequest(t, strings.NewReader(`{"password":"`+testNewPassword+`"}`))
	req.URL.Host = strings.TrimPrefix(srv.URL, "http://")
	_, err = client.Do(req) //nolint:bodyclose // refused: no response
	require.ErrorIs(t, err, api.ErrBodyTooLarge)
	var ve *api.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "response", ve.Phase)
	assert.False(t, ve.NotSent())
	assert.Contains(t, err.Error(), "response body larger than 4096 bytes")
	srv.Close() // the handler ends once the client is gone
	assert.Less(t, written.Load(), int64(64<<20), "the client stopped reading")
}

// The largest limit there is reads bodies whole (limit+1 would overflow into reading nothing).
func TestValidatorBodyLimitAtTheMaximum(t *testing.T) {
	t.Parallel()
	val, err := api.NewValidator(api.Zendesk, api.WithMaxBodyBytes(math.MaxInt64))
	require.NoError(t, err)
	req := setPasswordRequest(t, strings.NewReader(`{"password":"`+testNewPassword+`"}`))
	req.ContentLength = -1
	_, err = val.ValidateRequest(t.Context(), req)
	require.NoError(t, err)
}
