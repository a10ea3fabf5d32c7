package facadetest_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

// adminRequest sends a request to the admin API as a loopback client with the given Host and headers.
func adminRequest(t *testing.T, handler http.Handler, method, path, host, body string, kv ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, "/_admin"+path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	req.Host = host
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	return rec
}

// A page on a rebound DNS name reaches the fakes from loopback, but names its own host: refused.
func TestAdminRefusesAHostThatIsNotLoopback(t *testing.T) {
	t.Parallel()
	fakes, _ := serveFakes(t, testSeed)
	for host, want := range map[string]int{
		"rebind.attacker.example:7070": http.StatusForbidden, "rebind.attacker.example": http.StatusForbidden,
		"127.0.0.1": http.StatusForbidden, "192.0.2.1:7070": http.StatusForbidden, "localhost.attacker.example:7070": http.StatusForbidden,
		"127.0.0.1:7070": http.StatusOK, "localhost:7070": http.StatusOK, "LOCALHOST:7070": http.StatusOK, "[::1]:7070": http.StatusOK,
	} {
		rec := adminRequest(t, fakes.Handler(), http.MethodGet, "/state", host, "")
		assert.Equal(t, want, rec.Code, host)
		if want == http.StatusForbidden {
			assert.NotContains(t, rec.Body.String(), "fake-Admin-Passw0rd", host)
		}
	}
}

// A web page's cross-site requests are refused: reads with a foreign Origin, writes that are not JSON
// (text/plain and form posts need no preflight).
func TestAdminRefusesCrossSiteRequests(t *testing.T) {
	t.Parallel()
	fakes, _ := serveFakes(t, testSeed)
	const host = "127.0.0.1:7070"
	fault := `{"vendor":"zendesk","operation":"SetUserPassword","status":503}`
	for name, tc := range map[string]struct {
		method, path, body string
		kv                 []string
		want               int
	}{
		"foreign origin read":   {http.MethodGet, "/state", "", []string{"Origin", "https://attacker.example"}, http.StatusForbidden},
		"cross-site fetch":      {http.MethodGet, "/state", "", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		"text/plain post":       {http.MethodPost, "/faults", fault, []string{"Content-Type", "text/plain"}, http.StatusForbidden},
		"form post":             {http.MethodPost, "/faults/clear", "", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusForbidden},
		"no content type":       {http.MethodPost, "/faults/clear", "", nil, http.StatusForbidden},
		"foreign origin JSON":   {http.MethodPost, "/faults", fault, []string{"Content-Type", "application/json", "Origin", "http://attacker.example"}, http.StatusForbidden},
		"own origin read":       {http.MethodGet, "/hits", "", []string{"Origin", "http://" + host}, http.StatusOK},
		"same-origin fetch":     {http.MethodGet, "/hits", "", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		"JSON post":             {http.MethodPost, "/faults/clear", "", []string{"Content-Type", "application/json"}, http.StatusNoContent},
		"JSON charset post":     {http.MethodPost, "/faults/clear", "", []string{"Content-Type", "application/json; charset=utf-8"}, http.StatusNoContent},
		"script without origin": {http.MethodGet, "/violations", "", nil, http.StatusOK},
	} {
		rec := adminRequest(t, fakes.Handler(), tc.method, tc.path, host, tc.body, tc.kv...)
		assert.Equal(t, tc.want, rec.Code, name)
	}
	rec := adminRequest(t, fakes.Handler(), http.MethodGet, "/state", host, "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, rec.Body.String(), `"SetUserPassword": 1`, "no refused fault was armed")
}

// A body over the limit is answered 413 before the client is told to go on, and none of it is kept.
func TestFakesRefuseAHugeBodyBeforeContinue(t *testing.T) {
	t.Parallel()
	_, origin := serveFakes(t, testSeed)
	conn, err := net.Dial("tcp", strings.TrimPrefix(origin, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	_, err = fmt.Fprintf(conn, "POST /zendesk/api/v2/users/2/password HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		basic("admin@example.com/token", seedToken), int64(10)<<30)
	require.NoError(t, err)
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HTTP/1.1 413 Request Entity Too Large\r\n", status)
}

// A chunked body over the limit is cut off at the limit and answered 413. The fake stops reading at the
// limit and closes the connection after its answer: a client still writing may see the connection reset
// before it reads the 413 (net/http's server waits a while for it, less than a loaded machine may take),
// so a reset is tried again, a few times; any other outcome fails.
func TestFakesRefuseALargeChunkedBody(t *testing.T) {
	t.Parallel()
	fakes, _ := serveFakes(t, testSeed)
	body := `{"password":"` + strings.Repeat("a", 2<<20) + `"}`
	status := 0
	for attempt := 0; attempt < 5 && status == 0; attempt++ {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fakes.Zendesk.URL()+"/api/v2/users/2/password",
			struct{ *strings.Reader }{strings.NewReader(body)}) // no length: sent chunked
		require.NoError(t, err)
		req.Header.Set("Authorization", basic("admin@example.com/token", seedToken))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			require.True(t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE), "%v", err)
			continue
		}
		_ = resp.Body.Close()
		status = resp.StatusCode
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	pw, _ := fakes.Zendesk.Password(2)
	assert.Equal(t, "fake-Agent-Passw0rd", pw)
}

// A logout ends the session: its token is refused afterwards, and the fake holds no live token.
func TestDocSpaceLogoutInvalidatesTheToken(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	tok := dsLogin(t, f)
	assert.Equal(t, 1, f.LiveTokens())
	r := call(t, f, http.MethodPost, "/api/2.0/authentication/logout", "", "Authorization", tok)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Zero(t, f.LiveTokens())
	r = call(t, f, http.MethodGet, "/api/2.0/people/"+dsID, "", "Authorization", tok)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = call(t, f, http.MethodPost, "/api/2.0/authentication/logout", "", "Authorization", tok)
	assert.Equal(t, http.StatusUnauthorized, r.status, "a token logged out is no longer valid")
}

// A client that stops sending its body has its request ended once the body timeout passes: it holds no
// connection open.
func TestFakesEndASlowBody(t *testing.T) {
	t.Parallel()
	zd := facadetest.NewZendesk(facadetest.WithBodyTimeout(200 * time.Millisecond))
	t.Cleanup(zd.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(zd.URL(), "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	_, err = fmt.Fprintf(conn, "POST /api/v2/users/2/password HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pass", basic("admin@example.com/token", seedToken))
	require.NoError(t, err)
	rest, err := io.ReadAll(conn) // ends when the fake closes the connection
	require.NoError(t, err, "the fake kept the connection open")
	assert.Contains(t, string(rest), "HTTP/1.1 400")
	require.Len(t, zd.Violations(), 1)
	assert.Contains(t, zd.Violations()[0].Error(), "reading the body")
}
