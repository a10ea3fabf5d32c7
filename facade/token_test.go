package facade

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

// Fifty concurrent calls that find the cached token expired share exactly one login.
func TestTokenRefreshRace(t *testing.T) {
	t.Parallel()
	for _, vendor := range []Vendor{VendorDocSpace, VendorGlowmarkt} {
		t.Run(string(vendor), func(t *testing.T) {
			t.Parallel()
			var (
				m     PasswordManager
				c     *core
				hits  func() int
				ttl   func(time.Duration)
				call  func(ctx context.Context) error
				clock atomic.Int64
			)
			switch vendor {
			case VendorDocSpace:
				f := facadetest.NewDocSpace(facadetest.WithT(t))
				f.AddUser(facadetest.DocSpaceUser{ID: "aae1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "a@example.com", Password: "fake-Passw0rd-1"})
				d, err := NewDocSpace(f.URL(), WithHTTPClient(f.Client()), WithLogin("a@example.com", "fake-Passw0rd-1"))
				require.NoError(t, err)
				m, c, hits, ttl = d, d.core, func() int { return f.Hits("authenticate") }, f.SetTokenTTL
				call = func(ctx context.Context) error { _, err := m.Requirements(ctx, ""); return err }
			case VendorGlowmarkt:
				f := facadetest.NewGlowmarkt(facadetest.WithT(t))
				f.AddAccount(facadetest.GlowmarktAccount{AccountID: "acc-1", Username: "g@example.com", Password: "fake-Passw0rd-1"})
				g, err := NewGlowmarkt(f.URL(), WithHTTPClient(f.Client()), WithApplicationID(f.ApplicationID()), WithLogin("g@example.com", "fake-Passw0rd-1"))
				require.NoError(t, err)
				m, c, hits, ttl = g, g.core, func() int { return f.Hits("authenticate") }, f.SetTokenTTL
				call = func(ctx context.Context) error {
					return m.ChangePassword(ctx, "", NewSecret("fake-Passw0rd-1"), NewSecret("fake-Passw0rd-1"))
				}
			}
			// A clock the test moves: the fake's tokens stay valid, the client's copy expires.
			clock.Store(time.Now().UnixNano())
			now := func() time.Time { return time.Unix(0, clock.Load()) }
			c.now, c.tokens.now = now, now

			ctx := t.Context()
			ttl(time.Hour)
			require.NoError(t, call(ctx))
			require.Equal(t, 1, hits())
			require.NoError(t, call(ctx))
			require.Equal(t, 1, hits(), "a live token is reused")

			ttl(30 * 24 * time.Hour)        // the next token outlives the clock's jump
			clock.Add(int64(2 * time.Hour)) // past the first token's expiry
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- call(ctx)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				assert.NoError(t, err)
			}
			assert.Equal(t, 2, hits(), "50 concurrent calls with an expired token cause exactly one login")
		})
	}
}

// A token the server revoked is replaced by a fresh login, and the refused request is sent once more.
func TestRevokedTokenRelogin(t *testing.T) {
	t.Parallel()
	f := facadetest.NewDocSpace(facadetest.WithT(t))
	f.AddUser(facadetest.DocSpaceUser{ID: "aae1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "a@example.com", Password: "fake-Passw0rd-1"})
	f.AddUser(facadetest.DocSpaceUser{ID: "bbe1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "b@example.com", Password: "fake-Passw0rd-1"})
	d, err := NewDocSpace(f.URL(), WithHTTPClient(f.Client()), WithLogin("a@example.com", "fake-Passw0rd-1"))
	require.NoError(t, err)
	ctx := t.Context()
	require.NoError(t, d.SetPassword(ctx, "bbe1e103-bca5-9fa1-ba8c-42058b4abf28", NewSecret("fake-Passw0rd-2")))
	f.ExpireTokens()
	require.NoError(t, d.SetPassword(ctx, "bbe1e103-bca5-9fa1-ba8c-42058b4abf28", NewSecret("fake-Passw0rd-3")))
	assert.Equal(t, 2, f.Hits("authenticate"))
	assert.Equal(t, 3, f.Hits("changeUserPassword"), "the write refused with 401 is sent again after the login")
}

// A waiting caller gives up when its context ends, without waiting for the login in progress.
func TestTokenWaitHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	tc := newTokenCache(func(ctx context.Context) (Secret, time.Time, error) {
		<-release
		return NewSecret("fake-token"), time.Now().Add(time.Hour), nil
	}, time.Now)
	go func() { _, _, _ = tc.get(t.Context()) }()
	for len(tc.sem) == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := tc.get(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	close(release)
}
