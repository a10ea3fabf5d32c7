package facadetest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/gen/docspace"
	"github.com/unipass/unipass/internal/fixture"
)

// Obviously fake DocSpace test data.
const (
	dsID       = fixture.DocSpaceUser
	dsTFAID    = "1f0c5d8e-2222-4c3e-9a1d-5d5e5e5e5e5e"
	dsMissing  = "0b7c9a52-1111-4c3e-9a1d-5d5e5e5e5e5e"
	dsEmail    = fixture.DocSpaceEmail
	dsTFAEmail = "tfa@example.com"
	dsPassword = fixture.DocSpacePassword
	dsNew      = "fake-Passw0rd-2"
	dsAPIKey   = fixture.DocSpaceAPIKey
	dsBearer   = fixture.DocSpaceBearer

	dsPasswordPath = "/api/2.0/people/" + dsID + "/password"
	dsSettingsPath = "/api/2.0/settings/security/password"
	dsUnauthorized = `{"status":1,"statusCode":401,"error":{"message":"Unauthorized"}}`
)

// newDocSpace is the demo seed's DocSpace fake and a user with two-factor login.
func newDocSpace(t *testing.T, opts ...facadetest.Option) *facadetest.DocSpace {
	t.Helper()
	f := fixture.DocSpace(t, nil, opts...)
	f.AddUser(facadetest.DocSpaceUser{ID: dsTFAID, Email: dsTFAEmail, Password: dsPassword, TwoFactor: true})
	return f
}

func dsLogin(t *testing.T, f *facadetest.DocSpace) string {
	t.Helper()
	resp := call(t, f, http.MethodPost, "/api/2.0/authentication", `{"userName":"`+dsEmail+`","password":"`+dsPassword+`"}`)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	var out struct {
		Response struct{ Token string }
	}
	require.NoError(t, json.Unmarshal([]byte(resp.body), &out))
	require.NotEmpty(t, out.Response.Token)
	return out.Response.Token
}

func TestDocSpaceLogin(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	login := func(user, pass string) *response {
		return call(t, f, http.MethodPost, "/api/2.0/authentication", `{"userName":"`+user+`","password":"`+pass+`"}`)
	}

	resp := login("", dsPassword)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Empty(t, resp.body)
	resp = login("nobody@example.com", dsPassword)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.Empty(t, resp.body)
	resp = login(dsEmail, "fake-Wrong-1")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, dsUnauthorized, resp.body)

	resp = login(dsTFAEmail, dsPassword)
	require.Equal(t, http.StatusOK, resp.status)
	var tfa struct {
		Response map[string]any
		Status   int
	}
	require.NoError(t, json.Unmarshal([]byte(resp.body), &tfa))
	assert.Equal(t, true, tfa.Response["tfa"])
	assert.Equal(t, false, tfa.Response["sms"])
	assert.NotEmpty(t, tfa.Response["confirmUrl"])
	assert.NotContains(t, tfa.Response, "token")

	f.SetTokenTTL(2 * time.Hour)
	resp = login(dsEmail, dsPassword)
	require.Equal(t, http.StatusOK, resp.status)
	var ok struct {
		Response   struct{ Token, Expires string }
		Status     int
		StatusCode int
	}
	require.NoError(t, json.Unmarshal([]byte(resp.body), &ok))
	assert.Equal(t, 0, ok.Status)
	assert.Equal(t, 200, ok.StatusCode)
	exp, err := time.Parse(time.RFC3339, ok.Response.Expires)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(2*time.Hour), exp, time.Minute)

	// The token works raw in Authorization and as the asc_auth_key cookie, until it expires.
	tok := ok.Response.Token
	assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, dsSettingsPath, "", "Authorization", tok).status)
	assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, dsSettingsPath, "", "Cookie", "asc_auth_key="+tok).status)
	f.ExpireTokens()
	resp = call(t, f, http.MethodGet, dsSettingsPath, "", "Authorization", tok)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, dsUnauthorized, resp.body)
	assert.Equal(t, http.StatusUnauthorized, call(t, f, http.MethodGet, dsSettingsPath, "", "Cookie", "asc_auth_key="+tok).status)

	f.SetLoginStatus(http.StatusCreated)
	assert.Equal(t, http.StatusCreated, login(dsEmail, dsPassword).status)
	assert.Equal(t, 6, f.Hits("authenticate"))
	assert.Empty(t, f.Violations())
}

func TestDocSpaceCredentials(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	tok := dsLogin(t, f)
	good := map[string][]string{
		"login token": {"Authorization", tok},
		"cookie":      {"Cookie", "asc_auth_key=" + tok},
		"api key":     {"Authorization", dsAPIKey},
		"bearer":      {"Authorization", "Bearer " + dsBearer},
		"basic":       {"Authorization", basic(dsEmail, dsPassword)},
		// The portal strips a leading "Bearer " from the login token and the API key, wherever they are.
		"bearer login token":  {"Authorization", "Bearer " + tok},
		"bearer api key":      {"Authorization", "Bearer " + dsAPIKey},
		"bearer in cookie":    {"Cookie", "asc_auth_key=Bearer " + tok},
		"spaces around token": {"Authorization", "  " + tok + " "},
	}
	for name, kv := range good {
		resp := call(t, f, http.MethodGet, dsSettingsPath, "", kv...)
		assert.Equal(t, http.StatusOK, resp.status, name)
	}
	bad := map[string][]string{
		"unknown key":       {"Authorization", "fake-unknown-key"},
		"raw bearer":        {"Authorization", dsBearer},
		"lower-case bearer": {"Authorization", "bearer " + tok},
		"unknown cookie":    {"Cookie", "asc_auth_key=fake-unknown"},
		"wrong password":    {"Authorization", basic(dsEmail, "fake-Wrong-1")},
		"unknown user":      {"Authorization", basic("nobody@example.com", dsPassword)},
		"bearer of bearer":  {"Authorization", "Bearer Bearer " + tok},
	}
	for name, kv := range bad {
		resp := call(t, f, http.MethodPut, dsPasswordPath, `{"password":"`+dsNew+`"}`, kv...)
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, dsUnauthorized, resp.body, name)
		assert.Equal(t, "application/json; charset=utf-8", resp.header.Get("Content-Type"))
	}
	pw, _ := f.Password(dsID)
	assert.Equal(t, dsPassword, pw, "refused requests change nothing")
	assert.Empty(t, f.Violations())
}

func TestDocSpaceChangePassword(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	auth := []string{"Authorization", dsAPIKey}

	resp := call(t, f, http.MethodPut, dsPasswordPath, `{"password":"`+dsNew+`"}`, auth...)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	var profile docspace.EmployeeFullWrapper
	require.NoError(t, json.Unmarshal([]byte(resp.body), &profile))
	require.NotNil(t, profile.Response)
	assert.Equal(t, dsID, *profile.Response.ID)
	assert.Equal(t, fixture.DocSpaceName, *profile.Response.DisplayName)
	assert.Equal(t, dsEmail, *profile.Response.Email)
	assert.Equal(t, docspace.EmployeeStatus(1), *profile.Response.Status)
	assert.Equal(t, docspace.EmployeeActivationStatus(1), *profile.Response.ActivationStatus)
	assert.False(t, *profile.Response.IsAdmin)
	assert.Equal(t, int32(0), *profile.Status)
	pw, ok := f.Password(dsID)
	require.True(t, ok)
	assert.Equal(t, dsNew, pw)

	// The default policy: 8 characters, an upper-case letter and a digit, printable ASCII.
	for _, weak := range []string{"fake-P1", "fake-passw0rd", "fake-Password", "fake-Passw0rd ü"} {
		resp = call(t, f, http.MethodPut, dsPasswordPath, `{"password":"`+weak+`"}`, auth...)
		assert.Equal(t, http.StatusBadRequest, resp.status, weak)
		assert.JSONEq(t, `{"status":1,"statusCode":400,"error":{"message":"The password does not meet the password policy"}}`, resp.body)
		assert.Equal(t, "application/json; charset=utf-8", resp.header.Get("Content-Type"))
	}
	f.SetPolicy(facadetest.DocSpacePolicy{MinLength: 12, SpecSymbols: true})
	assert.Equal(t, http.StatusBadRequest, call(t, f, http.MethodPut, dsPasswordPath, `{"password":"fakepassword1"}`, auth...).status)
	assert.Equal(t, http.StatusOK, call(t, f, http.MethodPut, dsPasswordPath, `{"password":"fake-password"}`, auth...).status)

	resp = call(t, f, http.MethodPut, dsPasswordPath, `{"passwordHash":"fake-hash-value"}`, auth...)
	assert.Equal(t, http.StatusOK, resp.status)
	pw, _ = f.Password(dsID)
	assert.Equal(t, "hash:fake-hash-value", pw)

	resp = call(t, f, http.MethodPut, "/api/2.0/people/"+dsMissing+"/password", `{"password":"`+dsNew+`"}`, auth...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.Empty(t, resp.body)
	_, ok = f.Password(dsMissing)
	assert.False(t, ok)

	assert.Equal(t, 9, f.Hits("changeUserPassword"))
	assert.Empty(t, f.Violations())
}

func TestDocSpacePasswordSettings(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	resp := call(t, f, http.MethodGet, dsSettingsPath, "", "Authorization", dsAPIKey)
	require.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"response":{"minLength":8,"upperCase":true,"digits":true,"specSymbols":false,
		"allowedCharactersRegexStr":"^[\\x21-\\x7E]+$","upperCaseRegexStr":"(?=.*[A-Z])","digitsRegexStr":"(?=.*\\d)",
		"specSymbolsRegexStr":"(?=.*[\\x21-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7E])"},"status":0,"statusCode":200}`, resp.body)

	// The generated client reads the same through typed models.
	c, err := docspace.NewClientWithResponses(f.URL(), docspace.WithHTTPClient(f.Client()),
		docspace.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", basic(dsEmail, dsPassword))
			return nil
		}))
	require.NoError(t, err)
	f.SetPolicy(facadetest.DocSpacePolicy{MinLength: 10, Digits: true, SpecSymbols: true})
	got, err := c.GetPasswordSettingsWithResponse(t.Context())
	require.NoError(t, err)
	require.NotNil(t, got.JSON200)
	p := got.JSON200.Response
	assert.Equal(t, int32(10), *p.MinLength)
	assert.False(t, *p.UpperCase)
	assert.True(t, *p.Digits)
	assert.True(t, *p.SpecSymbols)
	assert.Empty(t, f.Violations())
}

func TestDocSpaceSendReset(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	c, err := docspace.NewClientWithResponses(f.URL(), docspace.WithHTTPClient(f.Client()))
	require.NoError(t, err)
	for _, email := range []string{"nobody@example.com", dsEmail} {
		resp, err := c.SendUserPasswordWithResponse(t.Context(), docspace.EmailMemberRequest{Email: email})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode())
		assert.JSONEq(t, `{"response":"If a user with the `+email+` email exists, the password change instruction has been sent to this email address.","status":0,"statusCode":200}`, string(resp.Body))
	}
	assert.Equal(t, []string{dsEmail}, f.ResetEmails(), "only existing users get an email")
	assert.Equal(t, 2, f.Hits("sendUserPassword"))

	// The generated client can change the password too (the user ID is a UUID there).
	resp, err := c.ChangeUserPasswordWithResponse(t.Context(), uuid.MustParse(dsID),
		docspace.ChangePasswordRequest{Password: ptr(dsNew)},
		func(_ context.Context, r *http.Request) error { r.Header.Set("Authorization", dsAPIKey); return nil })
	require.NoError(t, err)
	require.NotNil(t, resp.JSON200)
	assert.Equal(t, dsID, *resp.JSON200.Response.ID)
	assert.Empty(t, f.Violations())
}

func ptr[T any](v T) *T { return &v }

// GET /api/2.0/people/@self answers the caller's own profile, whatever form the credentials take; @self is
// never read as a user ID.
func TestDocSpaceSelfProfile(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	tok := dsLogin(t, f)
	for name, kv := range map[string][]string{
		"login token":   {"Authorization", tok},
		"bearer token":  {"Authorization", "Bearer " + tok},
		"cookie":        {"Cookie", "asc_auth_key=" + tok},
		"api key owner": {"Authorization", dsAPIKey},
		"basic":         {"Authorization", basic(dsEmail, dsPassword)},
	} {
		resp := call(t, f, http.MethodGet, "/api/2.0/people/@self", "", kv...)
		require.Equal(t, http.StatusOK, resp.status, name)
		var w docspace.EmployeeFullWrapper
		require.NoError(t, json.Unmarshal([]byte(resp.body), &w), name)
		require.NotNil(t, w.Response, name)
		assert.Equal(t, dsID, *w.Response.ID, name)
		assert.Equal(t, dsEmail, *w.Response.Email, name)
	}
	resp := call(t, f, http.MethodGet, "/api/2.0/people/@self", "", "Authorization", "fake-unknown-key")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, dsUnauthorized, resp.body)
	assert.Equal(t, 6, f.Hits("getSelfProfile"))
	assert.Zero(t, f.Hits("getProfileByUserId"))
	assert.Empty(t, f.Violations())

	c, err := docspace.NewClient(f.URL(), docspace.WithHTTPClient(f.Client()))
	require.NoError(t, err)
	r, err := c.GetSelfProfile(t.Context(), func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+tok)
		return nil
	})
	require.NoError(t, err)
	_ = r.Body.Close()
	assert.Equal(t, http.StatusOK, r.StatusCode)
}

// The portal binds JSON property names without regard to case, and so does the fake; the contract check
// agrees.
func TestDocSpaceCaseInsensitiveBody(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	resp := call(t, f, http.MethodPut, dsPasswordPath, `{"Password":"`+dsNew+`"}`, "Authorization", dsAPIKey)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	pw, _ := f.Password(dsID)
	assert.Equal(t, dsNew, pw)
	resp = call(t, f, http.MethodPost, "/api/2.0/authentication", `{"UserName":"`+dsEmail+`","PASSWORD":"`+dsNew+`"}`)
	assert.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Empty(t, f.Violations())
}
