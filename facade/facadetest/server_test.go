package facadetest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

const dsPut = `{"password":"` + dsNew + `"}`

func TestFaults(t *testing.T) {
	t.Parallel()
	auth := []string{"Authorization", dsAPIKey}

	t.Run("status, Retry-After and headers, once", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120",
			Header: http.Header{"X-Ratelimit-Remaining": {"0"}}, Body: `{"status":1}`, Times: 1})
		resp := call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		assert.Equal(t, http.StatusTooManyRequests, resp.status)
		assert.Equal(t, "120", resp.header.Get("Retry-After"))
		assert.Equal(t, "0", resp.header.Get("X-RateLimit-Remaining"))
		assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
		assert.JSONEq(t, `{"status":1}`, resp.body)
		pw, _ := f.Password(dsID)
		assert.Equal(t, dsPassword, pw, "a faulted request is not applied")

		resp = call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		assert.Equal(t, http.StatusOK, resp.status, "Times: 1 faults one request only")
		assert.Equal(t, 2, f.Hits("changeUserPassword"), "faulted requests count")
	})

	t.Run("HTML from a proxy, until cleared, per operation", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Status: http.StatusBadGateway, ContentType: "text/html", Body: "<html>Bad Gateway</html>"})
		for range 3 {
			resp := call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...)
			assert.Equal(t, http.StatusBadGateway, resp.status)
			assert.Equal(t, "text/html", resp.header.Get("Content-Type"))
			assert.Equal(t, "<html>Bad Gateway</html>", resp.body)
		}
		assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, dsSettingsPath, "", auth...).status, "other operations answer")
		f.ClearFaults()
		assert.Equal(t, http.StatusOK, call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...).status)
	})

	t.Run("faults queue up", func(t *testing.T) {
		t.Parallel()
		f := newZendesk(t)
		admin := []string{"Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken)}
		f.Fail("GetUserPasswordRequirements", facadetest.Fault{Status: 503, Times: 2})
		f.Fail("GetUserPasswordRequirements", facadetest.Fault{Status: 500, ContentType: "text/plain", Body: "oops", Times: 1})
		var got []int
		for range 4 {
			got = append(got, call(t, f, http.MethodGet, "/api/v2/users/1002/password/requirements", "", admin...).status)
		}
		assert.Equal(t, []int{503, 503, 500, 200}, got)
	})

	t.Run("fault answers are not contract-checked", func(t *testing.T) {
		t.Parallel()
		f := newGlowmarkt(t)
		user := gmLogin(t, f)
		f.Fail("getAccountStatusbyUserToken", facadetest.Fault{Status: http.StatusTeapot, Body: `{"status":42}`, Times: 1})
		resp := call(t, f, http.MethodGet, "/api/v0-1/account/status", "", user...)
		assert.Equal(t, http.StatusTeapot, resp.status)
		assert.Empty(t, f.Violations())
	})

	t.Run("drop", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Drop: true, Times: 1})
		_, err := send(t.Context(), f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		require.Error(t, err)
		pw, _ := f.Password(dsID)
		assert.Equal(t, dsPassword, pw)
		assert.Equal(t, http.StatusOK, call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...).status)
		assert.Equal(t, 2, f.Hits("changeUserPassword"))
	})

	t.Run("truncate", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Status: 200, Body: `{"status":0,"response":{"id":"` + dsID + `"}}`, Truncate: true, Times: 1})
		_, err := send(t.Context(), f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body is cut short")
	})

	t.Run("delay beyond the client's timeout", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Status: 200, Body: `{}`, Delay: time.Minute, Times: 1})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := send(ctx, f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second)
		assert.Equal(t, http.StatusOK, call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...).status)
	})

	t.Run("delay alone makes a slow vendor", func(t *testing.T) {
		t.Parallel()
		f := newDocSpace(t)
		f.Fail("changeUserPassword", facadetest.Fault{Delay: 100 * time.Millisecond, Times: 1})
		start := time.Now()
		resp := call(t, f, http.MethodPut, dsPasswordPath, dsPut, auth...)
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
		assert.Equal(t, http.StatusOK, resp.status)
		assert.Contains(t, resp.body, dsID)
		pw, _ := f.Password(dsID)
		assert.Equal(t, dsNew, pw)
	})

	t.Run("close cuts delays short", func(t *testing.T) {
		t.Parallel()
		f := facadetest.NewDocSpace()
		f.AddAPIKey(dsAPIKey)
		f.Fail("getPasswordSettings", facadetest.Fault{Status: 200, Delay: time.Minute})
		errc := make(chan error, 1)
		go func() {
			_, err := send(t.Context(), f, http.MethodGet, dsSettingsPath, "", auth...)
			errc <- err
		}()
		require.Eventually(t, func() bool { return f.Hits("getPasswordSettings") == 1 }, 5*time.Second, time.Millisecond)
		start := time.Now()
		f.Close()
		f.Close()
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Error(t, <-errc, "no answer at all")
	})
}

func TestContractViolations(t *testing.T) {
	t.Parallel()
	ds, zd, gm := facadetest.NewDocSpace(), facadetest.NewZendesk(), facadetest.NewGlowmarkt()
	for _, f := range []interface{ Close() }{ds, zd, gm} {
		t.Cleanup(f.Close)
	}
	ds.AddUser(facadetest.DocSpaceUser{ID: dsID, Email: dsEmail, Password: dsPassword})
	ds.AddAPIKey(dsAPIKey)
	zd.AddUser(facadetest.ZendeskUser{ID: fixture.ZendeskAdmin, Email: fixture.ZendeskAdminEmail, Password: fixture.ZendeskAdminPassword, Role: "admin"})
	zd.AddUser(facadetest.ZendeskUser{ID: fixture.ZendeskAgent, Email: fixture.ZendeskAgentEmail, Password: fixture.ZendeskAgentPassword, Role: "agent"})
	zd.SetAdminSetPassword(true)
	gm.AddAccount(facadetest.GlowmarktAccount{AccountID: gmAccount, Username: gmUser, Password: gmPassword})
	gmUserHeaders := gmLogin(t, gm)

	cases := []struct {
		name           string
		f              fake
		op             string
		method, path   string
		valid, invalid string
		kv             []string
	}{
		{"docspace", ds, "changeUserPassword", http.MethodPut, dsPasswordPath,
			`{"password":"fake-Passw0rd-5"}`, `{"password":"fake-Passw0rd-6","email":"x@example.com"}`, []string{"Authorization", dsAPIKey}},
		{"zendesk", zd, "SetUserPassword", http.MethodPost, zdAgentPath,
			`{"password":"fake-Passw0rd-5"}`, `{"password":"fake-Passw0rd-6","notify":true}`, []string{"Authorization", basic(fixture.ZendeskAdminEmail, fixture.ZendeskAdminPassword)}},
		{"glowmarkt", gm, "userChangePassWord", http.MethodPost, "/api/v0-1/account/changepassword",
			`{"oldPassword":"` + gmPassword + `","newPassword":"fake-Passw0rd-5"}`, `{"oldPassword":"fake-Passw0rd-5","newPassword":"fake-Passw0rd-6","extra":1}`, gmUserHeaders},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := call(t, c.f, c.method, c.path, c.valid, c.kv...)
			assert.Equal(t, http.StatusOK, resp.status, resp.body)
			assert.Empty(t, c.f.Violations(), "valid traffic reports nothing")

			resp = call(t, c.f, c.method, c.path, c.invalid, c.kv...)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Equal(t, "text/plain; charset=utf-8", resp.header.Get("Content-Type"))
			assert.Contains(t, resp.body, "contract violation in request of "+c.op)
			violations := c.f.Violations()
			require.Len(t, violations, 1)
			assert.ErrorIs(t, violations[0], api.ErrContractViolation)
			var ve *api.ValidationError
			require.ErrorAs(t, violations[0], &ve)
			assert.Equal(t, "request", ve.Phase)
			assert.Equal(t, c.op, ve.Operation)
			assert.NotContains(t, ve.Error(), "fake-Passw0rd-6", "no secret in violations")
			assert.Equal(t, 2, c.f.Hits(facadetest.Operation(c.op)), "invalid requests count")
		})
	}
	pw, _ := ds.Password(dsID)
	assert.Equal(t, "fake-Passw0rd-5", pw, "an invalid request changes nothing")

	t.Run("missing credentials and unknown paths", func(t *testing.T) {
		before := len(ds.Violations())
		resp := call(t, ds, http.MethodGet, dsSettingsPath, "")
		assert.Equal(t, http.StatusBadRequest, resp.status, "no credential at all breaks the contract")
		assert.Equal(t, http.StatusBadRequest, call(t, ds, http.MethodGet, "/api/2.0/nothing", "").status)
		assert.Len(t, ds.Violations(), before+2)
	})

	t.Run("response", func(t *testing.T) {
		gm.AddAccount(facadetest.GlowmarktAccount{AccountID: "glow-bad", Username: "bad", Email: "not an address"})
		user, pass := gm.AppKeys()
		before := len(gm.Violations())
		resp := call(t, gm, http.MethodGet, "/api/v0-1/account/glow-bad", "", "Authorization", basic(user, pass))
		assert.Equal(t, http.StatusOK, resp.status, "the answer still goes out")
		violations := gm.Violations()
		require.Len(t, violations, before+1)
		var ve *api.ValidationError
		require.ErrorAs(t, violations[before], &ve)
		assert.Equal(t, "response", ve.Phase)
		assert.Equal(t, "getAccountbyId", ve.Operation)
	})
}

func TestWithT(t *testing.T) {
	t.Parallel()
	var f *facadetest.Zendesk
	t.Run("inner", func(t *testing.T) {
		rec := &recordingT{TB: t}
		f = facadetest.NewZendesk(facadetest.WithT(rec))
		f.AddUser(facadetest.ZendeskUser{ID: fixture.ZendeskAgent, Email: fixture.ZendeskAgentEmail, Password: fixture.ZendeskAgentPassword, Role: "agent"})
		auth := []string{"Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword)}
		assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, "/api/v2/users/1002/password/requirements", "", auth...).status)
		assert.Empty(t, rec.recorded())
		call(t, f, http.MethodPut, zdAgentPath, `{"password":"fake-Passw0rd-2"}`, auth...)
		errs := rec.recorded()
		require.Len(t, errs, 1)
		assert.Contains(t, errs[0], "zendesk contract violation in request of ChangeOwnPassword")
	})
	// The fake closed at the inner test's cleanup.
	_, err := send(t.Context(), f, http.MethodGet, "/api/v2/users/1002/password/requirements", "")
	assert.Error(t, err)
}

func TestBasePathAndTLS(t *testing.T) {
	t.Parallel()
	f := facadetest.NewDocSpace(facadetest.WithBasePath("/tenant/"), facadetest.WithTLS())
	defer f.Close()
	f.AddAPIKey(dsAPIKey)
	assert.True(t, strings.HasPrefix(f.URL(), "https://"), f.URL())
	assert.True(t, strings.HasSuffix(f.URL(), "/tenant"), f.URL())
	assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, dsSettingsPath, "", "Authorization", dsAPIKey).status)
	assert.Empty(t, f.Violations())

	// Without the prefix no operation matches.
	root := strings.TrimSuffix(f.URL(), "/tenant")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, root+dsSettingsPath, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", dsAPIKey)
	resp, err := f.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Len(t, f.Violations(), 1)
	assert.Equal(t, 1, f.Hits("getPasswordSettings"), "only the request under the prefix")

	z := newZendesk(t, facadetest.WithBasePath("zd"))
	assert.Regexp(t, `^http://[^/]+/zd$`, z.URL())
	assert.Equal(t, http.StatusOK, call(t, z, http.MethodGet, "/api/v2/users/1002/password/requirements", "",
		"Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword)).status)
	g := newGlowmarkt(t, facadetest.WithBasePath("/gm"))
	assert.Equal(t, http.StatusOK, call(t, g, http.MethodGet, "/api/v0-1/account/status", "", gmLogin(t, g)...).status)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	f := newDocSpace(t)
	f.SetRateLimit(0.5, 2)
	auth := []string{"Authorization", dsAPIKey}
	for range 2 {
		resp := call(t, f, http.MethodGet, dsSettingsPath, "", auth...)
		assert.Equal(t, http.StatusOK, resp.status)
		assert.Equal(t, "2", resp.header.Get("X-RateLimit-Limit"))
	}
	resp := call(t, f, http.MethodGet, dsSettingsPath, "", auth...)
	assert.Equal(t, http.StatusTooManyRequests, resp.status)
	assert.Equal(t, "2", resp.header.Get("Retry-After"))
	assert.Equal(t, "0", resp.header.Get("X-RateLimit-Remaining"))
	assert.Empty(t, resp.header.Get("X-Rate-Limit-Remaining"), "DocSpace sends its own headers, not Zendesk's")
	reset, err := strconv.ParseInt(resp.header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Add(4*time.Second).Unix(), reset, 2, "unix seconds when the quota is whole again")
	assert.Equal(t, 1, f.RateLimited())
	f.SetRateLimit(0, 0)
	assert.Equal(t, http.StatusOK, call(t, f, http.MethodGet, dsSettingsPath, "", auth...).status)
	assert.Equal(t, 4, f.Hits("getPasswordSettings"))
}

// Zendesk's quota headers: the account's requests per minute, and the ratelimit-* set; Glowmarkt sends
// none.
func TestRateLimitHeadersPerVendor(t *testing.T) {
	t.Parallel()
	z := newZendesk(t)
	z.SetRateLimit(5, 5)
	resp := call(t, z, http.MethodGet, "/api/v2/users/1002/password/requirements", "", "Authorization", basic(fixture.ZendeskAgentEmail, fixture.ZendeskAgentPassword))
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, "300", resp.header.Get("X-Rate-Limit"))
	assert.Equal(t, "4", resp.header.Get("X-Rate-Limit-Remaining"))
	assert.Equal(t, "300", resp.header.Get("Ratelimit-Limit"))
	assert.Equal(t, "4", resp.header.Get("Ratelimit-Remaining"))
	assert.Equal(t, "1", resp.header.Get("Ratelimit-Reset"))
	assert.Empty(t, resp.header.Get("X-RateLimit-Limit"))

	g := newGlowmarkt(t)
	g.SetRateLimit(5, 5)
	resp = call(t, g, http.MethodGet, "/api/v0-1/account/status", "", gmLogin(t, g)...)
	assert.Equal(t, http.StatusOK, resp.status)
	for _, h := range []string{"X-Rate-Limit", "X-RateLimit-Limit", "Ratelimit-Limit"} {
		assert.Empty(t, resp.header.Get(h), h)
	}
}

func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	ds, zd, gm := newDocSpace(t), newZendesk(t), newGlowmarkt(t)
	zd.SetAdminSetPassword(true)
	gmHeaders := gmLogin(t, gm)
	ctx := t.Context()
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pw := fmt.Sprintf("fake-Passw0rd-%d", i)
			expect := func(want int, f fake, method, path, body string, kv ...string) {
				resp, err := send(ctx, f, method, path, body, kv...)
				if assert.NoError(t, err) {
					assert.Equal(t, want, resp.status, path)
				}
			}
			expect(200, ds, http.MethodPut, dsPasswordPath, `{"password":"`+pw+`"}`, "Authorization", dsAPIKey)
			expect(200, ds, http.MethodPost, "/api/2.0/authentication", `{"userName":"`+dsTFAEmail+`","password":"`+dsPassword+`"}`)
			expect(200, ds, http.MethodPost, "/api/2.0/people/password", `{"email":"`+dsEmail+`"}`)
			expect(200, zd, http.MethodPost, zdAgentPath, `{"password":"`+pw+`"}`, "Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken))
			expect(200, gm, http.MethodPost, "/api/v0-1/account/name", `{"name":"`+pw+`"}`, gmHeaders...)
			expect(200, gm, http.MethodPost, "/api/v0-1/auth", `{"username":"`+gmUser+`","password":"`+gmPassword+`"}`, "applicationId", gm.ApplicationID())

			// Faults armed and cleared while others are in flight.
			zd.Fail("GetUserPasswordRequirements", facadetest.Fault{Status: 503, Times: 1})
			resp, err := send(ctx, zd, http.MethodGet, "/api/v2/users/1002/password/requirements", "", "Authorization", basic(zdAdminAPIToken, fixture.ZendeskAPIToken))
			if assert.NoError(t, err) {
				assert.Contains(t, []int{200, 503}, resp.status)
			}
			_, _ = ds.Password(dsID)
			_ = ds.ResetEmails()
			_ = gm.MobileAppTokens(gmAccount)
			ds.SetPolicy(facadetest.DocSpacePolicy{MinLength: 8, UpperCase: true, Digits: true})
			_ = zd.Violations()
			_ = gm.Hits("userChangeName")
		})
	}
	wg.Wait()
	assert.Equal(t, n, ds.Hits("changeUserPassword"))
	assert.Equal(t, n, ds.Hits("authenticate"))
	assert.Len(t, ds.ResetEmails(), n)
	assert.Equal(t, n, zd.Hits("SetUserPassword"))
	assert.Equal(t, n, zd.Hits("GetUserPasswordRequirements"))
	assert.Equal(t, n, gm.Hits("userChangeName"))
	assert.Equal(t, n+1, gm.Hits("authenticate"))
	for _, f := range []fake{ds, zd, gm} {
		assert.Empty(t, f.Violations())
	}
	pw, _ := zd.Password(fixture.ZendeskAgent)
	assert.True(t, strings.HasPrefix(pw, "fake-Passw0rd-"))
}
