package facade_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
)

// connCountingServer answers Zendesk's password requirements on loopback and counts the connections clients
// open to it; gate, when set, runs before each answer.
type connCountingServer struct {
	*httptest.Server
	conns atomic.Int64
	gate  func()
}

func newCountingServer(t *testing.T, gate func()) *connCountingServer {
	t.Helper()
	s := &connCountingServer{gate: gate}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if s.gate != nil {
			s.gate()
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"requirements":["must be at least 12 characters"]}`)
	}))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// inParallel makes n Requirements calls at once and waits for them.
func inParallel(t *testing.T, m facade.PasswordManager, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := m.Requirements(t.Context(), "35436")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
}

// The default client keeps a connection per request that was in flight: a second round of as many
// concurrent calls dials nothing (http.DefaultTransport keeps 2 and dials the other 14 again).
func TestDefaultClientKeepsAConnectionPerRequestInFlight(t *testing.T) {
	t.Parallel()
	const inFlight = 16
	srv := newCountingServer(t, barrier(inFlight))
	z, err := facade.NewZendesk(srv.URL, facade.WithAPIToken("admin@example.com", "fake-pool-api-token"))
	require.NoError(t, err)
	inParallel(t, z, inFlight)
	require.EqualValues(t, inFlight, srv.conns.Load(), "the first round opens a connection per request")
	inParallel(t, z, inFlight)
	inParallel(t, z, inFlight)
	assert.EqualValues(t, inFlight, srv.conns.Load(), "later rounds reuse them")
}

// WithMaxConnsPerHost bounds the connections, in flight and idle.
func TestWithMaxConnsPerHost(t *testing.T) {
	t.Parallel()
	srv := newCountingServer(t, nil)
	z, err := facade.NewZendesk(srv.URL, facade.WithAPIToken("admin@example.com", "fake-pool-api-token"),
		facade.WithMaxConnsPerHost(3))
	require.NoError(t, err)
	inParallel(t, z, 24)
	inParallel(t, z, 24)
	assert.LessOrEqual(t, srv.conns.Load(), int64(3))

	_, err = facade.NewZendesk(srv.URL, facade.WithAPIToken("admin@example.com", "fake-pool-api-token"),
		facade.WithMaxConnsPerHost(0))
	var ie *facade.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "maxConnsPerHost", ie.Field)

	_, err = facade.NewZendesk(srv.URL, facade.WithAPIToken("admin@example.com", "fake-pool-api-token"),
		facade.WithMaxConnsPerHost(3), facade.WithHTTPClient(srv.Client()))
	require.ErrorContains(t, err, "WithHTTPClient and WithMaxConnsPerHost")
}

// A caller's own client is used as it is: its transport's pool, not the default one.
func TestCallersClientKeepsItsOwnPool(t *testing.T) {
	t.Parallel()
	const inFlight = 8
	srv := newCountingServer(t, barrier(inFlight))
	own := &http.Transport{MaxIdleConnsPerHost: 1}
	t.Cleanup(own.CloseIdleConnections)
	hc := &http.Client{Transport: own}
	z, err := facade.NewZendesk(srv.URL, facade.WithHTTPClient(hc), facade.WithAPIToken("admin@example.com", "fake-pool-api-token"))
	require.NoError(t, err)
	inParallel(t, z, inFlight)
	inParallel(t, z, inFlight)
	assert.EqualValues(t, 2*inFlight-1, srv.conns.Load(), "one connection kept idle, as the caller's transport says")
	assert.Same(t, own, hc.Transport)
	assert.Nil(t, hc.CheckRedirect, "the caller's client is not changed")
}

// barrier returns a handler hook that holds every answer until n requests of the round have arrived, so that
// they are all in flight at once and each needs a connection of its own.
func barrier(n int) func() {
	var mu sync.Mutex
	arrived, round := 0, make(chan struct{})
	return func() {
		mu.Lock()
		ch := round
		if arrived++; arrived == n {
			close(round)
			arrived, round = 0, make(chan struct{})
		}
		mu.Unlock()
		<-ch
	}
}
