//go:build unix

package cmdutil

import (
	"io/fs"
	"os"
	"syscall"
)

// modeBits says whether files have Unix owners and permission bits to check.
const modeBits = true

// openNoBlock opens path for reading without waiting on a FIFO or a device; the caller checks what it is.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0) // #nosec G304 -- a file the user named, checked once open
}

// ownerOf returns the uid owning a file.
func ownerOf(info fs.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// setBlocking puts f back in blocking mode (openNoBlock opened it non-blocking), so that a pipe is read
// as its writer writes, wherever the runtime does not poll pipes.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
