package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/time/rate"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// dryRun does what a run does short of writing: the input was checked as the run checks it (every line,
// each user's syntax, email addresses looked up as the run looks them up, see dryLookups), and here the
// policy is read where the run reads it (once per manager, with its first target whose user ID is known)
// and a generated password checked against it; the lines the run would fail before sending anything are
// listed: those whose account an earlier line names (duplicates) and the addresses whose lookup failed.
// It exits as the run would for them.
func (s *rotation) dryRun(ctx context.Context) error {
	if s.fleet == nil {
		if err := s.checkPolicy(ctx, s.m, "", s.input.first); err != nil {
			return err
		}
		if err := s.reportFailedLines(); err != nil {
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
		if err := s.checkPolicy(ctx, m, name, s.input.profiles[name]); err != nil {
			return fmt.Errorf("profile %q: %w", name, err)
		}
	}
	if err := s.reportFailedLines(); err != nil {
		return err
	}
	fmt.Fprintf(s.o.Out, "dry run: %d targets over %d profiles (%s); capabilities, input and policies checked; nothing was changed\n",
		s.input.targets, len(names), strings.Join(names, ", "))
	return nil
}

// reportFailedLines lists the lines the run would fail without sending a write for them: duplicates and
// addresses whose lookup failed; it fails as the run would (the highest exit code of their errors).
func (s *rotation) reportFailedLines() error {
	in := s.input
	for _, t := range in.duplicates {
		where := ""
		if t.profile != "" {
			where = fmt.Sprintf(" of profile %q", cmdutil.Printable(t.profile))
		}
		fmt.Fprintf(s.o.Out, "--input: line %d: %s%s appears earlier in the input: the run refuses it (%v), nothing sent\n",
			t.line, userName(t), where, frotate.ErrDuplicateTarget)
	}
	if more := in.duplicateCount - len(in.duplicates); more > 0 {
		fmt.Fprintf(s.o.Out, "--input: %d more duplicate lines\n", more)
	}
	for _, lf := range in.lookupFailures {
		fmt.Fprintf(s.o.Out, "%s: the run fails this row, nothing sent\n", cmdutil.Printable(lf.Error()))
	}
	if more := in.lookupFailureCount - len(in.lookupFailures); more > 0 {
		fmt.Fprintf(s.o.Out, "--input: %d more addresses not found\n", more)
	}
	var reasons []string
	code := cmdutil.ExitOK
	if in.duplicateCount > 0 {
		code = cmdutil.ExitFailure
		reasons = append(reasons, fmt.Sprintf("%d duplicate lines", in.duplicateCount))
	}
	if in.lookupFailureCount > 0 {
		code = max(code, in.lookupExit)
		reasons = append(reasons, fmt.Sprintf("%d addresses whose lookup failed", in.lookupFailureCount))
	}
	if code == cmdutil.ExitOK {
		return nil
	}
	return &cmdutil.ExitError{Code: code, Err: fmt.Errorf("dry run: %s in --input (listed on standard output); the run would fail them; nothing was changed",
		strings.Join(reasons, " and "))}
}

// userName names a duplicate line's user as the run does: its ID, and the address it was given by.
func userName(t target) string {
	if t.id != "" && t.id != t.user {
		return fmt.Sprintf("user %q (%s)", cmdutil.Printable(t.id), cmdutil.Printable(t.user))
	}
	return fmt.Sprintf("user %q", cmdutil.Printable(t.user))
}

// checkPolicy reads m's policy (with the first target's account, as the run does, after the profile's
// limiter lets it go) and checks that a generated password meets it; a failure names that target's line.
// A profile with no known user ID (every address failed to look up) sends no write in the run, and reads
// no policy.
func (s *rotation) checkPolicy(ctx context.Context, m facade.PasswordManager, profile string, first firstUser) error {
	var policy *facade.Policy
	if m.Capabilities().Requirements && first.id != "" {
		if err := s.dryLimiter().wait(ctx, profile, m.Vendor()); err != nil {
			return err
		}
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

// dryLookups paces a dry run's requests as the run paces its own: a limiter per profile (per vendor
// without profiles) at the run's limit (frotate.Config.LimitFor: --rate, else the vendor's documented one),
// and looks email addresses up as the run's workers do: one FindUser per address line, after the
// limiter lets it go.
type dryLookups struct {
	s        *rotation
	limiters map[string]*rate.Limiter // by profile; used from one goroutine (the input check, then the dry run)
}

// dryLimiter returns the dry run's limiters and lookups, made once.
func (s *rotation) dryLimiter() *dryLookups {
	if s.dry == nil {
		s.dry = &dryLookups{s: s, limiters: map[string]*rate.Limiter{}}
	}
	return s.dry
}

// wait waits for the limiter of a profile's account.
func (d *dryLookups) wait(ctx context.Context, profile string, v facade.Vendor) error {
	l, ok := d.limiters[profile]
	if !ok {
		lim := frotate.Config{Limits: d.s.limits()}.LimitFor(profile, v)
		l = rate.NewLimiter(rate.Limit(lim.PerSecond), lim.Burst)
		d.limiters[profile] = l
	}
	if err := l.Wait(ctx); err != nil {
		return fmt.Errorf("dry run: pacing the requests to %s: %w", v, err)
	}
	return nil
}

// resolve returns a function that gives a target's user ID: the line's, or the one its email address
// names (a *lookupFailure when the lookup fails, naming the line and address, with the run's reasons).
func (d *dryLookups) resolve(ctx context.Context) func(target) (string, error) {
	return func(t target) (string, error) {
		if !isAddress(t.user) {
			return t.user, nil
		}
		m, err := d.s.managerOf(ctx, t)
		if err != nil {
			return "", err
		}
		where := string(m.Vendor()) // as frotate describes the account
		if t.profile != "" {
			where = fmt.Sprintf("%s (profile %q)", m.Vendor(), t.profile)
		}
		if !m.Capabilities().FindUser {
			return "", &lookupFailure{line: t.line, err: fmt.Errorf("rotate: %s cannot look users up by email address (%q): %w", where, t.user, facade.ErrUnsupported)}
		}
		if err := d.wait(ctx, t.profile, m.Vendor()); err != nil {
			return "", err
		}
		u, err := m.FindUser(ctx, t.user)
		if err == nil && u.ID == "" {
			err = fmt.Errorf("no user ID in the answer: %w", facade.ErrNotFound)
		}
		if err != nil {
			if ctx.Err() != nil {
				return "", err
			}
			return "", &lookupFailure{line: t.line, err: fmt.Errorf("rotate: %s: looking up %q: %w", where, t.user, err)}
		}
		return u.ID, nil
	}
}
