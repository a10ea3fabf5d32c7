package facade

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// minSecretLen is the shortest secret that is scrubbed: shorter ones would blank ordinary text.
const minSecretLen = 3

// configSecrets lists every credential a manager is built with, for scrubbing error texts: passwords,
// tokens, keys and cookies, Glowmarkt's applicationId and app-key secret, and the base64 of each set of basic
// credentials as it travels in Authorization ("user:password", "email/token:token").
func configSecrets(c *config) []Secret {
	var out []Secret
	add := func(s Secret) {
		if !s.IsZero() {
			out = append(out, s)
		}
	}
	addBasic := func(user string, s Secret) {
		if user != "" && !s.IsZero() {
			add(NewSecret(base64.StdEncoding.EncodeToString([]byte(user + ":" + s.Reveal()))))
		}
	}
	add(c.cred.secret)
	add(c.appKeySecret)
	add(NewSecret(c.applicationID))
	if c.cred.kind == credAPIToken {
		addBasic(c.cred.user+"/token", c.cred.secret)
	} else {
		addBasic(c.cred.user, c.cred.secret)
	}
	addBasic(c.appKeyUser, c.appKeySecret)
	return out
}

// current returns the token in the cache now, zero when there is none.
func (t *tokenCache) current() Secret {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.token
}

// scrubber replaces every secret a manager holds, and the passwords of a call, with [REDACTED], in each
// form a vendor may echo it: as is, JSON-escaped, percent-encoded or whitespace-folded. It is built only
// when an error is.
type scrubber struct{ forms []string }

// scrubberFor covers the manager's credentials, its current login token and the call's secrets.
func (c *core) scrubberFor(call []Secret) scrubber {
	all := append(c.credentials[:len(c.credentials):len(c.credentials)], call...)
	if c.tokens != nil {
		all = append(all, c.tokens.current())
	}
	var forms []string
	for _, s := range all {
		v := s.Reveal()
		if len(v) < minSecretLen {
			continue
		}
		for _, f := range secretForms(v) {
			if len(f) >= minSecretLen && !slices.Contains(forms, f) {
				forms = append(forms, f)
			}
		}
	}
	// Longer forms first, so that a form holding another is replaced whole.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return scrubber{forms: forms}
}

// secretForms returns v as it may appear in a vendor's answer.
func secretForms(v string) []string {
	if !strings.ContainsFunc(v, changedByEscaping) {
		return []string{v} // every form is v itself
	}
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v), strings.Join(strings.Fields(v), " ")}
	for _, j := range jsonForms(v) {
		forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
	}
	return forms
}

// jsonForms returns v escaped as JSON string content: as Go writes it (with and without HTML escaping),
// and with every non-ASCII character as \uXXXX in lower and upper case (as Python and .NET write it).
func jsonForms(v string) []string {
	var out []string
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(v) == nil {
			s := strings.TrimSuffix(b.String(), "\n")
			out = append(out, s[1:len(s)-1])
		}
	}
	for _, hex := range []string{"%04x", "%04X"} {
		out = append(out, asciiJSON(v, hex, true), asciiJSON(v, hex, false))
	}
	return out
}

// jsonShort are the two-character escapes JSON encoders commonly use.
var jsonShort = map[rune]string{'"': `\"`, '\\': `\\`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '\b': `\b`, '\f': `\f`}

// asciiJSON escapes v as JSON string content with only ASCII characters; hex formats each \u value, and
// short says whether control characters use their two-character escapes (\n) or \u.
func asciiJSON(v, hex string, short bool) string {
	var b strings.Builder
	for _, r := range v {
		esc, ok := jsonShort[r]
		switch {
		case ok && (short || r == '"' || r == '\\'):
			b.WriteString(esc)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u`+hex+`\u`+hex, 0xd800+(r>>10)&0x3ff, 0xdc00+r&0x3ff)
				continue
			}
			fmt.Fprintf(&b, `\u`+hex, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// text returns s with every form of every secret replaced.
func (s scrubber) text(t string) string {
	for _, f := range s.forms {
		if strings.Contains(t, f) {
			t = strings.ReplaceAll(t, f, redacted)
		}
	}
	return t
}

// body returns b with every form of every secret replaced; b itself when none is in it.
func (s scrubber) body(b []byte) []byte {
	if len(s.forms) == 0 || len(b) == 0 {
		return b
	}
	t := string(b)
	if out := s.text(t); out != t {
		return []byte(out)
	}
	return b
}

// changedByEscaping reports whether JSON, percent-encoding or whitespace folding may write r otherwise:
// anything but ASCII letters, digits and "-._~".
func changedByEscaping(r rune) bool {
	return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && !strings.ContainsRune("-._~", r)
}
