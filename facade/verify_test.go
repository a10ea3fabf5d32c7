package facade_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// verifyCase is Verify on one vendor: a fresh fake and manager whose user's password is leakPassword.
type verifyCase struct {
	vendor string
	user   string
	authOp facadetest.Operation // the fake's operation that checks the password
	ops    []facadetest.Operation
	setup  func(t *testing.T) (fake faultable, m facade.PasswordManager)
}

// faultable is what the three fakes share.
type faultable interface {
	Hits(facadetest.Operation) int
	Fail(facadetest.Operation, facadetest.Fault)
}

// verifyOpts keep retries fast.
var verifyOpts = []facade.Option{facade.WithRetry(3, 2*time.Second), facade.WithBackoff(5 * time.Millisecond)}

var verifyCases = []verifyCase{
	{"docspace", matrixUser, "authenticate", []facadetest.Operation{"authenticate", "getProfileByUserId", "getPasswordSettings", "changeUserPassword"},
		func(t *testing.T) (faultable, facade.PasswordManager) {
			f, d := docspaceSetup(t, &http.Client{}, false, verifyOpts...)
			return f, d
		}},
	{"zendesk", "2", "ShowCurrentUser", []facadetest.Operation{"ShowCurrentUser", "ShowUser", "ShowAccountSettings", "SetUserPassword"},
		func(t *testing.T) (faultable, facade.PasswordManager) {
			f, admin, _ := zendeskSetup(t, &http.Client{}, verifyOpts...)
			return f, admin
		}},
	{"glowmarkt", "", "authenticate", []facadetest.Operation{"authenticate", "userChangePassWord"},
		func(t *testing.T) (faultable, facade.PasswordManager) {
			f, g := glowmarktSetup(t, &http.Client{}, verifyOpts...)
			return f, g
		}},
}

// auditVerify checks that an error and its formats hold no secret, the candidate password included.
func auditVerify(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)}
	var apiErr *facade.APIError
	if errors.As(err, &apiErr) {
		texts = append(texts, fmt.Sprintf("%#v", *apiErr))
	}
	assertNoLeak(t, texts...)
}

func TestVerifyRightAndWrongPassword(t *testing.T) {
	for _, c := range verifyCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			assert.True(t, m.Capabilities().Verify)
			assert.True(t, m.Capabilities().Supports(facade.OpVerify))

			require.NoError(t, m.Verify(t.Context(), c.user, facade.NewSecret(leakPassword)))

			before := fake.Hits(c.authOp)
			err := m.Verify(t.Context(), c.user, facade.NewSecret(leakNew))
			require.ErrorIs(t, err, facade.ErrWrongPassword)
			assert.NotErrorIs(t, err, facade.ErrUnauthorized, "a refused candidate is not a refused manager")
			var apiErr *facade.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, facade.OpVerify, apiErr.Operation)
			assert.Equal(t, 1, fake.Hits(c.authOp)-before, "one attempt per call: never repeated after a refusal")
			auditVerify(t, err)
		})
	}
}

// After a password change the new password verifies and the old one is refused.
func TestVerifyAfterPasswordChange(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	oldPW, newPW := facade.NewSecret(leakPassword), facade.NewSecret(leakNew)

	_, d := docspaceSetup(t, &http.Client{}, false)
	require.NoError(t, d.SetPassword(ctx, matrixUser, newPW))
	assert.NoError(t, d.Verify(ctx, matrixUser, newPW))
	assert.ErrorIs(t, d.Verify(ctx, matrixUser, oldPW), facade.ErrWrongPassword)

	// Zendesk: an admin sets user 1's password, agent 2 changes their own.
	_, admin, agent := zendeskSetup(t, &http.Client{})
	require.NoError(t, admin.SetPassword(ctx, "2", newPW))
	assert.NoError(t, admin.Verify(ctx, "2", newPW))
	assert.ErrorIs(t, admin.Verify(ctx, "2", oldPW), facade.ErrWrongPassword)
	require.NoError(t, agent.ChangePassword(ctx, "2", newPW, oldPW))
	assert.NoError(t, admin.Verify(ctx, "2", oldPW))
	assert.ErrorIs(t, admin.Verify(ctx, "2", newPW), facade.ErrWrongPassword)

	f, g := glowmarktSetup(t, &http.Client{})
	require.NoError(t, g.ChangePassword(ctx, "", oldPW, newPW))
	logins := f.Hits("authenticate")
	assert.NoError(t, g.Verify(ctx, "", newPW))
	assert.ErrorIs(t, g.Verify(ctx, "acc-1", oldPW), facade.ErrWrongPassword)
	assert.Equal(t, 2, f.Hits("authenticate")-logins, "two verifications, no manager login")
	// The manager still works with its own token and its own (changed) login password.
	require.NoError(t, g.ChangePassword(ctx, "acc-1", newPW, oldPW))
	assert.Equal(t, 2, f.Hits("authenticate")-logins)
}

func TestVerifyRetriesRateLimit(t *testing.T) {
	for _, c := range verifyCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			fake.Fail(c.authOp, facadetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0", Times: 1,
				Body: `{"error":"Too many login attempts"}`})
			require.NoError(t, m.Verify(t.Context(), c.user, facade.NewSecret(leakPassword)))
			assert.Equal(t, 2, fake.Hits(c.authOp), "a safe request: sent again after a 429")

			fake.Fail(c.authOp, facadetest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
			require.NoError(t, m.Verify(t.Context(), c.user, facade.NewSecret(leakPassword)))
			assert.Equal(t, 4, fake.Hits(c.authOp), "and after a 503")
		})
	}
}

// A 401 is one refusal: no relogin, no retry, whatever credentials the manager uses.
func TestVerifyRefusalIsOneAttempt(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, d := docspaceSetup(t, &http.Client{}, true) // WithLogin: the manager itself logs in
	_, err := d.Requirements(ctx, "")
	require.NoError(t, err)
	require.Equal(t, 1, f.Hits("authenticate"))
	err = d.Verify(ctx, matrixUser, facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrWrongPassword)
	assert.Equal(t, 2, f.Hits("authenticate"), "the refused login is not followed by a relogin or a retry")
	require.NoError(t, d.Verify(ctx, matrixUser, facade.NewSecret(leakPassword)))
	_, err = d.Requirements(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, 3, f.Hits("authenticate"), "the manager keeps its own token")

	// A hostile vendor that echoes the candidate in its refusal: the text is scrubbed.
	f.Fail("authenticate", facadetest.Fault{Status: http.StatusUnauthorized, Times: 1,
		Body: `{"status":1,"statusCode":401,"error":{"message":"wrong password ` + leakNew + `"}}`})
	err = d.Verify(ctx, matrixUser, facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrWrongPassword)
	assert.Equal(t, 4, f.Hits("authenticate"))
	auditVerify(t, err)

	gf, g := glowmarktSetup(t, &http.Client{})
	gf.Fail("authenticate", facadetest.Fault{Status: http.StatusOK, Body: `{"valid":false}`, Times: 1})
	err = g.Verify(ctx, "", facade.NewSecret(leakPassword))
	require.ErrorIs(t, err, facade.ErrWrongPassword, `a 200 with "valid": false is a refusal`)
	assert.Equal(t, 1, gf.Hits("authenticate"))
	gf.Fail("authenticate", facadetest.Fault{Status: http.StatusUnauthorized, Times: 1,
		Body: `{"error":"Access denied for ` + leakNew + `"}`})
	err = g.Verify(ctx, "", facade.NewSecret(leakNew))
	require.ErrorIs(t, err, facade.ErrWrongPassword)
	assert.Equal(t, 2, gf.Hits("authenticate"))
	auditVerify(t, err)
}

func TestVerifyDocSpaceTwoFactor(t *testing.T) {
	t.Parallel()
	f, d := docspaceSetup(t, &http.Client{}, false)
	const tfaUser = "0b7c9a52-1111-4c3e-9a1d-5d5e5e5e5e5e"
	f.AddUser(facadetest.DocSpaceUser{ID: tfaUser, Email: "tfa@example.com", Password: leakNew, TwoFactor: true})
	assert.NoError(t, d.Verify(t.Context(), tfaUser, facade.NewSecret(leakNew)),
		"DocSpace asks for a second factor only after accepting the password")
	assert.ErrorIs(t, d.Verify(t.Context(), tfaUser, facade.NewSecret(leakPassword)), facade.ErrWrongPassword)

	err := d.Verify(t.Context(), "0b7c9a52-2222-4c3e-9a1d-5d5e5e5e5e5e", facade.NewSecret(leakPassword))
	assert.ErrorIs(t, err, facade.ErrNotFound)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.Zero(t, f.Hits("authenticate")-2, "no login for a user that does not exist")
}

func TestVerifyZendeskPasswordAccess(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, admin, agent := zendeskSetup(t, &http.Client{})

	// Off: Zendesk refuses every password alike; the account settings tell why.
	f.SetPasswordAccess(false)
	for _, pw := range []string{leakPassword, leakNew} {
		err := admin.Verify(ctx, "2", facade.NewSecret(pw))
		require.ErrorIs(t, err, facade.ErrVerifyUnavailable)
		assert.NotErrorIs(t, err, facade.ErrWrongPassword)
		assert.Contains(t, err.Error(), "password access")
		auditVerify(t, err)
	}
	assert.Equal(t, 2, f.Hits("ShowAccountSettings"))
	// The same through a manager that signs in with OAuth.
	assert.ErrorIs(t, agent.Verify(ctx, "2", facade.NewSecret(leakPassword)), facade.ErrVerifyUnavailable)

	// On: a refusal is a wrong password.
	f.SetPasswordAccess(true)
	require.NoError(t, admin.Verify(ctx, "2", facade.NewSecret(leakPassword)))
	assert.Equal(t, 3, f.Hits("ShowAccountSettings"), "the settings are read only after a refusal")
	assert.ErrorIs(t, admin.Verify(ctx, "2", facade.NewSecret(leakNew)), facade.ErrWrongPassword)

	// A 200 for the anonymous user is a refusal too.
	f.Fail("ShowCurrentUser", facadetest.Fault{Status: http.StatusOK, Times: 1,
		Body: `{"user":{"id":null,"name":"Anonymous user","email":"invalid@example.com","role":"end-user"}}`})
	assert.ErrorIs(t, admin.Verify(ctx, "2", facade.NewSecret(leakPassword)), facade.ErrWrongPassword)

	// An answer for another user proves nothing.
	f.Fail("ShowCurrentUser", facadetest.Fault{Status: http.StatusOK, Times: 1, Body: `{"user":{"id":1,"email":"admin@example.com"}}`})
	err := admin.Verify(ctx, "2", facade.NewSecret(leakPassword))
	require.Error(t, err)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)

	// Settings that cannot be read: the refusal proves nothing.
	f.Fail("ShowAccountSettings", facadetest.Fault{Status: http.StatusForbidden, Times: 1, Body: `{"error":"Forbidden"}`})
	err = admin.Verify(ctx, "2", facade.NewSecret(leakNew))
	require.Error(t, err)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.NotErrorIs(t, err, facade.ErrVerifyUnavailable)
	assert.NotErrorIs(t, err, facade.ErrUnauthorized)
	assert.ErrorIs(t, err, facade.ErrForbidden)
	auditVerify(t, err)
}

// Bad input is refused before any request.
func TestVerifyInputCheckedBeforeAnyRequest(t *testing.T) {
	for _, c := range verifyCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			bad := map[string]string{"docspace": "not-a-uuid", "zendesk": "0", "glowmarkt": " acc-1"}[c.vendor]
			for _, call := range []struct {
				user string
				pw   facade.Secret
			}{{bad, facade.NewSecret(leakPassword)}, {c.user, facade.Secret{}}, {c.user, facade.NewSecret("fake\x00pw")}} {
				err := m.Verify(t.Context(), call.user, call.pw)
				var inErr *facade.InputError
				require.ErrorAs(t, err, &inErr, "user %q", call.user)
				assert.ErrorIs(t, err, facade.ErrInvalidInput)
				auditVerify(t, err)
			}
			for _, op := range c.ops {
				assert.Zero(t, fake.Hits(op), op)
			}
		})
	}
}

func TestVerifyGlowmarktAccount(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, g := glowmarktSetup(t, &http.Client{})
	// Another account's ID: refused once the manager's login tells its own account, before the candidate
	// password is sent.
	err := g.Verify(ctx, "acc-2", facade.NewSecret(leakNew))
	var inErr *facade.InputError
	require.ErrorAs(t, err, &inErr)
	assert.Equal(t, 1, f.Hits("authenticate"), "only the manager's own login")
	require.NoError(t, g.Verify(ctx, "acc-1", facade.NewSecret(leakPassword)))

	// WithToken: the username is unknown, so Verify is not supported, and Capabilities say so.
	tf := facadetest.NewGlowmarkt(facadetest.WithT(t))
	tg := fixture.GlowmarktManager(t, tf, facade.WithToken(leakToken))
	assert.False(t, tg.Capabilities().Verify)
	assert.ErrorIs(t, tg.Verify(ctx, "", facade.NewSecret(leakPassword)), facade.ErrUnsupported)
	assert.Zero(t, tf.Hits("authenticate"))
}

// Verify's own lookups fail like any safe request and never as a wrong password.
func TestVerifyLookupFailures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	f, d := docspaceSetup(t, &http.Client{}, false, verifyOpts...)
	f.Fail("getProfileByUserId", facadetest.Fault{Status: http.StatusInternalServerError, Body: `{"status":1,"statusCode":500,"error":{"message":"An error"}}`})
	err := d.Verify(ctx, matrixUser, facade.NewSecret(leakPassword))
	require.ErrorIs(t, err, facade.ErrServer)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.NotErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Zero(t, f.Hits("authenticate"))

	// A disabled DocSpace user: the portal refuses every login, so none is tried.
	f.ClearFaults()
	f.Fail("getProfileByUserId", facadetest.Fault{Status: http.StatusOK, Times: 1,
		Body: `{"response":{"id":"` + matrixUser + `","email":"a@example.com","userName":"a@example.com","status":2},"status":0,"statusCode":200}`})
	err = d.Verify(ctx, matrixUser, facade.NewSecret(leakPassword))
	require.ErrorIs(t, err, facade.ErrVerifyUnavailable)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.Zero(t, f.Hits("authenticate"))
	require.NoError(t, d.Verify(ctx, matrixUser, facade.NewSecret(leakPassword)), "the fault is spent")

	zf, admin, _ := zendeskSetup(t, &http.Client{}, verifyOpts...)
	err = admin.Verify(ctx, "99", facade.NewSecret(leakPassword))
	require.ErrorIs(t, err, facade.ErrNotFound)
	assert.NotErrorIs(t, err, facade.ErrWrongPassword)
	assert.Zero(t, zf.Hits("ShowCurrentUser"))
}

func TestVerifyUsesNoCredentialOfTheManager(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	_, admin, _ := zendeskSetup(t, hc)
	require.NoError(t, admin.Verify(context.Background(), "2", facade.NewSecret(leakPassword)))
	capt := hc.Transport.(*capture)
	capt.mu.Lock()
	defer capt.mu.Unlock()
	require.Len(t, capt.reqs, 2, "the email lookup, then the sign-in")
	r := &http.Request{Header: capt.reqs[1]}
	user, pass, ok := r.BasicAuth()
	require.True(t, ok)
	assert.Equal(t, "agent@example.com", user)
	assert.Equal(t, leakPassword, pass)
}

// The session cookie a Verify login sets never reaches the manager's cookie jar.
func TestVerifyLeavesNoSessionCookie(t *testing.T) {
	t.Parallel()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	f, d := docspaceSetup(t, hc, false)
	u, err := url.Parse(f.URL())
	require.NoError(t, err)
	require.NoError(t, d.Verify(t.Context(), matrixUser, facade.NewSecret(leakPassword)))
	assert.Empty(t, jar.Cookies(u), "the verified user's session stays out of the jar")

	// The control: a login through the jar's client does set the cookie.
	resp, err := hc.Post(f.URL()+"/api/2.0/authentication", "application/json",
		strings.NewReader(`{"userName":"a@example.com","password":"`+leakPassword+`"}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotEmpty(t, jar.Cookies(u))
}
