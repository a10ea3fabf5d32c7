package rotate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/unipass/unipass/facade"
)

// target is one target's rotation in progress.
type target struct {
	r      *runner
	t      Target
	key    string
	index  int
	turn   *turn // the target's turn for its duplicate check, when the worker makes it
	change bool  // a ChangePassword (OldPassword set), not a SetPassword
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
	// durable is set to a function waiting until the target's last queued journal entry is durable.
	durable *func() error
}

// errStopped is the error of a target that finds the run stopped by a journal failure before its write.
type errStopped struct{ err error }

func (e *errStopped) Error() string { return "rotate: not sent, the run stopped: " + e.err.Error() }

func (e *errStopped) Unwrap() error { return e.err }

// rotate runs one target: checks, resume, candidate, write.
// The result may not be reported before durable (when not nil) returns: it waits for the target's last
// journal entry, queued without waiting.
func (r *runner) rotate(ctx context.Context, j job) (res Result, durable func() error) {
	start := time.Now()
	waited := j.waited
	res = r.rotateTarget(ctx, j, &waited, &durable)
	if res.Attempts > 0 || res.Resumed {
		res.Wait = waited
		res.Latency = max(time.Since(start)-(waited-j.waited), 0)
	}
	return res, durable
}

// rotateTarget runs rotate's steps, adding the time it waits for the pacer to *waited.
func (r *runner) rotateTarget(ctx context.Context, j job, waited *time.Duration, durable *func() error) Result {
	i, t := j.i, j.t
	res := r.newResult(i, t)
	if t.Manager == nil {
		res.Err = errors.New("rotate: target without a manager")
		return res
	}
	defer j.turn.end() // whatever the outcome, the profile's next check may go
	a := &target{r: r, t: t, key: t.key(), index: i, turn: j.turn, change: !t.OldPassword.IsZero(), res: res, p: j.p, prepaid: j.prepaid, waited: waited, durable: durable}
	a.obs = facade.WithObserver(ctx, func(info facade.ResponseInfo) {
		if info.Operation == facade.OpSetPassword || info.Operation == facade.OpChangePassword {
			a.res.Attempts++
		}
		a.p.observe(info)
	})
	if t.byEmail() {
		if err := r.stopped(); err != nil {
			return r.notStarted(i, t, &errStopped{err})
		}
		if res, settled := a.lookup(ctx); settled {
			return res
		}
		t = a.t
	}
	prior, hasPrior := r.cfg.Prior[a.key]
	if err := r.stopped(); err != nil {
		return r.stoppedResult(i, t, prior, hasPrior, &errStopped{err})
	}
	if hasPrior && maybeApplied(prior) {
		a.res.Attempts = prior.Attempts      // the earlier runs' requests: this run's add to them
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

// queuer is a Journal that can queue an entry and wait for its durability later (FileJournal).
type queuer interface {
	queue(e Entry) (wait func() error, err error)
}

// beforeSend: an entry of this state is followed by a send, which must wait until it is durable. The
// others are waited for by the target's result (target.durable), which is reported only once they are.
func beforeSend(s EntryState) bool {
	return s == EntryPending || s == EntryResending || s == EntryRefused
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
	e := Entry{Key: a.key, Index: a.index, Profile: a.t.Profile, Vendor: a.res.Vendor, User: a.t.User, State: state, Password: pw, Time: time.Now().UTC(), Attempts: a.res.Attempts}
	if state == EntryPending {
		e.Attempts++ // the send it precedes
	}
	var err error
	if q, ok := j.(queuer); ok && !beforeSend(state) {
		var wait func() error
		if wait, err = q.queue(e); err == nil {
			*a.durable = wait // the result waits for it, the worker does not
			return nil
		}
	} else {
		err = j.Record(e)
	}
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
	r.stopErr.CompareAndSwap(nil, &err)
}
