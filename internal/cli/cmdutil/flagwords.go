package cmdutil

import "strings"

// flagWords turns the facade's and rotate's Go option names into the flags that set them.
var flagWords = strings.NewReplacer(
	"only WithLogin", "only with --auth login", // before WithLogin: the longer match wins only in argument order
	"WithInsecureHTTP", "--insecure-http",
	"WithApplicationID", "--application-id",
	"WithAppKeys", "app keys (not available from the command line)",
	"WithLogin", "--auth login",
	"WithToken", "--auth token",
	"WithAuthCookie", "--auth cookie",
	"WithAPIKey", "--auth api-key",
	"WithBasicAuth", "--auth basic",
	"WithBearerToken", "--auth bearer",
	"WithAPIToken", "--auth api-token",
	"WithIdentities", "--identity",
	"WithRecipients", "--encrypt-to",
	"WithFailFast", "--fail-fast",
	"an auth option", "--auth and a credential",
)

// FlagWords replaces the Go option names in a message (WithInsecureHTTP, WithIdentities, ...) with the
// flags that set them (--insecure-http, --identity, ...).
func FlagWords(s string) string { return flagWords.Replace(s) }
