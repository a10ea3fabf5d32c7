package facadetest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/gen/glowmarkt"
	"github.com/unipass/unipass/internal/fixture"
)

// Obviously fake Glowmarkt test data.
const (
	gmAccount  = fixture.GlowmarktAccount
	gmOther    = "glow-acc-0002"
	gmUser     = fixture.GlowmarktUser
	gmPassword = fixture.GlowmarktPassword

	gmDenied = `{"error":"Access denied"}`
)

// newGlowmarkt is the demo seed's Glowmarkt fake and a second account.
func newGlowmarkt(t *testing.T, opts ...facadetest.Option) *facadetest.Glowmarkt {
	t.Helper()
	f := fixture.Glowmarkt(t, nil, opts...)
	f.AddAccount(facadetest.GlowmarktAccount{AccountID: gmOther, Username: "other@example.com", Password: gmPassword})
	return f
}

// gmLogin logs in and returns the headers of user operations.
func gmLogin(t *testing.T, f *facadetest.Glowmarkt) []string {
	t.Helper()
	resp := call(t, f, http.MethodPost, "/api/v0-1/auth", `{"username":"`+gmUser+`","password":"`+gmPassword+`"}`,
		"applicationId", f.ApplicationID())
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	var out struct{ Token string }
	require.NoError(t, json.Unmarshal([]byte(resp.body), &out))
	return []string{"applicationId", f.ApplicationID(), "token", out.Token}
}

func TestGlowmarktLogin(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	assert.Equal(t, "fake-application-id", f.ApplicationID())
	login := func(appID, user, pass string) *response {
		return call(t, f, http.MethodPost, "/api/v0-1/auth", `{"username":"`+user+`","password":"`+pass+`"}`, "applicationId", appID)
	}
	for name, resp := range map[string]*response{
		"wrong application": login("fake-other-app", gmUser, gmPassword),
		"wrong password":    login(f.ApplicationID(), gmUser, "fake-Wrong-1"),
		"unknown user":      login(f.ApplicationID(), "nobody@example.com", gmPassword),
	} {
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, gmDenied, resp.body, name)
	}

	f.SetTokenTTL(time.Hour)
	c, err := glowmarkt.NewClientWithResponses(f.URL(), glowmarkt.WithHTTPClient(f.Client()))
	require.NoError(t, err)
	got, err := c.AuthenticateWithResponse(t.Context(), glowmarkt.AuthRequest{Username: gmUser, Password: ptr(gmPassword)},
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("applicationId", f.ApplicationID())
			return nil
		})
	require.NoError(t, err)
	require.NotNil(t, got.JSON200)
	res := got.JSON200
	assert.True(t, *res.Valid)
	assert.NotEmpty(t, *res.Token)
	assert.Equal(t, gmAccount, *res.AccountID)
	assert.Equal(t, "fake-application-id", *res.ApplicationID)
	assert.Equal(t, fixture.GlowmarktName, *res.Name)
	assert.InDelta(t, time.Now().Add(time.Hour).Unix(), *res.Exp, 60)

	f.SetApplicationID("fake-application-id-2")
	assert.Equal(t, http.StatusUnauthorized, login("fake-application-id", gmUser, gmPassword).status)
	assert.Equal(t, http.StatusOK, login("fake-application-id-2", gmUser, gmPassword).status)
	assert.Equal(t, 6, f.Hits("authenticate"))
	assert.Empty(t, f.Violations())
}

func TestGlowmarktChangePassword(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	user := gmLogin(t, f)
	path := "/api/v0-1/account/changepassword"
	change := func(old, next string, kv ...string) *response {
		return call(t, f, http.MethodPost, path, `{"oldPassword":"`+old+`","newPassword":"`+next+`"}`, kv...)
	}

	resp := change("", "fake-Passw0rd-2", user...)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, `{"error":"missing elements"}`, resp.body)
	resp = change("fake-Wrong-1", "fake-Passw0rd-2", user...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"valid":false}`, resp.body)
	resp = change(gmPassword, "short", user...)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, `{"error":"weak new password"}`, resp.body)
	f.SetMinLength(20)
	assert.Equal(t, http.StatusBadRequest, change(gmPassword, "fake-Passw0rd-2", user...).status)
	f.SetMinLength(8)
	pw, _ := f.Password(gmAccount)
	assert.Equal(t, gmPassword, pw)

	resp = change(gmPassword, "fake-Passw0rd-2", user...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"valid":true}`, resp.body)
	pw, ok := f.Password(gmAccount)
	require.True(t, ok)
	assert.Equal(t, "fake-Passw0rd-2", pw)

	// Both headers are needed, with a live token and the right applicationId.
	for name, kv := range map[string][]string{
		"unknown token":     {"applicationId", f.ApplicationID(), "token", "fake-unknown-token"},
		"wrong application": {"applicationId", "fake-other-app", "token", user[3]},
	} {
		resp = change("fake-Passw0rd-2", "fake-Passw0rd-3", kv...)
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, gmDenied, resp.body, name)
	}
	f.ExpireTokens()
	resp = change("fake-Passw0rd-2", "fake-Passw0rd-3", user...)
	assert.Equal(t, http.StatusUnauthorized, resp.status, "expired token")
	assert.JSONEq(t, gmDenied, resp.body)
	assert.Equal(t, 8, f.Hits("userChangePassWord"))
	assert.Empty(t, f.Violations())
}

func TestGlowmarktUserOperations(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	user := gmLogin(t, f)

	resp := call(t, f, http.MethodGet, "/api/v0-1/account/status", "", user...)
	require.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"accountId":"glow-acc-0001","active":true,"applicationId":"fake-application-id","status":"active"}`, resp.body)

	assert.JSONEq(t, `{"valid":true}`, call(t, f, http.MethodPost, "/api/v0-1/account/email", `{"email":"new@example.com"}`, user...).body)
	assert.JSONEq(t, `{"valid":true}`, call(t, f, http.MethodPost, "/api/v0-1/account/name", `{"name":"Glow Two"}`, user...).body)
	a, ok := f.Account(gmAccount)
	require.True(t, ok)
	assert.Equal(t, "new@example.com", a.Email)
	assert.Equal(t, "Glow Two", a.Name)

	tokens := "/api/v0-1/account/" + gmAccount + "/mobileapptoken"
	assert.JSONEq(t, `{"valid":true}`, call(t, f, http.MethodPost, tokens, `{"newToken":"fake-push-1"}`, user...).body)
	assert.JSONEq(t, `{"valid":true}`, call(t, f, http.MethodPost, tokens, `{"newToken":"fake-push-2"}`, user...).body)
	assert.JSONEq(t, `{"valid":true}`, call(t, f, http.MethodPut, tokens, `{"removeToken":"fake-push-1"}`, user...).body)
	assert.Equal(t, []string{"fake-push-2"}, f.MobileAppTokens(gmAccount))
	resp = call(t, f, http.MethodPost, "/api/v0-1/account/"+gmOther+"/mobileapptoken", `{"newToken":"fake-push-3"}`, user...)
	assert.Equal(t, http.StatusUnauthorized, resp.status, "another account's tokens")
	assert.Empty(t, f.MobileAppTokens(gmOther))

	resp = call(t, f, http.MethodGet, "/api/v0-1/account/status", "", "applicationId", f.ApplicationID(), "token", "fake-unknown")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, gmDenied, resp.body)
	assert.Empty(t, f.Violations())
}

func TestGlowmarktApplicationOperations(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	user, pass := f.AppKeys()
	assert.Equal(t, "fake-app-key", user)
	assert.Equal(t, "fake-app-secret", pass)
	app := []string{"Authorization", basic(user, pass)}

	resp := call(t, f, http.MethodGet, "/api/v0-1/account", "", app...)
	require.Equal(t, http.StatusOK, resp.status)
	var list []glowmarkt.Account
	require.NoError(t, json.Unmarshal([]byte(resp.body), &list))
	require.Len(t, list, 2)
	assert.Equal(t, gmAccount, *list[0].AccountID)
	assert.Equal(t, gmUser, *list[0].Username)

	resp = call(t, f, http.MethodGet, "/api/v0-1/account/"+gmAccount, "", app...)
	assert.JSONEq(t, `{"accountId":"glow-acc-0001","active":true,"applicationId":"fake-application-id","name":"`+fixture.GlowmarktName+`",
		"status":"active","userId":"glow-acc-0001","username":"glow@example.com"}`, resp.body)
	resp = call(t, f, http.MethodGet, "/api/v0-1/account/glow-acc-missing", "", app...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.Empty(t, resp.body)
	assert.Equal(t, http.StatusNotFound, call(t, f, http.MethodGet, "/api/v0-1/account/glow-acc-missing/status", "", app...).status)
	resp = call(t, f, http.MethodGet, "/api/v0-1/account/"+gmAccount+"/status", "", app...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Contains(t, resp.body, `"status":"active"`)

	resp = call(t, f, http.MethodPut, "/api/v0-1/account/"+gmAccount, `{"name":"Renamed"}`, app...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Contains(t, resp.body, `"name":"Renamed"`)

	resp = call(t, f, http.MethodPost, "/api/v0-1/account", `{"username":"new@example.com","directoryId":"fake-dir"}`, app...)
	require.Equal(t, http.StatusOK, resp.status)
	var added glowmarkt.AddAccountResult
	require.NoError(t, json.Unmarshal([]byte(resp.body), &added))
	_, ok := f.Account(*added.AccountID)
	assert.True(t, ok)

	resp = call(t, f, http.MethodDelete, "/api/v0-1/account/"+gmOther, "", app...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"accountId":"glow-acc-0002","status":"deleted","userId":"glow-acc-0002","valid":true}`, resp.body)
	_, ok = f.Account(gmOther)
	assert.False(t, ok)
	resp = call(t, f, http.MethodDelete, "/api/v0-1/account/"+gmOther, "", app...)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.JSONEq(t, `{"error":"incorrect elements"}`, resp.body)

	for name, value := range map[string]string{
		"wrong secret": basic(user, "fake-wrong-secret"),
		"user login":   basic(gmUser, gmPassword),
	} {
		resp = call(t, f, http.MethodGet, "/api/v0-1/account", "", "Authorization", value)
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, gmDenied, resp.body, name)
	}
	assert.Equal(t, 3, f.Hits("getAccounts"))
	assert.Empty(t, f.Violations())
}
