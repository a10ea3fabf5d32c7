package facade_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/fixture"
)

// gate holds the requests that are not logins, once armed with hold, so that a test can act while a
// known number of them are in flight.
type gate struct {
	next    http.RoundTripper
	isLogin func(*http.Request) bool

	mu      sync.Mutex
	held    int
	arrived chan struct{} // one value per held request
	release chan struct{} // nil: pass everything through
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	release := g.release
	if release != nil && !g.isLogin(r) && g.held < cap(g.arrived) {
		g.held++
	} else {
		release = nil
	}
	g.mu.Unlock()
	if release != nil {
		g.arrived <- struct{}{}
		<-release
	}
	return g.next.RoundTrip(r)
}

// hold makes the next n requests that are not logins wait. waitArrived reports whether all n were held
// before done was closed; release lets them go on.
func (g *gate) hold(n int) (waitArrived func(done <-chan struct{}) bool, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch, arrived := make(chan struct{}), make(chan struct{}, n)
	g.held, g.arrived, g.release = 0, arrived, ch
	return func(done <-chan struct{}) bool {
			for range n {
				select {
				case <-arrived:
				case <-done:
					return false
				}
			}
			return true
		}, func() {
			g.mu.Lock()
			g.release = nil
			g.mu.Unlock()
			close(ch)
		}
}

// loginManager is a manager using WithLogin against a fake that can revoke its tokens, behind a gate.
type loginManager struct {
	gate   *gate
	revoke func()
	logins func() int
	call   func(ctx context.Context) error
}

func docspaceLoginManager(t *testing.T) loginManager {
	f := leakDocSpace(t)
	g := &gate{next: f.Client().Transport, isLogin: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/authentication") }}
	d := fixture.DocSpaceManager(t, f, facade.WithLogin("a@example.com", leakPassword), facade.WithHTTPClient(&http.Client{Transport: g}))
	return loginManager{gate: g, revoke: f.ExpireTokens, logins: func() int { return f.Hits("authenticate") },
		call: func(ctx context.Context) error {
			return d.SetPassword(ctx, matrixUser, facade.NewSecret(leakPassword))
		}}
}

func glowmarktLoginManager(t *testing.T) loginManager {
	f := leakGlowmarkt(t)
	g := &gate{next: f.Client().Transport, isLogin: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/auth") }}
	gm := fixture.GlowmarktManager(t, f, facade.WithLogin("g@example.com", leakPassword), facade.WithHTTPClient(&http.Client{Transport: g}))
	return loginManager{gate: g, revoke: f.ExpireTokens, logins: func() int { return f.Hits("authenticate") },
		call: func(ctx context.Context) error {
			return gm.ChangePassword(ctx, "", facade.NewSecret(leakPassword), facade.NewSecret(leakPassword))
		}}
}

// A token revoked while 50 requests are in flight costs exactly one login: a refused request drops the
// cached token only if it is still the one it carried, and every caller shares the new login. No request
// fails: each refused one is sent once more with the new token.
func TestRevocationUnderLoadLogsInOnce(t *testing.T) {
	t.Parallel()
	const inFlight, rounds = 50, 5
	for name, setup := range map[string]func(*testing.T) loginManager{
		"docspace": docspaceLoginManager, "glowmarkt": glowmarktLoginManager,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := setup(t)
			ctx := t.Context()
			require.NoError(t, m.call(ctx))
			require.Equal(t, 1, m.logins())
			for round := 1; round <= rounds; round++ {
				waitArrived, release := m.gate.hold(inFlight)
				errs := make(chan error, inFlight)
				var wg sync.WaitGroup
				for range inFlight {
					wg.Go(func() { errs <- m.call(ctx) })
				}
				done := make(chan struct{})
				go func() { wg.Wait(); close(done) }()
				// all of them carry the current token and have not reached the vendor yet
				held := waitArrived(done)
				m.revoke()
				release()
				<-done
				close(errs)
				assert.True(t, held, "round %d: every request was sent", round)
				for err := range errs {
					assert.NoError(t, err)
				}
				assert.Equal(t, 1+round, m.logins(), "round %d: one login per revocation", round)
			}
		})
	}
}
