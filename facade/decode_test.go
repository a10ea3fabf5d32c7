package facade

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/gen/docspace"
	"github.com/unipass/unipass/gen/zendesk"
)

// A real DocSpace profile carries fields the description types otherwise, and fields it does not list: none
// of them fails the decode, and the fields the facade uses come through.
func TestDecodeLenientProfile(t *testing.T) {
	t.Parallel()
	body := `{"response":{"id":"aae1e103-bca5-9fa1-ba8c-42058b4abf28","Email":"mike@example.com","displayName":"Mike",
		"status":1,"registrationDate":{"utc":"2026-01-02"},"birthday":12,"quotaLimit":"unlimited","usedSpace":"0",
		"isAdmin":"yes","listAdminModules":"people","contacts":{"type":"mail"},"activationStatus":"Activated",
		"theme":{"theme":"Base"},"unknown":[1,2,3]},"count":"1","links":[{"href":1},{"href":"/x"},"odd"],"status":0}`
	var w docspace.EmployeeFullWrapper
	require.NoError(t, decodeLenient([]byte(body), &w))
	require.NotNil(t, w.Response)
	assert.Equal(t, "aae1e103-bca5-9fa1-ba8c-42058b4abf28", deref(w.Response.ID))
	assert.Equal(t, "mike@example.com", deref(w.Response.Email), "names match without regard to case")
	assert.Equal(t, "Mike", deref(w.Response.DisplayName))
	assert.Equal(t, docspace.EmployeeStatusActive, deref(w.Response.Status))
	assert.Nil(t, w.Response.RegistrationDate, "a value that does not fit leaves its field zero")
	assert.Nil(t, w.Response.QuotaLimit)
	assert.Nil(t, w.Response.IsAdmin)
	assert.Nil(t, w.Count)
	require.NotNil(t, w.Links)
	assert.Len(t, *w.Links, 2, "an item that is no object at all is left out; one with an odd field is kept")
	assert.Equal(t, "/x", deref((*w.Links)[1].Href))
	assert.Equal(t, int32(0), deref(w.Status))
}

// A login answer whose expiry is written in another form still carries its token.
func TestDecodeLenientLogin(t *testing.T) {
	t.Parallel()
	var w docspace.AuthenticationTokenWrapper
	require.NoError(t, decodeLenient([]byte(`{"response":{"token":"fake-token-1","expires":"06.12.2026 22:00"}}`), &w))
	require.NotNil(t, w.Response)
	assert.Equal(t, "fake-token-1", deref(w.Response.Token))
	assert.Nil(t, w.Response.Expires)

	w = docspace.AuthenticationTokenWrapper{}
	require.NoError(t, decodeLenient([]byte(`{"response":{"token":"fake-token-1","expires":"2026-12-06T22:00:00.0000000+01:00"}}`), &w))
	require.NotNil(t, w.Response.Expires)
	assert.True(t, w.Response.Expires.Equal(time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)))
}

// Zendesk users with odd fields are kept; a user ID of another type is left out for the operation to judge.
func TestDecodeLenientZendeskUsers(t *testing.T) {
	t.Parallel()
	var r zendesk.UsersResponse
	require.NoError(t, decodeLenient([]byte(`{"users":[{"id":5,"email":"a@example.com","active":"yes","role":7},
		{"id":"6","email":"b@example.com"}],"count":2,"next_page":{"url":"x"}}`), &r))
	require.NotNil(t, r.Users)
	require.Len(t, *r.Users, 2)
	assert.Equal(t, int64(5), deref((*r.Users)[0].ID))
	assert.Nil(t, (*r.Users)[0].Active)
	assert.Nil(t, (*r.Users)[1].ID)
	assert.Equal(t, "b@example.com", deref((*r.Users)[1].Email))
	assert.Nil(t, r.NextPage)
}

// Only a body that is not JSON, or whose top level is not of the type's shape, is an error.
func TestDecodeLenientRefuses(t *testing.T) {
	t.Parallel()
	var w docspace.EmployeeFullWrapper
	require.ErrorIs(t, decodeLenient([]byte(`<html>ok</html>`), &w), errNotJSON)
	require.Error(t, decodeLenient([]byte(`[1,2]`), &w))
	require.Error(t, decodeLenient([]byte(`"text"`), &w))
	require.NoError(t, decodeLenient([]byte(`{}`), &w))
	require.Error(t, decodeLenient([]byte(`{}`), w), "a non-pointer")
}
