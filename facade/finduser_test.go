package facade_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/internal/fixture"
)

// findCase is FindUser on one vendor: a fresh fake seeded with users whose addresses match the one looked
// for loosely, and a manager.
type findCase struct {
	vendor string
	op     facadetest.Operation // the fake's lookup operation
	setup  func(t *testing.T) (fake faultable, m facade.PasswordManager)
}

// Addresses the lookups look for. The fakes hold "Ada@Example.com" (the one user), addresses that only
// contain it, and two users with "dup@example.com" in different case on Zendesk.
const (
	findEmail   = "ada@example.com"
	findDSID    = "5c3e0f3a-4d2b-4e8f-9a6b-2f1d0c9b8a71"
	findZDID    = 2001
	findMissing = "nobody@example.com"
)

var findCases = []findCase{
	{"docspace", "getProfileByEmail", func(t *testing.T) (faultable, facade.PasswordManager) {
		f, d := docspaceSetup(t, &http.Client{}, false, verifyOpts...)
		f.AddUser(facadetest.DocSpaceUser{ID: findDSID, Email: "Ada@Example.com", DisplayName: "Ada Lovelace", Password: leakPassword})
		f.AddUser(facadetest.DocSpaceUser{ID: "6d4f1a4b-5e3c-4f90-8b7c-3a2e1d0c9b82", Email: "lada@example.com", Password: leakPassword})
		return f, d
	}},
	{"zendesk", "SearchUsers", func(t *testing.T) (faultable, facade.PasswordManager) {
		f, admin, _ := zendeskSetup(t, &http.Client{}, verifyOpts...)
		f.AddUser(facadetest.ZendeskUser{ID: 2000, Email: "lada@example.com", Role: "end-user"})
		f.AddUser(facadetest.ZendeskUser{ID: findZDID, Email: "Ada@Example.com", Name: "Ada Lovelace", Role: "end-user"})
		f.AddUser(facadetest.ZendeskUser{ID: 2002, Email: "ada@example.com.au", Role: "end-user"})
		f.AddUser(facadetest.ZendeskUser{ID: 2003, Email: "dup@example.com", Role: "end-user"})
		f.AddUser(facadetest.ZendeskUser{ID: 2004, Email: "DUP@example.com", Role: "end-user"})
		return f, admin
	}},
}

// The one user with the address, whatever its case; on Zendesk the search also answered users whose address
// only contains it (lada@…, …com.au), and they are left out.
func TestFindUserFound(t *testing.T) {
	t.Parallel()
	want := map[string]facade.User{
		"docspace": {ID: findDSID, Email: "Ada@Example.com", Name: "Ada Lovelace"},
		"zendesk":  {ID: strconv.Itoa(findZDID), Email: "Ada@Example.com", Name: "Ada Lovelace"},
	}
	for _, c := range findCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			assert.True(t, m.Capabilities().FindUser)
			assert.True(t, m.Capabilities().Supports(facade.OpFindUser))
			for _, email := range []string{findEmail, "ADA@EXAMPLE.COM"} {
				u, err := m.FindUser(t.Context(), email)
				require.NoError(t, err, email)
				assert.Equal(t, want[c.vendor], u, email)
			}
			assert.Equal(t, 2, fake.Hits(c.op))
		})
	}
}

// The ID found is one the other operations take.
func TestFindUserIDWorksForOtherOperations(t *testing.T) {
	t.Parallel()
	for _, c := range findCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			_, m := c.setup(t)
			u, err := m.FindUser(t.Context(), findEmail)
			require.NoError(t, err)
			require.NoError(t, m.SetPassword(t.Context(), u.ID, facade.NewSecret(leakNew)))
			if c.vendor == "docspace" { // Zendesk Verify needs password access for an end user: DocSpace proves it
				require.NoError(t, m.Verify(t.Context(), u.ID, facade.NewSecret(leakNew)))
			}
		})
	}
}

func TestFindUserNotFound(t *testing.T) {
	t.Parallel()
	for _, c := range findCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			u, err := m.FindUser(t.Context(), findMissing)
			require.ErrorIs(t, err, facade.ErrNotFound)
			assert.NotErrorIs(t, err, facade.ErrAmbiguousUser)
			assert.Equal(t, facade.User{}, u)
			assert.Equal(t, 1, fake.Hits(c.op), "a miss is an answer, not retried")
			auditVerify(t, err)
		})
	}
}

// Zendesk: two users whose addresses differ only in case are two exact matches, and FindUser names neither.
func TestFindUserAmbiguous(t *testing.T) {
	t.Parallel()
	fake, m := findCases[1].setup(t)
	u, err := m.FindUser(t.Context(), "dup@example.com")
	require.ErrorIs(t, err, facade.ErrAmbiguousUser)
	assert.NotErrorIs(t, err, facade.ErrNotFound)
	assert.Contains(t, err.Error(), "2 users")
	assert.Equal(t, facade.User{}, u)
	assert.Equal(t, 1, fake.Hits("SearchUsers"))
}

// Zendesk: when the search matched more users than one answer holds, an exact match on a later page can be
// neither ruled in nor out: ambiguous, whether the first page holds one exact match or none.
func TestFindUserMoreThanOnePage(t *testing.T) {
	t.Parallel()
	f, m, _ := zendeskSetup(t, &http.Client{}, verifyOpts...)
	f.AddUser(facadetest.ZendeskUser{ID: 10, Email: "page@example.com", Role: "end-user"})
	for i := range 100 {
		f.AddUser(facadetest.ZendeskUser{ID: int64(100 + i), Email: fmt.Sprintf("x%d.page@example.com", i), Role: "end-user"})
	}
	for _, email := range []string{"page@example.com", "age@example.com"} {
		_, err := m.FindUser(t.Context(), email)
		require.ErrorIs(t, err, facade.ErrAmbiguousUser, email)
		assert.Contains(t, err.Error(), "more users than one page holds")
	}
}

// An address that is not one is refused before any request, on every vendor that has FindUser; the
// address given never shows in the error.
func TestFindUserRefusesBadEmailBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	bad := []string{"", "ada", "ada@", "Ada <ada@example.com>", `"ada"@example.com`, `"a b"@example.com`,
		"ada@example.com ", "ada@example.com\nBcc: x@example.com", "a@" + string(make([]byte, 300))}
	for _, c := range findCases {
		t.Run(c.vendor, func(t *testing.T) {
			t.Parallel()
			fake, m := c.setup(t)
			for _, email := range bad {
				_, err := m.FindUser(t.Context(), email)
				require.ErrorIs(t, err, facade.ErrInvalidInput, "%q", email)
				var in *facade.InputError
				require.ErrorAs(t, err, &in)
				assert.Equal(t, "email", in.Field)
				if email != "" {
					assert.NotContains(t, err.Error(), email)
				}
			}
			assert.Zero(t, fake.Hits(c.op))
		})
	}
}

func TestFindUserUnsupportedOnGlowmarkt(t *testing.T) {
	t.Parallel()
	f, g := glowmarktSetup(t, &http.Client{})
	assert.False(t, g.Capabilities().FindUser)
	assert.False(t, g.Capabilities().Supports(facade.OpFindUser))
	_, err := g.FindUser(t.Context(), findEmail)
	require.ErrorIs(t, err, facade.ErrUnsupported)
	assert.Contains(t, err.Error(), "glowmarkt FindUser")
	assert.Zero(t, f.Hits("authenticate"), "nothing sent, not even a login")
}

// DocSpace: an answer with the profile of another address, or without a valid ID, names no one.
func TestFindUserDocSpaceOddAnswers(t *testing.T) {
	t.Parallel()
	answers := map[string]string{
		"another address": `{"response":{"id":"` + findDSID + `","email":"lada@example.com","displayName":"Lada"},"status":0,"statusCode":200}`,
		"no profile":      `{"status":0,"statusCode":200}`,
		"no ID":           `{"response":{"email":"ada@example.com"},"status":0,"statusCode":200}`,
		"odd ID":          `{"response":{"id":"42","email":"ada@example.com"},"status":0,"statusCode":200}`,
		"not JSON":        `<html>ok</html>`,
	}
	for name, body := range answers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, m := findCases[0].setup(t)
			fake.Fail("getProfileByEmail", facadetest.Fault{Status: http.StatusOK, Body: body})
			u, err := m.FindUser(t.Context(), findEmail)
			require.Error(t, err)
			assert.NotErrorIs(t, err, facade.ErrNotFound, "an odd answer does not prove there is no such user")
			assert.Equal(t, facade.User{}, u)
			assert.Equal(t, 1, fake.Hits("getProfileByEmail"))
		})
	}
}

// Zendesk: searching is for agents and admins; an end user's credentials are refused.
func TestFindUserZendeskEndUserForbidden(t *testing.T) {
	t.Parallel()
	f := facadetest.NewZendesk(facadetest.WithT(t))
	f.AddUser(facadetest.ZendeskUser{ID: 5, Email: "end@example.com", Role: "end-user"})
	f.AddAPIToken("end@example.com", leakToken)
	m := fixture.ZendeskManager(t, f, facade.WithAPIToken("end@example.com", leakToken))
	_, err := m.FindUser(t.Context(), "end@example.com")
	require.ErrorIs(t, err, facade.ErrForbidden)
	auditVerify(t, err)
}
