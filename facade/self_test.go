package facade_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// CurrentUser tells whose the credentials are in one request (GET people/@self), without a lookup by address.
func TestDocSpaceCurrentUser(t *testing.T) {
	t.Parallel()
	f, d := docspaceSetup(t, &http.Client{}, false)
	u, err := d.CurrentUser(t.Context())
	require.NoError(t, err)
	assert.Equal(t, matrixUser, u.ID, "an API key acts as the portal's owner")
	assert.Equal(t, "a@example.com", u.Email)
	assert.Equal(t, 1, f.Hits("getSelfProfile"))
	assert.Zero(t, f.Hits("getProfileByEmail")+f.Hits("getProfileByUserId"))

	f.AddUser(facadetest.DocSpaceUser{ID: findDSID, Email: findEmail, Password: leakNew})
	login := fixture.DocSpaceManager(t, f, facade.WithLogin(findEmail, leakNew))
	u, err = login.CurrentUser(t.Context())
	require.NoError(t, err)
	assert.Equal(t, findDSID, u.ID)

	wrong := fixture.DocSpaceManager(t, f, facade.WithAPIKey("fake-wrong-key"))
	_, err = wrong.CurrentUser(t.Context())
	require.ErrorIs(t, err, facade.ErrUnauthorized)
	assert.Empty(t, f.Violations())
}
