package facade

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fakeSecret = "fake-S3cret-value-91"

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := NewSecret(fakeSecret)
	wrapped := struct{ P Secret }{s}
	for _, out := range []string{
		s.String(), s.GoString(), fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x %d", s, s, s, s, s, s, s),
		fmt.Sprintf("%v %+v %#v", wrapped, wrapped, &wrapped),
	} {
		assert.NotContains(t, out, fakeSecret)
		assert.Contains(t, out, "[REDACTED]")
	}
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s, "wrapped", wrapped)
	assert.NotContains(t, buf.String(), fakeSecret)
	data, err := json.Marshal(wrapped)
	require.NoError(t, err)
	assert.NotContains(t, string(data), fakeSecret)
	assert.Equal(t, fakeSecret, s.Reveal())
	assert.True(t, Secret{}.IsZero())
}

func testCore(v Vendor, parse func([]byte) errorBody) *core {
	return &core{vendor: v, parseError: parse, now: func() time.Time { return time.Unix(1_700_000_000, 0) }}
}

func TestAPIErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		vendor      Vendor
		parse       func([]byte) errorBody
		status      int
		contentType string
		body        string
		header      map[string]string
		kind        error
		code, msg   string
		details     []string
	}{
		{"docspace json", VendorDocSpace, parseDocSpaceError, 401, "application/json",
			`{"status":1,"statusCode":401,"error":{"message":"Unauthorized","type":"System.Security.Authentication.AuthenticationException","stack":"at ASC.Api.Core.Middleware in /srv/app.cs:line 42"}}`,
			nil, ErrUnauthorized, "", "Unauthorized", nil},
		{"docspace empty 404", VendorDocSpace, parseDocSpaceError, 404, "", "", nil, ErrNotFound, "", "Not Found", nil},
		{"docspace html 502", VendorDocSpace, parseDocSpaceError, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
			nil, ErrServer, "", "Bad Gateway (non-JSON text/html body)", nil},
		{"zendesk 422 details", VendorZendesk, parseZendeskError, 422, "application/json; charset=utf-8",
			`{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[{"description":"Password is too short","error":"InvalidValue"}]}}`,
			nil, nil, "RecordInvalid", "Record validation errors", []string{"password: Password is too short"}},
		{"zendesk error object", VendorZendesk, parseZendeskError, 403, "application/json",
			`{"error":{"title":"Forbidden","message":"You do not have access to this page."}}`,
			nil, ErrForbidden, "Forbidden", "You do not have access to this page.", nil},
		{"zendesk text 429", VendorZendesk, parseZendeskError, 429, "text/plain", "Rate limit exceeded\nmore lines",
			map[string]string{"Retry-After": "17", "X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0"},
			ErrRateLimited, "", "Rate limit exceeded", nil},
		{"glowmarkt 400", VendorGlowmarkt, parseGlowmarktError, 400, "application/json", `{"error":"weak new password"}`,
			nil, nil, "weak new password", "", nil},
		{"glowmarkt null 404", VendorGlowmarkt, parseGlowmarktError, 404, "application/json", "null", nil, ErrNotFound, "", "Not Found", nil},
		{"json garbage", VendorGlowmarkt, parseGlowmarktError, 500, "application/json", `{"error":`, nil, ErrServer, "", "Internal Server Error", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if c.contentType != "" {
				h.Set("Content-Type", c.contentType)
			}
			for k, v := range c.header {
				h.Set(k, v)
			}
			e := testCore(c.vendor, c.parse).apiError(OpSetPassword, &response{status: c.status, header: h, body: []byte(c.body)}, nil)
			assert.Equal(t, c.status, e.StatusCode)
			assert.Equal(t, c.code, e.Code)
			assert.Equal(t, c.msg, e.Message)
			assert.Equal(t, c.details, e.Details)
			if c.kind != nil {
				assert.ErrorIs(t, e, c.kind)
			}
			assert.NotContains(t, e.Error(), "stack")
			assert.NotContains(t, e.Error(), "ASC.Api")
			assert.NotContains(t, e.Error(), "<html>")
			assert.Equal(t, c.body, string(e.RawBody()))
		})
	}
}

func TestAPIErrorRateLimitAndScrub(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Retry-After", time.Unix(1_700_000_030, 0).UTC().Format(http.TimeFormat))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", "1700000900")
	h.Set("Content-Type", "application/json")
	body := `{"error":{"message":"password ` + fakeSecret + ` is not allowed"}}`
	e := testCore(VendorDocSpace, parseDocSpaceError).apiError(OpSetPassword,
		&response{status: 429, header: h, body: []byte(body)}, []Secret{NewSecret(fakeSecret)})
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.Equal(t, RateLimit{Limit: 5, Remaining: 0, Reset: time.Unix(1_700_000_900, 0)}, e.RateLimit)
	assert.NotContains(t, e.Error(), fakeSecret)
	assert.Contains(t, e.Error(), "[REDACTED]")
	assert.True(t, errors.Is(e, ErrRateLimited))
}

func TestZendeskPolicy(t *testing.T) {
	t.Parallel()
	p := ZendeskPolicy([]string{
		"must be at least 8 characters",
		"must be different from email address",
		"must include letters in mixed case",
		"must include a number",
		"must include a special character",
	})
	assert.Equal(t, 8, p.MinLength())
	assert.Equal(t, VendorZendesk, p.Vendor)
	assert.Empty(t, p.Check(NewSecret("Abcdef1!x")))
	assert.Equal(t, []string{"must be at least 8 characters", "must include letters in mixed case",
		"must include a number", "must include a special character"}, p.Check(NewSecret("abc")))
	assert.Equal(t, RuleOther, p.Rules[1].Kind, "a rule about other data is kept, not checked")
}

func TestDocSpacePolicy(t *testing.T) {
	t.Parallel()
	p := DocSpacePolicy(DocSpaceSettings{MinLength: 10, UpperCase: true, Digits: true, Symbols: true,
		AllowedCharactersRegexStr: `^[a-zA-Z0-9!@#$%^&*()]+$`})
	assert.Empty(t, p.Check(NewSecret("Abcdefgh1!")))
	unmet := p.Check(NewSecret("abc def"))
	assert.Len(t, unmet, 5)
	assert.NotNil(t, p.Allowed())
	// A .NET pattern Go cannot compile is kept but not checked.
	p = DocSpacePolicy(DocSpaceSettings{AllowedCharactersRegexStr: `^(?=.*[A-Z]).+$`})
	assert.Nil(t, p.Allowed())
	assert.Empty(t, p.Check(NewSecret("anything")))
	assert.Equal(t, `^(?=.*[A-Z]).+$`, p.Rules[0].Pattern)
}

func TestInputValidation(t *testing.T) {
	t.Parallel()
	_, err := parseDocSpaceUser("not-a-uuid")
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = parseDocSpaceUser("{aae1e103-bca5-9fa1-ba8c-42058b4abf28}")
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = parseDocSpaceUser("aae1e103-bca5-9fa1-ba8c-42058b4abf28")
	assert.NoError(t, err)
	for _, bad := range []string{"", "0", "-3", "12a", "+5", "007", "99999999999999999999"} {
		_, err = parseZendeskUser(bad)
		assert.ErrorIs(t, err, ErrInvalidInput, bad)
	}
	id, err := parseZendeskUser("35436")
	require.NoError(t, err)
	assert.Equal(t, int64(35436), id)
	for _, bad := range []string{"", "user", "User <user@example.com>", "a@", strings.Repeat("a", 250) + "@example.com"} {
		assert.ErrorIs(t, checkEmail("email", bad), ErrInvalidInput, bad)
	}
	assert.NoError(t, checkEmail("email", "user@example.com"))
	err = checkPassword("newPassword", Secret{})
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "newPassword", ie.Field)
}

func TestOptionsFail(t *testing.T) {
	t.Parallel()
	_, err := NewZendesk("https://example.zendesk.com", WithLogin("u", "p"))
	assert.ErrorContains(t, err, "does not apply to zendesk")
	_, err = NewDocSpace("https://portal.example.com", WithToken("a"), WithAPIKey("b"))
	assert.ErrorContains(t, err, "choose one")
	_, err = NewZendesk("https://example.zendesk.com", WithAPIToken("not-an-email", "tok"))
	assert.ErrorIs(t, err, ErrInvalidInput)
	_, err = NewGlowmarkt(DefaultGlowmarktURL, WithToken("tok"))
	assert.ErrorIs(t, err, ErrInvalidInput, "a token without an application ID")
	for _, bad := range []string{"", "ftp://x", "https://", "https://u:p@host", "https://host?x=1", "::"} {
		_, err = NewDocSpace(bad)
		assert.ErrorIs(t, err, ErrInvalidInput, bad)
	}
	_, err = NewDocSpace("https://portal.example.com", WithHTTPClient(nil))
	assert.Error(t, err)
	_, err = NewDocSpace("https://portal.example.com", WithMaxBodyBytes(0))
	assert.Error(t, err)
}
