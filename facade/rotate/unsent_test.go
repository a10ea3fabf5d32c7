package rotate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// A write that could not leave the machine (a login token with a line break cannot go in a header) ends
// Failed, not Unknown: nothing reached the vendor, so there is nothing to reconcile or deliver.
func TestUnsendableWritesEndFailedNotUnknown(t *testing.T) {
	t.Parallel()
	var writes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authentication") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"response":{"token":"fake-token\nX","expires":"2099-01-01T00:00:00Z"},"status":0,"statusCode":200}`))
			return
		}
		writes.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	d, err := facade.NewDocSpace(srv.URL, facade.WithLogin("admin@example.com", "fake-Admin-Passw0rd"), facade.WithRetry(1, 0))
	require.NoError(t, err)
	const n = 10
	targets := make(chan rotate.Target)
	go func() {
		defer close(targets)
		for i := range n {
			targets <- rotate.Target{Manager: d, User: fmt.Sprintf("aae1e103-bca5-9fa1-ba8c-42058b4a%04d", i),
				NewPassword: facade.NewSecret("fake-New-Passw0rd-1")}
		}
	}()
	results := collect(rotate.Run(t.Context(), targets, rotate.Config{Limits: fast}))
	require.Len(t, results, n)
	for _, r := range results {
		assert.Equal(t, rotate.Failed, r.Status, "%v", r.Err)
		assert.NotErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
		assert.True(t, r.NewPassword.IsZero())
	}
	assert.Zero(t, writes.Load(), "no write reached the server")
}
