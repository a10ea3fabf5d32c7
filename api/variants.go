package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Leniency is one case where a vendor's published description is stricter than its server. The validator
// refuses only what the server refuses, and the fakes answer as the server does.
type Leniency struct {
	// ID names the case; tests refer to it.
	ID     string
	Vendor Vendor
	// Published is what the vendor's documents say; Server is what its server accepts.
	Published, Server string
	// Source is where the server's behaviour is stated.
	Source string
}

// Leniencies lists every case where a published description is stricter than the vendor's server, with its
// source. Each row is covered by a test.
var Leniencies = []Leniency{
	{
		ID: "zendesk-json-suffix", Vendor: Zendesk,
		Published: "paths such as /api/v2/users/{user_id}/password, without a suffix",
		Server:    "every path also answers with .json appended, as the same operation (users/me.json, users/search.json and users/1002.json included)",
		Source:    "Zendesk API reference, Introduction > API conventions (\".json may be appended to any endpoint path\")",
	},
	{
		ID: "docspace-bearer-prefix", Vendor: DocSpace,
		Published: "the login token and the personal API key raw in Authorization",
		Server:    "a leading \"Bearer \" is stripped, so \"Bearer <token>\" works as well as the raw token",
		Source:    "DocSpace-server common/ASC.Api.Core/Auth/CookieAuthHandler.cs and ApiKeyBearerAuthHandler.cs",
	},
	{
		ID: "docspace-cookie-token", Vendor: DocSpace,
		Published: "the asc_auth_key cookie is the browser session",
		Server:    "the login token is read from the asc_auth_key cookie first, then from Authorization",
		Source:    "DocSpace-server common/ASC.Api.Core/Auth/CookieAuthHandler.cs",
	},
	{
		ID: "docspace-apikey-header", Vendor: DocSpace,
		Published: "the ApiKeyBearer scheme names a header literally called ApiKeyBearer",
		Server:    "the personal API key is read from Authorization; no ApiKeyBearer header is read",
		Source:    "DocSpace-server common/ASC.Api.Core/Auth/ApiKeyBearerAuthHandler.cs",
	},
	{
		ID: "docspace-case-insensitive-json", Vendor: DocSpace,
		Published: "request bodies with camelCase property names and additionalProperties false",
		Server:    "ASP.NET binds JSON property names without regard to case (Password, PASSWORD and password are one property)",
		Source:    "System.Text.Json with JsonSerializerDefaults.Web (PropertyNameCaseInsensitive), used by ASP.NET Core",
	},
	{
		ID: "docspace-self", Vendor: DocSpace,
		Published: "GET /api/2.0/people/{userid} with userid a GUID",
		Server:    "GET /api/2.0/people/@self is a route of its own, the caller's profile; @self is never a user ID",
		Source:    "DocSpace OpenAPI (getSelfProfile, GET /api/2.0/people/@self) and DocSpace-server's People controller ([HttpGet(\"@self\")])",
	},
}

// canonicalRequest returns the request as the vendor's server reads it, for routing and validation: for
// Zendesk without a .json suffix on the path. It is r itself when nothing changes; otherwise a copy with
// its own body, so that validating it leaves r's body unread.
func (v *Validator) canonicalRequest(r *http.Request, body []byte) *http.Request {
	if v.vendor != Zendesk {
		return r
	}
	p, ok := strings.CutSuffix(r.URL.Path, ".json")
	if !ok {
		return r
	}
	c := r.Clone(r.Context())
	c.URL.Path, c.URL.RawPath = p, ""
	c.Body = io.NopCloser(bytes.NewReader(body))
	return c
}

// foldPropertyNames returns the request (for DocSpace, whose server binds JSON property names without
// regard to case) with the top-level property names of its JSON object body spelt as the operation's schema
// spells them, so that {"Password": ...} is validated as {"password": ...}. Other requests are returned
// as they are.
func (v *Validator) foldPropertyNames(r *http.Request, route *routers.Route, body []byte) *http.Request {
	if v.vendor != DocSpace || len(body) == 0 || route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil {
		return r
	}
	mt := route.Operation.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return r
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return r
	}
	folded, changed := foldNames(obj, mt.Schema.Value)
	if !changed {
		return r
	}
	data, err := json.Marshal(folded)
	if err != nil {
		return r
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(data))
	c.ContentLength = int64(len(data))
	return c
}

// foldNames renames every key that is not a property of the schema but matches one without regard to
// case. A key matching no property is kept, for the schema to judge.
func foldNames(obj map[string]json.RawMessage, schema *openapi3.Schema) (map[string]json.RawMessage, bool) {
	out := make(map[string]json.RawMessage, len(obj))
	changed := false
	for k, val := range obj {
		name := k
		if _, ok := schema.Properties[k]; !ok {
			for p := range schema.Properties {
				if strings.EqualFold(p, k) {
					name, changed = p, true
					break
				}
			}
		}
		out[name] = val
	}
	return out, changed
}
