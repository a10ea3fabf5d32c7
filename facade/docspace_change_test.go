package facade_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// A second DocSpace user, with two-factor authentication on.
const dsTFAUser = "1f0c5d8e-2222-4c3e-9a1d-5d5e5e5e5e5e"

// changeSetup is a DocSpace fake and a manager holding an API key (leakToken); the user matrixUser
// (a@example.com) has the password leakPassword.
func changeSetup(t *testing.T, opts ...facade.Option) (*facadetest.DocSpace, *facade.DocSpace, *capture) {
	t.Helper()
	hc := &http.Client{}
	f, d := docspaceSetup(t, hc, false, append(opts, verifyOpts...)...)
	f.AddUser(facadetest.DocSpaceUser{ID: dsTFAUser, Email: "tfa@example.com", Password: leakPassword, TwoFactor: true})
	return f, d, hc.Transport.(*capture)
}

// putHeaders returns the headers of the PUT requests (the password writes) seen so far.
func (c *capture) putHeaders() []http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []http.Header
	for i, m := range c.meth {
		if m == http.MethodPut {
			out = append(out, c.reqs[i])
		}
	}
	return out
}

// The right old password: the new one is in effect, the old one no longer is, and the write carried the
// user's own session token, not the manager's key.
func TestDocSpaceChangePasswordRightOldPassword(t *testing.T) {
	t.Parallel()
	f, d, capt := changeSetup(t)
	assert.True(t, d.Capabilities().ChangePassword)
	assert.True(t, d.Capabilities().Supports(facade.OpChangePassword))

	require.NoError(t, d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew)))
	pw, _ := f.Password(matrixUser)
	assert.Equal(t, leakNew, pw)
	require.NoError(t, d.Verify(t.Context(), matrixUser, facade.NewSecret(leakNew)))
	require.ErrorIs(t, d.Verify(t.Context(), matrixUser, facade.NewSecret(leakPassword)), facade.ErrWrongPassword)

	puts := capt.putHeaders()
	require.Len(t, puts, 1)
	auth := puts[0].Get("Authorization")
	assert.True(t, strings.HasPrefix(auth, "fake-token-"), "the login's session token, raw: %q", auth)
	assert.NotEqual(t, leakToken, auth, "not the manager's key")
	assert.Empty(t, puts[0].Get("Cookie"))
	assert.Equal(t, 1, f.Hits("changeUserPassword"))
	assert.Equal(t, 1, f.Hits("getProfileByUserId")-2, "one profile lookup for the change (two for the Verify calls)")
}

// A wrong old password: the login is refused, nothing is written, and the error is the one Zendesk's and
// Glowmarkt's ChangePassword give for a wrong old password.
func TestDocSpaceChangePasswordWrongOldPassword(t *testing.T) {
	t.Parallel()
	f, d, capt := changeSetup(t)
	err := d.ChangePassword(t.Context(), matrixUser, facade.NewSecret("fake-Wrong-Passw0rd-9"), facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrPasswordRejected)
	assert.NotErrorIs(t, err, facade.ErrUnauthorized, "a refused old password is not a refused manager")
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, facade.OpChangePassword, apiErr.Operation)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "refused the old password")

	pw, _ := f.Password(matrixUser)
	assert.Equal(t, leakPassword, pw, "the fake's state is unchanged")
	assert.Zero(t, f.Hits("changeUserPassword"), "nothing written")
	assert.Empty(t, capt.putHeaders())
	assert.Equal(t, 1, f.Hits("authenticate"), "one login attempt, never repeated after a refusal")
	auditVerify(t, err)
}

// The same sentinel for a wrong old password on the other vendors with ChangePassword.
func TestChangePasswordWrongOldPasswordSentinelAcrossVendors(t *testing.T) {
	t.Parallel()
	_, d, _ := changeSetup(t)
	_, _, agent := zendeskSetup(t, &http.Client{})
	_, g := glowmarktSetup(t, &http.Client{})
	for _, m := range []struct {
		m    facade.PasswordManager
		user string
	}{{d, matrixUser}, {agent, "2"}, {g, ""}} {
		err := m.m.ChangePassword(t.Context(), m.user, facade.NewSecret("fake-Wrong-Passw0rd-9"), facade.NewSecret(leakNew))
		assert.ErrorIs(t, err, facade.ErrPasswordRejected, "%s", m.m.Vendor())
		auditVerify(t, err)
	}
}

// A new password the policy refuses: 400, ErrPasswordRejected, nothing changed.
func TestDocSpaceChangePasswordWeakNewPassword(t *testing.T) {
	t.Parallel()
	f, d, _ := changeSetup(t)
	err := d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret("weak"))
	require.ErrorIs(t, err, facade.ErrPasswordRejected)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Empty(t, apiErr.Hint, "the old password was accepted")
	pw, _ := f.Password(matrixUser)
	assert.Equal(t, leakPassword, pw)
	assert.Equal(t, 1, f.Hits("changeUserPassword"))
}

// A two-factor account: the login gives no token, so nothing can be written.
func TestDocSpaceChangePasswordTwoFactor(t *testing.T) {
	t.Parallel()
	f, d, _ := changeSetup(t)
	err := d.ChangePassword(t.Context(), dsTFAUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrTwoFactorRequired)
	assert.NotErrorIs(t, err, facade.ErrPasswordRejected)
	assert.Contains(t, err.Error(), "nothing was changed")
	pw, _ := f.Password(dsTFAUser)
	assert.Equal(t, leakPassword, pw)
	assert.Zero(t, f.Hits("changeUserPassword"))
}

// The write's answer is lost: the outcome is unknown, and the write is not sent again. When the portal
// committed the write first, Verify then settles it: the new password is in effect.
func TestDocSpaceChangePasswordAnswerLost(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		fault   facadetest.Fault
		applied bool
	}{
		"dropped":                 {facadetest.Fault{Drop: true}, false},
		"truncated":               {facadetest.Fault{Status: http.StatusOK, Body: `{"response":{"id":"x"},"status":0}`, Truncate: true}, false},
		"500":                     {facadetest.Fault{Status: http.StatusInternalServerError, Body: `{"status":1,"error":{"message":"boom"}}`}, false},
		"committed, then dropped": {facadetest.Fault{Drop: true, After: true}, true},
		"committed, then 502":     {facadetest.Fault{Status: http.StatusBadGateway, ContentType: "text/html", Body: "<html>502</html>", After: true}, true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, d, _ := changeSetup(t)
			f.Fail("changeUserPassword", c.fault)
			err := d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
			require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
			assert.NotErrorIs(t, err, facade.ErrPasswordRejected)
			assert.Equal(t, 1, f.Hits("changeUserPassword"), "one write at the fake")
			auditVerify(t, err)

			want := map[bool]string{false: leakPassword, true: leakNew}[c.applied]
			pw, _ := f.Password(matrixUser)
			assert.Equal(t, want, pw)
			require.NoError(t, d.Verify(t.Context(), matrixUser, facade.NewSecret(want)), "Verify settles the doubt")
		})
	}
}

// A disabled user cannot log in: ErrForbidden, and no login with the old password is tried.
func TestDocSpaceChangePasswordDisabledUser(t *testing.T) {
	t.Parallel()
	f, d, _ := changeSetup(t)
	f.Fail("getProfileByUserId", facadetest.Fault{Status: http.StatusOK, Times: 1,
		Body: `{"response":{"id":"` + matrixUser + `","email":"a@example.com","status":2},"status":0,"statusCode":200}`})
	err := d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrForbidden)
	assert.Contains(t, err.Error(), "disabled")
	assert.Zero(t, f.Hits("authenticate"))
	assert.Zero(t, f.Hits("changeUserPassword"))
}

// Bad input is refused before any request; an unknown user ends at the profile lookup.
func TestDocSpaceChangePasswordInput(t *testing.T) {
	t.Parallel()
	f, d, _ := changeSetup(t)
	for _, c := range []struct{ user, old, new string }{
		{"not-a-uuid", leakPassword, leakNew}, {matrixUser, "", leakNew}, {matrixUser, leakPassword, ""},
	} {
		err := d.ChangePassword(t.Context(), c.user, facade.NewSecret(c.old), facade.NewSecret(c.new))
		require.ErrorIs(t, err, facade.ErrInvalidInput)
	}
	assert.Zero(t, f.Hits("getProfileByUserId"))

	err := d.ChangePassword(t.Context(), "0b7c9a52-1111-4c3e-9a1d-5d5e5e5e5e5e", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrNotFound)
	assert.Zero(t, f.Hits("authenticate"))
}

// A manager whose HTTP client keeps cookies (its own login set asc_auth_key): neither that cookie nor the
// user's session cookie rides along on the write, and the manager's own session is unchanged afterwards.
func TestDocSpaceChangePasswordKeepsSessionsApart(t *testing.T) {
	t.Parallel()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	f, d := docspaceSetup(t, hc, true, verifyOpts...)
	f.AddUser(facadetest.DocSpaceUser{ID: dsTFAUser, Email: "b@example.com", Password: leakPassword})
	_, err = d.Requirements(t.Context(), "") // the manager logs in as a@example.com
	require.NoError(t, err)

	_, err = d.Requirements(t.Context(), "")
	require.NoError(t, err)
	capt := hc.Transport.(*capture)
	capt.mu.Lock()
	managerCookie := capt.reqs[len(capt.reqs)-1].Get("Cookie")
	capt.mu.Unlock()
	require.Contains(t, managerCookie, "asc_auth_key=", "the jar holds the manager's session cookie")

	require.NoError(t, d.ChangePassword(t.Context(), dsTFAUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew)))
	puts := capt.putHeaders()
	require.Len(t, puts, 1)
	assert.Empty(t, puts[0].Get("Cookie"), "no cookie of either session")
	pw, _ := f.Password(dsTFAUser)
	assert.Equal(t, leakNew, pw)

	// The manager still acts as itself, with its own cached token: no new login.
	logins := f.Hits("authenticate")
	_, err = d.Requirements(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, logins, f.Hits("authenticate"))
}

// echoAuth answers every password write itself with a 500 whose body echoes the Authorization header, as a
// hostile or broken vendor might: the session token must not reach the error.
type echoAuth struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen string
}

func (e *echoAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPut {
		return e.next.RoundTrip(r)
	}
	auth := r.Header.Get("Authorization")
	e.mu.Lock()
	e.seen = auth
	e.mu.Unlock()
	body := `{"status":1,"statusCode":500,"error":{"message":"session ` + auth + ` failed"}}`
	return &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewBufferString(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func TestDocSpaceChangePasswordSessionTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	f := leakDocSpace(t)
	echo := &echoAuth{next: f.Client().Transport}
	d, err := facade.NewDocSpace(f.URL(), facade.WithHTTPClient(&http.Client{Transport: echo}), facade.WithAPIKey(leakToken))
	require.NoError(t, err)
	err = d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	echo.mu.Lock()
	token := echo.seen
	echo.mu.Unlock()
	require.NotEmpty(t, token)
	var apiErr *facade.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, err.Error(), "[REDACTED]", "the echo is there, scrubbed")
	assert.NotContains(t, string(apiErr.RawBody()), token)
	for _, text := range []string{err.Error(), apiErr.GoString()} {
		assert.NotContains(t, text, token)
	}
	auditVerify(t, err)
}
