package facadetest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// The reads behind Verify, and logins that check the password in effect now.

func TestDocSpaceProfile(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	resp := call(t, f, http.MethodGet, "/api/2.0/people/"+dsID, "", "Authorization", dsAPIKey)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.JSONEq(t, `{"response":{"id":"`+dsID+`","displayName":"`+fixture.DocSpaceName+`","email":"`+dsEmail+`","userName":"`+dsEmail+`",
		"status":1,"activationStatus":1,"isAdmin":false,"isOwner":false,"isVisitor":false,"isCollaborator":false,
		"isRoomAdmin":false,"isLDAP":false,"isSSO":false,"listAdminModules":[]},"status":0,"statusCode":200}`, resp.body)

	resp = call(t, f, http.MethodGet, "/api/2.0/people/"+dsMissing, "", "Authorization", dsAPIKey)
	assert.Equal(t, http.StatusNotFound, resp.status)
	resp = call(t, f, http.MethodGet, "/api/2.0/people/"+dsID, "", "Authorization", "fake-wrong-key")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, dsUnauthorized, resp.body)
	assert.Equal(t, 3, f.Hits("getProfileByUserId"))
	assert.Empty(t, f.Violations())
}

func TestDocSpaceLoginChecksTheChangedPassword(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	login := func(pass string) int {
		return call(t, f, http.MethodPost, "/api/2.0/authentication", `{"userName":"`+dsEmail+`","password":"`+pass+`"}`).status
	}
	resp := call(t, f, http.MethodPut, dsPasswordPath, `{"password":"`+dsNew+`"}`, "Authorization", dsAPIKey)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, http.StatusOK, login(dsNew))
	assert.Equal(t, http.StatusUnauthorized, login(dsPassword))
	assert.Empty(t, f.Violations())
}

func TestGlowmarktLoginChecksTheChangedPassword(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	headers := gmLogin(t, f)
	resp := call(t, f, http.MethodPost, "/api/v0-1/account/changepassword",
		`{"oldPassword":"`+gmPassword+`","newPassword":"fake-Glow-Passw0rd-2"}`, headers...)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	login := func(pass string) *response {
		return call(t, f, http.MethodPost, "/api/v0-1/auth", `{"username":"`+gmUser+`","password":"`+pass+`"}`,
			"applicationId", f.ApplicationID())
	}
	assert.Equal(t, http.StatusOK, login("fake-Glow-Passw0rd-2").status)
	resp = login(gmPassword)
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, gmDenied, resp.body)
	assert.Empty(t, f.Violations())
}

func TestZendeskShowUser(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}
	resp := call(t, f, http.MethodGet, "/api/v2/users/1002", "", admin...)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.JSONEq(t, `{"user":{"id":1002,"url":"https://example.zendesk.com/api/v2/users/1002.json","name":"User 1002",
		"email":"`+fixture.ZendeskAgentEmail+`","role":"agent","active":true,"suspended":false}}`, resp.body)

	resp = call(t, f, http.MethodGet, "/api/v2/users/4242", "", admin...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.JSONEq(t, zdNotFound, resp.body)

	f.AddUser(facadetest.ZendeskUser{ID: 7, Email: "end@example.com", Password: "fake-End-Passw0rd", Role: "end-user"})
	resp = call(t, f, http.MethodGet, "/api/v2/users/1002", "", "Authorization", basic("end@example.com", "fake-End-Passw0rd"))
	assert.Equal(t, http.StatusForbidden, resp.status, "agents only")
	assert.Empty(t, f.Violations())
}

func TestZendeskShowCurrentUser(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	me := func(kv ...string) *response { return call(t, f, http.MethodGet, "/api/v2/users/me", "", kv...) }

	resp := me("Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword))
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Contains(t, resp.body, `"id":1002`)
	assert.Contains(t, resp.body, `"authenticity_token":`)

	resp = me("Authorization", basic(fixture.ZendeskAgentEmail, "fake-Wrong-Passw0rd"))
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, zdUnauthorized, resp.body)

	resp = me() // no credentials: the anonymous user
	require.Equal(t, http.StatusOK, resp.status)
	assert.Contains(t, resp.body, `"id":null`)

	// An account without password access refuses every password, and says so in its settings.
	f.SetPasswordAccess(false)
	resp = me("Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword))
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, zdUnauthorized, resp.body)
	resp = me("Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken))
	assert.Equal(t, http.StatusOK, resp.status, "API tokens still work")
	assert.Contains(t, resp.body, `"id":1001`)
	assert.Equal(t, 5, f.Hits("ShowCurrentUser"))
	assert.Empty(t, f.Violations())
}

func TestZendeskAccountSettings(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	settings := func() *response {
		return call(t, f, http.MethodGet, "/api/v2/account/settings", "", "Authorization", "Bearer "+fixture.ZendeskOAuthToken)
	}
	resp := settings()
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Contains(t, resp.body, `"api_password_access":"true"`)
	f.SetPasswordAccess(false)
	resp = settings()
	assert.Contains(t, resp.body, `"api_password_access":"false"`)
	assert.Empty(t, f.Violations())
}
