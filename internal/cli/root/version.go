package root

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/factory"
)

func newCmdVersion(f *factory.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the module version and commit it was built from, and the Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info, _ := debug.ReadBuildInfo() // nil without module information
			printVersion(f.Out, info)
			return nil
		},
	}
}

// printVersion prints unipass's version, then what the build recorded: the module's version, the VCS
// revision (with its time, and "modified" for a build from a changed tree) and the Go version.
func printVersion(w io.Writer, info *debug.BuildInfo) {
	fmt.Fprintln(w, "unipass", facade.Version)
	if info == nil {
		fmt.Fprintln(w, "go     ", runtime.Version(), "(no build information)")
		return
	}
	fmt.Fprintln(w, "module ", info.Main.Path, info.Main.Version)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		line := rev
		if t := settings["vcs.time"]; t != "" {
			line += " " + t
		}
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
		fmt.Fprintln(w, "commit ", line)
	} else {
		fmt.Fprintln(w, "commit ", "unknown (built without VCS information)")
	}
	fmt.Fprintln(w, "go     ", info.GoVersion, settings["GOOS"]+"/"+settings["GOARCH"])
}
