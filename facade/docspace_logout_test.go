package facade_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// Verify and ChangePassword log out the session they open as the user: rotating many users leaves no live
// token at the portal, whatever the outcome of the write.
func TestDocSpaceUserSessionsAreLoggedOut(t *testing.T) {
	t.Parallel()
	f, d, _ := changeSetup(t)
	require.NoError(t, d.Verify(t.Context(), matrixUser, facade.NewSecret(leakPassword)))
	assert.Equal(t, 1, f.Hits(facadetest.DocSpaceLogout))
	assert.Zero(t, f.LiveTokens(), "Verify left a session")

	require.NoError(t, d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakPassword), facade.NewSecret(leakNew)))
	assert.Equal(t, 2, f.Hits(facadetest.DocSpaceLogout))
	assert.Zero(t, f.LiveTokens(), "ChangePassword left a session")

	err := d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakNew), facade.NewSecret("weak"))
	require.ErrorIs(t, err, facade.ErrPasswordRejected)
	assert.Equal(t, 3, f.Hits(facadetest.DocSpaceLogout))
	assert.Zero(t, f.LiveTokens(), "a refused write left a session")

	f.Fail("changeUserPassword", facadetest.Fault{Drop: true, After: true, Times: 1})
	err = d.ChangePassword(t.Context(), matrixUser, facade.NewSecret(leakNew), facade.NewSecret(leakPassword))
	require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
	assert.Zero(t, f.LiveTokens(), "a lost answer left a session")

	// No login, no logout: a refused password and a second factor open no session.
	before := f.Hits(facadetest.DocSpaceLogout)
	require.ErrorIs(t, d.Verify(t.Context(), matrixUser, facade.NewSecret("fake-Wrong-Passw0rd")), facade.ErrWrongPassword)
	require.NoError(t, d.Verify(t.Context(), dsTFAUser, facade.NewSecret(leakPassword)))
	assert.Equal(t, before, f.Hits(facadetest.DocSpaceLogout))
	assert.Empty(t, f.Violations())
}
