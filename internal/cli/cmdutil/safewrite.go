package cmdutil

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileReplacing writes data to path (mode 0600) all at once, never through a link an attacker
// planted: the data goes to a new temporary file in the same directory (created exclusively, with a
// random name) and is renamed over path, which replaces a name and follows none. A path that is a
// symbolic link or anything but a regular file is refused.
func WriteFileReplacing(path string, data []byte) (err error) {
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return fmt.Errorf("%s is a %s, not a regular file: refusing to write through it", path, fileKind(info.Mode()))
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*") // O_CREATE|O_EXCL, mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	}
	return "special file"
}
