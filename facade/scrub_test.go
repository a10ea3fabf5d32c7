package facade

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every credential option's secrets, and the basic header built from them, are in the manager's list.
func TestConfigSecretsCoverEveryCredential(t *testing.T) {
	t.Parallel()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		vendor Vendor
		opts   []Option
		want   []string
	}{
		{VendorDocSpace, []Option{WithLogin("u@example.com", "fake-pw-1")}, []string{"fake-pw-1"}},
		{VendorDocSpace, []Option{WithToken("fake-tok-2")}, []string{"fake-tok-2"}},
		{VendorDocSpace, []Option{WithAuthCookie("fake-cookie-3")}, []string{"fake-cookie-3"}},
		{VendorDocSpace, []Option{WithAPIKey("fake-key-4")}, []string{"fake-key-4"}},
		{VendorDocSpace, []Option{WithBasicAuth("u", "fake-pw-5")}, []string{"fake-pw-5", b64("u:fake-pw-5")}},
		{VendorZendesk, []Option{WithBearerToken("fake-tok-6")}, []string{"fake-tok-6"}},
		{VendorZendesk, []Option{WithAPIToken("a@example.com", "fake-tok-7")}, []string{"fake-tok-7", b64("a@example.com/token:fake-tok-7")}},
		{VendorGlowmarkt, []Option{WithApplicationID("fake-app-8"), WithToken("fake-tok-8"), WithAppKeys("k", "fake-appkey-8")},
			[]string{"fake-app-8", "fake-tok-8", "fake-appkey-8", b64("k:fake-appkey-8")}},
	}
	for _, tc := range cases {
		cfg, err := newConfig(tc.vendor, "https://example.com", tc.opts)
		require.NoError(t, err)
		var got []string
		for _, s := range configSecrets(cfg) {
			got = append(got, s.Reveal())
		}
		assert.Subset(t, got, tc.want, "%s %v", tc.vendor, tc.want)
	}
}

// The current login token is scrubbed with the credentials.
func TestScrubberIncludesTheLoginToken(t *testing.T) {
	t.Parallel()
	c := &core{tokens: newTokenCache(nil, nil)}
	c.tokens.token = NewSecret("fake-login-token-9")
	assert.Equal(t, "a [REDACTED] b", c.scrubberFor(nil).text("a fake-login-token-9 b"))
}

// Each echoed form of a secret is replaced; secrets under three bytes are not.
func TestScrubberForms(t *testing.T) {
	t.Parallel()
	const pw = "fake \"pw\"\\ é/ü  <&>\n😀"
	s := (&core{}).scrubberFor([]Secret{NewSecret(pw), NewSecret("ab")})
	goJSON, _ := json.Marshal(pw)
	forms := []string{
		pw, string(goJSON[1 : len(goJSON)-1]), url.QueryEscape(pw), url.PathEscape(pw), strings.Join(strings.Fields(pw), " "),
		`fake \"pw\"\\ \u00e9/\u00fc  <&>\n\ud83d\ude00`, `fake \"pw\"\\ \u00E9\/\u00FC  <&>\u000A\uD83D\uDE00`,
	}
	for _, f := range forms {
		assert.Equal(t, "<[REDACTED]>", s.text("<"+f+">"), "%q", f)
		assert.Equal(t, "<[REDACTED]>", string(s.body([]byte("<"+f+">"))), "%q", f)
	}
	assert.Equal(t, "ab", s.text("ab"), "secrets under three bytes are kept")
	body := []byte("nothing secret")
	assert.Same(t, &body[0], &s.body(body)[0], "a body without a secret is not copied")
}

// The cost of building an *APIError with scrubbing, for a manager with basic credentials and a call with
// two passwords: paid only when a call fails.
func BenchmarkAPIErrorScrub(b *testing.B) {
	cfg, err := newConfig(VendorZendesk, "https://example.com", []Option{WithAPIToken("a@example.com", "fake-api-token-1")})
	require.NoError(b, err)
	c := newCore(cfg, parseZendeskError, authorizeZendesk)
	r := &response{status: 422, header: map[string][]string{"Content-Type": {"application/json"}},
		body: []byte(`{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[{"description":"Password: is too short (minimum is 12 characters)"}]}}`)}
	call := []Secret{NewSecret("fake-Old-Passw0rd"), NewSecret("fake-New-Passw0rd")}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.apiError(OpChangePassword, r, call)
	}
}
