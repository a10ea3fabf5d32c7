//go:build !unix

package config

import (
	"io"
	"os/exec"
	"time"
)

// runCommandGroup runs cmd (made with exec.CommandContext), killed when its context ends; without Unix
// process groups only the command itself is killed.
func runCommandGroup(cmd *exec.Cmd, stdout, stderr io.Writer) error {
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	return cmd.Run()
}
