package rotate_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// gatedManager is a memManager whose writes wait until gate is closed.
type gatedManager struct {
	*memManager
	gate    chan struct{}
	blocked atomic.Int64 // writes waiting at the gate
}

func (g *gatedManager) waiting() int64 { return g.blocked.Load() }

func (g *gatedManager) SetPassword(ctx context.Context, user string, pw facade.Secret) error {
	g.blocked.Add(1)
	<-g.gate
	return g.memManager.SetPassword(ctx, user, pw)
}

func userIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(100 + i)
	}
	return out
}

// Grouped input (every row of profile a, then every row of b): b's rows do not wait behind a's. Profile a
// is limited to 20 requests a second (its 20 rows take about a second), b to 1,000: b's rows all end
// while a's are still being paced.
func TestFleetGroupedInputRunsEveryProfile(t *testing.T) {
	t.Parallel()
	const n = 20
	a, b := newMem(userIDs(n)...), newMem(userIDs(n)...)
	targets := append(profileTargets("a", a, n), profileTargets("b", b, n)...)
	ch := make(chan rotate.Target, len(targets))
	for _, tg := range targets {
		ch <- tg
	}
	close(ch)
	limits := map[string]rotate.Limit{"a": {PerSecond: 20, Burst: 1}, "b": {PerSecond: 1000, Burst: 50}}
	var order []string
	for r := range rotate.Run(t.Context(), ch, rotate.Config{Concurrency: 4, ProfileLimits: limits}) {
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		order = append(order, r.Profile)
	}
	require.Len(t, order, 2*n)
	lastB := 0
	for i, p := range order {
		if p == "b" {
			lastB = i
		}
	}
	assert.Less(t, lastB, n+5, "b's rows end before most of a's (grouped input, a paced at 20/s): %v", order)
}

// The rows read ahead of their turn are bounded by Config.MaxQueued: while one profile's writes are held
// back, the reader stops after a few more than MaxQueued rows, whatever the input's size.
func TestFleetReadAheadIsBounded(t *testing.T) {
	t.Parallel()
	const n, maxQueued, concurrency = 200, 8, 2
	a := &gatedManager{memManager: newMem(userIDs(n)...), gate: make(chan struct{})}
	var read atomic.Int64
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		for _, tg := range profileTargets("a", a, n) {
			ch <- tg
			read.Add(1)
		}
	}()
	results := rotate.Run(t.Context(), ch, rotate.Config{Concurrency: concurrency, MaxQueued: maxQueued, Limits: fast})
	// Block until the reader is stuck: every worker holds a write, the feeder one target, the queue is full.
	first := make(chan rotate.Result, 1)
	go func() {
		r, ok := <-results
		if ok {
			first <- r
		}
		close(first)
	}()
	for a.waiting() < concurrency {
		runtime.Gosched()
	}
	// Held: a target in each worker, one in the feeder, maxQueued in the queue, one in the reader.
	const held = concurrency + 1 + maxQueued + 1
	for read.Load() < held {
		runtime.Gosched()
	}
	for range 1000 {
		runtime.Gosched() // give an unbounded reader its chance to read on
	}
	assert.Equal(t, int64(held), read.Load(), "the reader stops once the queues are full")
	close(a.gate)
	count := 0
	for range first {
		count++
	}
	for r := range results {
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		count++
	}
	assert.Equal(t, n, count)
}

// Wait is the time a target waited for its profile's limiter, Latency the rest: five targets at 20 a
// second (burst 1) wait their turn, about 50 ms apart, while the in-memory vendor answers at once.
func TestResultWaitIsTheLimitersTime(t *testing.T) {
	t.Parallel()
	m := newMem(userIDs(5)...)
	limits := map[string]rotate.Limit{"a": {PerSecond: 20, Burst: 1}}
	var last rotate.Result
	for _, r := range run(t.Context(), rotate.Config{Concurrency: 5, ProfileLimits: limits}, profileTargets("a", m, 5)...) {
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		if r.Wait > last.Wait {
			last = r
		}
	}
	assert.GreaterOrEqual(t, last.Wait, 150*time.Millisecond, "the fifth target waits for four intervals")
	assert.Less(t, last.Latency, last.Wait, "the limiter's wait is not the vendor's time")
}

// Progress reports the time left and each profile's rate.
func TestProgressPerProfile(t *testing.T) {
	t.Parallel()
	a, b := newMem(userIDs(3)...), newMem(userIDs(3)...)
	var last rotate.Progress
	calls := 0
	cfg := rotate.Config{Total: 6, OnProgress: func(p rotate.Progress) { last = p; calls++ }}
	run(t.Context(), cfg, append(profileTargets("a", a, 3), profileTargets("b", b, 3)...)...)
	assert.Equal(t, 6, calls)
	assert.Equal(t, 6, last.Done)
	assert.Zero(t, last.Left, "nothing left")
	require.Len(t, last.Profiles, 2)
	assert.Equal(t, "a", last.Profiles[0].Profile)
	assert.Equal(t, "b", last.Profiles[1].Profile)
	assert.Positive(t, last.Profiles[0].Rate)
}
