package fakes

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/demoseed"
)

// The default seed file holds the demo's people with their demo credentials (internal/demoseed), which the
// banner's exports name; it adds display names, policies and Glowmarkt's application keys.
func TestDefaultFakesSeedHoldsTheDemoPeople(t *testing.T) {
	t.Parallel()
	got, err := facadetest.ParseSeed(defaultFakesSeed)
	require.NoError(t, err)
	demo := demoseed.Seed()

	require.Len(t, got.DocSpace.Users, 1)
	require.Equal(t, demo.DocSpace.Users[0], got.DocSpace.Users[0])
	require.Equal(t, demo.DocSpace.APIKeys, got.DocSpace.APIKeys)

	type person struct {
		id              int64
		email, password string
		role            string
	}
	var want, have []person
	for _, u := range demo.Zendesk.Users[:2] { // the admin and the agent
		want = append(want, person{u.ID, u.Email, u.Password, u.Role})
	}
	for _, u := range got.Zendesk.Users {
		have = append(have, person{u.ID, u.Email, u.Password, u.Role})
	}
	require.Equal(t, want, have)
	require.Equal(t, demo.Zendesk.APITokens, got.Zendesk.APITokens)
	require.Equal(t, demo.Zendesk.OAuthTokens, got.Zendesk.OAuthTokens)
	require.Equal(t, demo.Zendesk.AdminSetPassword, got.Zendesk.AdminSetPassword)

	require.Equal(t, demo.Glowmarkt.Accounts, got.Glowmarkt.Accounts)
}
