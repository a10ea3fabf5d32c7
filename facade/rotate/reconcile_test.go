package rotate_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// memManager is a PasswordManager double whose writes can apply and lose their answer, for the reconcile
// rules; the facadetest fakes cover the wire.
type memManager struct {
	mu        sync.Mutex
	passwords map[string]string
	writes    map[string]int
	// lose: the next writes apply and then return ErrOutcomeUnknown; drop: they return it without applying.
	lose, drop int
	// late: the next writes return ErrOutcomeUnknown without applying and apply after the write that
	// follows them (a write that reached the vendor late).
	late     int
	delayed  map[string]string
	failNext error // when set, the next write after the drops returns it without applying
	// verifyErr, when set, is returned by Verify; verifyErrs by Verify of that password.
	verifyErr  error
	verifyErrs map[string]error
	verifies   int
	noVerify   bool
}

func newMem(users ...string) *memManager {
	m := &memManager{passwords: map[string]string{}, writes: map[string]int{}}
	for _, u := range users {
		m.passwords[u] = "fake-Old-" + u
	}
	return m
}

var errLost = fmt.Errorf("connection reset after sending: %w", facade.ErrOutcomeUnknown)

func (m *memManager) Vendor() facade.Vendor { return facade.VendorZendesk }
func (m *memManager) Capabilities() facade.Capabilities {
	return facade.Capabilities{SetPassword: true, ChangePassword: true, Verify: !m.noVerify}
}

func (m *memManager) write(user string, pw facade.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.passwords[user]; !ok {
		return facade.ErrNotFound
	}
	m.writes[user]++
	if late, ok := m.delayed[user]; ok {
		defer func() { m.passwords[user] = late }()
		delete(m.delayed, user)
	}
	switch {
	case m.late > 0:
		m.late--
		if m.delayed == nil {
			m.delayed = map[string]string{}
		}
		m.delayed[user] = pw.Reveal()
		return errLost
	case m.drop > 0:
		m.drop--
		return errLost
	case m.failNext != nil:
		err := m.failNext
		m.failNext = nil
		return err
	case m.lose > 0:
		m.lose--
		m.passwords[user] = pw.Reveal()
		return errLost
	}
	m.passwords[user] = pw.Reveal()
	return nil
}

func (m *memManager) SetPassword(_ context.Context, user string, pw facade.Secret) error {
	return m.write(user, pw)
}

func (m *memManager) ChangePassword(_ context.Context, user string, old, pw facade.Secret) error {
	if m.password(user) != old.Reveal() {
		return facade.ErrUnauthorized
	}
	return m.write(user, pw)
}

func (m *memManager) SendReset(context.Context, string) error { return facade.ErrUnsupported }
func (m *memManager) FindUser(context.Context, string) (facade.User, error) {
	return facade.User{}, facade.ErrUnsupported
}
func (m *memManager) Requirements(context.Context, string) (*facade.Policy, error) {
	return nil, facade.ErrUnsupported
}

func (m *memManager) Verify(_ context.Context, user string, pw facade.Secret) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.verifies++
	if m.verifyErr != nil {
		return m.verifyErr
	}
	if err := m.verifyErrs[pw.Reveal()]; err != nil {
		return err
	}
	if m.passwords[user] != pw.Reveal() {
		return facade.ErrWrongPassword
	}
	return nil
}

func (m *memManager) password(user string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.passwords[user]
}

func (m *memManager) writesTo(user string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.writes[user]
}

func run(ctx context.Context, cfg rotate.Config, ts ...rotate.Target) []rotate.Result {
	ch := make(chan rotate.Target, len(ts))
	for _, t := range ts {
		ch <- t
	}
	close(ch)
	if cfg.Limits == nil {
		cfg.Limits = fast
	}
	return collect(rotate.Run(ctx, ch, cfg))
}

func newJournal(t *testing.T) (*rotate.FileJournal, string) {
	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	return j, path
}

// Every write applied and its answer lost: Verify settles each as done; nothing is sent twice.
func TestReconcileLostAnswersEndDone(t *testing.T) {
	t.Parallel()
	users := []string{"1", "2", "3", "4", "5"}
	m := newMem(users...)
	m.lose = len(users)
	j, path := newJournal(t)
	var ts []rotate.Target
	for _, u := range users {
		ts = append(ts, rotate.Target{Manager: m, User: u})
	}
	results := run(t.Context(), rotate.Config{Journal: j}, ts...)
	require.Len(t, results, len(users))
	for _, r := range results {
		assert.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		assert.Equal(t, m.password(r.User), r.NewPassword.Reveal())
		assert.Equal(t, 1, m.writesTo(r.User))
	}
	states := map[string][]string{}
	for _, l := range journalLines(t, path)[1:] {
		states[l["user"].(string)] = append(states[l["user"].(string)], l["state"].(string))
	}
	for _, u := range users {
		assert.Equal(t, []string{"pending", "done"}, states[u])
	}
}

// A ChangePassword whose new password Verify refuses while the old one verifies provably did not apply:
// it is sent once more.
func TestReconcileNotAppliedIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	m := newMem("1", "2")
	m.drop = 1 // the first write never applied, though its outcome is unknown
	results := run(t.Context(), rotate.Config{Concurrency: 1},
		rotate.Target{Manager: m, User: "1", OldPassword: facade.NewSecret("fake-Old-1")})
	require.Len(t, results, 1)
	r := results[0]
	require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
	assert.Equal(t, 2, m.writesTo("1"), "sent again once, after the proof")
	assert.Equal(t, m.password("1"), r.NewPassword.Reveal())

	m.drop = 2 // both writes lost before applying: after the second, no third
	results = run(t.Context(), rotate.Config{},
		rotate.Target{Manager: m, User: "2", OldPassword: facade.NewSecret("fake-Old-2")})
	require.Len(t, results, 1)
	assert.Equal(t, rotate.Failed, results[0].Status)
	assert.Equal(t, 2, m.writesTo("2"))
	assert.Equal(t, "fake-Old-2", m.password("2"))
	assert.True(t, results[0].NewPassword.IsZero())
}

// What Verify cannot settle ends Unknown, with the candidate delivered, and is never sent again: Verify
// failed or unavailable, no Verify, or a ChangePassword refused while its old password cannot be verified.
func TestReconcileUnsettledIsUnknown(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(m *memManager)
		old   bool
	}{
		{"verify failed", func(m *memManager) { m.verifyErr = fmt.Errorf("verify: %w", facade.ErrServer) }, true},
		{"verify unavailable", func(m *memManager) { m.drop, m.lose = 1, 0; m.verifyErr = facade.ErrVerifyUnavailable }, false},
		{"no verify", func(m *memManager) { m.noVerify = true }, false},
		{"ChangePassword refused, the old password unverifiable", func(m *memManager) {
			m.drop, m.lose = 1, 0
			m.verifyErrs = map[string]error{"fake-Old-1": fmt.Errorf("verify: %w", facade.ErrServer)}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := newMem("1")
			m.lose = 1
			c.setup(m)
			tg := rotate.Target{Manager: m, User: "1"}
			if c.old {
				tg.OldPassword = facade.NewSecret("fake-Old-1")
			}
			j, path := newJournal(t)
			results := run(t.Context(), rotate.Config{Journal: j}, tg)
			require.Len(t, results, 1)
			r := results[0]
			assert.Equal(t, rotate.Unknown, r.Status)
			assert.ErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
			require.False(t, r.NewPassword.IsZero(), "the candidate is delivered")
			assert.Equal(t, 1, m.writesTo("1"), "never sent twice without proof")
			lines := journalLines(t, path)
			last := lines[len(lines)-1]
			assert.Equal(t, "unknown", last["state"])
			assert.Equal(t, r.NewPassword.Reveal(), last["password"])
		})
	}
}

// Resuming: done targets are not sent again; pending and unknown ones are verified (and a SetPassword
// whose password is refused is sent again with it); not-applied ones run; entries not in the input are
// reported.
func TestResumeFromPrior(t *testing.T) {
	t.Parallel()
	m := newMem("done", "pending-applied", "pending-lost", "not-applied", "new")
	m.passwords["done"] = "fake-Pw-done"
	m.passwords["pending-applied"] = "fake-Pw-pending"
	prior := priorOf(
		entry("done", rotate.EntryDone, "fake-Pw-done"),
		entry("pending-applied", rotate.EntryPending, "fake-Pw-pending"),
		entry("pending-lost", rotate.EntryUnknown, "fake-Pw-lost"),
		entry("not-applied", rotate.EntryNotApplied, "fake-Pw-na"),
		entry("gone", rotate.EntryDone, "fake-Pw-gone"),
		entry("gone-unknown", rotate.EntryPending, "fake-Pw-gone-unknown"),
	)
	m.verifyErr = nil
	var ts []rotate.Target
	for _, u := range []string{"done", "pending-applied", "pending-lost", "not-applied", "new"} {
		ts = append(ts, rotate.Target{Manager: m, User: u})
	}
	j, _ := newJournal(t)
	results := run(t.Context(), rotate.Config{Journal: j, Prior: prior}, ts...)
	byUser := map[string]rotate.Result{}
	for _, r := range results {
		byUser[r.User] = r
	}
	require.Len(t, results, 7)

	assert.Equal(t, rotate.Done, byUser["done"].Status)
	assert.True(t, byUser["done"].Resumed)
	assert.Equal(t, "fake-Pw-done", byUser["done"].NewPassword.Reveal())
	assert.Zero(t, m.writesTo("done"))

	assert.Equal(t, rotate.Done, byUser["pending-applied"].Status)
	assert.True(t, byUser["pending-applied"].Resumed)
	assert.Equal(t, "fake-Pw-pending", byUser["pending-applied"].NewPassword.Reveal())
	assert.Zero(t, m.writesTo("pending-applied"))

	// A SetPassword refused by Verify: sent once more, with the journal's candidate.
	assert.Equal(t, rotate.Done, byUser["pending-lost"].Status, "%v", byUser["pending-lost"].Err)
	assert.Equal(t, "fake-Pw-lost", byUser["pending-lost"].NewPassword.Reveal())
	assert.Equal(t, "fake-Pw-lost", m.password("pending-lost"))
	assert.Equal(t, 1, m.writesTo("pending-lost"))

	for _, u := range []string{"not-applied", "new"} {
		assert.Equal(t, rotate.Done, byUser[u].Status)
		assert.False(t, byUser[u].Resumed)
		assert.Equal(t, 1, m.writesTo(u))
		assert.Equal(t, m.password(u), byUser[u].NewPassword.Reveal())
	}

	for _, u := range []string{"gone", "gone-unknown"} {
		r := byUser[u]
		assert.Equal(t, -1, r.Index)
		assert.ErrorIs(t, r.Err, rotate.ErrNotInInput)
		assert.Equal(t, "fake-Pw-"+u, r.NewPassword.Reveal(), "never dropped")
	}
	assert.Equal(t, rotate.Done, byUser["gone"].Status)
	assert.Equal(t, rotate.Unknown, byUser["gone-unknown"].Status)
	assert.Equal(t, -1, results[len(results)-1].Index, "reported after the input")
}

// A pending entry of an earlier run whose old password proves it did not apply is sent again, with the
// same password.
func TestResumePendingNotAppliedIsSent(t *testing.T) {
	t.Parallel()
	m := newMem("1")
	prior := priorOf(entry("1", rotate.EntryPending, "fake-Pw-cand"))
	results := run(t.Context(), rotate.Config{Prior: prior}, rotate.Target{Manager: m, User: "1", OldPassword: facade.NewSecret("fake-Old-1")})
	require.Len(t, results, 1)
	assert.Equal(t, rotate.Done, results[0].Status, "%v", results[0].Err)
	assert.Equal(t, "fake-Pw-cand", m.password("1"))
	assert.Equal(t, 1, m.writesTo("1"))
}

// failingJournal fails from its n-th record on.
type failingJournal struct {
	mu      sync.Mutex
	n, seen int
}

func (f *failingJournal) Record(rotate.Entry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	if f.seen >= f.n {
		return errors.New("no space left on device")
	}
	return nil
}

// A journal failure stops the run before the next write.
func TestJournalFailureStopsTheRun(t *testing.T) {
	t.Parallel()
	users := []string{"1", "2", "3", "4", "5", "6"}
	m := newMem(users...)
	var ts []rotate.Target
	for _, u := range users {
		ts = append(ts, rotate.Target{Manager: m, User: u})
	}
	// Records 1 and 2 (target 1's pending and done) pass; target 2's pending fails.
	results := run(t.Context(), rotate.Config{Concurrency: 1, Journal: &failingJournal{n: 3}}, ts...)
	require.Len(t, results, len(users))
	assert.Equal(t, rotate.Done, results[0].Status)
	assert.Equal(t, rotate.Failed, results[1].Status)
	assert.ErrorIs(t, results[1].Err, rotate.ErrJournal)
	for _, r := range results[2:] {
		assert.Equal(t, rotate.NotStarted, r.Status)
		assert.ErrorIs(t, r.Err, rotate.ErrJournal)
	}
	for _, u := range users[1:] {
		assert.Zero(t, m.writesTo(u), "nothing sent that could not be recorded")
	}
}

// A run cancelled before it starts still reports the journal's passwords: done ones as done, ones that may
// be in effect as unknown.
func TestResumeCancelledStillDeliversThePasswords(t *testing.T) {
	t.Parallel()
	m := newMem("done", "pending", "not-applied", "refused")
	prior := priorOf(
		entry("done", rotate.EntryDone, "fake-Pw-done"),
		entry("pending", rotate.EntryPending, "fake-Pw-pending"),
		entry("not-applied", rotate.EntryNotApplied, "fake-Pw-na"),
		entry("refused", rotate.EntryRefused, "fake-Pw-refused"),
	)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	results := run(ctx, rotate.Config{Prior: prior},
		rotate.Target{Manager: m, User: "done"}, rotate.Target{Manager: m, User: "pending"}, rotate.Target{Manager: m, User: "not-applied"},
		rotate.Target{Manager: m, User: "refused"})
	require.Len(t, results, 4)
	assert.Equal(t, rotate.Unknown, results[3].Status)
	assert.Equal(t, "fake-Pw-refused", results[3].NewPassword.Reveal())
	assert.Equal(t, rotate.Done, results[0].Status)
	assert.Equal(t, "fake-Pw-done", results[0].NewPassword.Reveal())
	assert.Equal(t, rotate.Unknown, results[1].Status)
	assert.Equal(t, "fake-Pw-pending", results[1].NewPassword.Reveal())
	assert.ErrorIs(t, results[1].Err, context.Canceled)
	assert.Equal(t, rotate.NotStarted, results[2].Status)
	assert.True(t, results[2].NewPassword.IsZero())
	assert.Zero(t, m.writesTo("done")+m.writesTo("pending")+m.writesTo("not-applied")+m.writesTo("refused"))
	assert.Zero(t, m.verifies)
}

// userStates returns the journal's states per user, in order.
func userStates(t *testing.T, path string) map[string][]string {
	t.Helper()
	states := map[string][]string{}
	for _, l := range journalLines(t, path)[1:] {
		states[l["user"].(string)] = append(states[l["user"].(string)], l["state"].(string))
	}
	return states
}

// A SetPassword whose outcome is unknown and whose password Verify refuses is sent once more with the same
// password, recorded first; when that one is lost and refused too, the target ends Unknown with the
// candidate, after exactly two writes.
func TestReconcileRefusedSetPasswordIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		setup  func(m *memManager)
		status rotate.Status
		states []string
		// inEffect: the candidate is the password in effect at the end (else the old one still is).
		inEffect bool
	}{
		{"the first lost before applying", func(m *memManager) { m.drop = 1 }, rotate.Done,
			[]string{"pending", "refused", "pending", "done"}, true},
		{"the first applies after the resend", func(m *memManager) { m.late = 1 }, rotate.Done,
			[]string{"pending", "refused", "pending", "done"}, true},
		{"both lost before applying", func(m *memManager) { m.drop = 2 }, rotate.Unknown,
			[]string{"pending", "refused", "pending", "unknown"}, false},
		{"the resend refused by the vendor", func(m *memManager) { m.drop, m.failNext = 1, fmt.Errorf("set: %w", facade.ErrUnauthorized) },
			rotate.Unknown, []string{"pending", "refused", "pending", "unknown"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := newMem("1")
			c.setup(m)
			j, path := newJournal(t)
			results := run(t.Context(), rotate.Config{Journal: j}, rotate.Target{Manager: m, User: "1"})
			require.Len(t, results, 1)
			r := results[0]
			require.Equal(t, c.status, r.Status, "%v", r.Err)
			require.False(t, r.NewPassword.IsZero(), "the candidate is delivered")
			assert.Equal(t, 2, m.writesTo("1"), "sent once more, never a third time")
			assert.Equal(t, c.inEffect, m.password("1") == r.NewPassword.Reveal())
			if !c.inEffect {
				assert.Equal(t, "fake-Old-1", m.password("1"))
				assert.ErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
			}
			assert.Equal(t, c.states, userStates(t, path)["1"])
			for _, l := range journalLines(t, path)[1:] {
				assert.Equal(t, r.NewPassword.Reveal(), l["password"], "the same password every time")
			}
			assert.NotContains(t, fmt.Sprintf("%v %+v", r, r.Err), r.NewPassword.Reveal())
		})
	}
}

// A refused Verify is not sent again when the journal cannot record it first: Unknown, one write.
func TestReconcileRefusedNotRecordedIsNotSentAgain(t *testing.T) {
	t.Parallel()
	m := newMem("1")
	m.drop = 1
	results := run(t.Context(), rotate.Config{Journal: &failingJournal{n: 2}}, rotate.Target{Manager: m, User: "1"})
	require.Len(t, results, 1)
	assert.Equal(t, rotate.Unknown, results[0].Status)
	assert.ErrorIs(t, results[0].Err, rotate.ErrJournal)
	assert.False(t, results[0].NewPassword.IsZero())
	assert.Equal(t, 1, m.writesTo("1"))
}

// Resuming a SetPassword whose password Verify refuses sends it once more with the journal's password;
// that send is the run's one resend: lost and refused again, it ends Unknown after one write.
func TestResumeRefusedIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	for _, state := range []rotate.EntryState{rotate.EntryPending, rotate.EntryUnknown, rotate.EntryRefused} {
		t.Run(string(state), func(t *testing.T) {
			t.Parallel()
			for _, lost := range []bool{false, true} {
				m := newMem("1")
				if lost {
					m.drop = 1
				}
				prior := priorOf(entry("1", state, "fake-Pw-cand"))
				j, path := newJournal(t)
				results := run(t.Context(), rotate.Config{Journal: j, Prior: prior}, rotate.Target{Manager: m, User: "1"})
				require.Len(t, results, 1)
				r := results[0]
				assert.Equal(t, "fake-Pw-cand", r.NewPassword.Reveal(), "the journal's password, delivered")
				assert.Equal(t, 1, m.writesTo("1"), "one send in the run")
				if !lost {
					assert.Equal(t, rotate.Done, r.Status, "%v", r.Err)
					assert.Equal(t, "fake-Pw-cand", m.password("1"))
					assert.Equal(t, []string{"refused", "pending", "done"}, userStates(t, path)["1"])
					continue
				}
				assert.Equal(t, rotate.Unknown, r.Status)
				assert.ErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
				assert.Equal(t, "fake-Old-1", m.password("1"))
				assert.Equal(t, []string{"refused", "pending", "unknown"}, userStates(t, path)["1"])
			}
		})
	}
}

// Resuming, a SetPassword whose outcome Verify cannot settle (unavailable, failing, or no Verify) is
// settled by sending the same journaled password again: Done, SettledByResend, the journal records it;
// a refusal because the password was used before settles it too; a ChangePassword stays Unknown.
func TestResumeUnverifiableSettledByResend(t *testing.T) {
	t.Parallel()
	errUsed := fmt.Errorf("zendesk set_password: HTTP 422: RecordInvalid (password: has been used before): %w", facade.ErrPasswordRejected)
	for _, tc := range []struct {
		name   string
		setup  func(m *memManager)
		change bool
		want   rotate.Status
		resent bool
		writes int
		states []string
	}{
		{"verify unavailable", func(m *memManager) { m.verifyErr = facade.ErrVerifyUnavailable }, false, rotate.Done, true, 1,
			[]string{"resending", "pending", "done"}},
		{"verify fails", func(m *memManager) { m.verifyErr = errors.New("fake: connection refused") }, false, rotate.Done, true, 1,
			[]string{"resending", "pending", "done"}},
		{"no verify", func(m *memManager) { m.noVerify = true }, false, rotate.Done, true, 1,
			[]string{"resending", "pending", "done"}},
		{"refused as used before", func(m *memManager) { m.noVerify, m.failNext = true, errUsed }, false, rotate.Done, true, 1,
			[]string{"resending", "pending", "done"}},
		{"refused otherwise", func(m *memManager) {
			m.noVerify, m.failNext = true, fmt.Errorf("zendesk: HTTP 422: too short: %w", facade.ErrPasswordRejected)
		}, false, rotate.Unknown, false, 1, []string{"resending", "pending", "unknown"}},
		{"re-send lost too", func(m *memManager) { m.noVerify, m.drop = true, 1 }, false, rotate.Unknown, false, 1,
			[]string{"resending", "pending", "unknown"}},
		{"change password", func(m *memManager) { m.verifyErr = facade.ErrVerifyUnavailable }, true, rotate.Unknown, false, 0,
			[]string{"unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMem("1")
			tc.setup(m)
			prior := priorOf(entry("1", rotate.EntryPending, "fake-Pw-journaled"))
			target := rotate.Target{Manager: m, User: "1"}
			if tc.change {
				target.OldPassword = facade.NewSecret("fake-Old-1")
			}
			j, path := newJournal(t)
			results := run(t.Context(), rotate.Config{Journal: j, Prior: prior}, target)
			require.Len(t, results, 1)
			r := results[0]
			assert.Equal(t, tc.want, r.Status, "%v", r.Err)
			assert.Equal(t, tc.resent, r.SettledByResend)
			assert.Equal(t, "fake-Pw-journaled", r.NewPassword.Reveal(), "the journaled password, never a new one")
			assert.Equal(t, tc.writes, m.writesTo("1"))
			assert.Equal(t, tc.writes, r.Attempts, "the true attempts")
			if tc.writes > 0 && tc.want == rotate.Done && m.failNext == nil && tc.name != "refused as used before" {
				assert.Equal(t, "fake-Pw-journaled", m.password("1"))
			}
			var states []string
			for _, l := range journalLines(t, path)[1:] {
				states = append(states, l["state"].(string))
				assert.Equal(t, "fake-Pw-journaled", l["password"])
			}
			assert.Equal(t, tc.states, states)
		})
	}
}

// A row settled by Verify on resume carries the write requests of the earlier run from the journal, not
// 0: a write in doubt counts as sent.
func TestResumeSettledCarriesAttempts(t *testing.T) {
	t.Parallel()
	m := newMem("1")
	m.lose = 1
	m.verifyErr = fmt.Errorf("verify: %w", facade.ErrServer)
	j, path := newJournal(t)
	first := run(t.Context(), rotate.Config{Journal: j}, rotate.Target{Manager: m, User: "1"})
	require.Len(t, first, 1)
	require.Equal(t, rotate.Unknown, first[0].Status)
	assert.Equal(t, 1, first[0].Attempts)
	require.NoError(t, j.Close())

	j2, prior, err := rotate.OpenJournal(path, testHeader)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j2.Close() })
	assert.Equal(t, 1, prior["zendesk:1"].Attempts, "the journal records the request")
	m.mu.Lock()
	m.verifyErr = nil
	m.mu.Unlock()
	second := run(t.Context(), rotate.Config{Journal: j2, Prior: prior}, rotate.Target{Manager: m, User: "1"})
	require.Len(t, second, 1)
	r := second[0]
	assert.Equal(t, rotate.Done, r.Status)
	assert.True(t, r.Resumed)
	assert.Equal(t, 1, r.Attempts, "the earlier run's request, none in this one")
	assert.Equal(t, 1, m.writesTo("1"))
}
