package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/unipass/unipass/facade"
)

// target is one target's rotation in progress.
type target struct {
	r      *runner
	t      Target
	key    string
	index  int
	change bool // a ChangePassword (OldPassword set), not a SetPassword
	p      *pacer
	// prepaid: the pacer's wait for the first request was taken before the target reached its worker.
	prepaid bool
	waited  *time.Duration  // the time spent waiting for the pacer
	obs     context.Context // the run's context with an observer that paces and counts write requests
	res     Result
	// recorded: a pending entry is in the journal for the current send.
	recorded bool
	// sent: a write request was made for the target in this run.
	sent bool
	// resent: the target's write was sent again in this run after reconciling (a proven not-applied or a
	// refused Verify), or, on resume, the earlier run's write after a refused Verify: no further send.
	resent bool
	// doubt: why the password may be in effect although this run's last send was answered with a
	// failure: an earlier send of it whose Verify was refused, and which may still apply.
	doubt error
	// resending: the write settles an earlier run's unverifiable one by sending its password again.
	resending bool
}

// errStopped is the error of a target that finds the run stopped by a journal failure before its write.
type errStopped struct{ err error }

func (e *errStopped) Error() string { return "rotate: not sent, the run stopped: " + e.err.Error() }
func (e *errStopped) Unwrap() error { return e.err }

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

// rotate runs one target: checks, resume, candidate, write.
func (r *runner) rotate(ctx context.Context, j job) Result {
	start := time.Now()
	waited := j.waited
	res := r.rotateTarget(ctx, j, &waited)
	if res.Attempts > 0 || res.Resumed {
		res.Wait = waited
		res.Latency = max(time.Since(start)-(waited-j.waited), 0)
	}
	return res
}

// rotateTarget runs rotate's steps, adding the time it waits for the pacer to *waited.
func (r *runner) rotateTarget(ctx context.Context, j job, waited *time.Duration) Result {
	i, t := j.i, j.t
	res := r.newResult(i, t)
	if t.Manager == nil {
		res.Err = errors.New("rotate: target without a manager")
		return res
	}
	a := &target{r: r, t: t, key: t.key(), index: i, change: !t.OldPassword.IsZero(), res: res, p: j.p, prepaid: j.prepaid, waited: waited}
	prior, hasPrior := r.cfg.Prior[a.key]
	if err := r.stopped(); err != nil {
		return r.stoppedResult(i, t, prior, hasPrior, &errStopped{err})
	}
	a.obs = facade.WithObserver(ctx, func(info facade.ResponseInfo) {
		if info.Operation == facade.OpSetPassword || info.Operation == facade.OpChangePassword {
			a.res.Attempts++
		}
		a.p.observe(info)
	})
	if hasPrior && maybeApplied(prior) {
		return a.resume(ctx, prior.Password) // before the checks below: the journal's password is reported whatever they say
	}
	caps := t.Manager.Capabilities()
	if a.change && !caps.ChangePassword || !a.change && !caps.SetPassword {
		op := facade.OpSetPassword
		if a.change {
			op = facade.OpChangePassword
		}
		a.res.Err = fmt.Errorf("rotate: %s cannot %s: %w", describe(t.Profile, res.Vendor), op, facade.ErrUnsupported)
		return a.res
	}
	pw, err := a.candidate(ctx)
	if err != nil {
		return a.failed(ctx, err)
	}
	return a.write(ctx, pw)
}

// candidate returns the target's new password, or generates one that fits the vendor's policy.
func (a *target) candidate(ctx context.Context) (facade.Secret, error) {
	if !a.t.NewPassword.IsZero() {
		return a.t.NewPassword, nil
	}
	policy, err := a.r.policy(ctx, a.t, a.p, a.pace)
	if err != nil {
		return facade.Secret{}, fmt.Errorf("rotate: reading the policy: %w", err)
	}
	return GeneratePassword(policy, a.r.cfg.PasswordLength)
}

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

// write sends pw and settles the outcome (see settle); a write is sent at most twice in a run.
func (a *target) write(ctx context.Context, pw facade.Secret) Result {
	for {
		err := a.send(ctx, pw)
		if !errors.Is(err, facade.ErrOutcomeUnknown) {
			return a.answered(ctx, pw, err)
		}
		if res, settled := a.settle(ctx, pw, err); settled {
			return res
		}
	}
}

// answered ends a target whose last send was answered (or provably not sent): done, or failed; unknown
// when an earlier send of the password may still apply (a.doubt).
func (a *target) answered(ctx context.Context, pw facade.Secret, err error) Result {
	switch {
	case err == nil, a.resending && usedBefore(err):
		_ = a.record(EntryDone, pw)
		return a.done(pw)
	case a.doubt != nil:
		_ = a.record(EntryUnknown, pw)
		return a.unknown(pw, fmt.Errorf("%w; sending it again failed: %w", a.doubt, err))
	}
	if a.recorded {
		_ = a.record(EntryNotApplied, pw)
	}
	return a.failed(ctx, err)
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

// send paces and sends one write, recording it pending first, and sends it again after 429 answers (which
// prove it was not applied), at most MaxRateLimitRounds times.
func (a *target) send(ctx context.Context, pw facade.Secret) error {
	a.recorded = false
	var last error
	for round := 0; ; round++ {
		if err := a.pace(ctx); err != nil {
			if last != nil {
				return fmt.Errorf("%w; not sent again: %w", last, err)
			}
			return err
		}
		if !a.recorded {
			if err := a.record(EntryPending, pw); err != nil {
				return err
			}
			a.recorded = true
		}
		// Not cut short by ctx: a write in flight finishes or times out, and its outcome is known.
		wctx := context.WithoutCancel(a.obs)
		a.sent = true
		before := a.res.Attempts
		if a.change {
			last = a.t.Manager.ChangePassword(wctx, a.t.User, a.t.OldPassword, pw)
		} else {
			last = a.t.Manager.SetPassword(wctx, a.t.User, pw)
		}
		if a.res.Attempts == before && !errors.Is(last, facade.ErrInvalidInput) {
			a.res.Attempts++ // a manager that reports no answers (not a facade one): one request, at least
		}
		if !errors.Is(last, facade.ErrRateLimited) || errors.Is(last, facade.ErrOutcomeUnknown) || round >= a.r.cfg.MaxRateLimitRounds {
			return last
		}
	}
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

// pace waits for the profile's pacer before a request; the first request's wait may have been taken
// already (prepaid), by the scheduler.
// A 429 that paused or blocked the profile since then still holds the request back.
func (a *target) pace(ctx context.Context) error {
	if a.prepaid {
		a.prepaid = false
		d, err := a.p.pause()
		if err != nil || d <= 0 {
			return err
		}
	}
	start := time.Now()
	defer func() { *a.waited += time.Since(start) }()
	return a.p.wait(ctx)
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

// record writes a journal entry for the target; a failure stops the run.
func (a *target) record(state EntryState, pw facade.Secret) error {
	j := a.r.cfg.Journal
	if j == nil {
		return nil
	}
	if err := a.r.stopped(); err != nil {
		return &errStopped{err}
	}
	err := j.Record(Entry{Key: a.key, Index: a.index, Profile: a.t.Profile, Vendor: a.res.Vendor, User: a.t.User, State: state, Password: pw, Time: time.Now().UTC()})
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrJournal) {
		err = fmt.Errorf("rotate: %w: %w", ErrJournal, err)
	}
	a.r.stop(err)
	return err
}

func (a *target) done(pw facade.Secret) Result {
	a.res.Status, a.res.NewPassword, a.res.Err = Done, pw, nil
	return a.res
}

func (a *target) unknown(pw facade.Secret, err error) Result {
	a.res.Status, a.res.NewPassword, a.res.Err = Unknown, pw, err
	return a.res
}

// failed ends a target whose write provably did not apply; NotStarted when nothing was sent because ctx
// was cancelled or the run stopped.
func (a *target) failed(ctx context.Context, err error) Result {
	a.res.Status, a.res.Err = Failed, err
	var stopped *errStopped
	if !a.sent && (errors.As(err, &stopped) || ctx.Err() != nil && !errors.Is(err, ErrJournal)) {
		a.res.Status = NotStarted
	}
	return a.res
}

// stop records the first journal failure; no write is sent after it.
func (r *runner) stop(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopErr == nil {
		r.stopErr = err
	}
}

// pacer keeps one profile's requests (or, without a profile, one vendor's) under its limit. It slows down when answers report little remaining
// quota, and pauses every request to the vendor on a 429 for its Retry-After, at most maxWait; a longer
// Retry-After blocks the vendor (every wait fails with ErrRateLimited) until the time it names.
type pacer struct {
	name    string // the vendor, and the profile when there is one
	lim     *rate.Limiter
	base    rate.Limit
	maxWait time.Duration

	mu           sync.Mutex
	pausedUntil  time.Time
	blockedUntil time.Time
	blockedFor   time.Duration
}

func newPacer(name string, l Limit, maxWait time.Duration) *pacer {
	return &pacer{name: name, lim: rate.NewLimiter(rate.Limit(l.PerSecond), max(l.Burst, 1)), base: rate.Limit(l.PerSecond), maxWait: maxWait}
}

// wait blocks until the vendor may get another request.
func (p *pacer) wait(ctx context.Context) error {
	for {
		d, err := p.pause()
		if err != nil {
			return err
		}
		if d <= 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return p.lim.Wait(ctx)
}

// pause returns how long the vendor is paused, or the error of a blocked vendor.
func (p *pacer) pause() (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Before(p.blockedUntil) {
		return 0, fmt.Errorf("rotate: %s asked to wait %s, more than the %s cap (Config.MaxWait); no request until %s: %w",
			p.name, p.blockedFor.Round(time.Second), p.maxWait, p.blockedUntil.UTC().Format(time.RFC3339), facade.ErrRateLimited)
	}
	return p.pausedUntil.Sub(now), nil
}

// observe adjusts the pace to what an answer said: the account's own rate where its quota headers tell
// it (never above the configured limit), a pause until the quota is whole again when none is left, and,
// from a vendor that sends no quota headers, half the pace after each 429 (regained a little with each
// answer that is not one).
func (p *pacer) observe(i facade.ResponseInfo) {
	now := time.Now()
	rl := i.RateLimit
	if i.StatusCode == 429 {
		p.rateLimited(i.RetryAfter)
	}
	if until := rl.Reset.Sub(now); rl.Remaining == 0 && until > 0 && until <= p.maxWait && i.StatusCode != 429 {
		p.rateLimited(until) // the quota is spent: nothing until it is whole again
	}
	if acct, ok := accountRate(rl, now); ok {
		p.setRate(min(p.base, max(acct, p.base/1000)))
		return
	}
	switch cur := p.lim.Limit(); {
	case i.StatusCode == 429:
		p.setRate(max(cur/2, p.base/1000))
	case i.StatusCode > 0 && cur < p.base:
		p.setRate(min(p.base, cur*1.05))
	}
}

// setRate changes the pacer's rate, when it differs.
func (p *pacer) setRate(r rate.Limit) {
	if p.lim.Limit() != r {
		p.lim.SetLimit(r)
	}
}

// accountRate is the rate an answer's quota headers allow: the limit over its window where the vendor
// documents the window (Zendesk), else the quota left spread over the time until it is whole again.
func accountRate(rl facade.RateLimit, now time.Time) (rate.Limit, bool) {
	switch until := rl.Reset.Sub(now); {
	case rl.Limit > 0 && rl.Window > 0:
		return rate.Limit(float64(rl.Limit) / rl.Window.Seconds()), true
	case rl.Remaining > 0 && until > 0:
		return rate.Limit(float64(rl.Remaining) / until.Seconds()), true
	}
	return 0, false
}

// rateLimited pauses the vendor for a 429's wait (1s when it named none), or blocks it when the wait is
// above the cap.
func (p *pacer) rateLimited(wait time.Duration) {
	if wait <= 0 {
		wait = time.Second
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Now().Add(wait)
	if wait > p.maxWait {
		if until.After(p.blockedUntil) {
			p.blockedUntil, p.blockedFor = until, wait
		}
		return
	}
	if until.After(p.pausedUntil) {
		p.pausedUntil = until
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
