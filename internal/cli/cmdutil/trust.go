package cmdutil

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// TrustLevel is how private a file unipass reads must be.
type TrustLevel int

const (
	// TrustOwn is the user's own file that group and others cannot change (a journal given to --resume).
	TrustOwn TrustLevel = iota
	// TrustPrivate is the user's own file that group and others can neither read nor change (the config
	// file, which says where secrets come from; a credential file; an age identity).
	TrustPrivate
)

// OpenTrusted opens a file the user named for reading, trusting it only as OpenSSH's StrictModes does: a
// regular file owned by the user running unipass, that group and others cannot change (nor read, with
// TrustPrivate), in directories that only the user or root can change (a sticky directory such as /tmp
// counts: others cannot replace what is in it). Opening never blocks (a FIFO is refused, not waited on).
// A refusal is a usage error that names the file and the chmod or chown that fixes it; what is the file
// ("config file", "credential_file", "--resume") starts its text.
func OpenTrusted(path, what string, level TrustLevel) (*os.File, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, Usagef("%s %s: %w", what, path, errors.Unwrap(err))
	}
	if err := checkTrusted(f, path, what, level, false); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// ReadTrusted reads a file OpenTrusted trusts, at most limit bytes (more is refused).
func ReadTrusted(path, what string, level TrustLevel, limit int64) ([]byte, error) {
	f, err := OpenTrusted(path, what, level)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return readLimited(f, path, what, limit)
}

// readLimited reads f, at most limit bytes (more is refused).
func readLimited(f *os.File, path, what string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, Usagef("%s %s: %v", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, Usagef("%s %s: larger than %d bytes", what, path, limit)
	}
	return data, nil
}

// ReadTrustedOrPipe reads a file given for a secret or a key (--credential-file, --password-file,
// --identity, ...), at most limit bytes: a regular file only if OpenTrusted would trust it; a pipe too
// (process substitution, <(pass show ...), hands one over) when it is the user's own and others cannot
// write to it (nor read from it, with TrustPrivate), as a pipe of <(...) is; a named pipe in a directory
// others can change is refused like a file. A named pipe nobody writes to reads as empty instead of
// blocking. Anything else is refused.
func ReadTrustedOrPipe(path, what string, level TrustLevel, limit int64) ([]byte, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, Usagef("%s %s: %w", what, path, errors.Unwrap(err))
	}
	defer func() { _ = f.Close() }()
	if err := checkTrusted(f, path, what, level, true); err != nil {
		return nil, err
	}
	return readLimited(f, path, what, limit)
}

// checkTrusted applies OpenTrusted's rules to f; with pipes, a pipe passes them too (it is then read
// blocking, as a pipe is meant to be), and one with no name in a directory (a pipe of <(...): /dev/fd/N)
// has no directories to check.
func checkTrusted(f *os.File, path, what string, level TrustLevel, pipes bool) error {
	info, err := f.Stat()
	if err != nil {
		return Usagef("%s %s: %v", what, path, errors.Unwrap(err))
	}
	pipe := pipes && info.Mode()&fs.ModeNamedPipe != 0
	if !info.Mode().IsRegular() && !pipe {
		return Usagef("%s %s: not a regular file", what, path)
	}
	if err := checkOwner(info, path, what); err != nil {
		return err
	}
	if err := checkMode(info.Mode(), path, what, level); err != nil {
		return err
	}
	if _, err := filepath.EvalSymlinks(path); err == nil || !pipe {
		if err := checkDirs(path, what); err != nil {
			return err
		}
	}
	if pipe {
		return setBlocking(f)
	}
	return nil
}

func checkMode(mode fs.FileMode, path, what string, level TrustLevel) error {
	if !modeBits {
		return nil
	}
	switch {
	case level == TrustPrivate && mode.Perm()&0o077 != 0:
		return Usagef("refusing %s %s: mode %04o lets group or others read or change it; fix with: chmod 600 %s",
			what, path, mode.Perm(), path)
	case mode.Perm()&0o022 != 0:
		return Usagef("refusing %s %s: mode %04o lets group or others change it; fix with: chmod go-w %s",
			what, path, mode.Perm(), path)
	}
	return nil
}

// checkDirs refuses a file in a directory (or under one) that someone other than the user or root may
// change: they could swap the file for their own.
func checkDirs(path, what string) error {
	if !modeBits {
		return nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return Usagef("%s %s: %v", what, path, err)
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return Usagef("%s %s: %v", what, path, err)
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			return Usagef("%s %s: %v", what, path, errors.Unwrap(err))
		}
		if uid, ok := ownerOf(info); ok && uid != os.Geteuid() && uid != 0 {
			return Usagef("refusing %s %s: its directory %s belongs to another user (uid %d); move the file into a directory of yours",
				what, path, dir, uid)
		}
		if info.Mode().Perm()&0o022 != 0 && info.Mode()&fs.ModeSticky == 0 {
			return Usagef("refusing %s %s: its directory %s (mode %04o) lets others replace the file; fix with: chmod go-w %s",
				what, path, dir, info.Mode().Perm(), dir)
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

func checkOwner(info fs.FileInfo, path, what string) error {
	uid, ok := ownerOf(info)
	if !ok || uid == os.Geteuid() {
		return nil
	}
	return Usagef("refusing %s %s: owned by uid %d, not by you (uid %d); fix with: chown %d %s (after checking its content)",
		what, path, uid, os.Geteuid(), os.Geteuid(), path)
}
