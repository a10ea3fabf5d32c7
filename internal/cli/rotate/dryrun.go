package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// dryRun does what a run does short of writing: the input was checked as the run checks it (every line,
// each user's syntax, email addresses looked up), and here the policy is read where the run reads it
// (once per manager, with its first target's user ID) and a generated password checked against it; the
// lines whose account an earlier line names are listed, as the run would refuse them.
func (s *rotation) dryRun(ctx context.Context) error {
	if s.fleet == nil {
		if err := s.checkPolicy(ctx, s.m, s.input.first); err != nil {
			return err
		}
		if err := s.reportDuplicates(); err != nil {
			return err
		}
		fmt.Fprintf(s.o.Out, "dry run: %d targets on %s; capabilities, input and policy checked; nothing was changed\n",
			s.input.targets, s.m.Vendor())
		return nil
	}
	names := sortedKeys(s.input.profiles)
	for _, name := range names {
		m, err := s.fleet.manager(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.o.Out, "profile %s (%s):\n", name, m.Vendor())
		if err := s.checkPolicy(ctx, m, s.input.profiles[name]); err != nil {
			return fmt.Errorf("profile %q: %w", name, err)
		}
	}
	if err := s.reportDuplicates(); err != nil {
		return err
	}
	fmt.Fprintf(s.o.Out, "dry run: %d targets over %d profiles (%s); capabilities, input and policies checked; nothing was changed\n",
		s.input.targets, len(names), strings.Join(names, ", "))
	return nil
}

// reportDuplicates lists the lines the run would refuse as duplicates, and fails as the run would (exit 1).
func (s *rotation) reportDuplicates() error {
	if s.input.duplicateCount == 0 {
		return nil
	}
	for _, t := range s.input.duplicates {
		where := ""
		if t.profile != "" {
			where = fmt.Sprintf(" of profile %q", cmdutil.Printable(t.profile))
		}
		fmt.Fprintf(s.o.Out, "--input: line %d: user %q%s appears earlier in the input: the run refuses it (%v), nothing sent\n",
			t.line, cmdutil.Printable(t.user), where, frotate.ErrDuplicateTarget)
	}
	if more := s.input.duplicateCount - len(s.input.duplicates); more > 0 {
		fmt.Fprintf(s.o.Out, "--input: %d more duplicate lines\n", more)
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("dry run: %d duplicate lines in --input (listed on standard output); the run would refuse them; nothing was changed", s.input.duplicateCount)}
}

// checkPolicy reads m's policy (with the first target's account, as the run does) and checks that a
// generated password meets it; a failure names that target's line.
func (s *rotation) checkPolicy(ctx context.Context, m facade.PasswordManager, first firstUser) error {
	var policy *facade.Policy
	if m.Capabilities().Requirements {
		var err error
		if policy, err = m.Requirements(ctx, first.id); err != nil {
			return fmt.Errorf("--input: line %d: user %q: reading the policy: %w", first.line, cmdutil.Printable(first.id), err)
		}
		cmdutil.PrintPolicy(s.o.Out, policy)
	}
	pw, err := frotate.GeneratePassword(policy, s.f.Length)
	if err != nil {
		return err
	}
	if policy != nil && len(policy.Check(pw)) > 0 {
		return errors.New("a generated password does not meet the policy")
	}
	return nil
}
