package facadetest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/gen/zendesk"
	"github.com/unipass/unipass/internal/fixture"
)

// Obviously fake Zendesk test data: the vendor's answers (the users are the demo seed's).
const (
	zdAgentPath     = "/api/v2/users/1002/password"
	zdForbidden     = `{"error":"Forbidden","description":"You do not have access to this page. Please contact the account owner of this help desk for further help."}`
	zdUnauthorized  = `{"error":"Couldn't authenticate you"}`
	zdNotFound      = `{"error":"RecordNotFound","description":"Not found"}`
	zdTooShortFive  = `{"description":"Password is too short (minimum is 5 characters)","error":"InvalidValue"}`
	zdAdminAPIToken = fixture.ZendeskAdminEmail + "/token"
)

// newZendesk is the demo seed's Zendesk fake with the account's default: admins may not set passwords.
func newZendesk(t *testing.T, opts ...facadetest.Option) *facadetest.Zendesk {
	t.Helper()
	f := fixture.Zendesk(t, nil, opts...)
	f.SetAdminSetPassword(false)
	return f
}

func TestZendeskSetUserPassword(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}

	// Off by default, as on real accounts.
	resp := call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-2"}`, admin...)
	assert.Equal(t, http.StatusForbidden, resp.status)
	assert.JSONEq(t, zdForbidden, resp.body)

	f.SetAdminSetPassword(true)
	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-2"}`, "Authorization", "Bearer "+fixture.ZendeskOAuthToken)
	assert.Equal(t, http.StatusForbidden, resp.status, "an agent is no admin")
	assert.JSONEq(t, zdForbidden, resp.body)

	resp = call(t, f, http.MethodPost, "/api/v2/users/4242/password", `{"password":"fake-Passw0rd-2"}`, admin...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.JSONEq(t, zdNotFound, resp.body)

	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"abc"}`, admin...)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
	assert.JSONEq(t, `{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[`+zdTooShortFive+`]}}`, resp.body)
	pw, _ := f.Password(fixture.ZendeskAgent)
	assert.Equal(t, fixture.ZendeskAgentPassword, pw)

	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-2"}`, admin...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Empty(t, resp.body)
	pw, _ = f.Password(fixture.ZendeskAgent)
	assert.Equal(t, "fake-Passw0rd-2", pw)

	// Email and password of an admin work too.
	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-3"}`, "Authorization", basic(fixture.ZendeskAdminEmail, fixture.ZendeskAdminPassword))
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, 6, f.Hits("SetUserPassword"))
	assert.Empty(t, f.Violations())
}

func TestZendeskPolicy(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	f.SetAdminSetPassword(true)
	admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}
	req := "/api/v2/users/1002/password/requirements"

	resp := call(t, f, http.MethodGet, req, "", admin...)
	require.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{"requirements":["must be at least 5 characters","must be different from email address"]}`, resp.body)

	f.SetMinLength(10)
	f.SetRequireMixedCase(true)
	f.SetRequireDigits(true)
	c, err := zendesk.NewClientWithResponses(f.URL(), zendesk.WithHTTPClient(f.Client()))
	require.NoError(t, err)
	got, err := c.GetUserPasswordRequirementsWithResponse(t.Context(), fixture.ZendeskAgent,
		func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword)
			return nil
		})
	require.NoError(t, err)
	require.NotNil(t, got.JSON200)
	assert.Equal(t, []string{"must be at least 10 characters", "must be different from email address",
		"must include letters in mixed case", "must include a number"}, *got.JSON200.Requirements)

	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"short"}`, admin...)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
	assert.JSONEq(t, `{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[
		{"description":"Password is too short (minimum is 10 characters)","error":"InvalidValue"},
		{"description":"Password must include letters in mixed case","error":"InvalidValue"},
		{"description":"Password must include a number","error":"InvalidValue"}]}}`, resp.body)

	f.SetMinLength(5)
	f.SetRequireMixedCase(false)
	f.SetRequireDigits(false)
	resp = call(t, f, http.MethodPost, zdAgentPath, `{"password":"AGENT@example.com"}`, admin...)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status, "the email address is no password")
	assert.Contains(t, resp.body, "Password must be different from email address")

	resp = call(t, f, http.MethodGet, "/api/v2/users/4242/password/requirements", "", admin...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.JSONEq(t, zdNotFound, resp.body)
	assert.Empty(t, f.Violations())
}

func TestZendeskChangeOwnPassword(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	agent := []string{"Authorization", "Bearer " + fixture.ZendeskOAuthToken}
	body := func(prev, pw string) string { return `{"previous_password":"` + prev + `","password":"` + pw + `"}` }

	resp := call(t, f, http.MethodPut, "/api/v2/users/1001/password", body(fixture.ZendeskAdminPassword, "fake-Passw0rd-2"), agent...)
	assert.Equal(t, http.StatusForbidden, resp.status, "nobody changes another user's password")
	assert.JSONEq(t, zdForbidden, resp.body)

	resp = call(t, f, http.MethodPut, zdAgentPath, body("fake-Wrong-1", "fake-Passw0rd-2"), agent...)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
	assert.JSONEq(t, `{"error":"RecordInvalid","description":"Record validation errors","details":{"previous_password":[{"description":"Previous password is incorrect","error":"InvalidValue"}]}}`, resp.body)

	resp = call(t, f, http.MethodPut, zdAgentPath, body(fixture.ZendeskAgentPassword, "abc"), agent...)
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
	assert.JSONEq(t, `{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[`+zdTooShortFive+`]}}`, resp.body)

	resp = call(t, f, http.MethodPut, zdAgentPath, body(fixture.ZendeskAgentPassword, "fake-Passw0rd-2"), agent...)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Empty(t, resp.body)
	pw, _ := f.Password(fixture.ZendeskAgent)
	assert.Equal(t, "fake-Passw0rd-2", pw)

	// The new password now works for basic authentication; the old one does not.
	resp = call(t, f, http.MethodPut, zdAgentPath, body("fake-Passw0rd-2", "fake-Passw0rd-3"), "Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword))
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	resp = call(t, f, http.MethodPut, zdAgentPath, body("fake-Passw0rd-2", "fake-Passw0rd-3"), "Authorization", basic(fixture.ZendeskAgentEmail, "fake-Passw0rd-2"))
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, 6, f.Hits("ChangeOwnPassword"))
	assert.Empty(t, f.Violations())
}

func TestZendeskAuthFailures(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	f.SetAdminSetPassword(true)
	for name, value := range map[string]string{
		"unknown token":        basic(zdAdminAPIToken, "fake-unknown-token"),
		"token of another":     basic(fixture.ZendeskAgentEmail+"/token", fixture.ZendeskAPIToken),
		"wrong password":       basic(fixture.ZendeskAdminEmail, "fake-Wrong-1"),
		"unknown user":         basic("nobody@example.com", fixture.ZendeskAdminPassword),
		"unknown oauth":        "Bearer fake-unknown-oauth",
		"api token as oauth":   "Bearer " + fixture.ZendeskAPIToken,
		"token as password":    basic(fixture.ZendeskAdminEmail, fixture.ZendeskAPIToken),
		"empty email of token": basic("/token", fixture.ZendeskAPIToken),
	} {
		resp := call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-2"}`, "Authorization", value)
		assert.Equal(t, http.StatusUnauthorized, resp.status, name)
		assert.JSONEq(t, zdUnauthorized, resp.body, name)
	}
	pw, _ := f.Password(fixture.ZendeskAgent)
	assert.Equal(t, fixture.ZendeskAgentPassword, pw)
	assert.Empty(t, f.Violations())
}

// Every operation answers with ".json" appended to its path, as the same operation: me.json and search.json
// are never read as user IDs.
func TestZendeskJSONSuffix(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	f.SetAdminSetPassword(true)
	admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}
	agent := []string{"Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword)}
	cases := []struct {
		op                 facadetest.Operation
		method, path, body string
		auth               []string
		status             int
		contains           string
	}{
		{"ShowCurrentUser", http.MethodGet, "/api/v2/users/me.json", "", agent, http.StatusOK, fixture.ZendeskAgentEmail},
		{"ShowUser", http.MethodGet, "/api/v2/users/1002.json", "", admin, http.StatusOK, fixture.ZendeskAgentEmail},
		{"ShowUser", http.MethodGet, "/api/v2/users/4242.json", "", admin, http.StatusNotFound, "RecordNotFound"},
		{"SearchUsers", http.MethodGet, "/api/v2/users/search.json?query=" + fixture.ZendeskAgentEmail, "", admin, http.StatusOK, fixture.ZendeskAgentEmail},
		{"GetUserPasswordRequirements", http.MethodGet, "/api/v2/users/1002/password/requirements.json", "", admin, http.StatusOK, "at least 5"},
		{"ShowAccountSettings", http.MethodGet, "/api/v2/account/settings.json", "", admin, http.StatusOK, "api_password_access"},
		{"SetUserPassword", http.MethodPost, "/api/v2/users/1002/password.json", `{"password":"fake-Passw0rd-2"}`, admin, http.StatusOK, ""},
		{"ChangeOwnPassword", http.MethodPut, "/api/v2/users/1002/password.json",
			`{"previous_password":"fake-Passw0rd-2","password":"fake-Passw0rd-3"}`,
			[]string{"Authorization", basic(fixture.ZendeskAgentEmail, "fake-Passw0rd-2")}, http.StatusOK, ""},
		{"ChangeOwnPassword", http.MethodPut, "/api/v2/users/1002/password.json",
			`{"previous_password":"fake-Wrong-1","password":"fake-Passw0rd-4"}`,
			[]string{"Authorization", basic(fixture.ZendeskAgentEmail, "fake-Passw0rd-3")}, http.StatusUnprocessableEntity, "previous_password"},
	}
	for _, tc := range cases {
		before := f.Hits(tc.op)
		resp := call(t, f, tc.method, tc.path, tc.body, tc.auth...)
		assert.Equal(t, tc.status, resp.status, "%s %s: %s", tc.method, tc.path, resp.body)
		assert.Contains(t, resp.body, tc.contains, tc.path)
		assert.Equal(t, before+1, f.Hits(tc.op), "%s %s is %s", tc.method, tc.path, tc.op)
	}
	pw, _ := f.Password(fixture.ZendeskAgent)
	assert.Equal(t, "fake-Passw0rd-3", pw)
	assert.Empty(t, f.Violations())

	// The suffix changes nothing else: a user ID must still be a number.
	rt := &recordingT{TB: t}
	g := facadetest.NewZendesk(facadetest.WithT(rt))
	resp := call(t, g, http.MethodGet, "/api/v2/users/abc.json", "", admin...)
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Len(t, g.Violations(), 1)
}
