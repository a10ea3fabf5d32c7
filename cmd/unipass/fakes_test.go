package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
)

// The default seed's people and fake credentials (fakes_seed.json).
const (
	seedDocSpaceUser = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
	seedDocSpaceKey  = "fake-docspace-api-key"
	seedZendeskToken = "fake-zendesk-api-token"
	seedAgentOAuth   = "fake-agent-oauth-token"
	seedAgentPW      = "fake-Agent-Passw0rd"
	seedMikePW       = "fake-Admin-Passw0rd"
	seedGlowPW       = "fake-Glow-Passw0rd"
	seedAppID        = "fake-application-id"
)

// fakesProcess is `unipass fakes` running as a process of its own: the test binary re-executed as unipass
// (see TestMain), as a user or a script in another language would run it.
type fakesProcess struct {
	cmd     *exec.Cmd
	origin  string
	client  *http.Client
	startup time.Duration // from exec to the first successful answer of a vendor's fake

	mu             sync.Mutex
	stdout, stderr bytes.Buffer
	exited         chan struct{}
	waitErr        error
}

var servingLine = regexp.MustCompile(`^unipass fakes: serving on (https?://\S+) `)

// startFakes starts `unipass fakes --addr 127.0.0.1:0 ARGS...` and waits until it answers.
func startFakes(tb testing.TB, client *http.Client, args ...string) *fakesProcess {
	tb.Helper()
	bin, err := exec.LookPath("unipass")
	require.NoError(tb, err)
	p := &fakesProcess{client: client, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"fakes", "--addr", "127.0.0.1:0"}, args...)...) // #nosec G204 -- the test binary
	p.cmd.Env = cleanEnv(nil)
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	out, err := p.cmd.StdoutPipe()
	require.NoError(tb, err)
	start := time.Now()
	require.NoError(tb, p.cmd.Start())
	origin := make(chan string, 1)
	go p.readStdout(out, origin)
	tb.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.origin = <-origin:
	case <-p.exited:
		tb.Fatalf("unipass fakes exited before serving: %v\n%s", p.waitErr, p.output())
	case <-time.After(30 * time.Second):
		tb.Fatalf("unipass fakes did not say where it serves:\n%s", p.output())
	}
	for {
		resp, err := p.get(context.Background(), "/zendesk/api/v2/users/me")
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		require.Less(tb, time.Since(start), 30*time.Second, "no answer: %v", err)
		time.Sleep(5 * time.Millisecond)
	}
	p.startup = time.Since(start)
	return p
}

// readStdout keeps standard output, sends the served origin once the whole banner is read, and waits for
// the process at the end.
func (p *fakesProcess) readStdout(out io.Reader, origin chan<- string) {
	sc := bufio.NewScanner(out)
	var served string
	for sc.Scan() {
		p.mu.Lock()
		p.stdout.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
			served = m[1]
		}
		if sc.Text() == "Stop with Ctrl-C." {
			origin <- served
		}
	}
	_, _ = io.Copy(io.Discard, out)
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

func (p *fakesProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String() + p.stderr.String()
}

func (p *fakesProcess) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.origin+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return resp, err
}

// interrupt sends SIGINT and requires a clean exit 0.
func (p *fakesProcess) interrupt(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, p.cmd.Process.Signal(os.Interrupt))
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		tb.Fatalf("unipass fakes did not stop on SIGINT:\n%s", p.output())
	}
	require.NoError(tb, p.waitErr, p.output())
	assert.Equal(tb, 0, p.cmd.ProcessState.ExitCode())
	assert.Contains(tb, p.output(), "unipass fakes: stopped")
}

// admin calls the admin API like any HTTP client and decodes the JSON answer into out (if not nil).
func (p *fakesProcess) admin(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	return p.send(t, method, "/_admin"+path, body, out)
}

// send sends a request with header name/value pairs kv (a body is JSON) and decodes the answer into out.
func (p *fakesProcess) send(t *testing.T, method, path, body string, out any, kv ...string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.origin+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
	return resp.StatusCode
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// cleanEnv is the test's environment without UNIPASS_* variables, plus env.
func cleanEnv(env map[string]string) []string {
	out := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "UNIPASS_") })
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// unipass runs the command as a process of its own with env and stdin; no secret in env shows in its output.
func unipass(t *testing.T, env map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "unipass", args...)
	cmd.Env = cleanEnv(env)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	for k, v := range env {
		if k == "UNIPASS_CREDENTIAL" || strings.HasSuffix(k, "PASSWORD") {
			assert.NotContains(t, out.String(), v, "%s leaked by unipass %v", k, args)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

type fakesUser struct{ ID, Email, Password string }

type fakesVendorState struct {
	Users       []fakesUser    `json:"users"`
	Hits        map[string]int `json:"hits"`
	Violations  []string       `json:"violations"`
	ResetEmails []string       `json:"reset_emails"`
}

func (p *fakesProcess) state(t *testing.T) map[string]fakesVendorState {
	t.Helper()
	var s map[string]fakesVendorState
	require.Equal(t, http.StatusOK, p.admin(t, http.MethodGet, "/state", "", &s))
	return s
}

func (p *fakesProcess) password(t *testing.T, vendor, id string) string {
	t.Helper()
	for _, u := range p.state(t)[vendor].Users {
		if u.ID == id {
			return u.Password
		}
	}
	t.Fatalf("no %s user %s", vendor, id)
	return ""
}

// TestFakesProcessCLI runs every CLI command, by flags, as processes against `unipass fakes` in another
// process, checks the outcome in the fakes' state through the admin API, and stops the fakes with SIGINT.
func TestFakesProcessCLI(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	t.Logf("unipass fakes answered %v after exec", p.startup)
	zendesk := []string{"--vendor", "zendesk", "--base-url", p.origin + "/zendesk"}
	asAdmin := append(slices.Clone(zendesk), "--auth", "api-token", "--user", "admin@example.com")
	adminCred := map[string]string{"UNIPASS_CREDENTIAL": seedZendeskToken}
	with := func(env map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range env {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}

	// Zendesk: requirements, set (an admin), change (the agent, by OAuth token), verify.
	code, out := unipass(t, adminCred, "", append([]string{"requirements", "1002"}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "must be at least 5 characters")
	code, out = unipass(t, with(adminCred, "UNIPASS_NEW_PASSWORD", "fake-Set-Passw0rd-2"), "", append([]string{"set", "1002"}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Set-Passw0rd-2", p.password(t, "zendesk", "1002"))
	code, out = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": seedAgentOAuth, "UNIPASS_OLD_PASSWORD": "fake-Set-Passw0rd-2",
		"UNIPASS_NEW_PASSWORD": "fake-Changed-Passw0rd-3"}, "", append([]string{"change", "1002", "--auth", "bearer"}, zendesk...)...)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Changed-Passw0rd-3", p.password(t, "zendesk", "1002"))
	code, out = unipass(t, with(adminCred, "UNIPASS_PASSWORD", "fake-Changed-Passw0rd-3"), "", append([]string{"verify", "1002"}, asAdmin...)...)
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, with(adminCred, "UNIPASS_PASSWORD", seedAgentPW), "", append([]string{"verify", "1002"}, asAdmin...)...)
	assert.Equal(t, exitRejected, code, out)
	assert.Contains(t, out, "not the password in effect")

	// Zendesk: rotate --dry-run changes nothing.
	input := filepath.Join(t.TempDir(), "users.csv")
	require.NoError(t, os.WriteFile(input, []byte("user\n1001\n1002\n"), 0o600))
	code, out = unipass(t, adminCred, "", append([]string{"rotate", "--dry-run", "--input", input}, asAdmin...)...)
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "dry run: 2 targets on zendesk")
	assert.Equal(t, "fake-Changed-Passw0rd-3", p.password(t, "zendesk", "1002"))

	// DocSpace, from UNIPASS_* variables as the README shows: requirements --check, set, verify, reset.
	docspace := map[string]string{"UNIPASS_VENDOR": "docspace", "UNIPASS_BASE_URL": p.origin + "/docspace",
		"UNIPASS_AUTH": "api-key", "UNIPASS_CREDENTIAL": seedDocSpaceKey}
	code, out = unipass(t, docspace, "fake-Candidate-Passw0rd-4\n", "requirements", "--check")
	require.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "meets every rule")
	code, out = unipass(t, with(docspace, "UNIPASS_NEW_PASSWORD", "fake-Set-Passw0rd-5"), "", "set", seedDocSpaceUser)
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Set-Passw0rd-5", p.password(t, "docspace", seedDocSpaceUser))
	code, out = unipass(t, with(docspace, "UNIPASS_PASSWORD", "fake-Set-Passw0rd-5"), "", "verify", seedDocSpaceUser)
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, map[string]string{"UNIPASS_VENDOR": "docspace", "UNIPASS_BASE_URL": p.origin + "/docspace"}, "", "reset", "mike@example.com")
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, []string{"mike@example.com"}, p.state(t)["docspace"].ResetEmails)

	// Glowmarkt: change the logged-in account's password, then verify it.
	glow := map[string]string{"UNIPASS_VENDOR": "glowmarkt", "UNIPASS_BASE_URL": p.origin + "/glowmarkt",
		"UNIPASS_APPLICATION_ID": seedAppID, "UNIPASS_AUTH": "login", "UNIPASS_USER": "glow@example.com", "UNIPASS_CREDENTIAL": seedGlowPW}
	code, out = unipass(t, with(glow, "UNIPASS_OLD_PASSWORD", seedGlowPW, "UNIPASS_NEW_PASSWORD", "fake-Changed-Passw0rd-6"), "", "change", "")
	require.Equal(t, exitOK, code, out)
	assert.Equal(t, "fake-Changed-Passw0rd-6", p.password(t, "glowmarkt", "glow-acc-0001"))
	code, out = unipass(t, with(glow, "UNIPASS_CREDENTIAL", "fake-Changed-Passw0rd-6", "UNIPASS_PASSWORD", "fake-Changed-Passw0rd-6"), "", "verify", "glow-acc-0001")
	assert.Equal(t, exitOK, code, out)

	for vendor, s := range p.state(t) {
		assert.Empty(t, s.Violations, vendor)
	}
	p.interrupt(t)
	assert.NotContains(t, p.output(), "contract violation")
}

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
	ds := []string{"Authorization", seedDocSpaceKey}
	zd := []string{"Authorization", basicAuth("admin@example.com/token", seedZendeskToken)}
	agent := []string{"Authorization", "Bearer " + seedAgentOAuth}
	app := []string{"Authorization", basicAuth("fake-app-key", "fake-app-secret"), "applicationId", seedAppID}
	user := []string{"applicationId", seedAppID, "token", glowToken}
	const people = "/docspace/api/2.0/people/" + seedDocSpaceUser
	return map[api.Vendor]map[string]rawRequest{
		api.DocSpace: {
			"authenticate":        {"POST", "/docspace/api/2.0/authentication", `{"userName":"mike@example.com","password":"` + seedMikePW + `"}`, nil, 200},
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
				`{"oldPassword":"` + seedGlowPW + `","newPassword":"fake-Raw-Passw0rd-4"}`, user, 200},
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
		`{"username":"glow@example.com","password":"`+seedGlowPW+`"}`, &login, "applicationId", seedAppID))
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
	code, out := unipass(t, map[string]string{"UNIPASS_CREDENTIAL": seedZendeskToken, "UNIPASS_NEW_PASSWORD": "fake-Set-Passw0rd-6"}, "",
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
	code, out := unipass(t, map[string]string{"SSL_CERT_FILE": certFile, "UNIPASS_CREDENTIAL": seedZendeskToken}, "",
		"requirements", "1002", "--vendor", "zendesk", "--base-url", p.origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.Equal(t, exitOK, code, out)
	assert.Contains(t, out, "must be at least 5 characters")
	code, out = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": seedZendeskToken}, "",
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

// TestFakesRefusals: flags and seeds that make no sense are refused before anything listens.
func TestFakesRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(badSeed, []byte(`{"zendesk": {"users": [{"id": 1, "email": "a@example.com", "role": "owner"}]}}`), 0o600))
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"not loopback":   {[]string{"--addr", "0.0.0.0:0"}, "not a loopback address"},
		"all interfaces": {[]string{"--addr", ":7070"}, "not a loopback address"},
		"no port":        {[]string{"--addr", "127.0.0.1"}, "want host:port"},
		"key alone":      {[]string{"--tls-key", "k.pem"}, "--tls-cert and --tls-key go together"},
		"cert-out alone": {[]string{"--cert-out", "c.pem"}, "--cert-out needs --tls"},
		"bad seed":       {[]string{"--seed", badSeed}, `role must be admin, agent or end-user, not "owner"`},
		"missing seed":   {[]string{"--seed", filepath.Join(dir, "none.json")}, "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(t.Context(), append([]string{"fakes"}, tc.args...), strings.NewReader(""), &out, &errOut)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
}

func TestFakesPrintSeed(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(t.Context(), []string{"fakes", "--print-seed"}, strings.NewReader(""), &out, &errOut), errOut.String())
	seed, err := os.ReadFile("../../internal/cli/fakes/fakes_seed.json")
	require.NoError(t, err)
	assert.JSONEq(t, string(seed), out.String())
	for _, s := range []string{seedDocSpaceKey, seedZendeskToken, seedAgentOAuth, seedAgentPW, seedMikePW, seedGlowPW, seedAppID} {
		assert.Contains(t, out.String(), s, "the constants of these tests are the default seed's")
	}
}

// TestFakesBannerCredentials: the export lines printed at start, pasted into a shell, point every command at
// its vendor with working credentials.
func TestFakesBannerCredentials(t *testing.T) {
	t.Parallel()
	p := startFakes(t, http.DefaultClient)
	exports := regexp.MustCompile(`(?m)^  export (.+)$`).FindAllStringSubmatch(p.output(), -1)
	require.Len(t, exports, 3, p.output())
	byVendor := map[string]map[string]string{}
	for _, line := range exports {
		env := map[string]string{}
		for _, kv := range strings.Fields(line[1]) {
			k, v, ok := strings.Cut(kv, "=")
			require.True(t, ok, kv)
			env[k] = v
		}
		byVendor[env["UNIPASS_VENDOR"]] = env
	}
	require.Len(t, byVendor, 3)
	assert.Equal(t, p.origin+"/docspace", byVendor["docspace"]["UNIPASS_BASE_URL"])
	code, out := unipass(t, byVendor["docspace"], "", "requirements")
	assert.Equal(t, exitOK, code, out)
	code, out = unipass(t, byVendor["zendesk"], "", "requirements", "1002")
	assert.Equal(t, exitOK, code, out)
	glow := byVendor["glowmarkt"]
	glow["UNIPASS_PASSWORD"] = glow["UNIPASS_CREDENTIAL"]
	code, out = unipass(t, glow, "", "verify", "glow-acc-0001")
	assert.Equal(t, exitOK, code, out)
	p.interrupt(t)
}

// TestFakesListenAny: with --listen-any the fakes listen on every interface and are reached on loopback;
// SIGTERM stops them as cleanly as SIGINT.
func TestFakesListenAny(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("unipass")
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), bin, "fakes", "--addr", "0.0.0.0:0", "--listen-any") // #nosec G204 -- the test binary
	cmd.Env = cleanEnv(nil)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	br := bufio.NewReader(out)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^unipass fakes: serving on http://127\.0\.0\.1:\d+ `, line)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "Stop with Ctrl-C")
	require.NoError(t, cmd.Wait(), "exit 0 on SIGTERM")
}

// BenchmarkFakesStartup measures `unipass fakes` from exec to the first successful answer of a vendor's
// fake (ms/start), then stops it with SIGINT.
func BenchmarkFakesStartup(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		p := startFakes(b, http.DefaultClient)
		total += p.startup
		p.interrupt(b)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
}

// TestFakesScripts runs the scripts of testdata/fakes: `unipass fakes` started in the background, every
// command against it, the admin API through plain HTTP (and curl where it is installed).
func TestFakesScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/fakes",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitfile FILE VAR: wait (up to 30 s) until FILE exists, then set $VAR to its first line.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 || neg {
					ts.Fatalf("usage: waitfile FILE VAR")
				}
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
					data, err := os.ReadFile(ts.MkAbs(args[0]))
					if err == nil {
						ts.Setenv(args[1], firstLine(string(data)))
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("%s did not appear: %v", args[0], err)
					}
				}
			},
			// http METHOD URL [BODY]: send a request (a body is JSON); print "HTTP <status>" and the body.
			"http": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 || len(args) > 3 || neg {
					ts.Fatalf("usage: http METHOD URL [BODY]")
				}
				var body io.Reader = http.NoBody
				if len(args) == 3 {
					body = strings.NewReader(args[2])
				}
				req, err := http.NewRequestWithContext(context.Background(), args[0], args[1], body)
				ts.Check(err)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				ts.Check(err)
				defer func() { _ = resp.Body.Close() }()
				data, err := io.ReadAll(resp.Body)
				ts.Check(err)
				fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s", resp.StatusCode, data)
			},
		},
	})
}

// TestFakesCustomSeed runs the command in this process with a seed file: the seed is served, its
// credentials are not printed, and cancelling the context stops it with exit 0.
func TestFakesCustomSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"zendesk": {
		"users": [{"id": 7, "email": "owner@example.com", "password": "fake-Owner-Passw0rd", "role": "admin"}],
		"api_tokens": [{"email": "owner@example.com", "token": "fake-custom-token"}],
		"policy": {"min_length": 14, "mixed_case": true, "digits": true}}}`), 0o600))
	urlFile := filepath.Join(dir, "url.txt")
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"fakes", "--addr", "127.0.0.1:0", "--seed", seed, "--url-file", urlFile}, strings.NewReader(""), &out, &errOut)
	}()
	var origin string
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(urlFile)
		origin = firstLine(string(data))
		return err == nil
	}, 30*time.Second, 5*time.Millisecond)

	code, text := unipass(t, map[string]string{"UNIPASS_CREDENTIAL": "fake-custom-token"}, "", "requirements", "7",
		"--vendor", "zendesk", "--base-url", origin+"/zendesk", "--auth", "api-token", "--user", "owner@example.com")
	assert.Equal(t, exitOK, code, text)
	assert.Contains(t, text, "must be at least 14 characters")
	code, _ = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": seedZendeskToken}, "", "requirements", "7",
		"--vendor", "zendesk", "--base-url", origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.Equal(t, exitRejected, code, "the default seed's token is not in this seed")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("unipass fakes did not stop")
	}
	assert.Contains(t, out.String(), "unipass fakes: serving on "+origin)
	assert.NotContains(t, out.String(), "export")
	for _, secret := range []string{"fake-custom-token", "fake-Owner-Passw0rd", seedZendeskToken} {
		assert.NotContains(t, out.String()+errOut.String(), secret)
	}
	assert.Contains(t, errOut.String(), "unipass fakes: stopped")
}
