package rotate_test

import (
	"context"
	"fmt"
	"net/http"
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

// The Zendesk tenant of the rotation tests: its agents' password and the admin's API token.
const (
	oldPassword = "fake-Old-Passw0rd"
	apiToken    = "fake-api-token"
)

// zendeskFleet starts a Zendesk fake with an admin and n users (IDs fixture.FirstUser..) whose policy
// requires mixed case and digits, and a manager for the admin (zendeskAdmin).
func zendeskFleet(t testing.TB, n int, opts ...facade.Option) (*facadetest.Zendesk, *facade.Zendesk) {
	s := fixture.ZendeskTenant(n, oldPassword, apiToken)
	s.Policy = &facadetest.ZendeskPolicySeed{MinLength: 5, MixedCase: true, Digits: true}
	f := fixture.Zendesk(t, s)
	return f, zendeskAdmin(t, f, opts...)
}

// zendeskAdmin is a manager on f for the tenant's admin with its API token, backing off 1ms between
// attempts; opts come after (a WithHTTPClient replaces the fake's client).
func zendeskAdmin(t testing.TB, f *facadetest.Zendesk, opts ...facade.Option) *facade.Zendesk {
	t.Helper()
	opts = append([]facade.Option{facade.WithBackoff(time.Millisecond)}, opts...)
	return fixture.ZendeskManager(t, f, facade.WithAPIToken(fixture.ZendeskAdminEmail, apiToken), opts...)
}

func feed(m facade.PasswordManager, n int) <-chan rotate.Target {
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		for i := range n {
			ch <- rotate.Target{Manager: m, User: fmt.Sprint(fixture.FirstUser + i)}
		}
	}()
	return ch
}

var fast = map[facade.Vendor]rotate.Limit{
	facade.VendorZendesk:  {PerSecond: 1000, Burst: 50},
	facade.VendorDocSpace: {PerSecond: 1000, Burst: 50},
}

func collect(ch <-chan rotate.Result) []rotate.Result {
	var out []rotate.Result
	for r := range ch {
		out = append(out, r)
	}
	return out
}

func TestRotationWritesExactlyOnce(t *testing.T) {
	t.Parallel()
	const n = 40
	f, z := zendeskFleet(t, n)
	// Three 429s (not applied: sent again), one dropped connection and one 500 (may be applied: Verify
	// refuses the password, since the fake did not apply them, so each is sent once more with the same one).
	f.Fail("SetUserPassword", facadetest.Fault{Status: 429, RetryAfter: "1", Body: `{"error":"Too many requests"}`, Times: 3})
	f.Fail("SetUserPassword", facadetest.Fault{Drop: true, Times: 1})
	f.Fail("SetUserPassword", facadetest.Fault{Status: 500, Body: `{"error":"Boom"}`, Times: 1})

	results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: 6, Limits: fast, Total: n}))
	require.Len(t, results, n)
	seen := map[int]bool{}
	attempts := 0
	for _, r := range results {
		assert.False(t, seen[r.Index], "target %d reported twice", r.Index)
		seen[r.Index] = true
		attempts += r.Attempts
		switch r.Status {
		case rotate.Done:
			require.NoError(t, r.Err)
			var id int64
			_, _ = fmt.Sscan(r.User, &id)
			got, _ := f.Password(id)
			assert.Equal(t, r.NewPassword.Reveal(), got, "the password reported is the one set")
		default:
			t.Errorf("unexpected status %s", r.Status)
		}
		assert.NotErrorIs(t, r.Err, facade.ErrRateLimited, "no rate-limit error reaches the caller")
	}
	assert.Equal(t, n+5, f.Hits("SetUserPassword"), "every target once, plus the three 429s and the two refused by Verify sent again")
	assert.Equal(t, f.Hits("SetUserPassword"), attempts, "results count every request")
}

func TestRotationUnderFakeRateLimit(t *testing.T) {
	t.Parallel()
	const n = 60
	f, z := zendeskFleet(t, n)
	// The client is allowed far more than the fake takes: the fake's burst of n/2 passes, most of the rest
	// is answered 429 (Retry-After: 1) and sent again after one pause, when the fake's bucket holds enough
	// for every one of them.
	f.SetRateLimit(40, n/2)
	limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: 1000, Burst: 50}}
	results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: 8, Limits: limits}))
	require.Len(t, results, n)
	for _, r := range results {
		assert.Equal(t, rotate.Done, r.Status, "%v", r.Err)
	}
	assert.Positive(t, f.RateLimited(), "the fake refused some requests")
	assert.Equal(t, n+f.RateLimited(), f.Hits("SetUserPassword")+f.Hits("GetUserPasswordRequirements")-1)
}

func TestRotationCancel(t *testing.T) {
	t.Parallel()
	const n = 50
	f, z := zendeskFleet(t, n)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: 20, Burst: 1}}
	var mu sync.Mutex
	var last rotate.Progress
	out := rotate.Run(ctx, feed(z, n), rotate.Config{Concurrency: 4, Limits: limits, Total: n, OnProgress: func(p rotate.Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	}})
	var results []rotate.Result
	for r := range out {
		results = append(results, r)
		if len(results) == 5 {
			cancel()
		}
	}
	require.Len(t, results, n, "every target is reported")
	counts := map[rotate.Status]int{}
	for _, r := range results {
		counts[r.Status]++
	}
	assert.Positive(t, counts[rotate.NotStarted])
	assert.Equal(t, counts[rotate.Done]+counts[rotate.Failed], f.Hits("SetUserPassword"), "only started targets reached the vendor")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, n, last.Done+last.Failed+last.NotStarted)
	assert.Equal(t, n, last.Total)
}

func TestRotationRefusesUnsupported(t *testing.T) {
	t.Parallel()
	g := fixture.Glowmarkt(t, &facadetest.GlowmarktSeed{})
	m := fixture.GlowmarktManager(t, g, facade.WithToken("fake-token"))
	ch := make(chan rotate.Target, 2)
	ch <- rotate.Target{Manager: m, User: "acc-1"}
	ch <- rotate.Target{User: "orphan"}
	close(ch)
	for r := range rotate.Run(t.Context(), ch, rotate.Config{}) {
		assert.Equal(t, rotate.Failed, r.Status)
		assert.Zero(t, r.Attempts)
	}
	assert.Zero(t, g.Hits("userChangePassWord"))
}

func TestGeneratedPasswordsMeetPolicies(t *testing.T) {
	t.Parallel()
	policies := []*facade.Policy{
		nil,
		facade.ZendeskPolicy([]string{"must be at least 12 characters", "must include letters in mixed case", "must include a number", "must include a special character"}),
		facade.DocSpacePolicy(facade.DocSpaceSettings{MinLength: 30, UpperCase: true, Digits: true, Symbols: true, AllowedCharactersRegexStr: `^[a-zA-Z0-9!@#$%^&*()]+$`}),
		facade.DocSpacePolicy(facade.DocSpaceSettings{MinLength: 8, AllowedCharactersRegexStr: `^[a-z0-9]+$`}),
	}
	for i, p := range policies {
		seen := map[string]bool{}
		for range 200 {
			pw, err := rotate.GeneratePassword(p, 0)
			require.NoError(t, err)
			if p != nil {
				require.Empty(t, p.Check(pw), "policy %d", i)
				if re := p.Allowed(); re != nil {
					require.True(t, re.MatchString(pw.Reveal()))
				}
			}
			assert.GreaterOrEqual(t, len(pw.Reveal()), rotate.DefaultLength)
			seen[pw.Reveal()] = true
		}
		assert.Len(t, seen, 200, "no repeats")
	}
	_, err := rotate.GeneratePassword(facade.DocSpacePolicy(facade.DocSpaceSettings{MinLength: 10000}), 0)
	assert.Error(t, err)
}

// On DocSpace, generated passwords fit the portal's policy, read once per run.
func TestRotationDocSpacePolicy(t *testing.T) {
	t.Parallel()
	ids := []string{"aae1e103-bca5-9fa1-ba8c-42058b4abf28", "0b7c9a52-1111-4c3e-9a1d-5d5e5e5e5e5e"}
	seed := &facadetest.DocSpaceSeed{
		APIKeys: []string{"fake-key"},
		Policy:  &facadetest.DocSpacePolicySeed{MinLength: 24, UpperCase: true, Digits: true, SpecSymbols: true},
	}
	for _, id := range ids {
		seed.Users = append(seed.Users, facadetest.DocSpaceUserSeed{ID: id, Email: id[:4] + "@example.com", Password: oldPassword})
	}
	f := fixture.DocSpace(t, seed)
	d := fixture.DocSpaceManager(t, f, facade.WithAPIKey("fake-key"))
	ch := make(chan rotate.Target, len(ids))
	for _, id := range ids {
		ch <- rotate.Target{Manager: d, User: id}
	}
	close(ch)
	for r := range rotate.Run(t.Context(), ch, rotate.Config{Limits: fast}) {
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		assert.GreaterOrEqual(t, len(r.NewPassword.Reveal()), 24)
		assert.NotContains(t, fmt.Sprintf("%v %+v", r, r), r.NewPassword.Reveal())
	}
	assert.Equal(t, 1, f.Hits("getPasswordSettings"))
	_ = http.StatusOK
}
