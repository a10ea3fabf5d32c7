package api_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/gen/docspace"
	"github.com/unipass/unipass/gen/glowmarkt"
	"github.com/unipass/unipass/gen/zendesk"
)

func setHeader(name, value string) func(context.Context, *http.Request) error {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set(name, value)
		return nil
	}
}

func docspaceClient(t *testing.T, base string, hc *http.Client) *docspace.Client {
	t.Helper()
	c, err := docspace.NewClient(base, docspace.WithHTTPClient(hc))
	require.NoError(t, err)
	return c
}

func docspaceCalls(t *testing.T) map[string]caller {
	id := uuid.MustParse(testUserID)
	auth := setHeader("Authorization", testToken)
	return map[string]caller{
		"changeUserPassword": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).ChangeUserPassword(ctx, id,
				docspace.ChangePasswordRequest{Password: ptr(testNewPassword)}, auth)
		},
		"sendUserPassword": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).SendUserPassword(ctx, docspace.EmailMemberRequest{Email: "user@example.com"})
		},
		"authenticate": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).Authenticate(ctx,
				docspace.AuthRequest{UserName: "admin@example.com", Password: ptr(testPassword)})
		},
		"logout": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).Logout(ctx, auth)
		},
		"getPasswordSettings": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).GetPasswordSettings(ctx, auth)
		},
		"getProfileByUserId": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).GetProfileByUserID(ctx, id, auth)
		},
		"getSelfProfile": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).GetSelfProfile(ctx, setHeader("Authorization", "Bearer "+testToken))
		},
		"getProfileByEmail": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return docspaceClient(t, base, hc).GetProfileByEmail(ctx, &docspace.GetProfileByEmailParams{Email: "mike@example.com"}, auth)
		},
	}
}

func zendeskClient(t *testing.T, base string, hc *http.Client) *zendesk.Client {
	t.Helper()
	c, err := zendesk.NewClient(base, zendesk.WithHTTPClient(hc))
	require.NoError(t, err)
	return c
}

func zendeskBasic(_ context.Context, r *http.Request) error {
	r.SetBasicAuth("admin@example.com/token", testToken)
	return nil
}

func zendeskCalls(t *testing.T) map[string]caller {
	return map[string]caller{
		"SetUserPassword": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).SetUserPassword(ctx, 35436,
				zendesk.SetPasswordRequest{Password: ptr(testNewPassword)}, zendeskBasic)
		},
		"ChangeOwnPassword": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).ChangeOwnPassword(ctx, 35436,
				zendesk.ChangeOwnPasswordRequest{PreviousPassword: ptr(testPassword), Password: ptr(testNewPassword)},
				setHeader("Authorization", "Bearer "+testToken))
		},
		"GetUserPasswordRequirements": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).GetUserPasswordRequirements(ctx, 35436, zendeskBasic)
		},
		"ShowUser": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).ShowUser(ctx, 35436, zendeskBasic)
		},
		"ShowCurrentUser": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			// a password verification: the user's email and the candidate password
			return zendeskClient(t, base, hc).ShowCurrentUser(ctx, func(_ context.Context, r *http.Request) error {
				r.SetBasicAuth("agent@example.com", testPassword)
				return nil
			})
		},
		"ShowAccountSettings": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).ShowAccountSettings(ctx, zendeskBasic)
		},
		"SearchUsers": func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return zendeskClient(t, base, hc).SearchUsers(ctx, &zendesk.SearchUsersParams{Query: `email:"agent@example.com"`}, zendeskBasic)
		},
	}
}

func glowmarktClient(t *testing.T, base string, hc *http.Client) *glowmarkt.Client {
	t.Helper()
	c, err := glowmarkt.NewClient(base, glowmarkt.WithHTTPClient(hc))
	require.NoError(t, err)
	return c
}

// glowUser sends the two headers the user operations need together.
func glowUser(_ context.Context, r *http.Request) error {
	r.Header.Set("applicationId", testAppID)
	r.Header.Set("token", testToken)
	return nil
}

// glowApp sends application keys.
func glowApp(_ context.Context, r *http.Request) error {
	r.SetBasicAuth("fake-app-key", testToken)
	return nil
}

func glowmarktCalls(t *testing.T) map[string]caller {
	const account = "acc-0001"
	type gc = glowmarkt.Client
	call := func(f func(ctx context.Context, c *gc) (*http.Response, error)) caller {
		return func(ctx context.Context, base string, hc *http.Client) (*http.Response, error) {
			return f(ctx, glowmarktClient(t, base, hc))
		}
	}
	return map[string]caller{
		"addMobileAppToken": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.AddMobileAppToken(ctx, account, glowmarkt.AddMobileAppTokenRequest{NewToken: "fake-push-token"}, glowUser)
		}),
		"removeMobileAppToken": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.RemoveMobileAppToken(ctx, account, glowmarkt.RemoveMobileAppTokenRequest{RemoveToken: "fake-push-token"}, glowUser)
		}),
		"addAccount": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.AddAccount(ctx, glowmarkt.AddAccountRequest{Username: "user@example.com", DirectoryID: "dir-1"}, glowApp)
		}),
		"deleteAccount": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.DeleteAccount(ctx, account, glowApp)
		}),
		"getAccountStatusbyId": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.GetAccountStatusbyID(ctx, account, glowApp)
		}),
		"getAccountStatusbyUserToken": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.GetAccountStatusbyUserToken(ctx, glowUser)
		}),
		"getAccountbyId": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.GetAccountbyID(ctx, account, glowApp)
		}),
		"getAccounts": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.GetAccounts(ctx, glowApp)
		}),
		"updateAccount": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.UpdateAccount(ctx, account, glowmarkt.UpdateAccountRequest{Name: ptr("Renamed")}, glowApp)
		}),
		"userChangeEmail": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.UserChangeEmail(ctx, glowmarkt.ChangeEmailRequest{Email: "new@example.com"}, glowUser)
		}),
		"userChangeName": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.UserChangeName(ctx, glowmarkt.ChangeNameRequest{Name: "New Name"}, glowUser)
		}),
		"userChangePassWord": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.UserChangePassWord(ctx, glowmarkt.ChangePasswordRequest{OldPassword: ptr(testPassword), NewPassword: ptr(testNewPassword)}, glowUser)
		}),
		"authenticate": call(func(ctx context.Context, c *gc) (*http.Response, error) {
			return c.Authenticate(ctx, glowmarkt.AuthRequest{Username: "user@example.com", Password: ptr(testPassword)},
				func(_ context.Context, r *http.Request) error { r.Header.Set("applicationId", testAppID); return nil })
		}),
	}
}

func TestContractGlowmarkt(t *testing.T) {
	t.Parallel()
	runContract(t, api.Glowmarkt, glowmarktCalls(t), map[string]string{
		"userChangePassWord/200": `{"valid":true}`,
		"userChangePassWord/400": `{"error":"weak new password"}`,
		"authenticate/200":       `{"valid":true,"token":"` + testToken + `","exp":1767225600,"accountId":"acc-0001","applicationId":"` + testAppID + `","name":"Test User"}`,
		"getAccountbyId/200":     `{"accountId":"acc-0001","active":true,"status":"active","createdAt":"2026-01-01T00:00:00Z","unknown":1}`,
	})
}

func TestContractDocSpace(t *testing.T) {
	t.Parallel()
	runContract(t, api.DocSpace, docspaceCalls(t), map[string]string{
		"changeUserPassword/200": `{"response":{"id":"` + testUserID + `","displayName":"Mike Zanyatski","email":"mike@example.com","status":1,"activationStatus":1,"isAdmin":false,"listAdminModules":[],"quotaLimit":-1,"unknownField":{"kept":"out"}},"count":1,"links":[{"href":"/api/2.0/people","action":"GET"}],"status":0,"statusCode":200}`,
		"authenticate/200":       `{"response":{"token":"` + testToken + `","expires":"2026-12-01T10:00:00Z","tfa":false,"sms":false},"status":0,"statusCode":200}`,
		"getProfileByEmail/200":  `{"response":{"id":"` + testUserID + `","userName":"mike@example.com","email":"Mike@Example.com","displayName":"Mike Zanyatski","status":1,"activationStatus":1,"unknownField":{"x":1}},"status":0,"statusCode":200}`,
		"getSelfProfile/200":     `{"response":{"id":"` + testUserID + `","userName":"mike@example.com","email":"mike@example.com","displayName":"Mike Zanyatski","status":1,"registrationDate":"2026-01-02T03:04:05.0000000+00:00","theme":{"theme":"Base"}},"status":0,"statusCode":200}`,
		"getProfileByUserId/200": `{"response":{"id":"` + testUserID + `","userName":"mike@example.com","email":"mike@example.com","displayName":"Mike Zanyatski","status":1,"activationStatus":1,"isLDAP":false,"isSSO":false,"unknownField":[1]},"status":0,"statusCode":200}`,
		"logout/200":             `{"response":"","status":0,"statusCode":200}`,
		"sendUserPassword/200":   `{"response":"If a user with the user@example.com email exists, the password change instruction has been sent to this email address.","status":0,"statusCode":200}`,
	})
}

func TestContractZendesk(t *testing.T) {
	t.Parallel()
	runContract(t, api.Zendesk, zendeskCalls(t), map[string]string{
		"GetUserPasswordRequirements/200": `{"requirements":["must be at least 5 characters","must be different from email address"]}`,
		"SetUserPassword/422":             `{"error":"RecordInvalid","description":"Record validation errors","details":{"password":[{"description":"Password is too short","error":"InvalidValue"}]}}`,
		"ChangeOwnPassword/403":           `{"error":{"title":"Forbidden","message":"You do not have access to this page."}}`,
		"ShowUser/200":                    `{"user":{"id":35436,"email":"agent@example.com","name":"Agent","role":"agent","active":true,"suspended":false,"locale":"en-US"}}`,
		"ShowCurrentUser/200":             `{"user":{"id":null,"email":"invalid@example.com","name":"Anonymous user","role":"end-user","authenticity_token":"` + testToken + `"}}`,
		"ShowCurrentUser/401":             `{"error":"Couldn't authenticate you"}`,
		"SearchUsers/200":                 `{"users":[{"id":35436,"email":"agent@example.com","name":"Agent","role":"agent","active":true,"suspended":false},{"id":35437,"email":"agent@example.com.au","name":"Other","role":"end-user","locale":"en-AU"}],"count":2,"next_page":null,"previous_page":null}`,
		"ShowAccountSettings/200":         `{"settings":{"api":{"accepted_api_agreement":true,"api_password_access":"false","api_token_access":"true"},"tickets":{"comments_public_by_default":true}}}`,
	})
}

// The contract must catch what a vendor would reject, and say so without echoing a secret.

func TestContractRejectsMissingCredential(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.DocSpace)
	cs.answer(reply{status: http.StatusOK})
	c := docspaceClient(t, cs.baseURL(), cs.httpClient())
	_, err := c.ChangeUserPassword(t.Context(), uuid.MustParse(testUserID),
		docspace.ChangePasswordRequest{Password: ptr(testNewPassword)})
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrContractViolation), "%v", err)
	assert.Contains(t, err.Error(), "credentials")
	assert.Empty(t, cs.paths, "an invalid request is not sent")

	// Server side too: Glowmarkt's user operations need both applicationId and token.
	gs := newContractServer(t, api.Glowmarkt)
	req, err := http.NewRequest(http.MethodPost, gs.baseURL()+"/api/v0-1/account/changepassword",
		strings.NewReader(`{"oldPassword":"`+testPassword+`","newPassword":"`+testNewPassword+`"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("token", testToken) // applicationId missing
	resp, err := gs.srv.Client().Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	v := gs.takeViolations()
	require.Len(t, v, 1)
	assert.Equal(t, "request", v[0].Phase)
	assertNoSecrets(t, v[0].Error())
}

func TestContractRejectsUnknownBodyField(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.DocSpace)
	cs.answer(reply{status: http.StatusOK})
	c := docspaceClient(t, cs.baseURL(), cs.httpClient())
	// 3.7 servers reject anything but password/passwordHash on a password change.
	body := `{"password":"` + testNewPassword + `","email":"user@example.com"}`
	_, err := c.ChangeUserPasswordWithBody(t.Context(), uuid.MustParse(testUserID), "application/json",
		strings.NewReader(body), setHeader("Authorization", testToken))
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrContractViolation))
	assert.Contains(t, err.Error(), "changeUserPassword")
	assertNoSecrets(t, err.Error())

	// Both password and passwordHash is refused as well.
	body = `{"password":"` + testNewPassword + `","passwordHash":"` + testToken + `"}`
	_, err = c.ChangeUserPasswordWithBody(t.Context(), uuid.MustParse(testUserID), "application/json",
		strings.NewReader(body), setHeader("Authorization", testToken))
	require.Error(t, err)
	assertNoSecrets(t, err.Error())
}

func TestContractRejectsUndeclaredStatus(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.Zendesk)
	cs.answer(reply{status: http.StatusTeapot})
	c := zendeskClient(t, cs.baseURL(), cs.httpClient())
	_, err := c.SetUserPassword(t.Context(), 7, zendesk.SetPasswordRequest{Password: ptr(testNewPassword)}, zendeskBasic)
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrContractViolation))
	assert.Contains(t, err.Error(), "response")
	v := cs.takeViolations()
	require.Len(t, v, 2, "the client's round tripper and the server's middleware both report it")
	for _, e := range v {
		assert.Equal(t, "response", e.Phase)
	}
	assertNoSecrets(t, err.Error())
}

func TestContractRejectsMalformedUUID(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.DocSpace)
	cs.answer(reply{status: http.StatusOK})
	req, err := http.NewRequest(http.MethodPut, cs.baseURL()+"/api/2.0/people/not-a-uuid/password",
		bytes.NewBufferString(`{"password":"`+testNewPassword+`"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", testToken)
	_, err = cs.httpClient().Do(req)
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrContractViolation))
	assert.Contains(t, err.Error(), `"userid"`)
	assertNoSecrets(t, err.Error())
}

func TestContractRejectsMalformedEmail(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.DocSpace)
	cs.answer(reply{status: http.StatusOK})
	c := docspaceClient(t, cs.baseURL(), cs.httpClient())
	_, err := c.SendUserPassword(t.Context(), docspace.EmailMemberRequest{Email: "not an address"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrContractViolation))
}

// A password that breaks a schema rule must not appear in the violation's text.
func TestContractErrorsDoNotEchoSecrets(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.Zendesk)
	cs.answer(reply{status: http.StatusOK})
	c := zendeskClient(t, cs.baseURL(), cs.httpClient())
	// A number where a string belongs, and an unknown field holding the token.
	body := `{"password":12345678,"previous_password":"` + testPassword + `","api_token":"` + testToken + `"}`
	_, err := c.ChangeOwnPasswordWithBody(t.Context(), 9, "application/json", strings.NewReader(body),
		setHeader("Authorization", "Bearer "+testToken))
	require.Error(t, err)
	assertNoSecrets(t, err.Error())
	assert.NotContains(t, err.Error(), "12345678")
}

func assertNoSecrets(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testPassword, testNewPassword, testToken, testAppID} {
		assert.NotContains(t, s, secret)
	}
}

// With a base URL that has a path prefix, the generated clients keep it and add the full API path.
func TestGeneratedClientsWirePaths(t *testing.T) {
	t.Parallel()
	cs := newContractServer(t, api.DocSpace)
	cs.answer(reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"status":0}`)})
	_, err := docspaceClient(t, cs.baseURL(), cs.httpClient()).ChangeUserPassword(t.Context(),
		uuid.MustParse(testUserID), docspace.ChangePasswordRequest{Password: ptr(testNewPassword)}, setHeader("Authorization", testToken))
	require.NoError(t, err)
	assert.Equal(t, "PUT /tenant-a/api/2.0/people/"+testUserID+"/password", cs.lastPath())

	zs := newContractServer(t, api.Zendesk)
	zs.answer(reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"requirements":[]}`)})
	_, err = zendeskClient(t, zs.baseURL(), zs.httpClient()).GetUserPasswordRequirements(t.Context(), 35436, zendeskBasic)
	require.NoError(t, err)
	assert.Equal(t, "GET /tenant-a/api/v2/users/35436/password/requirements", zs.lastPath())
}
