package facade_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// oddProfile is a DocSpace profile as a real server may write it: dates as .NET strings or objects, numbers
// as strings, fields no description lists. Only id, email, displayName and status are used.
func oddProfile(id, email string) string {
	return `{"response":{"id":"` + id + `","email":"` + email + `","displayName":"Ada","status":1,` +
		`"registrationDate":"2026-01-02T03:04:05.0000000+00:00","birthday":{"date":"x"},"workFrom":20260102,` +
		`"quotaLimit":"unlimited","usedSpace":"0.0","isAdmin":"false","listAdminModules":"people","contacts":{},` +
		`"activationStatus":"Activated","theme":{"theme":"Base"},"hasPersonalFolder":true},"count":"1","status":0,"statusCode":200}`
}

// An unused field the vendor adds or types otherwise never fails an operation; a used one that does not fit
// is reported as an odd answer.
func TestDocSpaceToleratesUnusedFields(t *testing.T) {
	t.Parallel()
	f, d := docspaceSetup(t, &http.Client{}, false, verifyOpts...)
	f.AddUser(facadetest.DocSpaceUser{ID: findDSID, Email: findEmail, DisplayName: "Ada", Password: leakPassword})

	f.Fail("getProfileByEmail", facadetest.Fault{Status: http.StatusOK, Body: oddProfile(findDSID, findEmail), Times: 1})
	u, err := d.FindUser(t.Context(), findEmail)
	require.NoError(t, err)
	assert.Equal(t, facade.User{ID: findDSID, Email: findEmail, Name: "Ada"}, u)

	f.Fail("getProfileByUserId", facadetest.Fault{Status: http.StatusOK, Body: oddProfile(findDSID, findEmail), Times: 1})
	require.NoError(t, d.Verify(t.Context(), findDSID, facade.NewSecret(leakPassword)))

	f.Fail("authenticate", facadetest.Fault{Status: http.StatusOK, Times: 1,
		Body: `{"response":{"token":"fake-token-odd","expires":"06.12.2026 22:00","tfa":"no"},"status":0}`})
	require.NoError(t, d.Verify(t.Context(), findDSID, facade.NewSecret(leakPassword)), "an expiry of another form")

	used := `{"response":{"id":"` + findDSID + `","email":42,"displayName":"Ada","status":1},"status":0}`
	f.Fail("getProfileByEmail", facadetest.Fault{Status: http.StatusOK, Body: used, Times: 1})
	_, err = d.FindUser(t.Context(), findEmail)
	require.Error(t, err, "the email address is used: one that is not a string names no one")
	assert.NotErrorIs(t, err, facade.ErrNotFound)
}

// Zendesk: a user with fields typed otherwise than the description is still found and verified.
func TestZendeskToleratesUnusedFields(t *testing.T) {
	t.Parallel()
	f, admin, _ := zendeskSetup(t, &http.Client{}, verifyOpts...)
	f.AddUser(facadetest.ZendeskUser{ID: findZDID, Email: findEmail, Name: "Ada", Role: "end-user"})
	f.Fail("SearchUsers", facadetest.Fault{Status: http.StatusOK, Times: 1,
		Body: `{"users":[{"id":2001,"email":"ada@example.com","name":"Ada","role":"end-user","active":"true",` +
			`"suspended":0,"created_at":1767225600,"user_fields":[],"photo":"none"}],"count":"1","next_page":false}`})
	u, err := admin.FindUser(t.Context(), findEmail)
	require.NoError(t, err)
	assert.Equal(t, "2001", u.ID)
	assert.Equal(t, findEmail, u.Email)
}
