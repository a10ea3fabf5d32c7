//go:build !unix

package main

import (
	"context"
	"io"
	"os/exec"
	"time"
)

// runCommandGroup runs cmd, killed when ctx ends; without Unix process groups only the command itself
// is killed.
func runCommandGroup(ctx context.Context, cmd *exec.Cmd, stdout, stderr io.Writer) error {
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()
	return cmd.Wait()
}
