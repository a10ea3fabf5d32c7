package facade

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

// loginVendor is a manager using WithLogin against a fake whose token life the test sets, with the
// manager's clock under the test's control.
type loginVendor struct {
	core   *core
	ttl    func(time.Duration)
	logins func() int
	call   func(ctx context.Context) error
}

func docspaceLogin(t *testing.T) loginVendor {
	f := facadetest.NewDocSpace(facadetest.WithT(t))
	f.AddUser(facadetest.DocSpaceUser{ID: "aae1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "a@example.com", Password: "fake-Passw0rd-1"})
	d, err := NewDocSpace(f.URL(), WithHTTPClient(f.Client()), WithLogin("a@example.com", "fake-Passw0rd-1"))
	require.NoError(t, err)
	return loginVendor{core: d.core, ttl: f.SetTokenTTL, logins: func() int { return f.Hits("authenticate") },
		call: func(ctx context.Context) error { _, err := d.Requirements(ctx, ""); return err }}
}

func glowmarktLogin(t *testing.T) loginVendor {
	f := facadetest.NewGlowmarkt(facadetest.WithT(t))
	f.AddAccount(facadetest.GlowmarktAccount{AccountID: "acc-1", Username: "g@example.com", Password: "fake-Passw0rd-1"})
	g, err := NewGlowmarkt(f.URL(), WithHTTPClient(f.Client()), WithApplicationID(f.ApplicationID()), WithLogin("g@example.com", "fake-Passw0rd-1"))
	require.NoError(t, err)
	return loginVendor{core: g.core, ttl: f.SetTokenTTL, logins: func() int { return f.Hits("authenticate") },
		call: func(ctx context.Context) error {
			return g.ChangePassword(ctx, "", NewSecret("fake-Passw0rd-1"), NewSecret("fake-Passw0rd-1"))
		}}
}

// setClock makes the manager read the time from now.
func (v loginVendor) setClock(now func() time.Time) { v.core.now, v.core.tokens.now = now, now }

// A token whose life is shorter than a minute is reused, not replaced at every call; so is a token that
// the local clock says has already expired (the vendor's clock is behind): it is kept until refused.
func TestShortLivedTokenIsReused(t *testing.T) {
	t.Parallel()
	for name, setup := range map[string]func(*testing.T) loginVendor{"docspace": docspaceLogin, "glowmarkt": glowmarktLogin} {
		t.Run(name+"/10s life", func(t *testing.T) {
			t.Parallel()
			v := setup(t)
			var clock atomic.Int64
			clock.Store(time.Now().UnixNano())
			v.setClock(func() time.Time { return time.Unix(0, clock.Load()) })
			v.ttl(10 * time.Second)
			for range 20 {
				require.NoError(t, v.call(t.Context()))
			}
			assert.Equal(t, 1, v.logins(), "20 calls within the token's life: one login")
			clock.Add(int64(9500 * time.Millisecond)) // inside the last tenth of its life
			require.NoError(t, v.call(t.Context()))
			require.NoError(t, v.call(t.Context()))
			assert.Equal(t, 2, v.logins(), "replaced once, shortly before it expires")
		})
		t.Run(name+"/vendor clock behind", func(t *testing.T) {
			t.Parallel()
			v := setup(t)
			ahead := time.Now().Add(2 * time.Hour) // the tokens' one-hour expiry is already past here
			v.setClock(func() time.Time { return ahead })
			v.ttl(time.Hour)
			for range 20 {
				require.NoError(t, v.call(t.Context()))
			}
			assert.Equal(t, 1, v.logins(), "a token expired by the local clock is kept until the vendor refuses it")
		})
	}
}

func TestRenewTime(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name string
		life time.Duration
		want time.Duration // after the login; 0: never by the clock
	}{
		{"an hour: one minute before", time.Hour, time.Hour - time.Minute},
		{"ten minutes: one minute before", 10 * time.Minute, 9 * time.Minute},
		{"five minutes: a tenth before", 5 * time.Minute, 270 * time.Second},
		{"ten seconds: a tenth before", 10 * time.Second, 9 * time.Second},
		{"expired on arrival", -5 * time.Minute, 0},
		{"expiring at the login", 0, 0},
	}
	for _, c := range cases {
		got := renewTime(at, at.Add(c.life))
		if c.want == 0 {
			assert.True(t, got.IsZero(), c.name)
		} else {
			assert.Equal(t, at.Add(c.want), got, c.name)
		}
	}
}

// The cache logs in once per expiry, and drops a refused token only if it is still the cached one.
func TestTokenCacheGenerations(t *testing.T) {
	t.Parallel()
	var logins atomic.Int32
	clock := time.Unix(1_700_000_000, 0)
	tc := newTokenCache(func(context.Context) (Secret, time.Time, error) {
		logins.Add(1)
		return NewSecret("fake-token"), clock.Add(10 * time.Second), nil
	}, func() time.Time { return clock })
	_, gen1, err := tc.get(t.Context())
	require.NoError(t, err)
	_, again, err := tc.get(t.Context())
	require.NoError(t, err)
	assert.Equal(t, gen1, again)
	tc.drop(gen1)
	_, gen2, err := tc.get(t.Context())
	require.NoError(t, err)
	assert.NotEqual(t, gen1, gen2)
	tc.drop(gen1) // a late refusal of the old token leaves the new one in place
	_, gen, err := tc.get(t.Context())
	require.NoError(t, err)
	assert.Equal(t, gen2, gen)
	assert.EqualValues(t, 2, logins.Load())
}
