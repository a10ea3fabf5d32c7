package facade_test

import (
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// A hostile vendor echoes the new password back transformed in its error answer: the error's text, every
// fmt verb and RawBody hold none of the forms, whatever the content type.
func TestEchoedPasswordFormsNeverLeak(t *testing.T) {
	t.Parallel()
	const pw = "fake New/Pass+word\t\"ü\" 81"
	forms := map[string]string{
		"upper":          strings.ToUpper(pw),
		"lower":          strings.ToLower(pw),
		"base64":         base64.StdEncoding.EncodeToString([]byte(pw)),
		"base64 url raw": base64.RawURLEncoding.EncodeToString([]byte(pw)),
		"basic":          base64.StdEncoding.EncodeToString([]byte("agent@example.com:" + pw)),
		"query":          url.QueryEscape(pw),
		"path":           url.PathEscape(pw),
		"html":           html.EscapeString(pw),
		"whitespace":     strings.ReplaceAll(strings.ReplaceAll(pw, " ", "\n\n"), "\t", "   "),
		"upper query":    url.QueryEscape(strings.ToUpper(pw)),
	}
	for name, form := range forms {
		for _, ct := range []string{"application/json", "text/plain", "text/html"} {
			t.Run(name+"/"+ct, func(t *testing.T) {
				t.Parallel()
				f, admin, _ := zendeskSetup(t, &http.Client{})
				body := fmt.Sprintf(`{"error":"RecordInvalid","description":"bad password x%sy","details":{"password":[{"description":"echo %s"}]}}`,
					strings.ReplaceAll(form, `"`, `\"`), strings.ReplaceAll(form, `"`, `\"`))
				if ct != "application/json" {
					body = "echo " + form + " end"
				}
				f.Fail("SetUserPassword", facadetest.Fault{Status: http.StatusUnprocessableEntity, ContentType: ct, Body: body})
				err := admin.SetPassword(t.Context(), "2", facade.NewSecret(pw))
				require.Error(t, err)
				texts := []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err)}
				var apiErr *facade.APIError
				require.ErrorAs(t, err, &apiErr)
				texts = append(texts, string(apiErr.RawBody()), fmt.Sprintf("%#v", *apiErr))
				for _, text := range texts {
					assert.NotContains(t, text, form)
					assert.NotContains(t, text, strings.ReplaceAll(form, `"`, `\"`))
				}
				assert.Contains(t, string(apiErr.RawBody()), "[REDACTED]")
			})
		}
	}
}
