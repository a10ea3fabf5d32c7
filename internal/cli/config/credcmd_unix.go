//go:build unix

package config

import (
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// pipeDrain bounds how long the output left in a credential command's pipes is read once its process
// group is gone (a program that escaped the group may still hold them).
const pipeDrain = time.Second

// runCommandGroup runs cmd (made with exec.CommandContext) in a process group of its own, its standard output into stdout and standard
// error into stderr. When its context ends, the whole group is killed; when the command ends, whatever it left
// running in its group is killed too. Its output is read while it runs and then what is left in the
// pipes: a child that escaped the group and holds them open does not hold up the run.
func runCommandGroup(cmd *exec.Cmd, stdout, stderr io.Writer) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { // ctx ended: the whole group, not only the command
		killGroup(cmd.Process.Pid)
		return nil
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		_, _ = outR.Close(), outW.Close()
		return err
	}
	defer func() { _, _ = outR.Close(), errR.Close() }()
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	_, _ = outW.Close(), errW.Close() // the child holds its own copies
	if err != nil {
		return err
	}
	outDone, errDone := drain(stdout, outR), drain(stderr, errR)
	err = cmd.Wait()           // cmd.Cancel kills the group when ctx ends
	killGroup(cmd.Process.Pid) // what it left behind
	deadline := time.Now().Add(pipeDrain)
	_, _ = outR.SetReadDeadline(deadline), errR.SetReadDeadline(deadline)
	<-outDone
	<-errDone
	return err
}

func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

// drain copies r into w until r ends or its read deadline passes; the channel closes then.
func drain(w io.Writer, r *os.File) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(w, r)
	}()
	return done
}
