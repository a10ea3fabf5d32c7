package facade

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The production packages link none of the contract-testing stack: the import graph of facade and
// facade/rotate holds no kin-openapi, JSON-schema, YAML or router package, nor package api (which embeds
// the specs and links them), nor the test helpers.
func TestProductionImportGraph(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", // #nosec G204 -- fixed arguments
		"github.com/unipass/unipass/facade", "github.com/unipass/unipass/facade/rotate").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/unipass/unipass/facade/rotate", "go list answered for the right packages")
	forbidden := []string{"github.com/getkin/kin-openapi", "github.com/santhosh-tekuri/jsonschema", "yaml",
		"github.com/gorilla/mux", "github.com/unipass/unipass/api", "facadetest", "testify"}
	for _, d := range deps {
		for _, f := range forbidden {
			assert.False(t, strings.Contains(d, f), "facade or facade/rotate imports %s", d)
		}
	}
}
