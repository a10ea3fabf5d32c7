package factory

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
	"github.com/unipass/unipass/internal/fixture"
)

// resolveUser against the fakes: IDs pass through untouched, addresses become the vendor's IDs, and every
// address that names no one user is a usage error that says why.
func TestResolveUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const dsID = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
	ds := fixture.DocSpace(t, &facadetest.DocSpaceSeed{
		Users:   []facadetest.DocSpaceUserSeed{{ID: dsID, Email: "Mike@Example.com", Password: adminPassword}},
		APIKeys: []string{apiToken},
	})
	zd := fixture.Zendesk(t, fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser(),
		facadetest.ZendeskUserSeed{ID: 2, Email: "agent@example.com", Role: "agent"},
		facadetest.ZendeskUserSeed{ID: 3, Email: "the.agent@example.com", Role: "end-user"},
		facadetest.ZendeskUserSeed{ID: 4, Email: "dup@example.com", Role: "end-user"},
		facadetest.ZendeskUserSeed{ID: 5, Email: "Dup@example.com", Role: "end-user"}))
	gm := fixture.Glowmarkt(t, &facadetest.GlowmarktSeed{})

	docspace := fixture.DocSpaceManager(t, ds, facade.WithAPIKey(apiToken))
	zendesk := fixture.ZendeskManager(t, zd, facade.WithAPIToken(fixture.ZendeskAdminEmail, apiToken))
	glow := fixture.GlowmarktManager(t, gm, facade.WithToken("fake-glow-token"))

	found := []struct {
		m        facade.PasswordManager
		ref, id  string
		lookups  func() int
		wantHits int
	}{
		{docspace, dsID, dsID, func() int { return ds.Hits("getProfileByEmail") }, 0},
		{docspace, "mike@example.com", dsID, func() int { return ds.Hits("getProfileByEmail") }, 1},
		{zendesk, "2", "2", func() int { return zd.Hits("SearchUsers") }, 0},
		{zendesk, "AGENT@example.com", "2", func() int { return zd.Hits("SearchUsers") }, 1},
		{glow, "glow-acc-0001", "glow-acc-0001", func() int { return 0 }, 0},
		{glow, "", "", func() int { return 0 }, 0},
	}
	for _, c := range found {
		before := c.lookups()
		id, err := ResolveUser(ctx, c.m, c.ref)
		require.NoError(t, err, c.ref)
		assert.Equal(t, c.id, id, c.ref)
		assert.Equal(t, c.wantHits, c.lookups()-before, "lookups for %q", c.ref)
	}

	refused := []struct {
		m       facade.PasswordManager
		ref     string
		is      error
		mention string
	}{
		{docspace, "nobody@example.com", facade.ErrNotFound, "no such user nobody@example.com at docspace"},
		{zendesk, "nobody@example.com", facade.ErrNotFound, "no such user nobody@example.com at zendesk"},
		{zendesk, "dup@example.com", facade.ErrAmbiguousUser, "2 users"},
		{zendesk, "not an address@", facade.ErrInvalidInput, "email"},
		{glow, "glow@example.com", facade.ErrUnsupported, "give the user's ID"},
	}
	for _, c := range refused {
		_, err := ResolveUser(ctx, c.m, c.ref)
		require.ErrorIs(t, err, c.is, c.ref)
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "%q: %v", c.ref, err)
		assert.Contains(t, err.Error(), c.mention)
	}
	assert.Zero(t, gm.Hits("authenticate"), "Glowmarkt: nothing sent")

	// A lookup that fails for another reason keeps its own exit code.
	zd.Fail("SearchUsers", facadetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "30", Times: 1})
	failFast := fixture.ZendeskManager(t, zd, facade.WithAPIToken(fixture.ZendeskAdminEmail, apiToken), facade.WithFailFast())
	_, err := ResolveUser(ctx, failFast, "agent@example.com")
	require.ErrorIs(t, err, facade.ErrRateLimited)
	assert.Equal(t, cmdutil.ExitLimited, cmdutil.ExitCode(err))
	assert.NotContains(t, err.Error(), apiToken)
}

// The user named in an output line: the address and the ID it resolved to, vendor text made printable.
func TestUserRefString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "35436", UserRef{Given: "35436", ID: "35436"}.String())
	assert.Equal(t, "mike@example.com (id 35436)", UserRef{Given: "mike@example.com", ID: "35436"}.String())
	assert.Equal(t, `mike@example.com (id 1\x1b[2K)`, UserRef{Given: "mike@example.com", ID: "1\x1b[2K"}.String())
	assert.Equal(t, "password set for mike@example.com (id 7)", UserRef{Given: "mike@example.com", ID: "7"}.ForUser("password set"))
	assert.Equal(t, "password changed", UserRef{}.ForUser("password changed"))
	assert.Equal(t, "password set", UserRef{Given: "35436", ID: "35436"}.ForUser("password set"))
}
