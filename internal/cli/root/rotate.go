package root

import (
	"github.com/spf13/cobra"

	"github.com/unipass/unipass/internal/cli/factory"
)

// addRotate adds the rotate command (see package rotate).
func addRotate(root *cobra.Command, f *factory.Factory) {}
