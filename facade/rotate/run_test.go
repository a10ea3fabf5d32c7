package rotate_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// The same user twice: one write; the duplicate fails with nothing sent.
func TestRotationRefusesDuplicates(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 2)
	results := run(t.Context(), rotate.Config{},
		rotate.Target{Manager: z, User: "100"}, rotate.Target{Manager: z, User: "101"}, rotate.Target{Manager: z, User: "100"})
	require.Len(t, results, 3)
	byIndex := map[int]rotate.Result{}
	for _, r := range results {
		byIndex[r.Index] = r
	}
	assert.Equal(t, rotate.Done, byIndex[0].Status)
	assert.Equal(t, rotate.Done, byIndex[1].Status)
	assert.Positive(t, byIndex[0].Latency)
	dup := byIndex[2]
	assert.Equal(t, rotate.Failed, dup.Status)
	assert.ErrorIs(t, dup.Err, rotate.ErrDuplicateTarget)
	assert.Zero(t, dup.Attempts)
	assert.True(t, dup.NewPassword.IsZero())
	assert.Equal(t, 2, f.Hits("SetUserPassword"), "one write per user")
	pw, _ := f.Password(100)
	assert.Equal(t, byIndex[0].NewPassword.Reveal(), pw)
}

// A Retry-After far beyond the cap is not waited for: the run ends with every target reported, the
// vendor's targets failed with ErrRateLimited, and nothing sent after the vendor asked to wait.
func TestRotationFarRetryAfterEndsTheVendorsTargets(t *testing.T) {
	t.Parallel()
	for _, retryAfter := range []string{"Fri, 01 Jan 2100 00:00:00 GMT", "86400"} {
		t.Run(retryAfter, func(t *testing.T) {
			t.Parallel()
			const n = 30
			f, z := zendeskFleet(t, n, facade.WithRetry(4, 20*time.Millisecond))
			f.Fail("SetUserPassword", facadetest.Fault{Status: 429, RetryAfter: retryAfter, Body: `{"error":"Too many requests"}`})
			results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: 4, Limits: fast, MaxWait: 20 * time.Millisecond}))
			require.Len(t, results, n, "every target is reported")
			attempts := 0
			for _, r := range results {
				assert.Equal(t, rotate.Failed, r.Status)
				assert.ErrorIs(t, r.Err, facade.ErrRateLimited)
				assert.NotErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
				assert.LessOrEqual(t, r.Attempts, 1, "a 429 above the cap is not sent again")
				attempts += r.Attempts
			}
			assert.Equal(t, f.Hits("SetUserPassword"), attempts)
			assert.LessOrEqual(t, attempts, 4, "only the writes in flight when the vendor asked to wait")
		})
	}
}

// journalCheck is a transport that, when a password write leaves, checks that the journal already holds
// a pending entry for it.
type journalCheck struct {
	next   http.RoundTripper
	path   string
	mu     sync.Mutex
	writes int
	misses []string
}

func (c *journalCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/password") {
		user := strings.Split(r.URL.Path, "/")[4] // /api/v2/users/{id}/password
		data, err := os.ReadFile(c.path)
		c.mu.Lock()
		c.writes++
		if err != nil || !strings.Contains(string(data), `{"key":"zendesk:`+user+`","index":`) ||
			!strings.Contains(string(data), `"user":"`+user+`","state":"pending"`) {
			c.misses = append(c.misses, user)
		}
		c.mu.Unlock()
	}
	return c.next.RoundTrip(r)
}

// Every write is in the journal, pending, before it leaves; its outcome follows.
func TestJournalIsWrittenAhead(t *testing.T) {
	t.Parallel()
	const n = 20
	f, _ := zendeskFleet(t, n)
	j, path := newJournal(t)
	check := &journalCheck{next: f.Client().Transport, path: path}
	z := fixture.ZendeskManager(t, f, facade.WithAPIToken(fixture.ZendeskAdminEmail, apiToken),
		facade.WithHTTPClient(&http.Client{Transport: check}))
	f.Fail("SetUserPassword", facadetest.Fault{Status: 422, Body: `{"error":"RecordInvalid","description":"Password is too short"}`, Times: 2})
	results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: 4, Limits: fast, Journal: j}))
	require.Len(t, results, n)
	check.mu.Lock()
	assert.Equal(t, n, check.writes)
	assert.Empty(t, check.misses, "writes sent before their pending entry")
	check.mu.Unlock()

	last := map[string]map[string]any{}
	for _, l := range journalLines(t, path)[1:] {
		last[l["user"].(string)] = l
	}
	for _, r := range results {
		l := last[r.User]
		require.NotNil(t, l, r.User)
		switch r.Status {
		case rotate.Done:
			assert.Equal(t, "done", l["state"])
			assert.Equal(t, r.NewPassword.Reveal(), l["password"])
		case rotate.Failed:
			assert.Equal(t, "not-applied", l["state"], "a 422 is a refusal")
		default:
			t.Errorf("%s: %s %v", r.User, r.Status, r.Err)
		}
	}
}

// Cancelling stops new targets, but a write in flight finishes and its outcome is reported.
func TestRotationCancelLetsWritesInFlightFinish(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 3)
	started := make(chan struct{})
	var once sync.Once
	f.Fail("SetUserPassword", facadetest.Fault{Delay: 200 * time.Millisecond, Times: 1}) // a slow vendor: answers as usual after the delay
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		ch <- rotate.Target{Manager: z, User: "100"}
		<-started
		cancel()
		ch <- rotate.Target{Manager: z, User: "101"}
		ch <- rotate.Target{Manager: z, User: "102"}
	}()
	j, path := newJournal(t)
	cfg := rotate.Config{Concurrency: 1, Limits: fast, Journal: j, OnProgress: func(rotate.Progress) {}}
	out := rotate.Run(ctx, ch, cfg)
	go func() {
		for f.Hits("SetUserPassword") == 0 {
			time.Sleep(time.Millisecond)
		}
		once.Do(func() { close(started) })
	}()
	results := collect(out)
	require.Len(t, results, 3)
	byUser := map[string]rotate.Result{}
	for _, r := range results {
		byUser[r.User] = r
	}
	assert.Equal(t, rotate.Done, byUser["100"].Status, "not cut short: %v", byUser["100"].Err)
	pw, _ := f.Password(100)
	assert.Equal(t, byUser["100"].NewPassword.Reveal(), pw)
	for _, u := range []string{"101", "102"} {
		assert.Equal(t, rotate.NotStarted, byUser[u].Status)
		assert.ErrorIs(t, byUser[u].Err, context.Canceled)
	}
	assert.Equal(t, 1, f.Hits("SetUserPassword"))
	lines := journalLines(t, path)
	assert.Equal(t, "done", lines[len(lines)-1]["state"])
}

// A resumed target that a cancel keeps from running still reports the journal's password.
func TestRotationCancelKeepsPriorPasswords(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 2)
	f.Fail("SetUserPassword", facadetest.Fault{Delay: 200 * time.Millisecond, Times: 1})
	prior := priorOf(entry("101", rotate.EntryPending, "fake-Pw-prior"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := make(chan rotate.Target)
	out := rotate.Run(ctx, ch, rotate.Config{Concurrency: 1, Limits: fast, Prior: prior})
	ch <- rotate.Target{Manager: z, User: "100"}
	for f.Hits("SetUserPassword") == 0 {
		time.Sleep(time.Millisecond)
	}
	ch <- rotate.Target{Manager: z, User: "101"} // the only worker is busy with 100
	time.Sleep(20 * time.Millisecond)            // most often, 101 now waits for the worker (either way it must end as below)
	cancel()
	close(ch)
	results := collect(out)
	require.Len(t, results, 2)
	byUser := map[string]rotate.Result{}
	for _, r := range results {
		byUser[r.User] = r
	}
	assert.Equal(t, rotate.Done, byUser["100"].Status)
	r := byUser["101"]
	assert.Equal(t, rotate.Unknown, r.Status)
	assert.True(t, r.Resumed)
	assert.Equal(t, "fake-Pw-prior", r.NewPassword.Reveal())
	assert.ErrorIs(t, r.Err, context.Canceled)
	assert.Equal(t, 1, f.Hits("SetUserPassword"))
}
