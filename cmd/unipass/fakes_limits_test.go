package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/fixture"
)

// SIGTERM stops the fakes with exit 0 within seconds, even while a client stalls in the middle of an
// upload.
func TestFakesStopDespiteAStalledUpload(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	conn := p.rawConn(t)
	_, err := fmt.Fprintf(conn, "POST /zendesk/api/v2/users/1002/password HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n{\"pass",
		basicAuth("admin@example.com/token", fixture.ZendeskAPIToken))
	require.NoError(t, err)
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", status, "the fake is reading the body")

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("unipass fakes did not stop on SIGTERM:\n%s", p.output())
	}
	assert.Equal(t, 0, p.cmd.ProcessState.ExitCode(), p.output())
	assert.Contains(t, p.output(), "unipass fakes: stopped")
}

// --max-body sets the body limit: a body over it is answered 413.
func TestFakesMaxBody(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient, "--max-body", "64")
	assert.Equal(t, http.StatusRequestEntityTooLarge, p.send(t, http.MethodPost, "/zendesk/api/v2/users/1002/password",
		`{"password":"`+strings.Repeat("x", 100)+`"}`, nil, "Authorization", basicAuth("admin@example.com/token", fixture.ZendeskAPIToken)))
	code, out := unipass(t, nil, "", "fakes", "--max-body", "0")
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, out, "--max-body")
}

// What a client puts in a request path reaches the fakes' log escaped: no terminal escape sequence, no
// forged log line.
func TestFakesLogEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	conn := p.rawConn(t)
	// %0a: a line break, %1b: ESC, once the path is decoded.
	_, err := fmt.Fprintf(conn, "GET /zendesk/nowhere/x%%0aunipass%%20fakes:%%20forged%%1b[31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	p.interrupt(t)
	out := p.output()
	assert.Contains(t, out, `x\x0aunipass fakes: forged\x1b[31m`)
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\nunipass fakes: forged")
}

// rawConn is a plain TCP connection to the fakes, for requests no HTTP client would send; it gives up after
// a minute and closes when the test ends.
func (p *fakesProcess) rawConn(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.origin, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
	return conn
}
