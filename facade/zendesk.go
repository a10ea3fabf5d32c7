package facade

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/unipass/unipass/gen/zendesk"
)

// Zendesk manages passwords on a Zendesk Support account.
type Zendesk struct {
	core   *core
	client *zendesk.Client
}

// zendeskSetPasswordHint explains the usual 403 of SetPassword.
const zendeskSetPasswordHint = "admins may set passwords only when the account owner has enabled it " +
	"(Settings > Security > Global); it is off by default"

// NewZendesk returns a manager for the account at baseURL (for example https://example.zendesk.com).
// Credentials, one of which is needed (every Zendesk operation is authenticated): WithAPIToken (email and
// API token), WithBasicAuth (email and password) or WithBearerToken (OAuth access token). baseURL is the
// account's root, without /api/v2 (see Option for the rules every constructor applies).
func NewZendesk(baseURL string, opts ...Option) (*Zendesk, error) {
	cfg, err := newConfig(VendorZendesk, baseURL, opts)
	if err != nil {
		return nil, err
	}
	if cfg.cred.kind == credNone {
		return nil, fmt.Errorf("zendesk: %w", &InputError{Field: "credentials",
			Reason: "every Zendesk operation needs WithAPIToken, WithBasicAuth or WithBearerToken"})
	}
	client, err := zendesk.NewClient(baseURL, zendesk.WithHTTPClient(cfg.doer))
	if err != nil {
		return nil, fmt.Errorf("zendesk: %w", err)
	}
	return &Zendesk{client: client, core: newCore(cfg, parseZendeskError, authorizeZendesk)}, nil
}

// authorizeZendesk turns the credential into the editor that puts it on requests.
func authorizeZendesk(_ *core, cred credential) authorizer {
	switch cred.kind {
	case credAPIToken:
		return authorizer{edit: basicAuth(cred.user+"/token", cred.secret)}
	case credBasic:
		return authorizer{edit: basicAuth(cred.user, cred.secret)}
	case credBearer:
		return authorizer{edit: bearerAuth(cred.secret)}
	}
	return authorizer{}
}

// Vendor returns VendorZendesk.
func (z *Zendesk) Vendor() Vendor { return VendorZendesk }

// Capabilities reports set password, change password, requirements, verify and find user; Zendesk has no
// reset-email API.
func (z *Zendesk) Capabilities() Capabilities {
	return Capabilities{SetPassword: true, ChangePassword: true, Requirements: true, Verify: true, FindUser: true}
}

// Client returns the generated client, for operations the facade does not cover. Add AuthEditor to its
// calls to send this manager's credentials.
func (z *Zendesk) Client() *zendesk.Client { return z.client }

// AuthEditor returns a request editor that puts this manager's credentials (and headers) on a request of
// the generated client.
func (z *Zendesk) AuthEditor() zendesk.RequestEditorFn { return z.core.authEditor }

// SetPassword sets another user's password as an admin. Zendesk allows it only when the account owner has
// enabled it; otherwise the answer is 403 (ErrForbidden, with a hint saying so).
// Zendesk: POST /api/v2/users/{user_id}/password with {"password": ...}.
func (z *Zendesk) SetPassword(ctx context.Context, user string, newPassword Secret) (err error) {
	defer named(VendorZendesk, OpSetPassword, &err)
	if err := z.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseZendeskUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("newPassword", newPassword); err != nil {
		return err
	}
	pw := newPassword.Reveal()
	_, err = z.core.call(ctx, OpSetPassword, write, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.SetUserPassword(ctx, id, zendesk.SetPasswordRequest{Password: &pw},
			editorsAs[zendesk.RequestEditorFn](eds)...)
	}, newPassword)
	if err == nil {
		return nil
	}
	var e *APIError
	if errors.As(err, &e) && e.StatusCode == http.StatusForbidden {
		e.Hint = zendeskSetPasswordHint
	}
	return rejectOn(err, http.StatusUnprocessableEntity)
}

// ChangePassword changes the authenticated user's own password; user must be that user's ID.
// Zendesk: PUT /api/v2/users/{user_id}/password with {"previous_password": ..., "password": ...}.
func (z *Zendesk) ChangePassword(ctx context.Context, user string, oldPassword, newPassword Secret) (err error) {
	defer named(VendorZendesk, OpChangePassword, &err)
	if err := z.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseZendeskUser(user)
	if err != nil {
		return err
	}
	if err := checkPasswordChange(oldPassword, newPassword); err != nil {
		return err
	}
	oldPW, newPW := oldPassword.Reveal(), newPassword.Reveal()
	_, err = z.core.call(ctx, OpChangePassword, write, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.ChangeOwnPassword(ctx, id, zendesk.ChangeOwnPasswordRequest{PreviousPassword: &oldPW, Password: &newPW},
			editorsAs[zendesk.RequestEditorFn](eds)...)
	}, oldPassword, newPassword)
	return rejectOn(err, http.StatusUnprocessableEntity)
}

// SendReset is not supported: Zendesk's API has no reset-email operation.
func (z *Zendesk) SendReset(context.Context, string) error {
	return unsupported(VendorZendesk, OpSendReset)
}

// Requirements returns the password requirements that apply to the user, in Zendesk's words.
// Zendesk: GET /api/v2/users/{user_id}/password/requirements.
func (z *Zendesk) Requirements(ctx context.Context, user string) (_ *Policy, err error) {
	defer named(VendorZendesk, OpRequirements, &err)
	if err := z.core.begin(ctx); err != nil {
		return nil, err
	}
	id, err := parseZendeskUser(user)
	if err != nil {
		return nil, err
	}
	r, err := z.core.call(ctx, OpRequirements, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.GetUserPasswordRequirements(ctx, id, editorsAs[zendesk.RequestEditorFn](eds)...)
	})
	if err != nil {
		return nil, err
	}
	var body zendesk.PasswordRequirementsResponse
	if err := z.core.decode(OpRequirements, &r, &body); err != nil {
		return nil, err
	}
	return ZendeskPolicy(deref(body.Requirements)), nil
}

// parseZendeskError reads {"error": code or {title, message}, "description", "details": {field: [...]}}.
func parseZendeskError(body []byte) errorBody {
	var e struct {
		Error       json.RawMessage                  `json:"error"`
		Description string                           `json:"description"`
		Details     map[string][]zendesk.ErrorDetail `json:"details"`
	}
	if json.Unmarshal(body, &e) != nil {
		return errorBody{}
	}
	out := errorBody{message: e.Description}
	var code string
	var title zendesk.ErrorTitle
	switch {
	case json.Unmarshal(e.Error, &code) == nil:
		out.code = code
	case json.Unmarshal(e.Error, &title) == nil:
		out.code, out.message = deref(title.Title), cmp.Or(out.message, deref(title.Message))
	}
	for _, f := range slices.Sorted(maps.Keys(e.Details)) {
		for _, d := range e.Details[f] {
			out.details = append(out.details, f+": "+cmp.Or(deref(d.Description), deref(d.Error)))
		}
	}
	return out
}

// Verify signs in as the user with their email address and password (HTTP basic), sending none of the
// manager's credentials or cookies, to prove the password is the one in effect. Nil when Zendesk answers
// with the user's own ID; ErrWrongPassword when it refuses the password and the account allows password
// access to the API; ErrVerifyUnavailable when it does not (the password is then neither proven nor
// refused). Anything else proves nothing, and a refused password is never tried again within a call. The
// package doc's section "Verify on Zendesk" has the outcomes in full, single sign-on users included.
// Zendesk: GET /api/v2/users/{user_id}, GET /api/v2/users/me with basic {email}:{password}, and on a
// refusal GET /api/v2/account/settings.
func (z *Zendesk) Verify(ctx context.Context, user string, password Secret) (err error) {
	defer named(VendorZendesk, OpVerify, &err)
	if err := z.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseZendeskUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("password", password); err != nil {
		return err
	}
	email, err := z.email(ctx, id)
	if err != nil {
		return managerRefused(err)
	}
	client, err := zendesk.NewClient(z.client.Server, zendesk.WithHTTPClient(z.core.doer.WithoutJar()))
	if err != nil {
		return fmt.Errorf("zendesk: %w", err)
	}
	r, err := z.core.call(ctx, OpVerify, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.ShowCurrentUser(ctx, editorsAs[zendesk.RequestEditorFn](append(eds[:len(eds):len(eds)], basicAuth(email, password)))...)
	}, password)
	var refusal *APIError
	switch {
	case errors.As(err, &refusal) && refusal.StatusCode == http.StatusUnauthorized:
	case err != nil:
		return err
	default:
		var body zendesk.UserResponse
		if err := z.core.decode(OpVerify, &r, &body); err != nil {
			return err
		}
		switch got := deref(deref(body.User).ID); got {
		case id:
			return nil
		case 0: // the anonymous user: the credentials were not taken
			refusal = &APIError{Vendor: VendorZendesk, Operation: OpVerify, StatusCode: r.status,
				Code: "anonymous", Message: "answered for the anonymous user"}
		default:
			return fmt.Errorf("zendesk %s: the credentials of user %d were answered for user %d, which proves nothing", OpVerify, id, got)
		}
	}
	return z.explainRefusal(ctx, refusal)
}

// email returns the email address a Zendesk user signs in with.
// Zendesk: GET /api/v2/users/{user_id}.
func (z *Zendesk) email(ctx context.Context, id int64) (string, error) {
	r, err := z.core.call(ctx, OpVerify, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.ShowUser(ctx, id, editorsAs[zendesk.RequestEditorFn](eds)...)
	})
	if err != nil {
		return "", err
	}
	var body zendesk.UserResponse
	if err := z.core.decode(OpVerify, &r, &body); err != nil {
		return "", err
	}
	email := deref(deref(body.User).Email)
	if email == "" {
		return "", fmt.Errorf("zendesk %s: user %d has no email address to sign in with: %w", OpVerify, id, errUndecodable)
	}
	return email, nil
}

// explainRefusal tells a wrong password from an account that allows no password access to the API.
// Zendesk: GET /api/v2/account/settings (settings.api.api_password_access).
func (z *Zendesk) explainRefusal(ctx context.Context, refusal *APIError) error {
	allowed, err := z.passwordAccess(ctx)
	switch {
	case err != nil:
		refusal.kind = nil // neither a wrong password nor a refusal of the manager's credentials
		err = managerRefused(err)
		return fmt.Errorf("%w; whether the account allows password access to the API could not be read, so the refusal proves nothing: %w", refusal, err)
	case !allowed:
		refusal.kind = ErrVerifyUnavailable
		refusal.Hint = zendeskPasswordAccessHint
	default:
		refusal.kind, refusal.Hint = ErrWrongPassword, hintPasswordRefused
	}
	return refusal
}

// zendeskPasswordAccessHint explains ErrVerifyUnavailable.
const zendeskPasswordAccessHint = "the account does not allow password access to the API " +
	"(Admin Center > Apps and integrations > APIs > Zendesk API), so Zendesk refuses every password"

// passwordAccess reads whether the account lets email and password authenticate API requests.
func (z *Zendesk) passwordAccess(ctx context.Context) (bool, error) {
	r, err := z.core.call(ctx, OpVerify, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.ShowAccountSettings(ctx, editorsAs[zendesk.RequestEditorFn](eds)...)
	})
	if err != nil {
		return false, err
	}
	var body zendesk.AccountSettingsResponse
	if err := z.core.decode(OpVerify, &r, &body); err != nil {
		return false, err
	}
	var v any
	if s := body.Settings; s != nil && s.API != nil {
		v = s.API.APIPasswordAccess
	}
	switch v {
	case true, "true":
		return true, nil
	case false, "false":
		return false, nil
	}
	return false, fmt.Errorf("zendesk %s: the account settings hold no api_password_access: %w", OpVerify, errUndecodable)
}

// FindUser returns the user whose primary email address is email, compared without regard to case. Zendesk's
// search matches partial values, so of the users it answers only the exact matches count: none is an error
// matching ErrNotFound, more than one an error matching ErrAmbiguousUser, and so is an answer with a further
// page (more than 100 users matched), since a match on a later page can be neither ruled in nor out. Zendesk
// indexes new and changed users within a few minutes, so a user just created or given that address may not
// be found yet. Allowed for agents and admins.
// Zendesk: GET /api/v2/users/search?query=email:"{email}".
func (z *Zendesk) FindUser(ctx context.Context, email string) (_ User, err error) {
	defer named(VendorZendesk, OpFindUser, &err)
	if err := z.core.begin(ctx); err != nil {
		return User{}, err
	}
	if err := checkEmail("email", email); err != nil {
		return User{}, err
	}
	r, err := z.core.call(ctx, OpFindUser, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return z.client.SearchUsers(ctx, &zendesk.SearchUsersParams{Query: zendeskEmailQuery(email)},
			editorsAs[zendesk.RequestEditorFn](eds)...)
	})
	if err != nil {
		return User{}, err
	}
	var body zendesk.UsersResponse
	if err := z.core.decode(OpFindUser, &r, &body); err != nil {
		return User{}, err
	}
	var found []zendesk.User
	for _, u := range deref(body.Users) {
		if strings.EqualFold(deref(u.Email), email) {
			found = append(found, u)
		}
	}
	switch {
	case len(found) > 1:
		return User{}, fmt.Errorf("zendesk %s: %d users match: %w", OpFindUser, len(found), ErrAmbiguousUser)
	case deref(body.NextPage) != "":
		return User{}, fmt.Errorf("zendesk %s: the search matched more users than one page holds, so another user "+
			"with that email address cannot be ruled out: %w", OpFindUser, ErrAmbiguousUser)
	case len(found) == 0:
		return User{}, fmt.Errorf("zendesk %s: no user has that email address: %w", OpFindUser, ErrNotFound)
	}
	u := found[0]
	if deref(u.ID) <= 0 {
		return User{}, fmt.Errorf("zendesk %s: the user found has no valid ID: %w", OpFindUser, errUndecodable)
	}
	return User{ID: strconv.FormatInt(*u.ID, 10), Email: *u.Email, Name: deref(u.Name)}, nil
}

// zendeskEmailQuery is the search for one email address: the email property, the address quoted as a phrase.
// checkEmail has already refused an address with a quote or a space (a quoted local part).
func zendeskEmailQuery(email string) string { return `email:"` + email + `"` }
