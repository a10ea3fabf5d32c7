//go:build tools

// Package tools pins the code generator: importing it keeps oapi-codegen's module, at one version, in
// go.mod, and each gen/<vendor>/generate.go runs that version with
// `go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen`.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
