// Package api holds unipass's OpenAPI 3.0.3 descriptions of the three vendor APIs (DocSpace, Zendesk and
// Glowmarkt) and turns them into contract validators: every request and response can be checked against
// the description with kin-openapi, as an http.RoundTripper on the client side or as an http.Handler
// middleware on the server side.
package api

import (
	"context"
	"embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed docspace.yaml zendesk.yaml glowmarkt.yaml
var specs embed.FS

// Vendor names one of the described APIs.
type Vendor string

// The vendors unipass describes.
const (
	DocSpace  Vendor = "docspace"
	Zendesk   Vendor = "zendesk"
	Glowmarkt Vendor = "glowmarkt"
)

// Vendors lists every described vendor.
func Vendors() []Vendor { return []Vendor{DocSpace, Zendesk, Glowmarkt} }

// String returns the vendor's name as used in file names and messages.
func (v Vendor) String() string { return string(v) }

// Spec returns the raw YAML description of the vendor's API.
func Spec(v Vendor) ([]byte, error) {
	switch v {
	case DocSpace, Zendesk, Glowmarkt:
		return specs.ReadFile(string(v) + ".yaml")
	default:
		return nil, fmt.Errorf("api: unknown vendor %q", string(v))
	}
}

// Load parses the vendor's description and validates it as an OpenAPI document. Each call returns a new
// document that the caller may change. References to other documents are refused.
func Load(v Vendor) (*openapi3.T, error) {
	data, err := Spec(v)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("api: load %s: %w", v, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api: validate %s: %w", v, err)
	}
	return doc, nil
}
