package facade_test

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// countingServer answers every request with handler (404 when nil) and counts the requests that reached it.
func countingServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if handler == nil {
			http.NotFound(w, r)
			return
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// requireInput asserts an *InputError naming field, and returns its reason.
func requireInput(t *testing.T, err error, field, name string) (reason string) {
	t.Helper()
	var ie *facade.InputError
	require.ErrorAs(t, record(err), &ie, name)
	assert.Equal(t, field, ie.Field, name)
	assert.ErrorIs(t, err, facade.ErrInvalidInput, name)
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown, name)
	return ie.Reason
}

// A credential read from a file keeps its line break; a header value with a control character cannot be
// sent. Each is refused by the constructor, naming the option, and nothing reaches the server.
func TestCredentialsRefusedByTheConstructor(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	cases := []struct {
		name, field string
		build       func() error
	}{
		{"bearer newline", "WithBearerToken", func() error {
			_, err := facade.NewZendesk(srv.URL, facade.WithBearerToken("fake-token\n"))
			return err
		}},
		{"api key newline", "WithAPIKey", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithAPIKey("fake-key\r\n"))
			return err
		}},
		{"glowmarkt token", "WithToken", func() error {
			_, err := facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app"), facade.WithToken("fake-token\n"))
			return err
		}},
		{"token inner control", "WithToken", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithToken("fake\x01token"))
			return err
		}},
		{"user agent CRLF", "WithUserAgent", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithAPIKey("fake-key"), facade.WithUserAgent("a\r\nb"))
			return err
		}},
		{"auth cookie newline", "WithAuthCookie", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithAuthCookie("fake-cookie\n"))
			return err
		}},
		{"auth cookie semicolon", "WithAuthCookie", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithAuthCookie("fake;cookie"))
			return err
		}},
		{"api token space", "WithAPIToken token", func() error {
			_, err := facade.NewZendesk(srv.URL, facade.WithAPIToken(zdAdminMail, " fake-token"))
			return err
		}},
		{"login password newline", "WithLogin password", func() error {
			_, err := facade.NewDocSpace(srv.URL, facade.WithLogin(dsEmail, "fake-Passw0rd\n"))
			return err
		}},
		{"login password invalid UTF-8", "WithLogin password", func() error {
			_, err := facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app"), facade.WithLogin(gmUser, "fake-\xffPassw0rd"))
			return err
		}},
		{"basic password NUL", "WithBasicAuth password", func() error {
			_, err := facade.NewZendesk(srv.URL, facade.WithBasicAuth(zdAdminMail, "fake-\x00Passw0rd"))
			return err
		}},
		{"application ID newline", "WithApplicationID", func() error {
			_, err := facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app\n"), facade.WithToken("fake-token"))
			return err
		}},
		{"app keys", "WithAppKeys secret", func() error {
			_, err := facade.NewGlowmarkt(srv.URL, facade.WithAppKeys("fake-user", "fake-secret\n"))
			return err
		}},
	}
	for _, c := range cases {
		reason := requireInput(t, c.build(), c.field, c.name)
		assert.NotContains(t, reason, "fake", "%s: the reason never holds the value", c.name)
	}
	assert.Zero(t, hits.Load())
}

// net/http warns on the standard logger about a cookie value it must change; the option refuses such a value,
// so nothing is logged outside WithLogger. Not parallel: it swaps the standard logger's output.
func TestNothingLoggedOnTheStandardLogger(t *testing.T) { //nolint:paralleltest // swaps log's output
	var buf bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(prev)
	_, err := facade.NewDocSpace("https://example.invalid", facade.WithAuthCookie("fake-cookie\n"))
	requireInput(t, err, "WithAuthCookie", "cookie")
	d, err := facade.NewDocSpace("https://example.invalid", facade.WithAuthCookie("fake-cookie"))
	require.NoError(t, err)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.invalid/", nil)
	require.NoError(t, d.AuthEditor()(t.Context(), r))
	assert.Empty(t, buf.String())
}

// A password that is not valid UTF-8, holds NUL or has surrounding whitespace is refused before any request,
// by every operation that sends one.
func TestPasswordsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	ctx := t.Context()
	d, err := facade.NewDocSpace(srv.URL, facade.WithAPIKey(dsAPIKey))
	require.NoError(t, err)
	z, err := facade.NewZendesk(srv.URL, fixture.ZendeskAdminToken())
	require.NoError(t, err)
	g, err := facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app"), fixture.GlowmarktLogin())
	require.NoError(t, err)
	good := facade.NewSecret(newPassword)
	for _, bad := range []string{"fake-\xff-Passw0rd", "fake-Passw0rd\n", " fake-Passw0rd", "fake-\x00-Passw0rd"} {
		pw := facade.NewSecret(bad)
		requireInput(t, d.SetPassword(ctx, dsUser, pw), "newPassword", "docspace set")
		requireInput(t, d.ChangePassword(ctx, dsUser, pw, good), "oldPassword", "docspace change")
		requireInput(t, d.Verify(ctx, dsUser, pw), "password", "docspace verify")
		requireInput(t, z.SetPassword(ctx, "7", pw), "newPassword", "zendesk set")
		requireInput(t, z.ChangePassword(ctx, "7", good, pw), "newPassword", "zendesk change")
		requireInput(t, z.Verify(ctx, "7", pw), "password", "zendesk verify")
		requireInput(t, g.ChangePassword(ctx, "", good, pw), "newPassword", "glowmarkt change")
		requireInput(t, g.Verify(ctx, "", pw), "password", "glowmarkt verify")
	}
	assert.Zero(t, hits.Load())
}

// A request the caller's contract-validating RoundTripper refuses never left the machine: the write's error
// is not ErrOutcomeUnknown, and the server saw nothing.
func TestValidatorRefusalIsNotSent(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	v, err := api.NewValidator(api.Zendesk) // the wrong vendor's description: every DocSpace request is refused
	require.NoError(t, err)
	var tries atomic.Int64
	validating := v.RoundTripper(srv.Client().Transport)
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		tries.Add(1)
		return validating.RoundTrip(r)
	})}
	d, err := facade.NewDocSpace(srv.URL, facade.WithHTTPClient(hc), facade.WithAPIKey(dsAPIKey))
	require.NoError(t, err)
	err = d.SetPassword(t.Context(), dsUser, facade.NewSecret(newPassword))
	require.Error(t, record(err))
	assert.ErrorIs(t, err, api.ErrContractViolation)
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Equal(t, int64(1), tries.Load(), "a refusal that would repeat is not tried again")
	_, err = d.Requirements(t.Context(), "")
	assert.ErrorIs(t, record(err), api.ErrContractViolation)
	assert.Equal(t, int64(2), tries.Load(), "not even a safe request")
	assert.Zero(t, hits.Load())
}

// A login token the vendor sends with a line break cannot go in a header: the write it would carry is
// refused unsent (not ErrOutcomeUnknown), and the server sees only the login.
func TestUnsendableHeaderIsNotSent(t *testing.T) {
	t.Parallel()
	var writes atomic.Int64
	srv, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authentication") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"response":{"token":"fake-token\r\nX-Injected: 1","expires":"2099-01-01T00:00:00Z"},"status":0,"statusCode":200}`))
			return
		}
		writes.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	d, err := facade.NewDocSpace(srv.URL, fixture.DocSpaceLogin())
	require.NoError(t, err)
	err = d.SetPassword(t.Context(), dsUser, facade.NewSecret(newPassword))
	require.Error(t, record(err))
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Zero(t, writes.Load())
	assert.Equal(t, int64(1), hits.Load(), "the login only, sent once")
}

// A manager needs the credentials its operations need; what it lacks, Capabilities and the calls say.
func TestMissingCredentials(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	_, err := facade.NewZendesk(srv.URL)
	requireInput(t, err, "credentials", "zendesk without credentials")
	_, err = facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app"))
	requireInput(t, err, "credentials", "glowmarkt with only an application ID")

	g, err := facade.NewGlowmarkt(srv.URL, facade.WithAppKeys("fake-user", "fake-secret"))
	require.NoError(t, err)
	assert.False(t, g.Capabilities().ChangePassword)
	assert.ErrorIs(t, record(g.ChangePassword(t.Context(), "", facade.NewSecret(gmPassword), facade.NewSecret(newPassword))), facade.ErrUnsupported)

	d, err := facade.NewDocSpace(srv.URL)
	require.NoError(t, err)
	assert.Equal(t, facade.Capabilities{SendReset: true}, d.Capabilities())
	assert.ErrorIs(t, record(d.SetPassword(t.Context(), dsUser, facade.NewSecret(newPassword))), facade.ErrUnsupported)
	assert.Zero(t, hits.Load())
}

// One rule for base URLs: the vendor's API prefix is added by every operation, so a base URL holding it is
// refused with the URL to give instead; an empty one says it is empty.
func TestBaseURLRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, url, reason string
		build             func(string) error
	}{
		{"zendesk /api/v2", "https://example.zendesk.com/api/v2", "give https://example.zendesk.com", func(u string) error {
			_, err := facade.NewZendesk(u, facade.WithBearerToken("fake-token"))
			return err
		}},
		{"zendesk /api/v2/", "https://example.zendesk.com/api/v2/", "give https://example.zendesk.com", func(u string) error {
			_, err := facade.NewZendesk(u, facade.WithBearerToken("fake-token"))
			return err
		}},
		{"docspace /api/2.0", "https://portal.example.com/sub/api/2.0", "give https://portal.example.com/sub", func(u string) error {
			_, err := facade.NewDocSpace(u)
			return err
		}},
		{"glowmarkt /api/v0-1", "https://api.glowmarkt.com/api/v0-1", "give https://api.glowmarkt.com", func(u string) error {
			_, err := facade.NewGlowmarkt(u, facade.WithApplicationID("fake-app"), facade.WithToken("fake-token"))
			return err
		}},
		{"empty", "", "must not be empty", func(u string) error {
			_, err := facade.NewDocSpace(u)
			return err
		}},
		{"trailing newline", "https://example.com\n", "whitespace", func(u string) error {
			_, err := facade.NewDocSpace(u)
			return err
		}},
	}
	for _, c := range cases {
		reason := requireInput(t, c.build(c.url), "baseURL", c.name)
		assert.Contains(t, reason, c.reason, c.name)
	}
	_, err := facade.NewZendesk("https://example.zendesk.com/apiv2", facade.WithBearerToken("fake-token"))
	assert.NoError(t, err, "a path that only looks like the prefix is the caller's")
}

// Errors of a call name the vendor and the operation; a number too long for an ID says it is out of range.
func TestCallErrorsNameVendorAndOperation(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	ctx := t.Context()
	z, err := facade.NewZendesk(srv.URL, facade.WithBearerToken("fake-token"))
	require.NoError(t, err)
	d, err := facade.NewDocSpace(srv.URL, facade.WithAPIKey(dsAPIKey))
	require.NoError(t, err)

	err = z.SetPassword(ctx, "abc", facade.NewSecret(newPassword))
	requireInput(t, err, "user", "zendesk user")
	assert.True(t, strings.HasPrefix(err.Error(), "zendesk SetPassword: invalid user: "), err.Error())

	err = z.SetPassword(ctx, "123456789012345678901234", facade.NewSecret(newPassword))
	requireInput(t, err, "user", "24 digits")
	assert.Contains(t, err.Error(), "out of range")

	done, cancel := context.WithCancel(ctx)
	cancel()
	err = z.SetPassword(done, "7", facade.NewSecret(newPassword))
	assert.ErrorIs(t, record(err), context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "zendesk SetPassword: "), err.Error())

	_, err = d.FindUser(ctx, "not-an-email")
	requireInput(t, err, "email", "docspace email")
	assert.True(t, strings.HasPrefix(err.Error(), "docspace FindUser: invalid email: "), err.Error())
	assert.Zero(t, hits.Load())
}

// Nil and zero values give errors, never panics.
func TestNilAndZeroValuesDoNotPanic(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, nil)
	d, err := facade.NewDocSpace(srv.URL, facade.WithAPIKey(dsAPIKey))
	require.NoError(t, err)
	z, err := facade.NewZendesk(srv.URL, facade.WithBearerToken("fake-token"))
	require.NoError(t, err)
	g, err := facade.NewGlowmarkt(srv.URL, facade.WithApplicationID("fake-app"), fixture.GlowmarktLogin())
	require.NoError(t, err)
	var nilCtx context.Context //nolint:staticcheck // the nil context is what is tested
	pw := facade.NewSecret(newPassword)
	for _, m := range []facade.PasswordManager{d, z, g} {
		assert.NotPanics(t, func() {
			requireInput(t, m.ChangePassword(nilCtx, "", pw, pw), "ctx", string(m.Vendor()))
		})
	}
	assert.NotPanics(t, func() {
		requireInput(t, d.SetPassword(nilCtx, dsUser, pw), "ctx", "docspace set")
		requireInput(t, z.Verify(nilCtx, "7", pw), "ctx", "zendesk verify")
		_, err := d.Requirements(nilCtx, "")
		requireInput(t, err, "ctx", "docspace requirements")
	})
	for _, m := range []facade.PasswordManager{&facade.DocSpace{}, &facade.Zendesk{}, &facade.Glowmarkt{}} {
		assert.NotPanics(t, func() {
			err := m.ChangePassword(t.Context(), "", pw, pw)
			assert.Error(t, record(err), "%T", m)
			_ = m.Capabilities()
		})
	}
	assert.NotPanics(t, func() {
		requireInput(t, (&facade.Zendesk{}).SetPassword(t.Context(), "7", pw), "manager", "zero zendesk")
		r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.invalid/", nil)
		assert.Error(t, (&facade.Zendesk{}).AuthEditor()(t.Context(), r))
	})
	var p *facade.Policy
	assert.NotPanics(t, func() {
		assert.Zero(t, p.MinLength())
		assert.False(t, p.Requires(facade.RuleDigit))
		assert.Nil(t, p.Allowed())
		assert.Empty(t, p.Check(pw))
	})
	assert.Zero(t, hits.Load())
}

// Verify's two refusals read differently: the manager's own credentials refused while looking the user up,
// and the password being verified refused.
func TestVerifySaysWhichCredentialsWereRefused(t *testing.T) {
	t.Parallel()
	f := newDocSpaceFake(t)
	ctx := t.Context()
	bad := fixture.DocSpaceManager(t, f, facade.WithAPIKey("fake-wrong-key"))
	err := bad.Verify(ctx, dsUser, facade.NewSecret(dsPassword))
	assert.ErrorIs(t, record(err), facade.ErrUnauthorized)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.Contains(t, err.Error(), "the manager's own credentials were refused")

	good := fixture.DocSpaceManager(t, f, facade.WithAPIKey(dsAPIKey))
	err = good.Verify(ctx, dsUser, facade.NewSecret("fake-wrong-Passw0rd"))
	assert.ErrorIs(t, record(err), facade.ErrWrongPassword)
	assert.Contains(t, err.Error(), "refused the password being verified")
	assert.NotEqual(t, err.Error(), bad.Verify(ctx, dsUser, facade.NewSecret(dsPassword)).Error())

	zf := newZendeskFake(t)
	zbad := fixture.ZendeskManager(t, zf, facade.WithAPIToken(zdAdminMail, "fake-wrong-token"))
	err = zbad.Verify(ctx, "1002", facade.NewSecret(zdAgentPass))
	assert.ErrorIs(t, record(err), facade.ErrUnauthorized)
	assert.Contains(t, err.Error(), "the manager's own credentials were refused")
	zgood := fixture.ZendeskManager(t, zf, fixture.ZendeskAdminToken())
	err = zgood.Verify(ctx, "1002", facade.NewSecret("fake-wrong-Passw0rd"))
	assert.ErrorIs(t, record(err), facade.ErrWrongPassword)
	assert.Contains(t, err.Error(), "refused the password being verified")
}

// A WithLogin manager that changes its own login account's password logs in with the new one afterwards.
func TestOwnLoginPasswordFollowsTheChange(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	t.Run("docspace change", func(t *testing.T) {
		t.Parallel()
		f := newDocSpaceFake(t)
		d := fixture.DocSpaceManager(t, f, fixture.DocSpaceLogin())
		require.NoError(t, record(d.ChangePassword(ctx, dsUser, facade.NewSecret(dsPassword), facade.NewSecret(newPassword))))
		f.ExpireTokens()
		_, err := d.Requirements(ctx, "")
		require.NoError(t, record(err), "the next login uses the new password")
	})
	t.Run("docspace set", func(t *testing.T) {
		t.Parallel()
		f := newDocSpaceFake(t)
		d := fixture.DocSpaceManager(t, f, fixture.DocSpaceLogin())
		require.NoError(t, record(d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword))))
		f.ExpireTokens()
		_, err := d.Requirements(ctx, "")
		require.NoError(t, record(err), "the next login uses the new password")
	})
	t.Run("glowmarkt", func(t *testing.T) {
		t.Parallel()
		f := newGlowmarktFake(t)
		g := fixture.GlowmarktManager(t, f, fixture.GlowmarktLogin())
		require.NoError(t, record(g.ChangePassword(ctx, "", facade.NewSecret(gmPassword), facade.NewSecret(newPassword))))
		f.ExpireTokens()
		require.NoError(t, record(g.Verify(ctx, "", facade.NewSecret(newPassword))))
		require.NoError(t, record(g.ChangePassword(ctx, "", facade.NewSecret(newPassword), facade.NewSecret(gmPassword))),
			"the next login uses the new password")
	})
}

// When the change of its own login password has an unknown outcome, a DocSpace WithLogin manager makes no
// login with either password: the error says why.
func TestOwnLoginPasswordInDoubt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f := newDocSpaceFake(t)
	d := fixture.DocSpaceManager(t, f, fixture.DocSpaceLogin())
	f.Fail("changeUserPassword", facadetest.Fault{After: true, Drop: true, Times: 1})
	err := d.ChangePassword(ctx, dsUser, facade.NewSecret(dsPassword), facade.NewSecret(newPassword))
	require.ErrorIs(t, record(err), facade.ErrOutcomeUnknown)
	f.ExpireTokens()
	logins := f.Hits("authenticate")
	_, err = d.Requirements(ctx, "")
	require.Error(t, record(err))
	assert.Contains(t, err.Error(), "in doubt")
	assert.Equal(t, logins, f.Hits("authenticate"), "no login is tried")
}

// A Secret can be read from JSON or YAML configuration; it still never marshals its value, and its
// redacted form is not read back as a value.
func TestSecretFromConfiguration(t *testing.T) {
	t.Parallel()
	var cfg struct {
		Token facade.Secret `json:"token" yaml:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"token":"fake-token-1"}`), &cfg))
	assert.Equal(t, "fake-token-1", cfg.Token.Reveal())
	require.NoError(t, yaml.Unmarshal([]byte("token: fake-token-2\n"), &cfg))
	assert.Equal(t, "fake-token-2", cfg.Token.Reveal())

	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"token":"[REDACTED]"}`, string(out))
	assert.Error(t, json.Unmarshal(out, &cfg), "the redacted form is not a value")
	_, ok := any(facade.Secret{}).(encoding.TextUnmarshaler)
	assert.False(t, ok, "only *Secret unmarshals")
	_, ok = any(&cfg.Token).(encoding.TextUnmarshaler)
	assert.True(t, ok)
}
