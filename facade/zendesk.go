package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

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
// Credentials: WithAPIToken (email and API token), WithBasicAuth (email and password) or WithBearerToken
// (OAuth access token).
func NewZendesk(baseURL string, opts ...Option) (*Zendesk, error) {
	cfg, err := newConfig(VendorZendesk, baseURL, opts)
	if err != nil {
		return nil, err
	}
	client, err := zendesk.NewClient(baseURL, zendesk.WithHTTPClient(cfg.httpClient))
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

// Capabilities: set password, change password and requirements; Zendesk has no reset-email API.
func (z *Zendesk) Capabilities() Capabilities {
	return Capabilities{SetPassword: true, ChangePassword: true, Requirements: true}
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
func (z *Zendesk) SetPassword(ctx context.Context, user string, newPassword Secret) error {
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
func (z *Zendesk) ChangePassword(ctx context.Context, user string, oldPassword, newPassword Secret) error {
	id, err := parseZendeskUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("oldPassword", oldPassword); err != nil {
		return err
	}
	if err := checkPassword("newPassword", newPassword); err != nil {
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
func (z *Zendesk) Requirements(ctx context.Context, user string) (*Policy, error) {
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
		out.code = deref(title.Title)
		if out.message == "" {
			out.message = deref(title.Message)
		}
	}
	fields := make([]string, 0, len(e.Details))
	for f := range e.Details {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, d := range e.Details[f] {
			reason := deref(d.Description)
			if reason == "" {
				reason = deref(d.Error)
			}
			out.details = append(out.details, f+": "+reason)
		}
	}
	return out
}

// Verify is not implemented yet.
func (z *Zendesk) Verify(context.Context, string, Secret) error {
	return unsupported(VendorZendesk, OpVerify)
}
