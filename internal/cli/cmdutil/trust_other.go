//go:build !unix

package cmdutil

import (
	"io/fs"
	"os"
)

// modeBits says whether files have Unix owners and permission bits to check: not here (Windows has ACLs).
const modeBits = false

func openNoBlock(path string) (*os.File, error) { return os.Open(path) } // #nosec G304 -- a file the user named

func ownerOf(fs.FileInfo) (int, bool) { return 0, false }

// setBlocking does nothing: openNoBlock opened the file blocking.
func setBlocking(*os.File) error { return nil }
