package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// suffixJSON appends ".json" to every request's path, as most Zendesk client libraries do.
type suffixJSON struct{ next http.RoundTripper }

func (s suffixJSON) RoundTrip(r *http.Request) (*http.Response, error) {
	c := r.Clone(r.Context())
	c.URL.Path += ".json"
	c.URL.RawPath = ""
	return s.next.RoundTrip(c)
}

// validate runs one request through a fresh validator of the vendor and returns the operation it matched.
func validate(t *testing.T, v api.Vendor, method, target, body string, kv ...string) (string, error) {
	t.Helper()
	val, err := api.NewValidator(v)
	require.NoError(t, err)
	req := httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	ex, err := val.ValidateRequest(t.Context(), req)
	if err != nil {
		return "", err
	}
	if body != "" {
		// The body the handler reads is the one the client sent, whatever the validator checked.
		buf := make([]byte, len(body)+1)
		n, _ := req.Body.Read(buf)
		assert.Equal(t, body, string(buf[:n]), "the request body is left for the handler")
	}
	return ex.Operation(), nil
}

// leniencyTests holds the tests of each row of api.Leniencies.
var leniencyTests = map[string]func(t *testing.T){
	"zendesk-json-suffix": func(t *testing.T) {
		// Every operation through the generated client with the suffix, each declared 2xx answer: no violation
		// on the client side or the server side.
		cs := newContractServer(t, api.Zendesk)
		hc := &http.Client{Transport: suffixJSON{cs.validator.RoundTripper(cs.srv.Client().Transport)}}
		doc, err := api.Load(api.Zendesk)
		require.NoError(t, err)
		calls := zendeskCalls(t)
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				cs.answer(fixtureFor(t, op, http.StatusOK, ""))
				resp, err := calls[op.OperationID](t.Context(), cs.baseURL(), hc)
				require.NoError(t, err, op.OperationID)
				_ = resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode, op.OperationID)
				assert.True(t, strings.HasSuffix(cs.lastPath(), ".json"), cs.lastPath())
				assert.Empty(t, cs.takeViolations(), op.OperationID)
			}
		}
		// Named routes are never taken for a user ID; the ID keeps its type.
		auth := []string{"Authorization", "Bearer fake-token"}
		for target, want := range map[string]string{
			"/api/v2/users/me.json":                         "ShowCurrentUser",
			"/api/v2/users/search.json?query=a":             "SearchUsers",
			"/api/v2/users/1002.json":                       "ShowUser",
			"/api/v2/users/1002/password/requirements.json": "GetUserPasswordRequirements",
		} {
			op, err := validate(t, api.Zendesk, http.MethodGet, target, "", auth...)
			require.NoError(t, err, target)
			assert.Equal(t, want, op, target)
		}
		op, err := validate(t, api.Zendesk, http.MethodPut, "/api/v2/users/1002/password.json",
			`{"previous_password":"fake-Old-1","password":"fake-New-1"}`, auth...)
		require.NoError(t, err)
		assert.Equal(t, "ChangeOwnPassword", op)
		_, err = validate(t, api.Zendesk, http.MethodGet, "/api/v2/users/abc.json", "", auth...)
		assert.ErrorIs(t, err, api.ErrContractViolation, "a user ID is still a number")
		_, err = validate(t, api.Zendesk, http.MethodGet, "/api/v2/users/1002.xml", "", auth...)
		assert.ErrorIs(t, err, api.ErrContractViolation, "only .json is a documented suffix")
	},
	"docspace-bearer-prefix": func(t *testing.T) {
		for _, h := range []string{testToken, "Bearer " + testToken} {
			_, err := validate(t, api.DocSpace, http.MethodGet, "/api/2.0/settings/security/password", "", "Authorization", h)
			assert.NoError(t, err, h)
		}
	},
	"docspace-cookie-token": func(t *testing.T) {
		for _, c := range []string{"asc_auth_key=" + testToken, "asc_auth_key=Bearer " + testToken} {
			_, err := validate(t, api.DocSpace, http.MethodPut, "/api/2.0/people/"+testUserID+"/password",
				`{"password":"fake-New-1"}`, "Cookie", c)
			assert.NoError(t, err, c)
		}
		_, err := validate(t, api.DocSpace, http.MethodPut, "/api/2.0/people/"+testUserID+"/password",
			`{"password":"fake-New-1"}`, "Cookie", "other=1")
		assert.ErrorIs(t, err, api.ErrContractViolation, "no credential at all is refused")
	},
	"docspace-apikey-header": func(t *testing.T) {
		_, err := validate(t, api.DocSpace, http.MethodGet, "/api/2.0/settings/security/password", "", "Authorization", "fake-api-key")
		require.NoError(t, err)
		_, err = validate(t, api.DocSpace, http.MethodGet, "/api/2.0/settings/security/password", "", "ApiKeyBearer", "fake-api-key")
		assert.ErrorIs(t, err, api.ErrContractViolation, "the server reads no ApiKeyBearer header")
	},
	"docspace-case-insensitive-json": func(t *testing.T) {
		path := "/api/2.0/people/" + testUserID + "/password"
		for _, body := range []string{`{"password":"fake-New-1"}`, `{"Password":"fake-New-1"}`, `{"PASSWORD":"fake-New-1"}`, `{"PasswordHash":"fake-hash"}`} {
			_, err := validate(t, api.DocSpace, http.MethodPut, path, body, "Authorization", testToken)
			assert.NoError(t, err, body)
		}
		_, err := validate(t, api.DocSpace, http.MethodPost, "/api/2.0/authentication",
			`{"UserName":"user@example.com","Password":"fake-Pw-1"}`)
		assert.NoError(t, err)
		for _, body := range []string{`{"Password":"fake-New-1","Email":"user@example.com"}`, `{"pass":"fake-New-1"}`,
			`{"Password":"fake-New-1","passwordHash":"fake-hash"}`} {
			_, err := validate(t, api.DocSpace, http.MethodPut, path, body, "Authorization", testToken)
			assert.ErrorIs(t, err, api.ErrContractViolation, body)
		}
	},
	"docspace-self": func(t *testing.T) {
		op, err := validate(t, api.DocSpace, http.MethodGet, "/api/2.0/people/@self", "", "Authorization", testToken)
		require.NoError(t, err)
		assert.Equal(t, "getSelfProfile", op)
		op, err = validate(t, api.DocSpace, http.MethodGet, "/api/2.0/people/"+testUserID, "", "Authorization", testToken)
		require.NoError(t, err)
		assert.Equal(t, "getProfileByUserId", op)
		_, err = validate(t, api.DocSpace, http.MethodGet, "/api/2.0/people/self", "", "Authorization", testToken)
		assert.ErrorIs(t, err, api.ErrContractViolation, "anything else in place of a user ID is still a GUID")
	},
}

// Each case where a published description is stricter than the server has a source and a test.
func TestLeniencies(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, l := range api.Leniencies {
		require.False(t, seen[l.ID], "duplicate row %s", l.ID)
		seen[l.ID] = true
		assert.NotEmpty(t, l.Source, l.ID)
		assert.NotEmpty(t, l.Published, l.ID)
		assert.NotEmpty(t, l.Server, l.ID)
		test, ok := leniencyTests[l.ID]
		if assert.True(t, ok, "row %s has no test", l.ID) {
			t.Run(l.ID, func(t *testing.T) {
				t.Parallel()
				test(t)
			})
		}
	}
	assert.Len(t, leniencyTests, len(api.Leniencies), "every test has a row")
}
