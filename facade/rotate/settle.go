package rotate

import (
	"context"
	"fmt"
	"sort"

	"github.com/unipass/unipass/facade"
)

// What a target ends as without a write of this run: settled at admission (a duplicate, a target an
// earlier run did, a run that stopped), reported when a worker never took it, or an earlier run's entry the
// input no longer names.

// admit settles a target without sending anything when it can: duplicates, targets done in an earlier
// run, and everything once ctx is cancelled or the journal failed. false: the target is to run. later:
// its duplicate check is its worker's (see turn).
func (r *runner) admit(ctx context.Context, i int, t Target, later bool) (Result, bool) {
	if t.Manager == nil {
		return Result{}, false // reported by rotate
	}
	if err := checkProfile(t.Profile); err != nil {
		res := r.newResult(i, t)
		res.Err = err
		return res, true
	}
	var prior Entry
	hasPrior := false
	if !t.byEmail() { // found by email: checked once the worker has its ID (lookup)
		if later { // checked in its turn, by its profile's feeder
			r.markInInput(t.key())
		} else if res, settled := r.checkKey(i, t); settled {
			return res, true
		}
		prior, hasPrior = r.cfg.Prior[t.key()]
	}
	stop := r.stopped()
	if stop == nil {
		stop = ctx.Err()
	}
	if stop == nil {
		return Result{}, false
	}
	if hasPrior && prior.State == EntryDone { // a target waiting for its turn: done as the journal says
		return r.priorResult(i, t, prior), true
	}
	return r.stoppedResult(i, t, prior, hasPrior, stop), true
}

// cancelled reports a target admitted to run that found ctx cancelled before a worker took it.
func (r *runner) cancelled(i int, t Target, err error) Result {
	if t.Manager == nil || t.byEmail() {
		return r.notStarted(i, t, err)
	}
	prior, hasPrior := r.cfg.Prior[t.key()]
	return r.stoppedResult(i, t, prior, hasPrior, err)
}

// stoppedResult reports a target that does not run because the run stopped: NotStarted, or Unknown with
// the journal's password when an earlier run's write may be in effect.
func (r *runner) stoppedResult(i int, t Target, prior Entry, hasPrior bool, stop error) Result {
	if hasPrior && maybeApplied(prior) {
		res := r.priorResult(i, t, prior)
		res.Err = fmt.Errorf("rotate: not reconciled (%w): %w", stop, facade.ErrOutcomeUnknown)
		return res
	}
	return r.notStarted(i, t, stop)
}

// maybeApplied: the entry's write may be in effect (it was sent and not settled).
func maybeApplied(e Entry) bool {
	switch e.State {
	case EntryPending, EntryUnknown, EntryRefused, EntryResending:
		return !e.Password.IsZero()
	}
	return false
}

// priorResult reports a target as the journal left it, with its password.
func (r *runner) priorResult(i int, t Target, e Entry) Result {
	res := r.newResult(i, t)
	res.Resumed, res.NewPassword, res.Status = true, e.Password, statusOf(e.State)
	if res.Status == Failed || res.Status == NotStarted {
		res.NewPassword = facade.Secret{}
	}
	return res
}

func statusOf(s EntryState) Status {
	switch s {
	case EntryDone:
		return Done
	case EntryNotApplied:
		return NotStarted
	}
	return Unknown
}

// notInInput reports the prior entries whose target never came, in the order of their earlier index.
func (r *runner) notInInput() []Result {
	var out []Result
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	for key, e := range r.cfg.Prior {
		if r.priorSeen[key] {
			continue
		}
		res := Result{Index: -1, Profile: e.Profile, Vendor: e.Vendor, User: e.User, Status: statusOf(e.State), Resumed: true}
		if res.Status != NotStarted {
			res.NewPassword = e.Password
		}
		res.Err = fmt.Errorf("rotate: %s user %q is %s in the journal: %w", describe(e.Profile, e.Vendor), e.User, e.State, ErrNotInInput)
		out = append(out, res)
	}
	sort.Slice(out, func(a, b int) bool {
		ea := r.cfg.Prior[ProfileKey(out[a].Profile, out[a].Vendor, out[a].User)]
		eb := r.cfg.Prior[ProfileKey(out[b].Profile, out[b].Vendor, out[b].User)]
		if ea.Index != eb.Index {
			return ea.Index < eb.Index
		}
		return ea.Key < eb.Key
	})
	return out
}

func (r *runner) newResult(i int, t Target) Result {
	res := Result{Index: i, Profile: t.Profile, User: t.User, Email: t.Email, Status: Failed}
	if t.Manager != nil {
		res.Vendor = t.Manager.Vendor()
	}
	return res
}

func (r *runner) notStarted(i int, t Target, err error) Result {
	res := r.newResult(i, t)
	res.Status, res.Err = NotStarted, err
	return res
}

// stopped returns the journal failure that stops the run, if any.
func (r *runner) stopped() error {
	if p := r.stopErr.Load(); p != nil {
		return *p
	}
	return nil
}
