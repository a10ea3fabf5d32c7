package rotate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// finder is a memManager that looks users up by email address, counting the lookups.
type finder struct {
	*memManager
	emails map[string]string // address → user ID

	mu      sync.Mutex
	lookups map[string]int
}

func newFinder(emails map[string]string) *finder {
	var users []string
	for _, id := range emails {
		users = append(users, id)
	}
	return &finder{memManager: newMem(users...), emails: emails, lookups: map[string]int{}}
}

func (f *finder) Capabilities() facade.Capabilities {
	c := f.memManager.Capabilities()
	c.FindUser = true
	return c
}

func (f *finder) FindUser(_ context.Context, email string) (facade.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups[email]++
	id, ok := f.emails[strings.ToLower(email)]
	if !ok {
		return facade.User{}, facade.ErrNotFound
	}
	return facade.User{ID: id, Email: email}, nil
}

func (f *finder) lookupsOf(email string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups[email]
}

// Targets given by email are looked up once each, in the worker, and run under the ID found: the key,
// the duplicate check and the journal use it; an address that names nobody ends Failed with nothing sent.
func TestRunLooksUpEmailsOncePerTarget(t *testing.T) {
	t.Parallel()
	f := newFinder(map[string]string{"ann@example.com": "1", "bob@example.com": "2", "cy@example.com": "3"})
	j, path := newJournal(t)
	results := run(t.Context(), rotate.Config{Journal: j},
		rotate.Target{Manager: f, Email: "ann@example.com"},
		rotate.Target{Manager: f, Email: "bob@example.com"},
		rotate.Target{Manager: f, User: "3"},
		rotate.Target{Manager: f, Email: "nobody@example.com"},
	)
	require.Len(t, results, 4)
	byIndex := map[int]rotate.Result{}
	for _, r := range results {
		byIndex[r.Index] = r
	}
	for i, id := range []string{"1", "2", "3"} {
		r := byIndex[i]
		assert.Equal(t, rotate.Done, r.Status, "target %d: %v", i, r.Err)
		assert.Equal(t, id, r.User)
		assert.Equal(t, 1, f.writesTo(id))
	}
	assert.Equal(t, "ann@example.com", byIndex[0].Email)
	miss := byIndex[3]
	assert.Equal(t, rotate.Failed, miss.Status)
	require.ErrorIs(t, miss.Err, facade.ErrNotFound)
	assert.Contains(t, miss.Err.Error(), "nobody@example.com")
	assert.Zero(t, miss.Attempts)
	for _, e := range []string{"ann@example.com", "bob@example.com", "nobody@example.com"} {
		assert.Equal(t, 1, f.lookupsOf(e), "%s looked up once", e)
	}
	states := userStates(t, path)
	assert.Equal(t, []string{"pending", "done"}, states["1"], "journaled under the ID found")
}

// A target given by email that names the account of an earlier target (by ID or by email) is refused as
// a duplicate, whichever comes first; nothing is sent twice.
func TestRunEmailDuplicates(t *testing.T) {
	t.Parallel()
	f := newFinder(map[string]string{"ann@example.com": "1"})
	results := run(t.Context(), rotate.Config{Concurrency: 1},
		rotate.Target{Manager: f, User: "1"},
		rotate.Target{Manager: f, Email: "ann@example.com"},
		rotate.Target{Manager: f, Email: "ANN@example.com"},
	)
	require.Len(t, results, 3)
	done, dup := 0, 0
	for _, r := range results {
		switch {
		case r.Status == rotate.Done:
			done++
		case r.Status == rotate.Failed && assert.ErrorIs(t, r.Err, rotate.ErrDuplicateTarget):
			dup++
		}
	}
	assert.Equal(t, 1, done)
	assert.Equal(t, 2, dup)
	assert.Equal(t, 1, f.writesTo("1"))
}

// A target given by email whose account an earlier run did is reported from the journal, not sent.
func TestRunEmailResumedDone(t *testing.T) {
	t.Parallel()
	f := newFinder(map[string]string{"ann@example.com": "1"})
	prior := map[string]rotate.Entry{"zendesk:1": {Key: "zendesk:1", Vendor: facade.VendorZendesk, User: "1", State: rotate.EntryDone,
		Password: facade.NewSecret("fake-Done-Pw-1"), Attempts: 1}}
	results := run(t.Context(), rotate.Config{Prior: prior}, rotate.Target{Manager: f, Email: "ann@example.com"})
	require.Len(t, results, 1)
	r := results[0]
	assert.Equal(t, rotate.Done, r.Status)
	assert.True(t, r.Resumed)
	assert.Equal(t, "fake-Done-Pw-1", r.NewPassword.Reveal())
	assert.Equal(t, 0, f.writesTo("1"))
}

// A manager that cannot look users up fails a target given by email, sending nothing.
func TestRunEmailUnsupported(t *testing.T) {
	t.Parallel()
	m := newMem("1")
	results := run(t.Context(), rotate.Config{}, rotate.Target{Manager: m, Email: "ann@example.com"})
	require.Len(t, results, 1)
	assert.Equal(t, rotate.Failed, results[0].Status)
	require.ErrorIs(t, results[0].Err, facade.ErrUnsupported)
	assert.Equal(t, 0, m.writesTo("1"))
}

// gatedFinder is a finder whose lookups wait until gate is closed.
type gatedFinder struct {
	*finder
	gate chan struct{}
}

func (g *gatedFinder) FindUser(ctx context.Context, email string) (facade.User, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return facade.User{}, ctx.Err()
	}
	return g.finder.FindUser(ctx, email)
}

// signalling is a memManager that closes wrote at its first write.
type signalling struct {
	*memManager
	once  sync.Once
	wrote chan struct{}
}

func (s *signalling) SetPassword(ctx context.Context, user string, pw facade.Secret) error {
	s.once.Do(func() { close(s.wrote) })
	return s.memManager.SetPassword(ctx, user, pw)
}

// Two lines naming one account, the first by email, the second by ID: the second is the duplicate,
// however long the first one's lookup takes (here: until the run has read and started a later target of
// another profile, so the ID line was read long before the address was found). A dry run names the same
// line.
func TestRunDuplicateIsTheLaterLineWhateverTheLookupTakes(t *testing.T) {
	t.Parallel()
	f := &gatedFinder{finder: newFinder(map[string]string{"ann@example.com": "1"}), gate: make(chan struct{})}
	other := &signalling{memManager: newMem("2"), wrote: make(chan struct{})}
	targets := make(chan rotate.Target)
	results := rotate.Run(t.Context(), targets, rotate.Config{Limits: fast})
	targets <- rotate.Target{Manager: f, Email: "ann@example.com"}
	targets <- rotate.Target{Manager: f, User: "1"}
	targets <- rotate.Target{Manager: other, User: "2", Profile: "other"}
	close(targets)
	select {
	case <-other.wrote: // the reader is past the ID line: its check would have been made by now
	case <-t.Context().Done():
		t.Fatal("the other profile's target never ran")
	}
	close(f.gate)

	byIndex := map[int]rotate.Result{}
	for r := range results {
		byIndex[r.Index] = r
	}
	require.Len(t, byIndex, 3)
	assert.Equal(t, rotate.Done, byIndex[0].Status, "the address line, first: %v", byIndex[0].Err)
	assert.Equal(t, rotate.Failed, byIndex[1].Status)
	require.ErrorIs(t, byIndex[1].Err, rotate.ErrDuplicateTarget)
	assert.Equal(t, rotate.Done, byIndex[2].Status, "%v", byIndex[2].Err)
	assert.Equal(t, 1, f.writesTo("1"))
}

// In a profile's order of checks, targets of other profiles never wait: a profile whose lookups hang
// does not hold up another one's targets with IDs, and every turn ends even when lookups fail.
func TestRunTurnsArePerProfile(t *testing.T) {
	t.Parallel()
	f := newFinder(map[string]string{"ann@example.com": "1", "bob@example.com": "2"})
	results := run(t.Context(), rotate.Config{Concurrency: 2},
		rotate.Target{Manager: f, Email: "nobody@example.com"},
		rotate.Target{Manager: f, Email: "ann@example.com"},
		rotate.Target{Manager: f, User: "1"},
		rotate.Target{Manager: f, User: "2"},
		rotate.Target{Manager: f, Email: "BOB@example.com"},
		rotate.Target{Manager: f, User: "1", Profile: "b"},
	)
	byIndex := map[int]rotate.Result{}
	for _, r := range results {
		byIndex[r.Index] = r
	}
	require.Len(t, byIndex, 6)
	require.ErrorIs(t, byIndex[0].Err, facade.ErrNotFound)
	assert.Equal(t, rotate.Done, byIndex[1].Status)
	require.ErrorIs(t, byIndex[2].Err, rotate.ErrDuplicateTarget, "the ID line after the address of the same account")
	assert.Equal(t, rotate.Done, byIndex[3].Status)
	require.ErrorIs(t, byIndex[4].Err, rotate.ErrDuplicateTarget, "the address line after the ID of the same account")
	assert.Equal(t, rotate.Done, byIndex[5].Status, "another profile: another account")
}

// doneBefore is the journal of an earlier run that did users ids.
func doneBefore(ids ...string) map[string]rotate.Entry {
	prior := map[string]rotate.Entry{}
	for _, id := range ids {
		key := "zendesk:" + id
		prior[key] = rotate.Entry{Key: key, Vendor: facade.VendorZendesk, User: id, State: rotate.EntryDone,
			Password: facade.NewSecret("fake-Done-Pw-" + id), Attempts: 1}
	}
	return prior
}

// Resuming at a slow pace, targets with IDs behind an address, all done by the earlier run, are settled
// from the journal without a place at the pacer: one request every 25 s would otherwise make these 19 rows
// wait eight minutes for nothing.
func TestRunTurnsTakeNoPaceForTargetsDoneBefore(t *testing.T) {
	t.Parallel()
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	// The lookup waits until every row has been read, so that the rows with IDs wait for their turns.
	f := &gatedFinder{finder: newFinder(map[string]string{"ann@example.com": "1"}), gate: make(chan struct{})}
	other := newMem("1")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second) // the pacer's time would pass 25 s
	defer cancel()
	slow := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: 0.04, Burst: 1}}
	targets := make(chan rotate.Target)
	results := rotate.Run(ctx, targets, rotate.Config{Prior: doneBefore(ids...), Limits: slow, MaxWait: time.Hour})
	targets <- rotate.Target{Manager: f, Email: "ann@example.com"}
	for _, id := range ids[1:] {
		targets <- rotate.Target{Manager: f, User: id}
	}
	targets <- rotate.Target{Manager: other, User: "1", Profile: "other"} // read once the last ID row was
	close(targets)
	close(f.gate)
	got := collect(results)
	require.Len(t, got, len(ids)+1)
	for _, r := range got {
		assert.Equal(t, rotate.Done, r.Status, "target %d: %v", r.Index, r.Err)
		assert.Equal(t, r.Profile != "other", r.Resumed, "target %d", r.Index)
	}
	assert.Zero(t, f.writesTo("1"))
	require.NoError(t, ctx.Err(), "settled without waiting for the pacer")
}

// A run cancelled while targets with IDs wait behind an address reports each target once, those done by
// the earlier run as done, and no journal entry as missing from the input.
func TestRunTurnsAfterCancel(t *testing.T) {
	t.Parallel()
	f := &gatedFinder{finder: newFinder(map[string]string{"ann@example.com": "9"}), gate: make(chan struct{})}
	ids := []string{"1", "2", "3", "4", "5"}
	targets := make(chan rotate.Target)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	results := rotate.Run(ctx, targets, rotate.Config{Prior: doneBefore(ids...), Limits: fast})
	targets <- rotate.Target{Manager: f, Email: "ann@example.com"}
	for _, id := range ids {
		targets <- rotate.Target{Manager: f, User: id}
	}
	close(targets)
	cancel()
	close(f.gate)
	byIndex := map[int]rotate.Result{}
	for r := range results {
		_, twice := byIndex[r.Index]
		assert.False(t, twice, "target %d reported twice", r.Index)
		byIndex[r.Index] = r
	}
	require.Len(t, byIndex, len(ids)+1)
	for i := range ids {
		r := byIndex[i+1]
		assert.Equal(t, rotate.Done, r.Status, "target %d: %v", i+1, r.Err)
		assert.Equal(t, "fake-Done-Pw-"+ids[i], r.NewPassword.Reveal())
	}
	assert.NotEqual(t, rotate.Done, byIndex[0].Status, "the address was not looked up in time: nothing done for it")
	assert.Zero(t, f.writesTo("9"))
}
