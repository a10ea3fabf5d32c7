package facade_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// Sentinel secrets for the fault matrix and the leak audit: none may appear in any error, log line or
// formatted value.
const (
	leakPassword  = "fake-Sentinel-Passw0rd-A1"
	leakNew       = "fake-Sentinel-NewPassw0rd-B2"
	leakToken     = "fake-sentinel-token-C3"
	leakAppSecret = "fake-sentinel-app-secret-D4"
)

var leakSecrets = []string{leakPassword, leakNew, leakToken, leakAppSecret}

// capture records every request's headers, to check what unipass sends.
type capture struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []http.Header
	meth []string
	body []bool // whether the request has a body
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.reqs = append(c.reqs, r.Header.Clone())
	c.meth = append(c.meth, r.Method)
	c.body = append(c.body, r.Body != nil && r.Body != http.NoBody)
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// hitCounter is what the matrix reads of a fake.
type hitCounter interface {
	Hits(facadetest.Operation) int
}

// matrixOp is one facade operation on one vendor, with a fresh fake and manager for each run.
type matrixOp struct {
	name  string
	fop   facadetest.Operation // the fake's operationId that the fault is armed on
	write bool
	setup func(t *testing.T, hc *http.Client, opts ...facade.Option) (fake hitCounter, arm func(facadetest.Fault), call func(context.Context) error)
}

const matrixUser = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"

// leakDocSpace is the fixture's DocSpace fake seeded with the sentinel secrets: matrixUser (a@example.com)
// has leakPassword, and the API key leakToken acts as that user.
func leakDocSpace(t *testing.T) *facadetest.DocSpace {
	return fixture.DocSpace(t, &facadetest.DocSpaceSeed{APIKeys: []string{leakToken},
		Users: []facadetest.DocSpaceUserSeed{{ID: matrixUser, Email: "a@example.com", Password: leakPassword}}})
}

// leakZendesk is the fixture's Zendesk fake seeded with the sentinel secrets: admin 1 (API token
// leakToken) and agent 2 (OAuth token leakAppSecret) have leakPassword; admins may set passwords.
func leakZendesk(t *testing.T) *facadetest.Zendesk {
	return fixture.Zendesk(t, &facadetest.ZendeskSeed{AdminSetPassword: true,
		Users: []facadetest.ZendeskUserSeed{
			{ID: 1, Email: "admin@example.com", Password: leakPassword, Role: "admin"},
			{ID: 2, Email: "agent@example.com", Password: leakPassword, Role: "agent"},
		},
		APITokens:   []facadetest.ZendeskTokenSeed{{Email: "admin@example.com", Token: leakToken}},
		OAuthTokens: []facadetest.ZendeskOAuthSeed{{Token: leakAppSecret, UserID: 2}}})
}

// leakGlowmarkt is the fixture's Glowmarkt fake seeded with the sentinel secrets: account acc-1
// (g@example.com) has leakPassword.
func leakGlowmarkt(t *testing.T) *facadetest.Glowmarkt {
	return fixture.Glowmarkt(t, &facadetest.GlowmarktSeed{
		Accounts: []facadetest.GlowmarktAccountSeed{{AccountID: "acc-1", Username: "g@example.com", Password: leakPassword}}})
}

// The matrix's fakes and managers; the managers send through hc, whose transport becomes a capture of the
// fake's.
func docspaceSetup(t *testing.T, hc *http.Client, login bool, opts ...facade.Option) (*facadetest.DocSpace, *facade.DocSpace) {
	f := leakDocSpace(t)
	hc.Transport = &capture{next: f.Client().Transport}
	auth := facade.WithAPIKey(leakToken)
	if login {
		auth = facade.WithLogin("a@example.com", leakPassword)
	}
	return f, fixture.DocSpaceManager(t, f, auth, append(opts, facade.WithHTTPClient(hc))...)
}

func zendeskSetup(t *testing.T, hc *http.Client, opts ...facade.Option) (*facadetest.Zendesk, *facade.Zendesk, *facade.Zendesk) {
	f := leakZendesk(t)
	hc.Transport = &capture{next: f.Client().Transport}
	opts = append(opts, facade.WithHTTPClient(hc))
	return f, fixture.ZendeskManager(t, f, facade.WithAPIToken("admin@example.com", leakToken), opts...),
		fixture.ZendeskManager(t, f, facade.WithBearerToken(leakAppSecret), opts...)
}

func glowmarktSetup(t *testing.T, hc *http.Client, opts ...facade.Option) (*facadetest.Glowmarkt, *facade.Glowmarkt) {
	f := leakGlowmarkt(t)
	hc.Transport = &capture{next: f.Client().Transport}
	return f, fixture.GlowmarktManager(t, f, facade.WithLogin("g@example.com", leakPassword), append(opts, facade.WithHTTPClient(hc))...)
}

var matrixOps = []matrixOp{
	{"docspace/SetPassword", "changeUserPassword", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("changeUserPassword", x) }, func(ctx context.Context) error {
			return d.SetPassword(ctx, matrixUser, facade.NewSecret(leakNew))
		}
	}},
	{"docspace/SendReset", "sendUserPassword", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("sendUserPassword", x) }, func(ctx context.Context) error {
			return d.SendReset(ctx, "a@example.com")
		}
	}},
	{"docspace/Requirements", "getPasswordSettings", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("getPasswordSettings", x) }, func(ctx context.Context) error {
			_, err := d.Requirements(ctx, "")
			return err
		}
	}},
	{"docspace/Login", "authenticate", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, true, o...)
		return f, func(x facadetest.Fault) { f.Fail("authenticate", x) }, func(ctx context.Context) error {
			_, err := d.Requirements(ctx, "")
			return err
		}
	}},
	{"zendesk/SetPassword", "SetUserPassword", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, admin, _ := zendeskSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("SetUserPassword", x) }, func(ctx context.Context) error {
			return admin.SetPassword(ctx, "2", facade.NewSecret(leakNew))
		}
	}},
	{"zendesk/ChangePassword", "ChangeOwnPassword", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, _, agent := zendeskSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("ChangeOwnPassword", x) }, func(ctx context.Context) error {
			return agent.ChangePassword(ctx, "2", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
		}
	}},
	{"zendesk/Requirements", "GetUserPasswordRequirements", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, admin, _ := zendeskSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("GetUserPasswordRequirements", x) }, func(ctx context.Context) error {
			_, err := admin.Requirements(ctx, "2")
			return err
		}
	}},
	{"glowmarkt/ChangePassword", "userChangePassWord", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, g := glowmarktSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("userChangePassWord", x) }, func(ctx context.Context) error {
			return g.ChangePassword(ctx, "", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
		}
	}},
	{"glowmarkt/Login", "authenticate", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, g := glowmarktSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("authenticate", x) }, func(ctx context.Context) error {
			return g.ChangePassword(ctx, "", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
		}
	}},
	{"docspace/Verify", "authenticate", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("authenticate", x) }, func(ctx context.Context) error {
			return d.Verify(ctx, matrixUser, facade.NewSecret(leakPassword))
		}
	}},
	{"zendesk/Verify", "ShowCurrentUser", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, admin, _ := zendeskSetup(t, hc, o...)
		// The sign-in follows the email lookup; on a reused connection net/http itself sends a GET again
		// once when the connection drops before any answer. Fresh connections keep the count to unipass's.
		tr := f.Client().Transport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		hc.Transport.(*capture).next = tr
		return f, func(x facadetest.Fault) { f.Fail("ShowCurrentUser", x) }, func(ctx context.Context) error {
			return admin.Verify(ctx, "2", facade.NewSecret(leakPassword))
		}
	}},
	{"docspace/ChangePassword", "changeUserPassword", true, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("changeUserPassword", x) }, func(ctx context.Context) error {
			return d.ChangePassword(ctx, matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
		}
	}},
	{"docspace/FindUser", "getProfileByEmail", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, d := docspaceSetup(t, hc, false, o...)
		return f, func(x facadetest.Fault) { f.Fail("getProfileByEmail", x) }, func(ctx context.Context) error {
			_, err := d.FindUser(ctx, "a@example.com")
			return err
		}
	}},
	{"zendesk/FindUser", "SearchUsers", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, admin, _ := zendeskSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("SearchUsers", x) }, func(ctx context.Context) error {
			_, err := admin.FindUser(ctx, "agent@example.com")
			return err
		}
	}},
	{"glowmarkt/Verify", "authenticate", false, func(t *testing.T, hc *http.Client, o ...facade.Option) (hitCounter, func(facadetest.Fault), func(context.Context) error) {
		f, g := glowmarktSetup(t, hc, o...)
		return f, func(x facadetest.Fault) { f.Fail("authenticate", x) }, func(ctx context.Context) error {
			return g.Verify(ctx, "", facade.NewSecret(leakPassword))
		}
	}},
}

const (
	matrixAttempts = 3
	// matrixTimeout bounds each request: generous, so that a loaded machine's slow answers are not taken for
	// the "slower than the timeout" case, which delays its answer three times as long.
	matrixTimeout = 2 * time.Second
	matrixMaxBody = 2048
)

// outcome is what a fault must end in: the errors it matches (none: success) and how many requests of the
// operation reached the server, for a write and for a safe request.
type outcome struct {
	is          []error
	writeIs     []error // extra, for writes
	writeHits   int
	safeHits    int
	mustSucceed bool
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name  string
		fault func() facadetest.Fault
		want  outcome
	}{
		{"429 JSON", func() facadetest.Fault {
			return facadetest.Fault{Status: 429, Body: `{"error":"Too many requests"}`}
		}, outcome{is: []error{facade.ErrRateLimited}, writeHits: matrixAttempts, safeHits: matrixAttempts}},
		{"429 text/plain", func() facadetest.Fault {
			return facadetest.Fault{Status: 429, ContentType: "text/plain", Body: "Rate limit exceeded"}
		}, outcome{is: []error{facade.ErrRateLimited}, writeHits: matrixAttempts, safeHits: matrixAttempts}},
		{"Retry-After seconds", func() facadetest.Fault {
			return facadetest.Fault{Status: 429, RetryAfter: "1", Times: 1}
		}, outcome{mustSucceed: true, writeHits: 2, safeHits: 2}},
		{"Retry-After HTTP-date", func() facadetest.Fault {
			return facadetest.Fault{Status: 429, RetryAfter: time.Now().Add(time.Second).UTC().Format(http.TimeFormat), Times: 1}
		}, outcome{mustSucceed: true, writeHits: 2, safeHits: 2}},
		{"500", func() facadetest.Fault {
			return facadetest.Fault{Status: 500, Body: `{"error":"An error has occurred"}`}
		}, outcome{is: []error{facade.ErrServer}, writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"502 HTML", func() facadetest.Fault {
			return facadetest.Fault{Status: 502, ContentType: "text/html", Body: "<html><body>502 Bad Gateway</body></html>"}
		}, outcome{is: []error{facade.ErrServer}, writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"503", func() facadetest.Fault {
			return facadetest.Fault{Status: 503, ContentType: "text/plain", Body: "Service Unavailable"}
		}, outcome{is: []error{facade.ErrServer}, writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: matrixAttempts}},
		{"connection dropped", func() facadetest.Fault {
			return facadetest.Fault{Drop: true}
		}, outcome{writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"truncated JSON", func() facadetest.Fault {
			return facadetest.Fault{Status: 200, Body: `{"status":0,"response":{"valid":true,"requirements":["x"]}}`, Truncate: true}
		}, outcome{writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"slower than the timeout", func() facadetest.Fault {
			return facadetest.Fault{Status: 200, Delay: matrixTimeout + 500*time.Millisecond}
		}, outcome{writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"oversized body", func() facadetest.Fault {
			return facadetest.Fault{Status: 200, Body: `{"pad":"` + strings.Repeat("x", 4*matrixMaxBody) + `"}`}
		}, outcome{is: []error{facade.ErrResponseTooLarge}, writeIs: []error{facade.ErrOutcomeUnknown}, writeHits: 1, safeHits: 1}},
		{"redirect", func() facadetest.Fault {
			return facadetest.Fault{Status: 307, Header: http.Header{"Location": {"https://elsewhere.invalid/steal"}}}
		}, outcome{is: []error{facade.ErrRedirect}, writeHits: 1, safeHits: 1}},
	}
	for _, op := range matrixOps {
		for _, fc := range faults {
			t.Run(op.name+"/"+fc.name, func(t *testing.T) {
				t.Parallel()
				var logs bytes.Buffer
				logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
				hc := &http.Client{Timeout: matrixTimeout}
				fake, arm, call := op.setup(t, hc, facade.WithRetry(matrixAttempts, 2*time.Second),
					facade.WithBackoff(5*time.Millisecond), facade.WithMaxBodyBytes(matrixMaxBody), facade.WithLogger(logger))
				arm(fc.fault())
				err := call(t.Context())

				want, hits := fc.want.is, fc.want.safeHits
				if op.write {
					want, hits = append(append([]error(nil), want...), fc.want.writeIs...), fc.want.writeHits
				}
				if fc.want.mustSucceed {
					require.NoError(t, err)
				} else {
					require.Error(t, err)
				}
				for _, w := range want {
					assert.ErrorIs(t, err, w)
				}
				if !op.write && err != nil {
					assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, "a safe request never has an unknown outcome")
				}
				assert.Equal(t, hits, fake.Hits(op.fop), "requests that reached the server")

				// What went on the wire.
				capt := hc.Transport.(*capture)
				capt.mu.Lock()
				for i, h := range capt.reqs {
					assert.Equal(t, "application/json", h.Get("Accept"))
					assert.Contains(t, h.Get("User-Agent"), "unipass/")
					assert.Empty(t, h.Get("Idempotency-Key"))
					if capt.meth[i] != http.MethodGet && capt.body[i] { // a logout sends no body
						assert.Equal(t, "application/json", h.Get("Content-Type"))
					}
				}
				capt.mu.Unlock()

				// The leak audit: the error, its formats and the debug log hold no secret.
				texts := []string{logs.String()}
				if err != nil {
					texts = append(texts, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
					var apiErr *facade.APIError
					if errors.As(err, &apiErr) {
						texts = append(texts, fmt.Sprintf("%#v", *apiErr))
					}
				}
				assertNoLeak(t, texts...)
				for _, h := range []string{"Authorization", "Token", "Applicationid", "Cookie"} {
					if n := strings.Count(logs.String(), "header."+h+"="); n > 0 {
						assert.Equal(t, n, strings.Count(logs.String(), "header."+h+"=[REDACTED]"), "%s is logged redacted", h)
					}
				}
			})
		}
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func assertNoLeak(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range leakSecrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret leaked into: %s", text)
			}
		}
	}
}

// Every exported type, formatted every way, holds no secret.
func TestFormattedTypesHoldNoSecret(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	_, d := docspaceSetup(t, hc, true)
	_, z, _ := zendeskSetup(t, &http.Client{})
	_, g := glowmarktSetup(t, &http.Client{}, facade.WithAppKeys("fake-app-key", leakAppSecret))
	s := facade.NewSecret(leakPassword)
	values := []any{
		s, &s, d, z, g,
		&facade.APIError{Vendor: facade.VendorZendesk, Operation: facade.OpSetPassword, StatusCode: 422, Message: "m"},
		&facade.InputError{Field: "newPassword", Reason: "must not be empty"},
		facade.ZendeskPolicy([]string{"must be at least 5 characters"}), facade.Capabilities{},
	}
	for _, v := range values {
		assertNoLeak(t, fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v))
	}
}

func TestFailFastReturnsRetryAfter(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	f, d := docspaceSetup(t, hc, false, facade.WithFailFast())
	f.Fail("getPasswordSettings", facadetest.Fault{Status: 429, RetryAfter: "42"})
	start := time.Now()
	_, err := d.Requirements(t.Context(), "")
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 42*time.Second, apiErr.RetryAfter)
	assert.Equal(t, 1, f.Hits("getPasswordSettings"))
	assert.Less(t, time.Since(start), 10*time.Second, "no wait")
}

func TestRetryAfterBeyondMaxWaitIsReturned(t *testing.T) {
	t.Parallel()
	f, d := docspaceSetup(t, &http.Client{}, false, facade.WithRetry(5, time.Second))
	f.Fail("getPasswordSettings", facadetest.Fault{Status: 429, RetryAfter: "900"})
	_, err := d.Requirements(t.Context(), "")
	assert.ErrorIs(t, err, facade.ErrRateLimited)
	assert.Equal(t, 1, f.Hits("getPasswordSettings"))
}

// The context is cancelled once the 503 has reached the manager whole (its body read here, so that the
// cancel cannot cut the answer short): the manager is then waiting out the Retry-After.
func TestCancelStopsTheWait(t *testing.T) {
	t.Parallel()
	f := leakDocSpace(t)
	f.Fail("getPasswordSettings", facadetest.Fault{Status: 503, RetryAfter: "3600"})
	answered, once := make(chan struct{}), sync.Once{}
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		defer once.Do(func() { close(answered) })
		resp, err := f.Client().Transport.RoundTrip(r)
		if err == nil {
			body, readErr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			resp.Body, err = io.NopCloser(bytes.NewReader(body)), readErr
		}
		return resp, err
	})
	d := fixture.DocSpaceManager(t, f, facade.WithAPIKey(leakToken), facade.WithRetry(5, time.Hour),
		facade.WithHTTPClient(&http.Client{Transport: rt}))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := d.Requirements(ctx, "")
		done <- err
	}()
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request was not answered")
	}
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, facade.ErrServer, "the last answer is kept")
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the context did not stop the wait")
	}
	assert.Equal(t, 1, f.Hits("getPasswordSettings"))
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	cred := facade.WithBearerToken("fake-token")
	_, err := facade.NewZendesk("http://example.zendesk.com", cred)
	assert.ErrorIs(t, err, facade.ErrInvalidInput)
	_, err = facade.NewZendesk("http://example.zendesk.com", cred, facade.WithInsecureHTTP())
	assert.NoError(t, err)
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000", "https://example.zendesk.com"} {
		_, err = facade.NewZendesk(ok, cred)
		assert.NoError(t, err, ok)
	}
}

// One manager used from many goroutines at once, for the race detector.
func TestOneManagerManyGoroutines(t *testing.T) {
	t.Parallel()
	f, d := docspaceSetup(t, &http.Client{}, true)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				err = d.SetPassword(t.Context(), matrixUser, facade.NewSecret(leakNew))
			case 1:
				_, err = d.Requirements(t.Context(), "")
			default:
				err = d.SendReset(t.Context(), "a@example.com")
			}
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, f.Hits("authenticate"))
}
