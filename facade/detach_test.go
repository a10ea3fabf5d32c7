package facade_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// detach is a caller's RoundTripper that does not pass the request's context down: it sends a clone
// under a context of its own, so that no httptrace hook of the caller ever fires. It counts requests.
type detach struct{ n atomic.Int32 }

func (d *detach) RoundTrip(r *http.Request) (*http.Response, error) {
	d.n.Add(1)
	return http.DefaultTransport.RoundTrip(r.Clone(context.Background()))
}

func (d *detach) count() int32 { return d.n.Load() }

// applyThenDrop stands in front of a fake: it passes every request on, and for the one that drop picks
// lets the fake apply it, then closes the connection without an answer — a vendor that commits a write
// and loses the reply.
func applyThenDrop(t *testing.T, fake *facadetest.Server, drop func(*http.Request) bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		out, err := http.NewRequestWithContext(r.Context(), r.Method, fake.URL()+r.URL.RequestURI(), bytes.NewReader(body))
		require.NoError(t, err)
		out.Header = r.Header.Clone()
		resp, err := fake.Client().Do(out)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		answer, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		if drop(r) {
			conn, _, err := http.NewResponseController(w).Hijack()
			require.NoError(t, err)
			_ = conn.Close()
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func isMethod(m string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.Method == m && !strings.HasSuffix(r.URL.Path, "/auth") }
}

var detachOpts = []facade.Option{facade.WithRetry(4, time.Second), facade.WithBackoff(time.Millisecond)}

// A write the vendor applied before the connection dropped is sent once and reported ErrOutcomeUnknown,
// even when the caller's transport hides every trace of the request having been written.
func TestDetachedTransportWriteAppliedThenDropped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		run  func(t *testing.T, hc *http.Client) (hits func() int, applied func() bool, call func(context.Context) error)
	}{
		{"docspace/SetPassword", func(t *testing.T, hc *http.Client) (func() int, func() bool, func(context.Context) error) {
			f := leakDocSpace(t)
			d, err := facade.NewDocSpace(applyThenDrop(t, f.Server, isMethod(http.MethodPut)),
				append(detachOpts, facade.WithHTTPClient(hc), facade.WithAPIKey(leakToken))...)
			require.NoError(t, err)
			return func() int { return f.Hits("changeUserPassword") },
				func() bool { pw, _ := f.Password(matrixUser); return pw == leakNew },
				func(ctx context.Context) error { return d.SetPassword(ctx, matrixUser, facade.NewSecret(leakNew)) }
		}},
		{"docspace/SendReset", func(t *testing.T, hc *http.Client) (func() int, func() bool, func(context.Context) error) {
			f := leakDocSpace(t)
			d, err := facade.NewDocSpace(applyThenDrop(t, f.Server, isMethod(http.MethodPost)), append(detachOpts, facade.WithHTTPClient(hc))...)
			require.NoError(t, err)
			return func() int { return f.Hits("sendUserPassword") },
				func() bool { return len(f.ResetEmails()) == 1 },
				func(ctx context.Context) error { return d.SendReset(ctx, "a@example.com") }
		}},
		{"zendesk/SetPassword", func(t *testing.T, hc *http.Client) (func() int, func() bool, func(context.Context) error) {
			f := leakZendesk(t)
			z, err := facade.NewZendesk(applyThenDrop(t, f.Server, isMethod(http.MethodPost)),
				append(detachOpts, facade.WithHTTPClient(hc), facade.WithAPIToken("admin@example.com", leakToken))...)
			require.NoError(t, err)
			return func() int { return f.Hits("SetUserPassword") },
				func() bool { pw, _ := f.Password(2); return pw == leakNew },
				func(ctx context.Context) error { return z.SetPassword(ctx, "2", facade.NewSecret(leakNew)) }
		}},
		{"glowmarkt/ChangePassword", func(t *testing.T, hc *http.Client) (func() int, func() bool, func(context.Context) error) {
			f := leakGlowmarkt(t)
			g, err := facade.NewGlowmarkt(applyThenDrop(t, f.Server, isMethod(http.MethodPost)),
				append(detachOpts, facade.WithHTTPClient(hc), facade.WithApplicationID(f.ApplicationID()),
					facade.WithLogin("g@example.com", leakPassword))...)
			require.NoError(t, err)
			return func() int { return f.Hits("userChangePassWord") },
				func() bool { pw, _ := f.Password("acc-1"); return pw == leakNew },
				func(ctx context.Context) error {
					return g.ChangePassword(ctx, "", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
				}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			hits, applied, call := c.run(t, &http.Client{Transport: &detach{}})
			err := call(t.Context())
			require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
			assert.Equal(t, 1, hits(), "the write reached the vendor once")
			assert.True(t, applied(), "the vendor applied it")
			assertNoLeak(t, err.Error())
		})
	}
}

// closedPort returns the address of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// counting is a caller's RoundTripper that counts the requests it is given.
type counting struct{ n atomic.Int32 }

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func (c *counting) count() int32 { return c.n.Load() }

// A refused connection proves the write never left: it is tried again (every attempt), and the error
// is not ErrOutcomeUnknown — also through a transport that hides the request's trace.
func TestRefusedConnectionWriteIsRetried(t *testing.T) {
	t.Parallel()
	for name, rt := range map[string]interface {
		http.RoundTripper
		count() int32
	}{
		"context passed": &counting{}, "context detached": &detach{},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			z, err := facade.NewZendesk(closedPort(t), append(detachOpts, facade.WithHTTPClient(&http.Client{Transport: rt}),
				facade.WithAPIToken("admin@example.com", leakToken))...)
			require.NoError(t, err)
			err = z.SetPassword(t.Context(), "2", facade.NewSecret(leakNew))
			require.Error(t, err)
			assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
			var op *net.OpError
			assert.ErrorAs(t, err, &op)
			assert.EqualValues(t, 4, rt.count(), "every attempt was made")
			assertNoLeak(t, err.Error())
		})
	}
}

// A write under a context that is already done never leaves the machine, even through a transport that
// would send it under a context of its own.
func TestDoneContextSendsNothing(t *testing.T) {
	t.Parallel()
	f := leakDocSpace(t)
	rt := &detach{}
	d, err := facade.NewDocSpace(f.URL(), append(detachOpts, facade.WithHTTPClient(&http.Client{Transport: rt}), facade.WithAPIKey(leakToken))...)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = d.SetPassword(ctx, matrixUser, facade.NewSecret(leakNew))
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, "provably not sent")
	assert.Zero(t, rt.n.Load())
	assert.Zero(t, f.Hits("changeUserPassword"))
}

// A write answered 303 See Other was processed (RFC 9110) and may have applied: ErrOutcomeUnknown as
// well as ErrRedirect, sent once. Other redirects, and any redirect to a safe request, stay ErrRedirect.
func TestSeeOtherToAWriteIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	for _, op := range matrixOps {
		for _, status := range []int{http.StatusSeeOther, http.StatusFound, http.StatusTemporaryRedirect} {
			t.Run(op.name+"/"+http.StatusText(status), func(t *testing.T) {
				t.Parallel()
				fake, arm, call := op.setup(t, &http.Client{}, detachOpts...)
				arm(facadetest.Fault{Status: status, Header: http.Header{"Location": {"https://elsewhere.invalid/done"}}})
				err := call(t.Context())
				require.ErrorIs(t, err, facade.ErrRedirect)
				if op.write && status == http.StatusSeeOther {
					assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
				} else {
					assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
				}
				assert.Equal(t, 1, fake.Hits(op.fop))
			})
		}
	}
}
