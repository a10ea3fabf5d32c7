package main

import "github.com/unipass/unipass/internal/cli/cmdutil"

// The exit codes, as the tests of this package name them.
const (
	exitOK          = cmdutil.ExitOK
	exitFailure     = cmdutil.ExitFailure
	exitUsage       = cmdutil.ExitUsage
	exitRejected    = cmdutil.ExitRejected
	exitUnknown     = cmdutil.ExitUnknown
	exitLimited     = cmdutil.ExitLimited
	exitInterrupted = cmdutil.ExitInterrupted
)

var firstLine = cmdutil.FirstLine
