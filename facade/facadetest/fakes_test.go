package facadetest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

const (
	seedUUID   = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
	seedToken  = "fake-seed-api-token"
	seedAPIKey = "fake-seed-api-key"
)

var testSeed = `{
  "docspace": {
    "users": [{"id": "` + seedUUID + `", "email": "mike@example.com", "name": "Mike", "password": "fake-Mike-Passw0rd"}],
    "api_keys": ["` + seedAPIKey + `"],
    "policy": {"min_length": 12, "upper_case": false, "digits": true, "spec_symbols": true}
  },
  "zendesk": {
    "users": [{"id": 1, "email": "admin@example.com", "name": "Ada Admin", "password": "fake-Admin-Passw0rd", "role": "admin"},
              {"id": 2, "email": "agent@example.com", "password": "fake-Agent-Passw0rd", "role": "agent"}],
    "api_tokens": [{"email": "admin@example.com", "token": "` + seedToken + `"}],
    "oauth_tokens": [{"token": "fake-seed-oauth", "user_id": 2}],
    "admin_set_password": true,
    "policy": {"min_length": 10, "mixed_case": true, "digits": true}
  },
  "glowmarkt": {
    "accounts": [{"account_id": "acc-1", "username": "glow@example.com", "password": "fake-Glow-Passw0rd"}],
    "application_id": "fake-seed-app", "app_key": "fake-seed-key", "app_secret": "fake-seed-secret",
    "rate_limit": {"rps": 0.001, "burst": 2}
  }
}`

// serveFakes serves a Fakes seeded from JSON on an httptest server, as `unipass fakes` does on its listener.
func serveFakes(t *testing.T, seed string) (*facadetest.Fakes, string) {
	t.Helper()
	s, err := facadetest.ParseSeed([]byte(seed))
	require.NoError(t, err)
	return fixture.Serve(t, s)
}

func TestReadSeedRefusesWhatTheFakesCannotServe(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ seed, want string }{
		"unknown field":      {`{"zendesk": {"users": [], "admin_can_set": true}}`, `unknown field "admin_can_set"`},
		"unknown vendor":     {`{"jira": {}}`, `unknown field "jira"`},
		"not a UUID":         {`{"docspace": {"users": [{"id": "42", "email": "a@example.com"}]}}`, `docspace.users[0].id "42" is not a UUID`},
		"DocSpace duplicate": {`{"docspace": {"users": [{"id": "` + seedUUID + `", "email": "a@example.com"}, {"id": "` + strings.ToUpper(seedUUID) + `", "email": "b@example.com"}]}}`, "appears twice"},
		"no email":           {`{"docspace": {"users": [{"id": "` + seedUUID + `"}]}}`, "has no email"},
		"login status":       {`{"docspace": {"users": [], "login_status": 204}}`, "login_status must be 200 or 201"},
		"Zendesk role":       {`{"zendesk": {"users": [{"id": 1, "email": "a@example.com", "role": "owner"}]}}`, `role must be admin, agent or end-user, not "owner"`},
		"Zendesk ID":         {`{"zendesk": {"users": [{"id": 0, "email": "a@example.com", "role": "agent"}]}}`, "positive integer"},
		"OAuth user":         {`{"zendesk": {"users": [], "oauth_tokens": [{"token": "fake-t", "user_id": 9}]}}`, "id of a seeded user"},
		"API token":          {`{"zendesk": {"users": [], "api_tokens": [{"email": "a@example.com"}]}}`, "needs email and token"},
		"Glowmarkt ID":       {`{"glowmarkt": {"accounts": [{"account_id": "a/b", "username": "u"}]}}`, "fit in a URL path"},
		"Glowmarkt user":     {`{"glowmarkt": {"accounts": [{"account_id": "a"}]}}`, "has no username"},
		"rate limit":         {`{"glowmarkt": {"accounts": [], "rate_limit": {"rps": -1, "burst": 1}}}`, "must not be negative"},
		"two documents":      {`{} {}`, "more than one JSON document"},
		"not JSON":           {`users: []`, "invalid character"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := facadetest.ParseSeed([]byte(tc.seed))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := facadetest.ParseSeed([]byte(testSeed))
	require.NoError(t, err)
}

func TestFakesServeTheSeed(t *testing.T) {
	t.Parallel()
	fakes, origin := serveFakes(t, testSeed)
	assert.Equal(t, origin+"/docspace", fakes.DocSpace.URL())
	assert.Equal(t, origin+"/zendesk", fakes.Zendesk.URL())
	assert.Equal(t, origin+"/glowmarkt", fakes.Glowmarkt.URL())

	// DocSpace: the API key and the seeded policy.
	r := call(t, fakes.DocSpace, http.MethodGet, "/api/2.0/settings/security/password", "", "Authorization", seedAPIKey)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"minLength":12`)
	assert.Contains(t, r.body, `"specSymbols":true`)

	// Zendesk: the API token, the admin setting, the seeded policy.
	admin := basic("admin@example.com/token", seedToken)
	r = call(t, fakes.Zendesk, http.MethodGet, "/api/v2/users/2/password/requirements", "", "Authorization", admin)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, "must be at least 10 characters")
	assert.Contains(t, r.body, "must include letters in mixed case")
	r = call(t, fakes.Zendesk, http.MethodPost, "/api/v2/users/2/password", `{"password":"fake-Set-Passw0rd-2"}`, "Authorization", admin)
	require.Equal(t, http.StatusOK, r.status, r.body)
	pw, _ := fakes.Zendesk.Password(2)
	assert.Equal(t, "fake-Set-Passw0rd-2", pw)
	r = call(t, fakes.Zendesk, http.MethodGet, "/api/v2/users/me", "", "Authorization", "Bearer fake-seed-oauth")
	assert.Contains(t, r.body, `"email":"agent@example.com"`)
	r = call(t, fakes.Zendesk, http.MethodGet, "/api/v2/users/1", "", "Authorization", admin)
	assert.Contains(t, r.body, `"name":"Ada Admin"`)

	// Glowmarkt: the application ID and keys, and a rate limit of a burst of 2.
	app := basic("fake-seed-key", "fake-seed-secret")
	r = call(t, fakes.Glowmarkt, http.MethodGet, "/api/v0-1/account/acc-1", "", "Authorization", app, "applicationId", "fake-seed-app")
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = call(t, fakes.Glowmarkt, http.MethodPost, "/api/v0-1/auth", `{"username":"glow@example.com","password":"fake-Glow-Passw0rd"}`, "applicationId", "fake-seed-app")
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = call(t, fakes.Glowmarkt, http.MethodGet, "/api/v0-1/account/acc-1", "", "Authorization", app, "applicationId", "fake-seed-app")
	assert.Equal(t, http.StatusTooManyRequests, r.status)

	for _, f := range []fake{fakes.DocSpace, fakes.Zendesk, fakes.Glowmarkt} {
		assert.Empty(t, f.Violations())
	}
}

// admin sends a request to the admin API and decodes a JSON answer into out (if not nil).
func admin(t *testing.T, origin, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, origin+"/_admin"+path, strings.NewReader(body))
	require.NoError(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
	return resp.StatusCode
}

type userState struct{ ID, Email, Password string }

type vendorState struct {
	BaseURL     string         `json:"base_url"`
	Users       []userState    `json:"users"`
	Hits        map[string]int `json:"hits"`
	Violations  []string       `json:"violations"`
	RateLimited int            `json:"rate_limited"`
	FaultsArmed map[string]int `json:"faults_armed"`
	ResetEmails []string       `json:"reset_emails"`
}

func TestAdminStateHitsAndViolations(t *testing.T) {
	t.Parallel()
	fakes, origin := serveFakes(t, testSeed)
	var mu sync.Mutex
	var reported []string
	fakes.OnViolation(func(v api.Vendor, err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, string(v)+": "+err.Error())
	})
	adminAuth := basic("admin@example.com/token", seedToken)
	r := call(t, fakes.Zendesk, http.MethodPost, "/api/v2/users/2/password", `{"password":"fake-Set-Passw0rd-2"}`, "Authorization", adminAuth)
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = call(t, fakes.DocSpace, http.MethodPost, "/api/2.0/people/password", `{"email":"mike@example.com"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = call(t, fakes.Zendesk, http.MethodPost, "/api/v2/users/abc/password", `{"password":"fake-Set-Passw0rd-2"}`, "Authorization", adminAuth)
	require.Equal(t, http.StatusBadRequest, r.status) // a contract violation

	var state map[string]vendorState
	require.Equal(t, http.StatusOK, admin(t, origin, http.MethodGet, "/state", "", &state))
	require.Len(t, state, 3)
	zd := state["zendesk"]
	assert.Equal(t, origin+"/zendesk", zd.BaseURL)
	assert.Equal(t, []userState{{"1", "admin@example.com", "fake-Admin-Passw0rd"}, {"2", "agent@example.com", "fake-Set-Passw0rd-2"}}, zd.Users)
	assert.Equal(t, map[string]int{"SetUserPassword": 2}, zd.Hits)
	require.Len(t, zd.Violations, 1)
	assert.Contains(t, zd.Violations[0], `parameter "user_id"`)
	assert.Equal(t, []string{"mike@example.com"}, state["docspace"].ResetEmails)
	assert.Equal(t, []userState{{seedUUID, "mike@example.com", "fake-Mike-Passw0rd"}}, state["docspace"].Users)
	assert.Equal(t, "acc-1", state["glowmarkt"].Users[0].ID)

	var hits map[string]map[string]int
	require.Equal(t, http.StatusOK, admin(t, origin, http.MethodGet, "/hits", "", &hits))
	assert.Equal(t, map[string]map[string]int{"docspace": {"sendUserPassword": 1}, "zendesk": {"SetUserPassword": 2}, "glowmarkt": {}}, hits)
	var violations map[string][]string
	require.Equal(t, http.StatusOK, admin(t, origin, http.MethodGet, "/violations", "", &violations))
	assert.Equal(t, zd.Violations, violations["zendesk"])
	assert.Empty(t, violations["docspace"])

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"zendesk: " + zd.Violations[0]}, reported, "reported once, after the request")
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	fakes, origin := serveFakes(t, testSeed)
	adminAuth := basic("admin@example.com/token", seedToken)
	setPassword := func() *response {
		return call(t, fakes.Zendesk, http.MethodPost, "/api/v2/users/2/password", `{"password":"fake-Set-Passw0rd-2"}`, "Authorization", adminAuth)
	}

	var armed map[string]any
	require.Equal(t, http.StatusCreated, admin(t, origin, http.MethodPost, "/faults",
		`{"vendor":"zendesk","operation":"SetUserPassword","status":503,"retryAfter":"7","body":"{\"error\":\"busy\"}","times":1}`, &armed))
	assert.Equal(t, map[string]any{"vendor": "zendesk", "operation": "SetUserPassword", "armed": float64(1)}, armed)
	var state map[string]vendorState
	admin(t, origin, http.MethodGet, "/state", "", &state)
	assert.Equal(t, map[string]int{"SetUserPassword": 1}, state["zendesk"].FaultsArmed)

	r := setPassword()
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "7", r.header.Get("Retry-After"))
	assert.JSONEq(t, `{"error":"busy"}`, r.body)
	pw, _ := fakes.Zendesk.Password(2)
	assert.Equal(t, "fake-Agent-Passw0rd", pw, "a fault answers instead of the fake")
	assert.Equal(t, http.StatusOK, setPassword().status, "times 1: the next request is the fake's")

	// Until cleared; a delay as a duration string.
	require.Equal(t, http.StatusCreated, admin(t, origin, http.MethodPost, "/faults", `{"vendor":"zendesk","operation":"SetUserPassword","status":502,"delay":"1ms"}`, nil))
	assert.Equal(t, http.StatusBadGateway, setPassword().status)
	assert.Equal(t, http.StatusBadGateway, setPassword().status)
	require.Equal(t, http.StatusNoContent, admin(t, origin, http.MethodPost, "/faults/clear", `{"vendor":"zendesk"}`, nil))
	assert.Equal(t, http.StatusOK, setPassword().status)
	require.Equal(t, http.StatusCreated, admin(t, origin, http.MethodPost, "/faults", `{"vendor":"zendesk","operation":"SetUserPassword","drop":true}`, nil))
	require.Equal(t, http.StatusNoContent, admin(t, origin, http.MethodPost, "/faults/clear", "", nil))
	assert.Equal(t, http.StatusOK, setPassword().status)

	// After: the fake applies the write, then the answer is lost (a 502 from a proxy).
	require.Equal(t, http.StatusCreated, admin(t, origin, http.MethodPost, "/faults", `{"vendor":"zendesk","operation":"SetUserPassword","after":true,"status":502,"times":1}`, nil))
	r = call(t, fakes.Zendesk, http.MethodPost, "/api/v2/users/2/password", `{"password":"fake-Lost-Passw0rd-3"}`, "Authorization", adminAuth)
	assert.Equal(t, http.StatusBadGateway, r.status)
	pw, _ = fakes.Zendesk.Password(2)
	assert.Equal(t, "fake-Lost-Passw0rd-3", pw, "applied, answer lost")

	for name, tc := range map[string]struct{ body, want string }{
		"vendor":        {`{"vendor":"jira","operation":"x"}`, `vendor must be docspace, zendesk or glowmarkt, not "jira"`},
		"operation":     {`{"vendor":"zendesk","operation":"setUserPassword"}`, `operation "setUserPassword" is not an operationId of zendesk`},
		"delay":         {`{"vendor":"zendesk","operation":"SetUserPassword","delay":"soon"}`, `delay "soon" is not a duration`},
		"status":        {`{"vendor":"zendesk","operation":"SetUserPassword","status":42}`, "status 42 is not an HTTP status"},
		"times":         {`{"vendor":"zendesk","operation":"SetUserPassword","times":-1}`, "times must not be negative"},
		"unknown field": {`{"vendor":"zendesk","operation":"SetUserPassword","statuscode":500}`, `unknown field "statuscode"`},
	} {
		var answer map[string]string
		assert.Equal(t, http.StatusBadRequest, admin(t, origin, http.MethodPost, "/faults", tc.body, &answer), name)
		assert.Contains(t, answer["error"], tc.want, name)
	}
	assert.Equal(t, http.StatusOK, setPassword().status, "refused faults are not armed")
}

func TestAdminAnswersLoopbackOnly(t *testing.T) {
	t.Parallel()
	fakes, _ := serveFakes(t, testSeed)
	for addr, want := range map[string]int{"192.0.2.7:4242": http.StatusForbidden, "[2001:db8::1]:4242": http.StatusForbidden,
		"127.0.0.1:4242": http.StatusOK, "[::1]:4242": http.StatusOK} {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/_admin/state", nil)
		req.RemoteAddr = addr
		req.Host = "127.0.0.1:7070"
		rec := httptest.NewRecorder()
		fakes.Handler().ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, addr)
		if want == http.StatusForbidden {
			assert.NotContains(t, rec.Body.String(), "fake-Admin-Passw0rd")
		}
	}
}

func TestWithMount(t *testing.T) {
	t.Parallel()
	zd := facadetest.NewZendesk(facadetest.WithMount("http://127.0.0.1:1/"), facadetest.WithBasePath("zd"))
	assert.Equal(t, "http://127.0.0.1:1/zd", zd.URL())
	assert.Same(t, http.DefaultClient, zd.Client())
	zd.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: "fake-Admin-Passw0rd", Role: "admin"})
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/zd/api/v2/users/me", nil)
	req.Header.Set("Authorization", basic("admin@example.com", "fake-Admin-Passw0rd"))
	rec := httptest.NewRecorder()
	zd.Handler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, 1, zd.Hits("ShowCurrentUser"))
	zd.Close()
	zd.Close()
}
