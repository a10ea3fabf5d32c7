package facade

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func FuzzAPIErrorMapping(f *testing.F) {
	f.Add(422, "application/json", []byte(`{"error":"RecordInvalid","description":"d","details":{"password":[{"description":"too short"}]}}`))
	f.Add(403, "application/json", []byte(`{"error":{"title":"Forbidden","message":"no"}}`))
	f.Add(401, "application/json", []byte(`{"status":1,"statusCode":401,"error":{"message":"Unauthorized","stack":"at X"}}`))
	f.Add(400, "application/json", []byte(`{"error":"weak new password"}`))
	f.Add(429, "text/plain", []byte("Rate limit exceeded\nsecond line"))
	f.Add(502, "text/html", []byte("<html>bad gateway</html>"))
	f.Add(404, "", []byte(""))
	f.Add(500, "application/json", []byte("null"))
	parsers := []struct {
		v Vendor
		p func([]byte) errorBody
	}{{VendorDocSpace, parseDocSpaceError}, {VendorZendesk, parseZendeskError}, {VendorGlowmarkt, parseGlowmarktError}}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		h := http.Header{}
		h.Set("Content-Type", contentType)
		for _, p := range parsers {
			c := &core{vendor: p.v, parseError: p.p, now: time.Now}
			e := c.apiError(OpSetPassword, &response{status: status, header: h, body: body}, nil)
			if e.StatusCode != status {
				t.Fatalf("status %d became %d", status, e.StatusCode)
			}
			msg := e.Error()
			if strings.ContainsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' || (unicode.IsControl(r) && r != '\t') }) {
				t.Fatalf("control character in %q", msg)
			}
			if utf8.RuneCountInString(e.Message) > maxMessage+1 || utf8.RuneCountInString(e.Code) > maxMessage+1 {
				t.Fatalf("message not capped: %d", len(e.Message))
			}
			if len(e.RawBody()) > maxRawBody {
				t.Fatalf("raw body not capped: %d", len(e.RawBody()))
			}
			// A credential echoed anywhere in the body shows nowhere.
			c.credentials = []Secret{NewSecret(fuzzSecret)}
			echo := append(append(append([]byte(nil), body[:len(body)/2]...), fuzzSecret...), body[len(body)/2:]...)
			e = c.apiError(OpSetPassword, &response{status: status, header: h, body: echo}, nil)
			for _, text := range []string{e.Error(), fmt.Sprintf("%#v", e), fmt.Sprintf("%+v", *e), string(e.RawBody())} {
				if strings.Contains(text, fuzzSecret) {
					t.Fatalf("the credential shows in %q", text)
				}
			}
		}
	})
}

// fuzzSecret has characters that JSON escapes; no whitespace or control characters, which cleaning changes.
const fuzzSecret = `fake-"Sec\ret/é-99`

// fixedReasons are the reasons checkPassword and checkText give.
var fixedReasons = map[string]bool{
	"must not be empty": true, "is not valid UTF-8": true, "must not contain NUL": true,
	"has leading or trailing whitespace (a line break read from a file?); remove it, nothing is trimmed": true,
	"must not contain control characters (line breaks, tabs, ...)":                                       true,
}

func FuzzInputValidation(f *testing.F) {
	for _, s := range []string{"aae1e103-bca5-9fa1-ba8c-42058b4abf28", "{aae1e103-bca5-9fa1-ba8c-42058b4abf28}", "35436", "0", "-1", "007", "user@example.com", "User <u@example.com>", "", "a@b",
		"glow-acc-0001", "../../admin", "acc-1\r\nX-Injected: 1", "acc\x001", "acc%2F1", "acc-é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := parseDocSpaceUser(s); err == nil && len(s) != 36 {
			t.Fatalf("accepted DocSpace user %q", s)
		}
		if id, err := parseZendeskUser(s); err == nil && (id <= 0 || strconv.FormatInt(id, 10) != s) {
			t.Fatalf("accepted Zendesk user %q", s)
		}
		if err := checkEmail("email", s); err == nil && (!strings.Contains(s, "@") || len(s) > 255) {
			t.Fatalf("accepted email %q", s)
		}
		if err := checkGlowmarktAccount(s); err == nil && (len(s) > maxGlowmarktAccount ||
			strings.ContainsAny(s, "/\\.%?#:; \r\n\t\x00") || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f })) {
			t.Fatalf("accepted Glowmarkt account %q", s)
		}
		if err := checkPassword("p", NewSecret(s)); err != nil {
			// the error is one of the fixed texts: it never quotes the password
			var in *InputError
			if !errors.As(err, &in) || err.Error() != "invalid p: "+in.Reason || !fixedReasons[in.Reason] {
				t.Fatalf("the error is not a fixed text: %v", err)
			}
		}
		if err := checkText("c", s); err != nil {
			var in *InputError
			if !errors.As(err, &in) || err.Error() != "invalid c: "+in.Reason || !fixedReasons[in.Reason] {
				t.Fatalf("the error is not a fixed text: %v", err)
			}
		} else if strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s) {
			t.Fatalf("accepted credential %q", s)
		}
	})
}

func FuzzZendeskPolicy(f *testing.F) {
	f.Add("must be at least 5 characters", "must include a number", "abc")
	f.Add("must include letters in mixed case", "must be different from email address", "AbCd")
	f.Add("Minimum of 12 characters", "must include a special character", "x!")
	f.Add("must be at least 999999 characters", "", "")
	f.Fuzz(func(t *testing.T, a, b, password string) {
		p := ZendeskPolicy([]string{a, b})
		if len(p.Rules) != 2 || p.Rules[0].Text != a || p.Rules[1].Text != b {
			t.Fatalf("rules lost: %+v", p.Rules)
		}
		unmet := p.Check(NewSecret(password))
		if len(unmet) > 2 {
			t.Fatalf("more unmet rules than rules: %v", unmet)
		}
		for _, r := range p.Rules {
			if r.Kind == RuleMinLength && r.N <= 64 && !r.met(strings.Repeat("a", r.N)) {
				t.Fatalf("%d characters do not meet %q", r.N, r.Text)
			}
		}
	})
}
