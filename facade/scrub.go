package facade

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
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

// scrubber replaces every secret a manager holds, and the passwords of a call, with [REDACTED], in each form
// a vendor may echo it: as is, JSON-, percent- or HTML-escaped, in base64 (standard or URL alphabet, padded or
// not, on its own or inside a longer encoded value such as basic credentials), upper- or lower-cased, with
// its whitespace runs replaced by any other whitespace, and inside a longer token. It is built only when an
// error is. Its patterns go longest secret first, so that a form holding another is replaced whole.
type scrubber struct{ ms []*secretMatcher }

// secretMatcher finds every form of one secret.
type secretMatcher struct {
	// anchor is the longest run of ASCII letters and digits of the lower-cased secret: no escaping changes
	// it, so a text whose lower-cased form lacks it holds no text form of the secret. "" when too short.
	anchor string
	text   func() *regexp.Regexp // the text forms, case-insensitive; compiled when first needed, nil for none
	b64    []string              // the parts of the base64 forms that hold only the secret's bits
}

// scrubPatterns caches the compiled pattern of the manager's credentials and login tokens (a call's
// passwords are compiled for the call and never kept). It holds at most maxCachedPatterns.
type scrubPatterns struct {
	mu sync.Mutex
	re map[string]*secretMatcher
}

const maxCachedPatterns = 16

// get returns v's pattern, from the cache or compiled and kept.
func (c *scrubPatterns) get(v string) *secretMatcher {
	c.mu.Lock()
	defer c.mu.Unlock()
	if re, ok := c.re[v]; ok {
		return re
	}
	if c.re == nil || len(c.re) >= maxCachedPatterns {
		c.re = map[string]*secretMatcher{} // tokens come and go: start afresh rather than grow
	}
	m := newSecretMatcher(v)
	c.re[v] = m
	return m
}

// scrubberFor covers the manager's credentials, its current login token and the call's secrets.
func (c *core) scrubberFor(call []Secret) scrubber {
	kept := c.credentials
	if c.tokens != nil {
		kept = append(kept[:len(kept):len(kept)], c.tokens.current())
	}
	type entry struct {
		size int
		m    *secretMatcher
	}
	var all []entry
	for _, s := range kept {
		if v := s.Reveal(); len(v) >= minSecretLen {
			all = append(all, entry{len(v), c.scrubCache.get(v)})
		}
	}
	for _, s := range call {
		if v := s.Reveal(); len(v) >= minSecretLen {
			all = append(all, entry{len(v), newSecretMatcher(v)})
		}
	}
	slices.SortStableFunc(all, func(a, b entry) int { return b.size - a.size })
	ms := make([]*secretMatcher, len(all))
	for i, e := range all {
		ms[i] = e.m
	}
	return scrubber{ms: ms}
}

// newScrubber covers the values, none of them cached: for tests.
func newScrubber(values []string) scrubber {
	var c core
	for _, v := range values {
		c.credentials = append(c.credentials, NewSecret(v))
	}
	return c.scrubberFor(nil)
}

// newSecretMatcher compiles the matcher of v's forms.
func newSecretMatcher(v string) *secretMatcher {
	m := &secretMatcher{b64: base64Forms(v)}
	m.text = sync.OnceValue(func() *regexp.Regexp {
		if p := textPattern(v); p != "" {
			return regexp.MustCompile(`(?i)` + p)
		}
		return nil
	})
	for _, run := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	}) {
		if len(run) > len(m.anchor) {
			m.anchor = run
		}
	}
	if len(m.anchor) < minSecretLen {
		m.anchor = ""
	}
	return m
}

// replace returns t with every form of the secret replaced; lower is t lower-cased (ASCII), for the anchor.
func (m *secretMatcher) replace(t, lower string) string {
	for _, b := range m.b64 {
		t = strings.ReplaceAll(t, b, redacted)
	}
	if m.anchor == "" || strings.Contains(lower, m.anchor) {
		if re := m.text(); re != nil {
			t = re.ReplaceAllLiteralString(t, redacted)
		}
	}
	return t
}

// wsRun matches a run of whitespace as any of the escapings writes it: Unicode white space raw, percent-,
// JSON- and HTML-escaped. A vendor may substitute any run for any other.
const wsRun = `(?:[\s\v\p{Z}\x{85}\x{feff}]|\+|%(?:09|0a|0b|0c|0d|20|c2%a0|c2%85)` +
	`|\\[ntrfv]|\\u(?:00(?:0[9a-d]|20|85|a0)|200[0-9a]|202f|205f|3000|feff)` +
	`|&nbsp;|&#(?:x0*(?:9|a|b|c|d|20|85|a0)|0*(?:9|10|11|12|13|32|133|160));)+`

// textPattern matches v as any of the escapings writes it, each character in any case, its whitespace runs
// substituted by any others: every character of v may take any of its escaped forms, so that every escaping
// (and any mixture of them) is matched by one pattern. "" when v is only whitespace.
func textPattern(v string) string {
	words := strings.FieldsFunc(v, isSpace)
	if len(words) == 0 {
		return ""
	}
	parts := make([]string, len(words))
	for i, w := range words {
		var b strings.Builder
		for _, r := range w {
			b.WriteString(runePattern(r))
		}
		parts[i] = b.String()
	}
	return strings.Join(parts, wsRun)
}

// runePatterns memoizes runePattern for the characters below memoizedRunes (a character's pattern never
// changes), so that the memo stays small whatever the secrets hold.
var runePatterns sync.Map // rune → string

const memoizedRunes = 0x800

// runePattern matches one character of a secret in each form the escapings give it and its case variants.
func runePattern(r rune) string {
	if r >= memoizedRunes {
		return buildRunePattern(r)
	}
	if p, ok := runePatterns.Load(r); ok {
		return p.(string)
	}
	p := buildRunePattern(r)
	runePatterns.Store(r, p)
	return p
}

func buildRunePattern(r rune) string {
	var alts []string
	for _, c := range []rune{r, unicode.ToUpper(r), unicode.ToLower(r), unicode.ToTitle(r)} {
		for _, f := range runeForms(c) {
			// The pattern ignores case: forms that differ only in case are one.
			if q := regexp.QuoteMeta(strings.ToLower(f)); !slices.Contains(alts, q) {
				alts = append(alts, q)
			}
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	slices.SortStableFunc(alts, func(a, b string) int { return len(b) - len(a) })
	return "(?:" + strings.Join(alts, "|") + ")"
}

// runeForms returns a character as it is written raw, percent-escaped (query and path), JSON-escaped (as Go
// writes it with and without HTML escaping, as \uXXXX, "/" as "\/") and HTML-escaped (named, decimal and hex
// entities). Every escaping writes a string character by character, so a secret's escaped form is the
// concatenation of its characters' forms.
func runeForms(r rune) []string {
	s := string(r)
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s)}
	forms = append(forms, jsonForms(s)...)
	if r > 0x7e || strings.ContainsRune(`"'<>&`, r) {
		forms = append(forms, fmt.Sprintf("&#%d;", r), fmt.Sprintf("&#x%x;", r))
	}
	if named, ok := htmlNamed[r]; ok {
		forms = append(forms, named)
	}
	return forms
}

// htmlNamed are the named entities HTML escapers use for the characters they escape.
var htmlNamed = map[rune]string{'"': "&quot;", '\'': "&apos;", '<': "&lt;", '>': "&gt;", '&': "&amp;", 0xa0: "&nbsp;"}

// isSpace reports the characters a vendor may fold or substitute as whitespace.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' }

// base64Forms returns the parts of v's base64 encodings (standard and URL alphabets) that hold only v's bits,
// at each of the three offsets v may start at within a longer encoded value: an echo of v encoded on its own
// (padded or not) or inside a longer value, such as "user:password" in basic credentials, contains one of
// them. Parts shorter than four characters are left out: they would match ordinary text.
func base64Forms(v string) []string {
	var out []string
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for k := range 3 {
			full := enc.EncodeToString(append(make([]byte, k), v...))
			from, to := (8*k+5)/6, 8*(k+len(v))/6
			if to-from >= 4 {
				out = append(out, full[from:to])
			}
		}
	}
	return out
}

// jsonForms returns v escaped as JSON string content: as Go writes it (with and without HTML escaping),
// and with every non-ASCII character as \uXXXX (as Python and .NET write it); each also with "/" escaped
// as "\/" (as PHP writes it). Hex digits match in either case.
func jsonForms(v string) []string {
	var out []string
	for _, escapeHTML := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(v) // a string always encodes
		s := strings.TrimSuffix(b.String(), "\n")
		out = append(out, s[1:len(s)-1])
	}
	out = append(out, asciiJSON(v, "%04x", true), asciiJSON(v, "%04x", false))
	for _, j := range slices.Clone(out) {
		out = append(out, strings.ReplaceAll(j, "/", `\/`))
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

// text returns t with every form of every secret replaced.
func (s scrubber) text(t string) string {
	lower := asciiLower(t)
	for _, m := range s.ms {
		if out := m.replace(t, lower); out != t {
			t, lower = out, asciiLower(out)
		}
	}
	return t
}

// body returns b with every form of every secret replaced; b itself when none is in it.
func (s scrubber) body(b []byte) []byte {
	if len(s.ms) == 0 || len(b) == 0 {
		return b
	}
	t := string(b)
	if out := s.text(t); out != t {
		return []byte(out)
	}
	return b
}

// asciiLower lower-cases the ASCII letters of s (other characters are kept, so that a form matched without
// regard to case, such as K for k, is still found by the regular expression itself).
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
