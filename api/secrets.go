package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// credentialHeaders are the request headers whose values are secrets.
var credentialHeaders = []string{"Authorization", "Cookie", "Token", "ApplicationId"}

// secretField matches JSON field names whose string values are secrets.
var secretField = regexp.MustCompile(`(?i)password|token|secret`)

func requestSecrets(r *http.Request, body []byte) []string {
	var out []string
	for _, h := range credentialHeaders {
		for _, v := range r.Header.Values(h) {
			out = append(out, v)
			if _, rest, ok := strings.Cut(v, " "); ok {
				out = append(out, rest)
			}
		}
	}
	for _, c := range r.Cookies() {
		out = append(out, c.Value)
	}
	if u, p, ok := r.BasicAuth(); ok {
		out = append(out, u, p)
	}
	return append(out, bodySecrets(body)...)
}

// bodySecrets collects the string values of password- and token-like fields anywhere in a JSON body.
func bodySecrets(body []byte) []string {
	var v any
	if len(body) == 0 || json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && secretField.MatchString(k) {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// scrub replaces every secret value in s. Secrets shorter than 3 characters are left: they would mangle
// the text, and no message of ours quotes values anyway.
func scrub(s string, secrets []string) string {
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, x := range secrets {
		if len(x) >= 3 {
			s = strings.ReplaceAll(s, x, "[REDACTED]")
		}
	}
	return s
}
