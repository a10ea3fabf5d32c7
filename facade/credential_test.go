package facade

import (
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/internal/transport"
)

// Every auth option a vendor accepts becomes an editor that puts a credential on the request; an option
// the vendor does not take makes the constructor fail.
func TestEveryAcceptedCredentialIsSent(t *testing.T) {
	t.Parallel()
	options := map[string]Option{
		"WithLogin": WithLogin("fake-user", "fake-Passw0rd-1"), "WithToken": WithToken("fake-token"),
		"WithAuthCookie": WithAuthCookie("fake-cookie"), "WithAPIKey": WithAPIKey("fake-key"),
		"WithBasicAuth": WithBasicAuth("fake-user", "fake-Passw0rd-1"), "WithBearerToken": WithBearerToken("fake-token"),
		"WithAPIToken": WithAPIToken("admin@example.com", "fake-token"),
	}
	accepted := map[Vendor][]string{
		VendorDocSpace:  {"WithLogin", "WithToken", "WithAuthCookie", "WithAPIKey", "WithBasicAuth", "WithBearerToken"},
		VendorZendesk:   {"WithAPIToken", "WithBasicAuth", "WithBearerToken"},
		VendorGlowmarkt: {"WithLogin", "WithToken"},
	}
	build := func(v Vendor, o Option) (*core, error) {
		switch v {
		case VendorDocSpace:
			m, err := NewDocSpace("https://example.invalid", o)
			if err != nil {
				return nil, err
			}
			return m.core, nil
		case VendorZendesk:
			m, err := NewZendesk("https://example.invalid", o)
			if err != nil {
				return nil, err
			}
			return m.core, nil
		}
		m, err := NewGlowmarkt("https://example.invalid", o, WithApplicationID("fake-app"))
		if err != nil {
			return nil, err
		}
		return m.core, nil
	}
	for v, names := range accepted {
		for name, o := range options {
			c, err := build(v, o)
			if !assert.Equal(t, slices.Contains(names, name), err == nil, "%s %s: %v", v, name, err) || err != nil {
				continue
			}
			require.NotNil(t, c.auth, "%s %s", v, name)
			assert.Equal(t, name == "WithLogin", c.tokens != nil, "%s %s: a token cache only for a login", v, name)
			if name == "WithLogin" {
				continue // the editor would log in
			}
			r, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.invalid", nil)
			require.NoError(t, err)
			require.NoError(t, c.auth(t.Context(), r))
			assert.NotEmpty(t, r.Header, "%s %s puts a credential on the request", v, name)
		}
	}
	_, err := NewDocSpace("https://example.invalid", WithAPIKey("fake-key"), WithToken("fake-token"))
	assert.ErrorContains(t, err, "options WithAPIKey and WithToken both set credentials")
	m, err := NewDocSpace("https://example.invalid")
	require.NoError(t, err)
	assert.Nil(t, m.core.auth, "no auth option: no credentials")
}

// The generated clients send through the manager's Doer, which tells a request that never reached the
// HTTP client from one that may have left.
func TestGeneratedClientsSendThroughTheDoer(t *testing.T) {
	t.Parallel()
	d, err := NewDocSpace("https://example.invalid", WithAPIKey("fake-key"))
	require.NoError(t, err)
	z, err := NewZendesk("https://example.invalid", WithBearerToken("fake-token"))
	require.NoError(t, err)
	g, err := NewGlowmarkt("https://example.invalid", WithApplicationID("fake-app"), WithToken("fake-token"))
	require.NoError(t, err)
	for _, doer := range []any{d.Client().Client, z.Client().Client, g.Client().Client} {
		assert.IsType(t, transport.Doer{}, doer)
	}
}

// The credential editors, whose header values are built once per manager, put on every request exactly what
// net/http's own helpers would, under the canonical header name, and requests do not share a header map.
func TestCredentialEditorsMatchNetHTTP(t *testing.T) {
	t.Parallel()
	secret := NewSecret("fake-Passw0rd-1")
	want := func(set func(r *http.Request)) http.Header {
		r, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.invalid/", http.NoBody)
		require.NoError(t, err)
		set(r)
		return r.Header
	}
	cases := map[string]struct {
		edit requestEditor
		want http.Header
	}{
		"basic": {basicAuth("fake-user@example.com/token", secret),
			want(func(r *http.Request) { r.SetBasicAuth("fake-user@example.com/token", "fake-Passw0rd-1") })},
		"bearer": {bearerAuth(secret), http.Header{"Authorization": {"Bearer fake-Passw0rd-1"}}},
		"header": {headerAuth("applicationId", secret), http.Header{"Applicationid": {"fake-Passw0rd-1"}}},
	}
	for name, tc := range cases {
		for range 2 { // the second request gets the same value, unchanged by the first
			r, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://example.invalid/", http.NoBody)
			require.NoError(t, err)
			require.NoError(t, tc.edit(t.Context(), r), name)
			assert.Equal(t, tc.want, r.Header, name)
		}
	}
}
