package facadetest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// The fakes find users by email or login name through an index: these tests change who has which name and
// password and check that every lookup follows.

func TestZendeskLookupFollowsUserChanges(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	f.SetAdminSetPassword(true)
	me := func(user, pass string) int {
		return call(t, f, http.MethodGet, "/api/v2/users/me", "", "Authorization", basic(user, pass)).status
	}
	assert.Equal(t, http.StatusOK, me("AGENT@Example.COM", fixture.ZendeskAgentPassword), "emails match without regard to case")

	// Replaced under the same ID with a new email: the old address no longer logs in, the new one does.
	f.AddUser(facadetest.ZendeskUser{ID: fixture.ZendeskAgent, Email: "renamed@example.com", Password: fixture.ZendeskAgentPassword, Role: "agent"})
	assert.Equal(t, http.StatusUnauthorized, me(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword))
	assert.Equal(t, http.StatusOK, me("renamed@example.com", fixture.ZendeskAgentPassword))

	// A password set by the admin is the one that logs in from then on.
	resp := call(t, f, http.MethodPost, zdAgentPath, `{"password":"fake-Passw0rd-9"}`, "Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken))
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, http.StatusUnauthorized, me("renamed@example.com", fixture.ZendeskAgentPassword))
	assert.Equal(t, http.StatusOK, me("renamed@example.com", "fake-Passw0rd-9"))

	// Two users sharing an address: each logs in with their own password.
	f.AddUser(facadetest.ZendeskUser{ID: 1003, Email: "Renamed@example.com", Password: "fake-Twin-Passw0rd", Role: "agent"})
	assert.Equal(t, http.StatusOK, me("renamed@example.com", "fake-Passw0rd-9"))
	assert.Equal(t, http.StatusOK, me("renamed@example.com", "fake-Twin-Passw0rd"))

	// Kelvin sign K (U+212A) folds to k, as strings.EqualFold has it.
	f.AddUser(facadetest.ZendeskUser{ID: 1004, Email: "kim@example.com", Password: "fake-Kim-Passw0rd", Role: "agent"})
	assert.Equal(t, http.StatusOK, me("\u212Aim@example.com", "fake-Kim-Passw0rd"))
	assert.Empty(t, f.Violations())
}

func TestDocSpaceLookupFollowsUserChanges(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	login := func(user, pass string) int {
		return call(t, f, http.MethodPost, "/api/2.0/authentication", `{"userName":"`+user+`","password":"`+pass+`"}`).status
	}
	assert.Equal(t, http.StatusOK, login("Mike@EXAMPLE.com", dsPassword))

	f.AddUser(facadetest.DocSpaceUser{ID: dsID, Email: "michael@example.com", Password: dsPassword})
	assert.Equal(t, http.StatusNotFound, login(dsEmail, dsPassword), "the old address is gone")
	assert.Equal(t, http.StatusOK, login("michael@example.com", dsPassword))

	resp := call(t, f, http.MethodPut, dsPasswordPath, `{"password":"`+dsNew+`"}`, "Authorization", dsAPIKey)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, http.StatusUnauthorized, login("michael@example.com", dsPassword))
	assert.Equal(t, http.StatusOK, login("michael@example.com", dsNew))
	resp = call(t, f, http.MethodGet, "/api/2.0/people/email?email=MICHAEL@example.com", "", "Authorization", dsAPIKey)
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Contains(t, resp.body, dsID)
	assert.Empty(t, f.Violations())
}

func TestGlowmarktLookupFollowsAccountChanges(t *testing.T) {
	t.Parallel()
	f := newGlowmarkt(t)
	login := func(user, pass string) int {
		return call(t, f, http.MethodPost, "/api/v0-1/auth", `{"username":"`+user+`","password":"`+pass+`"}`,
			"applicationId", f.ApplicationID()).status
	}
	assert.Equal(t, http.StatusOK, login("GLOW@example.com", gmPassword))

	f.AddAccount(facadetest.GlowmarktAccount{AccountID: gmAccount, Username: "glow2@example.com", Password: gmPassword})
	assert.Equal(t, http.StatusUnauthorized, login(gmUser, gmPassword), "the old login name is gone")
	assert.Equal(t, http.StatusOK, login("glow2@example.com", gmPassword))

	headers := func(user string) []string {
		return []string{"Authorization", basic(user, "fake-app-secret")}
	}
	resp := call(t, f, http.MethodDelete, "/api/v0-1/account/"+gmOther, "", headers("fake-app-key")...)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	assert.Equal(t, http.StatusUnauthorized, login("other@example.com", gmPassword), "a deleted account logs in no more")
	assert.Empty(t, f.Violations())
}
