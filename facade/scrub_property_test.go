package facade

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// propertySecrets are obviously fake secrets with the characters escapings change: quotes, slashes, plus,
// percent, HTML's specials, non-ASCII, and whitespace runs of several kinds.
var propertySecrets = []string{
	"fake-Simple-Passw0rd-1",
	"fake/pw+with=b64&chars%2",
	`fake-"quoted"\back-3`,
	"fake <html> & 'apos' 4",
	"fake pass  word\twith\nruns-5",
	"fake-ünïcødé-Pässwörd-6",
	"fake-emoji-😀-pw-7",
	"fake\r\nCRLF pw 8",
	"FAKE-UPPER-TOKEN-9",
	"ab9", // three bytes: the shortest secret scrubbed
}

// transform is one way a vendor may echo a secret: it returns the echo and the parts of it that must not
// survive scrubbing.
type transform struct {
	name string
	// text says whether whitespace substitution and case changes apply before it (not to binary encodings).
	text bool
	echo func(s string) (echo string, leaks []string)
}

func same(f func(string) string) func(string) (string, []string) {
	return func(s string) (string, []string) { e := f(s); return e, []string{e} }
}

func goJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// base64In encodes prefix+s+suffix; what must not survive is the part of the encoding that holds only s's bits.
func base64In(enc *base64.Encoding, prefix, suffix string) func(string) (string, []string) {
	return func(s string) (string, []string) {
		full := enc.EncodeToString([]byte(prefix + s + suffix))
		from := (8*len(prefix)+5)/6 + 1
		to := 8*(len(prefix)+len(s))/6 - 1
		if to-from < 4 {
			return full, nil // too short to tell from ordinary text
		}
		return full, []string{full[from:to]}
	}
}

var transforms = []transform{
	{"as is", true, same(func(s string) string { return s })},
	{"query-escaped", true, same(url.QueryEscape)},
	{"path-escaped", true, same(url.PathEscape)},
	{"query-escaped lower hex", true, same(func(s string) string { return strings.ToLower(url.QueryEscape(s)) })},
	{"JSON", true, same(goJSON)},
	{"JSON ASCII upper hex", true, same(func(s string) string { return asciiJSON(s, "%04X", true) })},
	{"JSON ASCII \\u controls", true, same(func(s string) string { return asciiJSON(s, "%04x", false) })},
	{"JSON slash-escaped", true, same(func(s string) string { return strings.ReplaceAll(goJSON(s), "/", `\/`) })},
	{"HTML", true, same(html.EscapeString)},
	{"HTML named", true, same(func(s string) string {
		return strings.NewReplacer("&#34;", "&quot;", "&#39;", "&apos;").Replace(html.EscapeString(s))
	})},
	{"base64 std", false, same(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) })},
	{"base64 std unpadded", false, same(func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) })},
	{"base64 URL", false, same(func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) })},
	{"base64 URL unpadded", false, same(func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) })},
	{"base64 basic credentials", false, base64In(base64.StdEncoding, "admin@example.com:", "")},
	{"base64 inside a longer value", false, base64In(base64.RawURLEncoding, "xy", "-tail")},
	{"base64 offset 1", false, base64In(base64.StdEncoding, "a", "zz")},
}

// caseChanges are the ways a vendor may change a secret's case.
var caseChanges = map[string]func(string) string{
	"same case": func(s string) string { return s },
	"upper":     strings.ToUpper,
	"lower":     strings.ToLower,
}

// substituteWhitespace replaces every whitespace run of s with another, drawn from runs vendors write.
func substituteWhitespace(s string, r *rand.Rand) string {
	runs := []string{" ", "\t", "\n", "\r\n", "  ", " \t ", "\u00a0", "\n\n"}
	var b strings.Builder
	inRun := false
	for _, c := range s {
		if unicode.IsSpace(c) {
			if !inRun {
				b.WriteString(runs[r.IntN(len(runs))])
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteRune(c)
	}
	return b.String()
}

// Property: a secret echoed in any of the transformations — case changed, whitespace substituted, escaped
// or encoded, inside a longer token — leaves nothing of itself in the scrubbed text.
func TestScrubberProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 22))
	checked := 0
	for _, secret := range propertySecrets {
		s := newScrubber(append([]string{"fake-other-secret-x"}, secret))
		for _, tr := range transforms {
			for cname, change := range caseChanges {
				for ws := range 3 {
					if !tr.text && (cname != "same case" || ws > 0) {
						continue // binary encodings are not re-cased or re-spaced
					}
					in := secret
					if ws > 0 {
						in = substituteWhitespace(secret, r)
					}
					echo, leaks := tr.echo(change(in))
					if len(leaks) == 0 {
						continue
					}
					// Inside a longer token, between word characters.
					text := fmt.Sprintf(`{"error":"bad value xx%syy in request"}`, echo)
					got := s.text(text)
					checked++
					for _, leak := range leaks {
						if len(strings.TrimSpace(leak)) < minSecretLen {
							continue
						}
						assert.NotContains(t, got, leak, "%q %s %s ws%d: %q", secret, tr.name, cname, ws, got)
					}
					assert.Contains(t, got, redacted, "%q %s %s ws%d", secret, tr.name, cname, ws)
					assert.Equal(t, got, string(s.body([]byte(text))), "text and body agree")
				}
			}
		}
	}
	assert.Greater(t, checked, 500)
}

// Ordinary text without a secret is left as it is.
func TestScrubberLeavesOtherText(t *testing.T) {
	t.Parallel()
	s := newScrubber(propertySecrets)
	for _, text := range []string{
		`{"error":"RecordInvalid","description":"Password is too short (minimum is 12 characters)"}`,
		"Unauthorized", "the password does not meet the policy", "",
	} {
		assert.Equal(t, text, s.text(text))
	}
	assert.Equal(t, "plain", newScrubber(nil).text("plain"))
}
