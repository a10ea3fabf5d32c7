package facadetest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// The DocSpace fake finds a profile by email address without regard to case; no such user is a 404 with
// no body, and the lookup needs credentials.
func TestDocSpaceProfileByEmail(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	get := func(email string, kv ...string) *response {
		return call(t, f, http.MethodGet, "/api/2.0/people/email?email="+url.QueryEscape(email), "", kv...)
	}
	auth := []string{"Authorization", dsAPIKey}

	resp := get("MIKE@example.com", auth...)
	require.Equal(t, http.StatusOK, resp.status, resp.body)
	var out struct {
		Response   struct{ ID, Email, DisplayName, UserName string }
		Status     int
		StatusCode int
	}
	require.NoError(t, json.Unmarshal([]byte(resp.body), &out))
	assert.Equal(t, dsID, out.Response.ID)
	assert.Equal(t, dsEmail, out.Response.Email)
	assert.Equal(t, fixture.DocSpaceName, out.Response.DisplayName)
	assert.Equal(t, dsEmail, out.Response.UserName)
	assert.Equal(t, 0, out.Status)
	assert.Equal(t, http.StatusOK, out.StatusCode)

	resp = get("nobody@example.com", auth...)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.Empty(t, resp.body)

	resp = get(dsEmail, "Authorization", "fake-unknown-key")
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, dsUnauthorized, resp.body)

	// The route is the email lookup, not the profile of a user whose ID would be "email".
	assert.Equal(t, 3, f.Hits("getProfileByEmail"))
	assert.Zero(t, f.Hits("getProfileByUserId"))
	assert.Empty(t, f.Violations())
}

// A request without the email parameter, or with one that is not an address, breaks the contract.
func TestDocSpaceProfileByEmailContract(t *testing.T) {
	t.Parallel()
	rt := &recordingT{TB: t}
	f := facadetest.NewDocSpace(facadetest.WithT(rt))
	t.Cleanup(f.Close)
	f.AddAPIKey(dsAPIKey)
	for _, path := range []string{"/api/2.0/people/email", "/api/2.0/people/email?email=not+an+address"} {
		resp := call(t, f, http.MethodGet, path, "", "Authorization", dsAPIKey)
		assert.Equal(t, http.StatusBadRequest, resp.status, path)
	}
	assert.Len(t, f.Violations(), 2)
	assert.Len(t, rt.recorded(), 2)
}

// The Zendesk fake's search matches loosely, as Zendesk does: every user whose email address contains the
// term, in any case; the exact match is the client's business.
func TestZendeskSearchUsers(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	f.AddUser(facadetest.ZendeskUser{ID: 2001, Email: "Ada@Example.com", Name: "Ada Lovelace", Role: "end-user"})
	f.AddUser(facadetest.ZendeskUser{ID: 2002, Email: "ada@example.com.au", Role: "end-user"})
	f.AddUser(facadetest.ZendeskUser{ID: 2003, Email: "lada@example.com", Role: "end-user", Password: "fake-Lada-Passw0rd"})
	f.AddAPIToken("lada@example.com", "fake-lada-token")
	admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}
	search := func(query string, kv ...string) *response {
		return call(t, f, http.MethodGet, "/api/v2/users/search?query="+url.QueryEscape(query), "", kv...)
	}
	type page struct {
		Users []struct {
			ID          int64
			Email, Name string
		}
		Count        int
		NextPage     *string `json:"next_page"`
		PreviousPage *string `json:"previous_page"`
	}
	read := func(resp *response) page {
		t.Helper()
		require.Equal(t, http.StatusOK, resp.status, resp.body)
		var p page
		require.NoError(t, json.Unmarshal([]byte(resp.body), &p))
		return p
	}

	p := read(search(`email:"ada@example.com"`, admin...))
	require.Len(t, p.Users, 3)
	assert.Equal(t, 3, p.Count)
	assert.Equal(t, []int64{2001, 2002, 2003}, []int64{p.Users[0].ID, p.Users[1].ID, p.Users[2].ID})
	assert.Equal(t, "Ada@Example.com", p.Users[0].Email)
	assert.Equal(t, "Ada Lovelace", p.Users[0].Name)
	assert.Equal(t, "User 2002", p.Users[1].Name)
	assert.Nil(t, p.NextPage)
	assert.Nil(t, p.PreviousPage)

	assert.Len(t, read(search("email:lada@EXAMPLE.com", admin...)).Users, 1)
	assert.Len(t, read(search("lovelace", admin...)).Users, 1, "a bare term matches names too")
	assert.Empty(t, read(search(`email:"lovelace"`, admin...)).Users, "an email term matches addresses only")
	assert.Empty(t, read(search(`email:"nobody@example.com"`, "Authorization", "Bearer "+fixture.ZendeskOAuthToken)).Users, "agents may search")

	resp := search(`email:"ada@example.com"`, "Authorization", basic("lada@example.com/token", "fake-lada-token"))
	assert.Equal(t, http.StatusForbidden, resp.status, "end users may not search")
	assert.JSONEq(t, zdForbidden, resp.body)
	resp = search(`email:"ada@example.com"`, "Authorization", basic(zdAdminAPIToken, "fake-wrong-token"))
	assert.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, zdUnauthorized, resp.body)
	assert.Empty(t, f.Violations())
}

// More matches than a page holds: 100 users and a next page.
func TestZendeskSearchUsersPages(t *testing.T) {
	t.Parallel()
	f := newZendesk(t)
	for i := range 101 {
		f.AddUser(facadetest.ZendeskUser{ID: int64(3000 + i), Email: fmt.Sprintf("many%d@example.com", i), Role: "end-user"})
	}
	resp := call(t, f, http.MethodGet, "/api/v2/users/search?query="+url.QueryEscape(`email:"example.com"`), "",
		"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken))
	require.Equal(t, http.StatusOK, resp.status)
	var p struct {
		Users    []json.RawMessage
		Count    int
		NextPage *string `json:"next_page"`
	}
	require.NoError(t, json.Unmarshal([]byte(resp.body), &p))
	assert.Len(t, p.Users, 100)
	assert.Equal(t, 101+len(fixture.Demo().Zendesk.Users), p.Count, "the 101 users and the demo seed's")
	require.NotNil(t, p.NextPage)
	assert.Contains(t, *p.NextPage, "page=2")
	assert.Empty(t, f.Violations())
}

// A search without a query breaks the contract.
func TestZendeskSearchUsersContract(t *testing.T) {
	t.Parallel()
	rt := &recordingT{TB: t}
	f := facadetest.NewZendesk(facadetest.WithT(rt))
	t.Cleanup(f.Close)
	resp := call(t, f, http.MethodGet, "/api/v2/users/search", "", "Authorization", "Bearer fake-any")
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Len(t, f.Violations(), 1)
}
