package facade_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// The demo seed's people and credentials, under short names. Every error produced in this package's tests
// is checked for the secrets.
const (
	dsUser      = fixture.DocSpaceUser
	dsMissing   = "0b7c9a52-1111-4c3e-9a1d-5d5e5e5e5e5e"
	dsEmail     = fixture.DocSpaceEmail
	dsPassword  = fixture.DocSpacePassword
	dsAPIKey    = fixture.DocSpaceAPIKey
	dsBearer    = fixture.DocSpaceBearer
	zdAdmin     = fixture.ZendeskAdmin
	zdAgent     = fixture.ZendeskAgent
	zdAdminMail = fixture.ZendeskAdminEmail
	zdAgentMail = fixture.ZendeskAgentEmail
	zdAdminPass = fixture.ZendeskAdminPassword
	zdAgentPass = fixture.ZendeskAgentPassword
	zdAPIToken  = fixture.ZendeskAPIToken
	zdOAuth     = fixture.ZendeskOAuthToken
	gmAccount   = fixture.GlowmarktAccount
	gmUser      = fixture.GlowmarktUser
	gmPassword  = fixture.GlowmarktPassword
	newPassword = "fake-New-Passw0rd-42"
)

var testSecrets = append(fixture.Secrets(), newPassword)

// errorTexts collects every error string the tests see; TestNoSecretInErrors checks them last.
var errorTexts struct {
	sync.Mutex
	all []string
}

func record(err error) error {
	if err != nil {
		errorTexts.Lock()
		errorTexts.all = append(errorTexts.all, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		errorTexts.Unlock()
	}
	return err
}

// The demo seed's fakes under base paths; in the Zendesk one admins may not set passwords.
func newDocSpaceFake(t *testing.T) *facadetest.DocSpace {
	return fixture.DocSpace(t, nil, facadetest.WithBasePath("/portal"))
}

func newZendeskFake(t *testing.T) *facadetest.Zendesk {
	f := fixture.Zendesk(t, nil, facadetest.WithBasePath("/zd"))
	f.SetAdminSetPassword(false)
	return f
}

func newGlowmarktFake(t *testing.T) *facadetest.Glowmarkt {
	return fixture.Glowmarkt(t, nil, facadetest.WithBasePath("/gm"))
}

func TestDocSpaceAuthOptions(t *testing.T) {
	t.Parallel()
	f := newDocSpaceFake(t)
	options := map[string]facade.Option{
		"login":  fixture.DocSpaceLogin(),
		"apikey": facade.WithAPIKey(dsAPIKey),
		"basic":  facade.WithBasicAuth(dsEmail, dsPassword),
		"bearer": facade.WithBearerToken(dsBearer),
	}
	for name, opt := range options {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newDocSpaceFake(t) // its own fake, so the subtests run in parallel
			d := fixture.DocSpaceManager(t, f, opt)
			p, err := d.Requirements(t.Context(), dsUser)
			require.NoError(t, record(err))
			assert.Equal(t, 8, p.MinLength())
		})
	}
	// The session cookie and a raw token: both are what a login returns.
	login := fixture.DocSpaceManager(t, f, fixture.DocSpaceLogin())
	req, err := http.NewRequest(http.MethodGet, "http://unused", nil)
	require.NoError(t, err)
	require.NoError(t, login.AuthEditor()(t.Context(), req))
	token := req.Header.Get("Authorization")
	require.NotEmpty(t, token)
	for _, opt := range []facade.Option{facade.WithToken(token), facade.WithAuthCookie(token)} {
		d := fixture.DocSpaceManager(t, f, opt)
		_, err = d.Requirements(t.Context(), "")
		require.NoError(t, record(err))
	}
	// Wrong credentials are ErrUnauthorized.
	d := fixture.DocSpaceManager(t, f, facade.WithAPIKey("fake-wrong-key"))
	_, err = d.Requirements(t.Context(), "")
	assert.ErrorIs(t, record(err), facade.ErrUnauthorized)
}

func TestDocSpaceOperations(t *testing.T) {
	t.Parallel()
	f := newDocSpaceFake(t)
	d := fixture.DocSpaceManager(t, f, fixture.DocSpaceLogin())
	ctx := t.Context()
	assert.Equal(t, facade.Capabilities{SetPassword: true, ChangePassword: true, SendReset: true, Requirements: true, Verify: true, FindUser: true}, d.Capabilities())

	require.NoError(t, record(d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword))))
	got, _ := f.Password(dsUser)
	assert.Equal(t, newPassword, got)

	err := d.SetPassword(ctx, dsUser, facade.NewSecret("weak"))
	assert.ErrorIs(t, record(err), facade.ErrPasswordRejected)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)

	assert.ErrorIs(t, record(d.SetPassword(ctx, dsMissing, facade.NewSecret(newPassword))), facade.ErrNotFound)

	require.NoError(t, record(d.SendReset(ctx, dsEmail)))
	require.NoError(t, record(d.SendReset(ctx, "nobody@example.com")), "same answer for unknown addresses")
	assert.Equal(t, []string{dsEmail}, f.ResetEmails())

	p, err := d.Requirements(ctx, "")
	require.NoError(t, record(err))
	assert.True(t, p.Requires(facade.RuleUpper))
	assert.True(t, p.Requires(facade.RuleDigit))
	assert.Empty(t, p.Check(facade.NewSecret(newPassword)))
	assert.NotEmpty(t, p.Check(facade.NewSecret("short")))
}

func TestDocSpaceDocumentedErrors(t *testing.T) {
	t.Parallel()
	f := newDocSpaceFake(t)
	d := fixture.DocSpaceManager(t, f, facade.WithAPIKey(dsAPIKey), facade.WithFailFast())
	ctx := t.Context()
	cases := []struct {
		op    facadetest.Operation
		fault facadetest.Fault
		call  func() error
		want  error
	}{
		{"changeUserPassword", facadetest.Fault{Status: 401, Body: `{"status":1,"statusCode":401,"error":{"message":"Unauthorized"}}`},
			func() error { return d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword)) }, facade.ErrUnauthorized},
		{"changeUserPassword", facadetest.Fault{Status: 403},
			func() error { return d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword)) }, facade.ErrForbidden},
		{"changeUserPassword", facadetest.Fault{Status: 429, RetryAfter: "900", Body: `{"status":1,"statusCode":429,"error":{"message":"Too many requests"}}`},
			func() error { return d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword)) }, facade.ErrRateLimited},
		{"changeUserPassword", facadetest.Fault{Status: 502, ContentType: "text/html", Body: "<html>Bad Gateway</html>"},
			func() error { return d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword)) }, facade.ErrServer},
		{"sendUserPassword", facadetest.Fault{Status: 403},
			func() error { return d.SendReset(ctx, dsEmail) }, facade.ErrForbidden},
		{"getPasswordSettings", facadetest.Fault{Status: 500, Body: `{"status":1,"statusCode":500,"error":{"message":"Boom","stack":"at X.Y()"}}`},
			func() error { _, err := d.Requirements(ctx, ""); return err }, facade.ErrServer},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.op, c.fault.Status), func(t *testing.T) {
			c.fault.Times = 1
			f.Fail(c.op, c.fault)
			err := record(c.call())
			assert.ErrorIs(t, err, c.want)
			var apiErr *facade.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, c.fault.Status, apiErr.StatusCode)
			assert.NotContains(t, err.Error(), "at X.Y()")
			assert.NotContains(t, err.Error(), "<html>")
		})
	}
	// A 429's Retry-After and rate-limit headers reach the caller.
	f.Fail("changeUserPassword", facadetest.Fault{Status: 429, RetryAfter: "120", Times: 1,
		Header: http.Header{"X-Ratelimit-Limit": {"5"}, "X-Ratelimit-Remaining": {"0"}}})
	err := d.SetPassword(ctx, dsUser, facade.NewSecret(newPassword))
	var apiErr *facade.APIError
	require.ErrorAs(t, record(err), &apiErr)
	assert.Equal(t, 120.0, apiErr.RetryAfter.Seconds())
	assert.Equal(t, 5, apiErr.RateLimit.Limit)
	assert.Equal(t, 0, apiErr.RateLimit.Remaining)
}

func TestDocSpaceTwoFactor(t *testing.T) {
	t.Parallel()
	f := newDocSpaceFake(t)
	f.AddUser(facadetest.DocSpaceUser{ID: dsMissing, Email: "tfa@example.com", Password: dsPassword, TwoFactor: true})
	d := fixture.DocSpaceManager(t, f, facade.WithLogin("tfa@example.com", dsPassword))
	_, err := d.Requirements(t.Context(), "")
	assert.ErrorIs(t, record(err), facade.ErrTwoFactorRequired)

	f.SetLoginStatus(http.StatusCreated) // older portals
	d, err = facade.NewDocSpace(f.URL(), facade.WithHTTPClient(f.Client()), fixture.DocSpaceLogin())
	require.NoError(t, err)
	_, err = d.Requirements(t.Context(), "")
	require.NoError(t, record(err))

	d, err = facade.NewDocSpace(f.URL(), facade.WithHTTPClient(f.Client()), facade.WithLogin(dsEmail, "fake-wrong-password"))
	require.NoError(t, err)
	err = d.SetPassword(t.Context(), dsUser, facade.NewSecret(newPassword))
	assert.ErrorIs(t, record(err), facade.ErrUnauthorized)
	assert.Equal(t, 0, f.Hits("changeUserPassword"), "no write without a login")
}

func TestZendeskOperations(t *testing.T) {
	t.Parallel()
	f := newZendeskFake(t)
	ctx := t.Context()
	admin := fixture.ZendeskManager(t, f, fixture.ZendeskAdminToken())
	agent := fixture.ZendeskManager(t, f, fixture.ZendeskAgentOAuth())
	assert.Equal(t, facade.Capabilities{SetPassword: true, ChangePassword: true, Requirements: true, Verify: true, FindUser: true}, admin.Capabilities())

	// The admin set-password setting is off by default: 403 with a hint.
	err := admin.SetPassword(ctx, fmt.Sprint(zdAgent), facade.NewSecret(newPassword))
	assert.ErrorIs(t, record(err), facade.ErrForbidden)
	assert.Contains(t, err.Error(), "Settings > Security > Global")

	f.SetAdminSetPassword(true)
	require.NoError(t, record(admin.SetPassword(ctx, fmt.Sprint(zdAgent), facade.NewSecret(newPassword))))
	got, _ := f.Password(zdAgent)
	assert.Equal(t, newPassword, got)

	err = admin.SetPassword(ctx, fmt.Sprint(zdAgent), facade.NewSecret("abc"))
	assert.ErrorIs(t, record(err), facade.ErrPasswordRejected)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "RecordInvalid", apiErr.Code)
	assert.NotEmpty(t, apiErr.Details)

	assert.ErrorIs(t, record(admin.SetPassword(ctx, "999999", facade.NewSecret(newPassword))), facade.ErrNotFound)

	// The agent changes their own password.
	require.NoError(t, record(agent.ChangePassword(ctx, fmt.Sprint(zdAgent), facade.NewSecret(newPassword), facade.NewSecret("fake-Other-Passw0rd"))))
	err = agent.ChangePassword(ctx, fmt.Sprint(zdAgent), facade.NewSecret("fake-wrong-old"), facade.NewSecret("fake-Third-Passw0rd"))
	assert.ErrorIs(t, record(err), facade.ErrPasswordRejected)
	err = agent.ChangePassword(ctx, fmt.Sprint(zdAdmin), facade.NewSecret(zdAdminPass), facade.NewSecret("fake-Third-Passw0rd"))
	assert.ErrorIs(t, record(err), facade.ErrForbidden, "nobody changes another user's password")

	p, err := agent.Requirements(ctx, fmt.Sprint(zdAgent))
	require.NoError(t, record(err))
	assert.Equal(t, 5, p.MinLength())
	assert.Contains(t, p.Rules[len(p.Rules)-1].Text, "email")

	assert.ErrorIs(t, record(admin.SendReset(ctx, zdAgentMail)), facade.ErrUnsupported)

	basic := fixture.ZendeskManager(t, f, facade.WithBasicAuth(zdAdminMail, zdAdminPass))
	_, err = basic.Requirements(ctx, fmt.Sprint(zdAdmin))
	require.NoError(t, record(err))
}

func TestZendeskDocumentedErrors(t *testing.T) {
	t.Parallel()
	f := newZendeskFake(t)
	// Fail fast: the documented statuses themselves, not the retries of 429 and 503.
	z := fixture.ZendeskManager(t, f, fixture.ZendeskAdminToken(), facade.WithFailFast())
	ctx := t.Context()
	for _, c := range []struct {
		fault facadetest.Fault
		want  error
	}{
		{facadetest.Fault{Status: 400, Body: `{"error":"InvalidEndpoint","description":"Bad request"}`}, nil},
		{facadetest.Fault{Status: 401, Body: `{"error":"Couldn't authenticate you"}`}, facade.ErrUnauthorized},
		{facadetest.Fault{Status: 404, Body: `{"error":"RecordNotFound","description":"Not found"}`}, facade.ErrNotFound},
		{facadetest.Fault{Status: 429, RetryAfter: "7", ContentType: "text/plain", Body: "Too many requests"}, facade.ErrRateLimited},
		{facadetest.Fault{Status: 500, ContentType: "text/plain", Body: "oops"}, facade.ErrServer},
		{facadetest.Fault{Status: 503, RetryAfter: "3", Body: `{"error":"Maintenance"}`}, facade.ErrServer},
	} {
		t.Run(fmt.Sprint(c.fault.Status), func(t *testing.T) {
			c.fault.Times = 1
			f.Fail("GetUserPasswordRequirements", c.fault)
			_, err := z.Requirements(ctx, fmt.Sprint(zdAgent))
			_ = record(err)
			var apiErr *facade.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, c.fault.Status, apiErr.StatusCode)
			if c.want != nil {
				assert.ErrorIs(t, err, c.want)
			}
		})
	}
}

func TestGlowmarktOperations(t *testing.T) {
	t.Parallel()
	f := newGlowmarktFake(t)
	ctx := t.Context()
	g := fixture.GlowmarktManager(t, f, fixture.GlowmarktLogin())
	assert.Equal(t, facade.Capabilities{ChangePassword: true, Verify: true}, g.Capabilities())

	assert.ErrorIs(t, record(g.ChangePassword(ctx, gmAccount, facade.NewSecret(gmPassword), facade.NewSecret("short"))), facade.ErrPasswordRejected)
	err := g.ChangePassword(ctx, gmAccount, facade.NewSecret("fake-wrong-old"), facade.NewSecret(newPassword))
	assert.ErrorIs(t, record(err), facade.ErrPasswordRejected, "valid:false is not a success")
	assert.ErrorIs(t, record(g.ChangePassword(ctx, "glow-acc-other", facade.NewSecret(gmPassword), facade.NewSecret(newPassword))), facade.ErrInvalidInput)

	require.NoError(t, record(g.ChangePassword(ctx, gmAccount, facade.NewSecret(gmPassword), facade.NewSecret(newPassword))))
	got, _ := f.Password(gmAccount)
	assert.Equal(t, newPassword, got)

	// After the change, a fresh login uses the new password.
	f.ExpireTokens()
	require.NoError(t, record(g.ChangePassword(ctx, "", facade.NewSecret(newPassword), facade.NewSecret(gmPassword))))

	assert.ErrorIs(t, record(g.SetPassword(ctx, gmAccount, facade.NewSecret(newPassword))), facade.ErrUnsupported)
	assert.ErrorIs(t, record(g.SendReset(ctx, gmUser)), facade.ErrUnsupported)
	_, err = g.Requirements(ctx, gmAccount)
	assert.ErrorIs(t, record(err), facade.ErrUnsupported)

	// The generated client stays reachable for the other account operations.
	resp, err := g.Client().GetAccountStatusbyUserToken(ctx, g.AuthEditor())
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	bad := fixture.GlowmarktManager(t, f, facade.WithLogin(gmUser, "fake-wrong-password"))
	err = bad.ChangePassword(ctx, "", facade.NewSecret(gmPassword), facade.NewSecret(newPassword))
	assert.ErrorIs(t, record(err), facade.ErrUnauthorized)
}

func TestGlowmarktWithTokenAndAppKeys(t *testing.T) {
	t.Parallel()
	f := newGlowmarktFake(t)
	ctx := t.Context()
	login := fixture.GlowmarktManager(t, f, fixture.GlowmarktLogin())
	req, err := http.NewRequest(http.MethodGet, "http://unused", nil)
	require.NoError(t, err)
	require.NoError(t, login.AuthEditor()(ctx, req))
	user, secret := f.AppKeys()
	g := fixture.GlowmarktManager(t, f, facade.WithToken(req.Header.Get("token")), facade.WithAppKeys(user, secret))
	require.NoError(t, record(g.ChangePassword(ctx, "", facade.NewSecret(gmPassword), facade.NewSecret(newPassword))))
	resp, err := g.Client().GetAccountbyID(ctx, gmAccount, g.AppKeysEditor())
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestInputCheckedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	ds, zd, gm := newDocSpaceFake(t), newZendeskFake(t), newGlowmarktFake(t)
	ctx := t.Context()
	d := fixture.DocSpaceManager(t, ds, facade.WithAPIKey(dsAPIKey))
	z := fixture.ZendeskManager(t, zd, fixture.ZendeskAdminToken())
	g := fixture.GlowmarktManager(t, gm, fixture.GlowmarktLogin())
	cases := []struct {
		name, field string
		err         error
	}{
		{"docspace user", "user", d.SetPassword(ctx, "42", facade.NewSecret(newPassword))},
		{"docspace password", "newPassword", d.SetPassword(ctx, dsUser, facade.Secret{})},
		{"docspace email", "email", d.SendReset(ctx, "not-an-email")},
		{"docspace requirements user", "user", func() error { _, err := d.Requirements(ctx, "x"); return err }()},
		{"zendesk user", "user", z.SetPassword(ctx, dsUser, facade.NewSecret(newPassword))},
		{"zendesk zero", "user", z.ChangePassword(ctx, "0", facade.NewSecret(newPassword), facade.NewSecret(newPassword))},
		{"zendesk old", "oldPassword", z.ChangePassword(ctx, "5", facade.Secret{}, facade.NewSecret(newPassword))},
		{"zendesk requirements", "user", func() error { _, err := z.Requirements(ctx, "-1"); return err }()},
		{"glowmarkt new", "newPassword", g.ChangePassword(ctx, "", facade.NewSecret(gmPassword), facade.Secret{})},
	}
	for _, c := range cases {
		var ie *facade.InputError
		require.ErrorAs(t, record(c.err), &ie, c.name)
		assert.Equal(t, c.field, ie.Field, c.name)
		assert.ErrorIs(t, c.err, facade.ErrInvalidInput)
	}
	fakes := map[api.Vendor]interface {
		Hits(facadetest.Operation) int
	}{api.DocSpace: ds, api.Zendesk: zd, api.Glowmarkt: gm}
	for v, f := range fakes {
		for _, op := range facadetest.Operations(v) {
			assert.Zero(t, f.Hits(op), "%s %s", v, op)
		}
	}
}

// TestMain runs every test, then checks that no error seen in this package's tests holds a test secret.
func TestMain(m *testing.M) {
	code := m.Run()
	errorTexts.Lock()
	defer errorTexts.Unlock()
	for _, text := range errorTexts.all {
		for _, s := range testSecrets {
			if strings.Contains(text, s) {
				fmt.Printf("secret audit: error %q holds a test secret\n", text)
				code = 1
			}
		}
	}
	os.Exit(code)
}
