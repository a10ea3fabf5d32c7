package rotate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// instant is a manager that sets every password at once, without a network: Run's own goroutines are then
// the only ones a run starts.
type instant struct{ facade.PasswordManager }

func (instant) Vendor() facade.Vendor { return facade.VendorZendesk }
func (instant) Capabilities() facade.Capabilities {
	return facade.Capabilities{SetPassword: true}
}
func (instant) SetPassword(context.Context, string, facade.Secret) error { return nil }

// A caller that leaves early by the documented way, cancelling ctx and reading the rest of the results,
// leaves no goroutine of Run behind; nor does a run read to its end. Not parallel: goleak sees every
// goroutine of the process.
func TestRunLeavesNoGoroutine(t *testing.T) { //nolint:paralleltest // goleak counts the process's goroutines
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const n = 200
	targets := make(chan rotate.Target)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		defer close(targets)
		for i := range n {
			targets <- rotate.Target{Manager: instant{}, User: fmt.Sprint(100 + i)}
		}
	}()
	results := rotate.Run(ctx, targets, rotate.Config{Concurrency: 4, Limits: fast})
	<-results
	cancel()
	rest := 0
	for range results {
		rest++
	}
	assert.Equal(t, n-1, rest, "every target is reported, also after the cancel")

	all := 0
	for range rotate.Run(t.Context(), feed(instant{}, 20), rotate.Config{Limits: fast}) {
		all++
	}
	assert.Equal(t, 20, all)
}

// A caller that cancels ctx and stops reading leaks nothing either: once MaxWait has passed after the
// cancellation, results no one takes are dropped and every goroutine of Run ends.
func TestRunCancelledAndLeftLeavesNoGoroutine(t *testing.T) { //nolint:paralleltest // goleak counts the process's goroutines
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const n = 200
	targets := make(chan rotate.Target)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		defer close(targets)
		for i := range n {
			targets <- rotate.Target{Manager: instant{}, User: fmt.Sprint(100 + i)}
		}
	}()
	j, err := rotate.CreateJournal(filepath.Join(t.TempDir(), "journal"), testHeader)
	require.NoError(t, err)
	defer func() { _ = j.Close() }()
	results := rotate.Run(ctx, targets, rotate.Config{Concurrency: 4, Limits: fast, MaxWait: 10 * time.Millisecond, Journal: j})
	first := <-results
	assert.Equal(t, rotate.Done, first.Status)
	cancel() // and no more reads
}

// Without a journal a result is the only place its password is: a reader slower than MaxWait after the
// cancellation still gets every result, none is dropped.
func TestRunWithoutJournalNeverDropsResults(t *testing.T) { //nolint:paralleltest // shares the file's goleak tests' process
	const n = 20
	targets := make(chan rotate.Target, n)
	for i := range n {
		targets <- rotate.Target{Manager: instant{}, User: fmt.Sprint(100 + i)}
	}
	close(targets)
	ctx, cancel := context.WithCancel(t.Context())
	results := rotate.Run(ctx, targets, rotate.Config{Concurrency: 4, Limits: fast, MaxWait: time.Millisecond})
	first := <-results
	cancel()
	time.Sleep(100 * time.Millisecond) // a reader far slower than MaxWait, not a synchronisation
	got := 1
	if first.Status == rotate.Done {
		assert.NotEmpty(t, first.NewPassword.Reveal())
	}
	for res := range results {
		got++
		if res.Status == rotate.Done {
			assert.NotEmpty(t, res.NewPassword.Reveal(), "a done result carries its password")
		}
	}
	assert.Equal(t, n, got, "every target reported")
}
