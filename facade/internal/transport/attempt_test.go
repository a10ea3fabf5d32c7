package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNeverWritten(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"refused connection", &url.Error{Op: "Post", URL: "https://x.invalid", Err: dial}, true},
		{"DNS failure", &url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid"}}}, true},
		{"bare DNS failure", &net.DNSError{Err: "no such host"}, true},
		{"proxy unreachable", &net.OpError{Op: "proxyconnect", Net: "tcp", Err: dial}, true},
		{"certificate refused", &url.Error{Op: "Post", Err: &tls.CertificateVerificationError{Err: errors.New("unknown authority")}}, true},
		{"read failed", &url.Error{Op: "Post", Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}, false},
		{"write failed", &net.OpError{Op: "write", Err: syscall.EPIPE}, false},
		{"connection closed", &url.Error{Op: "Post", Err: io.EOF}, false},
		{"timeout", &url.Error{Op: "Post", Err: context.DeadlineExceeded}, false},
		{"an error of an unknown kind", errors.New("something new"), false},
		{"wrapped by the caller", fmt.Errorf("my transport: %w", dial), true},
		{"joined with a read failure: no proof", errors.Join(io.EOF, dial), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, neverWritten(c.err), c.name)
	}
}

// answer is a RoundTripper that returns a fixed error, after (optionally) reporting the write the way
// http.Transport does, through the request's trace.
type answer struct {
	err    error
	report bool
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	if a.report {
		if tr := httptrace.ContextClientTrace(r.Context()); tr != nil && tr.WroteRequest != nil {
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
	}
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return nil, a.err
}

func TestAttemptNotSent(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	send := func(ctx context.Context, rt http.RoundTripper, edit func(*http.Request) error) (*Attempt, error) {
		a := NewAttempt(ctx)
		req, err := http.NewRequestWithContext(a, http.MethodPost, "http://127.0.0.1:1/x", strings.NewReader("{}"))
		require.NoError(t, err)
		if edit != nil {
			if err := edit(req); err != nil {
				return a, err
			}
		}
		resp, err := NewDoer(&http.Client{Transport: rt}).Do(req)
		if resp != nil {
			_ = resp.Body.Close()
		}
		return a, err
	}

	a, err := send(t.Context(), answer{err: dial}, nil)
	assert.True(t, a.Handed())
	assert.True(t, a.NotSent(err), "a dial error proves the request never left")

	a, err = send(t.Context(), answer{err: io.EOF}, nil)
	assert.False(t, a.NotSent(err), "no proof: counted as sent, though no hook fired")

	a, err = send(t.Context(), answer{err: dial, report: true}, nil)
	assert.False(t, a.NotSent(err), "the transport reported the write")

	a, err = send(t.Context(), answer{err: io.EOF}, func(*http.Request) error { return errors.New("editor refused") })
	assert.False(t, a.Handed())
	assert.True(t, a.NotSent(err), "an editor failed: the request never reached the transport")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	a, err = send(ctx, answer{err: io.EOF}, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, a.Handed(), "a request whose context is done is stopped before the HTTP client")
	assert.True(t, a.NotSent(err))
}

func TestAttemptFromAndParent(t *testing.T) {
	t.Parallel()
	type key struct{}
	base := context.WithValue(t.Context(), key{}, "v")
	a := NewAttempt(base)
	assert.Same(t, a, AttemptFrom(a))
	assert.Equal(t, "v", a.Value(key{}), "other values come from the parent")
	assert.Nil(t, AttemptFrom(a.Parent()), "the parent is outside the attempt")
	inner, cancel := context.WithCancel(a)
	defer cancel()
	assert.Same(t, a, AttemptFrom(inner), "found through derived contexts")
	assert.Nil(t, AttemptFrom(t.Context()))
}

func TestDoerWithoutJar(t *testing.T) {
	t.Parallel()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	d := NewDoer(hc).WithoutJar()
	assert.Nil(t, d.hc.Jar)
	assert.Same(t, jar, hc.Jar, "the manager's client keeps its jar")
	plain := NewDoer(&http.Client{})
	assert.Same(t, plain.hc, plain.WithoutJar().hc, "no jar: no copy")
}
