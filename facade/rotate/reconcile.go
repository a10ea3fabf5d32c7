package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/unipass/unipass/facade"
)

// verdict is what reconciling a write with an unknown outcome found.
type verdict int

const (
	// unsettled: Verify proves nothing (unavailable, failed, unsupported), or a ChangePassword's candidate
	// is refused while its old password cannot be verified.
	unsettled verdict = iota
	// applied: the candidate verifies: the write applied.
	applied
	// notApplied: a ChangePassword's candidate is refused and its old password verifies: the write did
	// not apply.
	notApplied
	// refused: a SetPassword's candidate is refused (ErrWrongPassword). Unproven either way (the write
	// may still be on its way to the vendor), but sending the same password again can only end with it
	// in effect, so it is sent once more.
	refused
)

// resume settles a write of an earlier run that may have applied: Verify decides; a write proven not
// applied is sent again with the same password, and so is a SetPassword whose password Verify refuses
// (that send is the run's one resend).
func (a *target) resume(ctx context.Context, pw facade.Secret) Result {
	v, err := a.reconcile(ctx, pw)
	switch v {
	case applied:
		_ = a.record(EntryDone, pw)
		a.res.Resumed = true
		return a.done(pw)
	case notApplied:
		_ = a.record(EntryNotApplied, pw)
		return a.write(ctx, pw)
	case refused:
		rerr := a.record(EntryRefused, pw)
		if rerr == nil {
			a.resent = true
			a.doubt = fmt.Errorf("rotate: an earlier run's write of the password is unsettled (%w): the vendor refuses it", facade.ErrOutcomeUnknown)
			return a.write(ctx, pw)
		}
		err = errors.Join(err, fmt.Errorf("rotate: not sent again: %w", rerr))
	case unsettled:
		if !a.change {
			return a.resend(ctx, pw, err)
		}
	}
	_ = a.record(EntryUnknown, pw)
	a.res.Resumed = true
	return a.unknown(pw, err)
}

// resend settles an earlier run's SetPassword that Verify cannot settle (why) by sending the same
// password again: it ends in effect whether or not the first write applied.
func (a *target) resend(ctx context.Context, pw facade.Secret, why error) Result {
	if rerr := a.record(EntryResending, pw); rerr != nil {
		_ = a.record(EntryUnknown, pw)
		a.res.Resumed = true
		return a.unknown(pw, errors.Join(why, fmt.Errorf("rotate: not sent again: %w", rerr)))
	}
	a.resent, a.resending = true, true
	a.doubt = fmt.Errorf("rotate: an earlier run's write of the password is unsettled (%w), and Verify cannot tell: %w", facade.ErrOutcomeUnknown, why)
	a.res.Resumed = true
	res := a.write(ctx, pw)
	res.SettledByResend = res.Status == Done
	return res
}

// settle reconciles a send whose outcome is unknown (err): applied → done; proven not applied
// (ChangePassword) or refused (SetPassword) → false, to send the same password once more, unless this
// run already did (then failed, or unknown); anything else → unknown, with the candidate.
func (a *target) settle(ctx context.Context, pw facade.Secret, err error) (Result, bool) {
	v, verr := a.reconcile(ctx, pw)
	switch {
	case v == applied:
		_ = a.record(EntryDone, pw)
		return a.done(pw), true
	case v == notApplied && !a.resent:
		a.resent = true
		if rerr := a.record(EntryNotApplied, pw); rerr != nil {
			return a.failed(ctx, fmt.Errorf("rotate: proven not applied, and not sent again: %w", rerr)), true
		}
		return Result{}, false
	case v == notApplied:
		_ = a.record(EntryNotApplied, pw)
		return a.failed(ctx, fmt.Errorf("rotate: sent twice, and Verify proved neither applied: %w", err)), true
	case v == refused && !a.resent:
		a.resent = true
		a.doubt = fmt.Errorf("rotate: a write of the password is unsettled (%w), and the vendor refuses the password", err)
		rerr := a.record(EntryRefused, pw)
		if rerr == nil {
			return Result{}, false
		}
		verr = errors.Join(verr, fmt.Errorf("rotate: not sent again: %w", rerr))
	case v == refused:
		verr = fmt.Errorf("rotate: sent twice, and the vendor refuses the password after both: %w", verr)
	}
	_ = a.record(EntryUnknown, pw)
	return a.unknown(pw, errors.Join(err, verr)), true
}

// reconcile settles a write whose outcome is unknown with Verify: the candidate verifies → applied; it is
// refused (ErrWrongPassword) → for a SetPassword, refused; for a ChangePassword, not applied when the old
// password verifies, else unsettled; Verify fails otherwise (ErrVerifyUnavailable included) → unsettled,
// with the reason.
func (a *target) reconcile(ctx context.Context, pw facade.Secret) (verdict, error) {
	if !a.t.Manager.Capabilities().Verify {
		return unsettled, fmt.Errorf("rotate: %s cannot verify the new password: %w", a.res.Vendor, facade.ErrUnsupported)
	}
	err := a.verify(ctx, pw)
	switch {
	case err == nil:
		return applied, nil
	case !errors.Is(err, facade.ErrWrongPassword):
		return unsettled, fmt.Errorf("rotate: verifying the new password: %w", err)
	case !a.change:
		return refused, fmt.Errorf("rotate: the vendor refuses the new password: %w", err)
	}
	errOld := a.verify(ctx, a.t.OldPassword)
	if errOld == nil {
		return notApplied, nil
	}
	return unsettled, fmt.Errorf("rotate: the vendor refuses the new password (%w), and verifying the old one failed: %w", err, errOld)
}

// verify paces and sends one Verify. It is not cut short by ctx; once ctx is cancelled, its pacing wait is
// bounded by MaxWait.
func (a *target) verify(ctx context.Context, pw facade.Secret) error {
	wctx, cancel := graceContext(ctx, a.r.cfg.MaxWait)
	defer cancel()
	if err := a.pace(wctx); err != nil {
		return fmt.Errorf("rotate: pacing the verification: %w", err)
	}
	return a.t.Manager.Verify(context.WithoutCancel(a.obs), a.t.User, pw)
}

// graceContext returns a context that ctx's cancellation ends only after grace.
func graceContext(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	g, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return g, func() {
		stop()
		cancel()
	}
}

// usedBefore reports whether a write was refused because the password is, or was recently, the
// account's (a password history): sent again to settle an earlier write, that refusal proves the
// earlier write applied. Vendors state it only in words, so the refusal's text is matched.
func usedBefore(err error) bool {
	if !errors.Is(err, facade.ErrPasswordRejected) {
		return false
	}
	text := strings.ToLower(err.Error()) // an APIError's: the vendor's code, message and details
	for _, s := range usedBeforeWords {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// usedBeforeWords are how vendors word a refusal of a password the account has, or recently had.
var usedBeforeWords = []string{"used before", "been used", "recently used", "used recently", "previously used",
	"password history", "same as the current", "same as your current", "same as the old", "passwordissame"}
