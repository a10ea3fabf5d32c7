package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/internal/fixture"
)

// rawRequest is one request as any HTTP client sends it: method, path under the origin, JSON body, and
// header name/value pairs.
type rawRequest struct {
	method, path, body string
	header             []string
	want               int
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// everyOperation is a request for every operation of the three descriptions, by operationId, against the
// default seed; the Glowmarkt user operations take a token from a login first.
func everyOperation(glowToken string) map[api.Vendor]map[string]rawRequest {
	ds := []string{"Authorization", fixture.DocSpaceAPIKey}
	zd := []string{"Authorization", basicAuth("admin@example.com/token", fixture.ZendeskAPIToken)}
	agent := []string{"Authorization", "Bearer " + fixture.ZendeskOAuthToken}
	app := []string{"Authorization", basicAuth("fake-app-key", "fake-app-secret"), "applicationId", seedAppID}
	user := []string{"applicationId", seedAppID, "token", glowToken}
	const people = "/docspace/api/2.0/people/" + fixture.DocSpaceUser
	return map[api.Vendor]map[string]rawRequest{
		api.DocSpace: {
			"authenticate":        {"POST", "/docspace/api/2.0/authentication", `{"userName":"mike@example.com","password":"` + fixture.DocSpacePassword + `"}`, nil, 200},
			"sendUserPassword":    {"POST", "/docspace/api/2.0/people/password", `{"email":"mike@example.com"}`, nil, 200},
			"getPasswordSettings": {"GET", "/docspace/api/2.0/settings/security/password", "", ds, 200},
			"logout":              {"POST", "/docspace/api/2.0/authentication/logout", "", ds, 200},
			"getProfileByUserId":  {"GET", people, "", ds, 200},
			"getProfileByEmail":   {"GET", "/docspace/api/2.0/people/email?email=mike%40example.com", "", ds, 200},
			"getSelfProfile":      {"GET", "/docspace/api/2.0/people/@self", "", ds, 200},
			"changeUserPassword":  {"PUT", people + "/password", `{"password":"fake-Raw-Passw0rd-1"}`, ds, 200},
		},
		api.Zendesk: {
			"ShowCurrentUser":             {"GET", "/zendesk/api/v2/users/me", "", zd, 200},
			"ShowUser":                    {"GET", "/zendesk/api/v2/users/1002", "", zd, 200},
			"SearchUsers":                 {"GET", "/zendesk/api/v2/users/search?query=email%3A%22agent%40example.com%22", "", zd, 200},
			"ShowAccountSettings":         {"GET", "/zendesk/api/v2/account/settings", "", zd, 200},
			"GetUserPasswordRequirements": {"GET", "/zendesk/api/v2/users/1002/password/requirements", "", zd, 200},
			"SetUserPassword":             {"POST", "/zendesk/api/v2/users/1002/password", `{"password":"fake-Raw-Passw0rd-2"}`, zd, 200},
			"ChangeOwnPassword": {"PUT", "/zendesk/api/v2/users/1002/password",
				`{"previous_password":"fake-Raw-Passw0rd-2","password":"fake-Raw-Passw0rd-3"}`, agent, 200},
		},
		api.Glowmarkt: {
			"getAccounts":                 {"GET", "/glowmarkt/api/v0-1/account", "", app, 200},
			"getAccountbyId":              {"GET", "/glowmarkt/api/v0-1/account/glow-acc-0001", "", app, 200},
			"getAccountStatusbyId":        {"GET", "/glowmarkt/api/v0-1/account/glow-acc-0001/status", "", app, 200},
			"updateAccount":               {"PUT", "/glowmarkt/api/v0-1/account/glow-acc-0001", `{"name":"Renamed"}`, app, 200},
			"addAccount":                  {"POST", "/glowmarkt/api/v0-1/account", `{"username":"new@example.com","directoryId":"fake-dir"}`, app, 200},
			"getAccountStatusbyUserToken": {"GET", "/glowmarkt/api/v0-1/account/status", "", user, 200},
			"userChangeEmail":             {"POST", "/glowmarkt/api/v0-1/account/email", `{"email":"glow2@example.com"}`, user, 200},
			"userChangeName":              {"POST", "/glowmarkt/api/v0-1/account/name", `{"name":"Glow Two"}`, user, 200},
			"addMobileAppToken":           {"POST", "/glowmarkt/api/v0-1/account/glow-acc-0001/mobileapptoken", `{"newToken":"fake-push-1"}`, user, 200},
			"removeMobileAppToken":        {"PUT", "/glowmarkt/api/v0-1/account/glow-acc-0001/mobileapptoken", `{"removeToken":"fake-push-1"}`, user, 200},
			"userChangePassWord": {"POST", "/glowmarkt/api/v0-1/account/changepassword",
				`{"oldPassword":"` + fixture.GlowmarktPassword + `","newPassword":"fake-Raw-Passw0rd-4"}`, user, 200},
			// authenticate: the login below; deleteAccount last, it removes the account.
		},
	}
}

// TestFakesProcessHTTP talks to `unipass fakes` with plain HTTP, as a client in another language would:
// every operation of the three descriptions answers as described (no contract violation), the admin API
// counts each, and a fault armed through the admin API answers the next request.
func TestFakesProcessHTTP(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)

	var login struct{ Token string }
	require.Equal(t, http.StatusOK, p.send(t, "POST", "/glowmarkt/api/v0-1/auth",
		`{"username":"glow@example.com","password":"`+fixture.GlowmarktPassword+`"}`, &login, "applicationId", seedAppID))
	require.NotEmpty(t, login.Token)
	requests := everyOperation(login.Token)
	specOps := map[api.Vendor][]string{}
	for _, v := range api.Vendors() {
		doc, err := api.Load(v)
		require.NoError(t, err)
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				specOps[v] = append(specOps[v], op.OperationID)
			}
		}
		// Order matters for the writes: reads first, then the password changes. Requests for operations a
		// description does not (yet) have are left out.
		var ops []string
		for op := range requests[v] {
			if slices.Contains(specOps[v], op) {
				ops = append(ops, op)
			}
		}
		slices.Sort(ops)
		slices.SortStableFunc(ops, func(a, b string) int { return strings.Compare(requests[v][a].method, requests[v][b].method) })
		for _, op := range ops {
			r := requests[v][op]
			assert.Equal(t, r.want, p.send(t, r.method, r.path, r.body, nil, r.header...), "%s %s", v, op)
		}
	}
	require.Equal(t, http.StatusOK, p.send(t, "DELETE", "/glowmarkt/api/v0-1/account/glow-acc-0001", "", nil,
		"Authorization", basicAuth("fake-app-key", "fake-app-secret"), "applicationId", seedAppID))

	var hits map[string]map[string]int
	require.Equal(t, http.StatusOK, p.admin(t, http.MethodGet, "/hits", "", &hits))
	for v, ops := range specOps {
		for _, op := range ops {
			assert.Positive(t, hits[string(v)][op], "%s %s: no request served (add one to everyOperation)", v, op)
		}
	}
	var violations map[string][]string
	require.Equal(t, http.StatusOK, p.admin(t, http.MethodGet, "/violations", "", &violations))
	for v, list := range violations {
		assert.Empty(t, list, v)
	}

	// A fault through the admin API: the next SetUserPassword gets a 503 from "a proxy", then the fake answers.
	zd := requests[api.Zendesk]["SetUserPassword"]
	require.Equal(t, http.StatusCreated, p.admin(t, http.MethodPost, "/faults",
		`{"vendor":"zendesk","operation":"SetUserPassword","status":503,"retryAfter":"2","body":"<html>busy</html>","contentType":"text/html","times":1}`, nil))
	assert.Equal(t, http.StatusServiceUnavailable, p.send(t, zd.method, zd.path, `{"password":"fake-Raw-Passw0rd-5"}`, nil, zd.header...))
	assert.Equal(t, "fake-Raw-Passw0rd-3", p.password(t, "zendesk", "1002"), "the fault answered instead of the fake")
	assert.Equal(t, http.StatusOK, p.send(t, zd.method, zd.path, `{"password":"fake-Raw-Passw0rd-5"}`, nil, zd.header...))
	assert.Equal(t, "fake-Raw-Passw0rd-5", p.password(t, "zendesk", "1002"))

	// The CLI meets an armed fault too: the vendor applies the write and the connection drops before the
	// answer; the command cannot know (exit 4), the fake holds the new password.
	require.Equal(t, http.StatusCreated, p.admin(t, http.MethodPost, "/faults", `{"vendor":"zendesk","operation":"SetUserPassword","after":true,"drop":true}`, nil))
	code, out := unipass(t, map[string]string{"UNIPASS_CREDENTIAL": fixture.ZendeskAPIToken, "UNIPASS_NEW_PASSWORD": "fake-Set-Passw0rd-6"}, "",
		"set", "1002", "--vendor", "zendesk", "--base-url", p.origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.Equal(t, exitUnknown, code, out)
	assert.Equal(t, "fake-Set-Passw0rd-6", p.password(t, "zendesk", "1002"))
	require.Equal(t, http.StatusNoContent, p.admin(t, http.MethodPost, "/faults/clear", "", nil))

	// A request the description does not allow: 400, recorded, and printed by the fakes on stderr.
	assert.Equal(t, http.StatusBadRequest, p.send(t, "GET", "/zendesk/api/v2/users/not-a-number", "", nil, zd.header...))
	require.Equal(t, http.StatusOK, p.admin(t, http.MethodGet, "/violations", "", &violations))
	require.Len(t, violations["zendesk"], 1)
	assert.Contains(t, violations["zendesk"][0], "ShowUser")
	p.interrupt(t)
	assert.Contains(t, p.output(), "unipass fakes: zendesk contract violation in request of ShowUser")
}

// TestFakesProcessTLS serves https with a certificate made at start; clients trust it from --cert-out (the
// CLI through SSL_CERT_FILE).
func TestFakesProcessTLS(t *testing.T) {
	t.Parallel()
	certFile := filepath.Join(t.TempDir(), "fakes.pem")
	// The certificate is written before the fakes listen; the client is built from it once it exists.
	client := &http.Client{Transport: &lazyTLS{file: certFile}}
	p := startFakes(t, client, "--tls", "--cert-out", certFile)
	assert.True(t, strings.HasPrefix(p.origin, "https://127.0.0.1:"), p.origin)
	code, out := unipass(t, map[string]string{"SSL_CERT_FILE": certFile, "UNIPASS_CREDENTIAL": fixture.ZendeskAPIToken}, "",
		"requirements", "1002", "--vendor", "zendesk", "--base-url", p.origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "must be at least 5 characters")
	code, out = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": fixture.ZendeskAPIToken}, "",
		"requirements", "1002", "--vendor", "zendesk", "--base-url", p.origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.NotEqual(t, exitOK, code, "without trusting the certificate: %s", out)
	p.interrupt(t)
}

// lazyTLS is a transport that trusts the certificate in file, read at the first request.
type lazyTLS struct {
	file string
	once sync.Once
	rt   http.RoundTripper
	err  error
}

func (l *lazyTLS) RoundTrip(r *http.Request) (*http.Response, error) {
	l.once.Do(func() {
		pemData, err := os.ReadFile(l.file)
		if err != nil {
			l.err = err
			return
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemData) {
			l.err = errors.New("no certificate in " + l.file)
			return
		}
		l.rt = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.rt.RoundTrip(r)
}
