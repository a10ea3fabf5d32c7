package rotate

import (
	"context"
	"fmt"
	"sync"

	"github.com/unipass/unipass/facade"
)

// byEmail: the target names its account by email address only (Target.Email).
func (t Target) byEmail() bool { return t.User == "" && t.Email != "" && t.Manager != nil }

// checkKey refuses a target whose key came earlier in the run, and settles one the journal of an earlier
// run has done; it marks the target's prior entry as in the input. false: the target is to run.
func (r *runner) checkKey(i int, t Target) (Result, bool) {
	key := t.key()
	r.seenMu.Lock()
	dup := r.seen.add(key)
	prior, hasPrior := r.cfg.Prior[key]
	if hasPrior && !dup {
		r.priorSeen[key] = true
	}
	r.seenMu.Unlock()
	switch {
	case dup:
		res := r.newResult(i, t)
		what := fmt.Sprintf("user %q", t.User)
		if t.Email != "" {
			what = fmt.Sprintf("user %q (%s)", t.User, t.Email)
		}
		res.Err = fmt.Errorf("rotate: %s %s: %w: it appears earlier in the input", describe(t.Profile, res.Vendor), what, ErrDuplicateTarget)
		return res, true
	case hasPrior && prior.State == EntryDone:
		return r.priorResult(i, t, prior), true
	}
	return Result{}, false
}

// turn is a target's place in its profile's order of duplicate checks, when its check cannot be made as
// the reader reads it: a target given by email (its ID comes from the lookup, in the worker), and a
// target with an ID read while an earlier one of its profile still waits for its check. The target is
// checked once the previous such target of the profile is checked (prev closed) — an address by its
// worker after the lookup, an ID by its profile's feeder before it takes a place at the pacer (a
// duplicate, or a target done by an earlier run, needs none) — then done is closed.
// So the later of two lines naming one account is the one refused, as a dry run says, however long each
// lookup takes. A profile whose targets all have IDs never makes a turn.
type turn struct {
	prev <-chan struct{} // nil: none before it
	done chan struct{}
	once sync.Once
}

// newTurn returns the turn after prev (nil: the first of its profile).
func newTurn(prev <-chan struct{}) *turn { return &turn{prev: prev, done: make(chan struct{})} }

// pending reports whether a turn whose done is ch is still to come (ch nil: none).
func pending(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

// wait returns once the previous turn is over. It always comes: every turn is ended, on every path (by
// its worker, or by its profile's feeder: after its check, or when the run is cancelled), and a turn's
// predecessor was handed out before it. Not even a cancelled run skips it: the checks keep the input's
// order to the end, so that the results say what a dry run says.
func (tn *turn) wait() {
	if tn != nil && tn.prev != nil {
		<-tn.prev
	}
}

// end closes the turn, after the previous one (the next target of the profile checks then); a second
// call does nothing. Every target with a turn ends it, whatever its outcome.
func (tn *turn) end() {
	if tn == nil {
		return
	}
	tn.once.Do(func() {
		tn.wait()
		close(tn.done)
	})
}

// checkInTurn is checkKey in the target's turn, which it ends.
func (r *runner) checkInTurn(tn *turn, i int, t Target) (Result, bool) {
	tn.wait()
	defer tn.end()
	return r.checkKey(i, t)
}

// markInInput notes that the input holds the target of key, so that its earlier run's journal entry is
// not reported as missing from it (see notInInput): for a target whose check waits for its turn.
func (r *runner) markInInput(key string) {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	if _, ok := r.cfg.Prior[key]; ok {
		r.priorSeen[key] = true
	}
}

// dropSeen releases the duplicate check's set.
func (r *runner) dropSeen() {
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	r.seen = nil
}

// lookup finds the user ID of a target given by email: one FindUser, after the profile's pacer lets it
// go (the pacer's wait the feeder took for the target's first request pays for it), then the checks the
// reader makes of targets with an ID. settled: the result is final (a failed lookup, a duplicate, a
// target done in an earlier run).
func (a *target) lookup(ctx context.Context) (Result, bool) {
	t := a.t
	where := describe(t.Profile, a.res.Vendor)
	if !t.Manager.Capabilities().FindUser {
		return a.failed(ctx, fmt.Errorf("rotate: %s cannot look users up by email address (%q): %w", where, t.Email, facade.ErrUnsupported)), true
	}
	if err := a.pace(ctx); err != nil {
		return a.failed(ctx, fmt.Errorf("rotate: %s: pacing the lookup of %q: %w", where, t.Email, err)), true
	}
	u, err := t.Manager.FindUser(a.obs, t.Email)
	if err == nil && u.ID == "" {
		err = fmt.Errorf("no user ID in the answer: %w", facade.ErrNotFound)
	}
	if err != nil {
		return a.failed(ctx, fmt.Errorf("rotate: %s: looking up %q: %w", where, t.Email, err)), true
	}
	a.t.User, a.res.User = u.ID, u.ID
	a.key = a.t.key()
	return a.r.checkInTurn(a.turn, a.index, a.t)
}
