package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// wantOperation is one operation the specs must describe.
type wantOperation struct {
	vendor      api.Vendor
	method      string
	path        string // the full wire path, API prefix included
	operationID string
	seed        bool // in the vendor's seed documents; false for the additions real use needs
}

var wantOperations = []wantOperation{
	{api.DocSpace, http.MethodPut, "/api/2.0/people/{userid}/password", "changeUserPassword", true},
	{api.DocSpace, http.MethodPost, "/api/2.0/people/password", "sendUserPassword", true},
	{api.DocSpace, http.MethodPost, "/api/2.0/authentication", "authenticate", false},
	{api.DocSpace, http.MethodPost, "/api/2.0/authentication/logout", "logout", false},
	{api.DocSpace, http.MethodGet, "/api/2.0/settings/security/password", "getPasswordSettings", false},
	{api.DocSpace, http.MethodGet, "/api/2.0/people/{userid}", "getProfileByUserId", false},
	{api.DocSpace, http.MethodGet, "/api/2.0/people/email", "getProfileByEmail", false},
	{api.DocSpace, http.MethodGet, "/api/2.0/people/@self", "getSelfProfile", false},

	{api.Zendesk, http.MethodPost, "/api/v2/users/{user_id}/password", "SetUserPassword", true},
	{api.Zendesk, http.MethodPut, "/api/v2/users/{user_id}/password", "ChangeOwnPassword", true},
	{api.Zendesk, http.MethodGet, "/api/v2/users/{user_id}/password/requirements", "GetUserPasswordRequirements", true},
	{api.Zendesk, http.MethodGet, "/api/v2/users/{user_id}", "ShowUser", false},
	{api.Zendesk, http.MethodGet, "/api/v2/users/me", "ShowCurrentUser", false},
	{api.Zendesk, http.MethodGet, "/api/v2/account/settings", "ShowAccountSettings", false},
	{api.Zendesk, http.MethodGet, "/api/v2/users/search", "SearchUsers", false},

	{api.Glowmarkt, http.MethodPost, "/api/v0-1/account/{accountId}/mobileapptoken", "addMobileAppToken", true},
	{api.Glowmarkt, http.MethodPut, "/api/v0-1/account/{accountId}/mobileapptoken", "removeMobileAppToken", true},
	{api.Glowmarkt, http.MethodPost, "/api/v0-1/account", "addAccount", true},
	{api.Glowmarkt, http.MethodDelete, "/api/v0-1/account/{accountId}", "deleteAccount", true},
	{api.Glowmarkt, http.MethodGet, "/api/v0-1/account/{accountId}/status", "getAccountStatusbyId", true},
	{api.Glowmarkt, http.MethodGet, "/api/v0-1/account/status", "getAccountStatusbyUserToken", true},
	{api.Glowmarkt, http.MethodGet, "/api/v0-1/account/{accountId}", "getAccountbyId", true},
	{api.Glowmarkt, http.MethodGet, "/api/v0-1/account", "getAccounts", true},
	{api.Glowmarkt, http.MethodPut, "/api/v0-1/account/{accountId}", "updateAccount", true},
	{api.Glowmarkt, http.MethodPost, "/api/v0-1/account/email", "userChangeEmail", true},
	{api.Glowmarkt, http.MethodPost, "/api/v0-1/account/name", "userChangeName", true},
	{api.Glowmarkt, http.MethodPost, "/api/v0-1/account/changepassword", "userChangePassWord", true},
	{api.Glowmarkt, http.MethodPost, "/api/v0-1/auth", "authenticate", false},
}

func TestSpecsLoadAndValidate(t *testing.T) {
	t.Parallel()
	for _, v := range api.Vendors() {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			doc, err := api.Load(v)
			require.NoError(t, err)
			assert.Equal(t, "3.0.3", doc.OpenAPI)
			require.NotEmpty(t, doc.Servers)
			assert.True(t, strings.HasPrefix(doc.Servers[0].URL, "https://"), "real base URL: %s", doc.Servers[0].URL)
			// The API prefix lives in the paths, so no server URL carries a path.
			for _, s := range doc.Servers {
				assert.NotContains(t, strings.TrimPrefix(s.URL, "https://"), "/", "server %s", s.URL)
			}
		})
	}
	_, err := api.Spec("nosuchvendor")
	require.Error(t, err)
}

func TestOperationTable(t *testing.T) {
	t.Parallel()
	seeds := 0
	for _, w := range wantOperations {
		if w.seed {
			seeds++
		}
	}
	require.Equal(t, 17, seeds, "the seed documents name 17 operations")
	require.Len(t, wantOperations, 28)

	for _, v := range api.Vendors() {
		doc, err := api.Load(v)
		require.NoError(t, err)
		var got, want []string
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				got = append(got, method+" "+path+" "+op.OperationID)
				assert.NotEmpty(t, op.Summary, "%s %s summary", method, path)
				assert.NotEmpty(t, op.Description, "%s %s description", method, path)
			}
		}
		for _, w := range wantOperations {
			if w.vendor != v {
				continue
			}
			want = append(want, w.method+" "+w.path+" "+w.operationID)
			item := doc.Paths.Find(w.path)
			require.NotNil(t, item, "%s %s", w.method, w.path)
			op := item.GetOperation(w.method)
			require.NotNil(t, op, "%s %s", w.method, w.path)
			if !w.seed {
				assert.True(t, strings.HasPrefix(op.Description, "Not in the seed documents"),
					"%s is an addition and must say so: %q", w.operationID, op.Description)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		assert.Equal(t, want, got, v.String())
	}
}

func TestPathParameterTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		vendor      api.Vendor
		path, name  string
		typ, format string
	}{
		{api.DocSpace, "/api/2.0/people/{userid}/password", "userid", "string", "uuid"},
		{api.DocSpace, "/api/2.0/people/{userid}", "userid", "string", "uuid"},
		{api.Zendesk, "/api/v2/users/{user_id}", "user_id", "integer", "int64"},
		{api.Zendesk, "/api/v2/users/{user_id}/password", "user_id", "integer", "int64"},
		{api.Glowmarkt, "/api/v0-1/account/{accountId}", "accountId", "string", ""},
	}
	for _, c := range cases {
		doc, err := api.Load(c.vendor)
		require.NoError(t, err)
		item := doc.Paths.Find(c.path)
		require.NotNil(t, item)
		for _, op := range item.Operations() {
			params := append(openapi3.Parameters{}, item.Parameters...)
			params = append(params, op.Parameters...)
			p := params.GetByInAndName("path", c.name)
			require.NotNil(t, p, "%s %s", c.path, op.OperationID)
			assert.True(t, p.Schema.Value.Type.Is(c.typ), "%s type", c.name)
			assert.Equal(t, c.format, p.Schema.Value.Format, "%s format", c.name)
		}
	}
}

// Every password field is marked as one and never comes back in a response.
func TestPasswordFieldsAreWriteOnly(t *testing.T) {
	t.Parallel()
	for _, v := range api.Vendors() {
		doc, err := api.Load(v)
		require.NoError(t, err)
		found := 0
		for name, ref := range doc.Components.Schemas {
			for prop, p := range ref.Value.Properties {
				if !strings.Contains(strings.ToLower(prop), "password") || strings.HasSuffix(prop, "_access") {
					continue // api_password_access is a setting about passwords, not one
				}
				found++
				assert.Equal(t, "password", p.Value.Format, "%s %s.%s format", v, name, prop)
				assert.True(t, p.Value.WriteOnly, "%s %s.%s writeOnly", v, name, prop)
			}
		}
		assert.Positive(t, found, v.String())
	}
}

func TestSecuritySchemes(t *testing.T) {
	t.Parallel()
	want := map[api.Vendor][]string{
		api.DocSpace:  {"ApiKeyBearer", "Basic", "Bearer", "OAuth2", "OpenId", "asc_auth_key"},
		api.Zendesk:   {"basicAuth", "bearerAuth"},
		api.Glowmarkt: {"appKeys", "applicationId", "devUserToken", "orgAppKeys", "userToken"},
	}
	for v, names := range want {
		doc, err := api.Load(v)
		require.NoError(t, err)
		var got []string
		for n := range doc.Components.SecuritySchemes {
			got = append(got, n)
		}
		sort.Strings(got)
		assert.Equal(t, names, got, v.String())
	}
	// Glowmarkt's user operations need applicationId and token together.
	doc, err := api.Load(api.Glowmarkt)
	require.NoError(t, err)
	op := doc.Paths.Find("/api/v0-1/account/changepassword").Post
	require.NotNil(t, op.Security)
	require.Len(t, *op.Security, 1)
	assert.Len(t, (*op.Security)[0], 2)
}
