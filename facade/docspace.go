package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unipass/unipass/gen/docspace"
)

// DocSpace manages passwords on an ONLYOFFICE DocSpace portal.
type DocSpace struct {
	core   *core
	client *docspace.Client
}

// defaultDocSpaceTokenLife is assumed when a login answer carries no expiry.
const defaultDocSpaceTokenLife = time.Hour

// NewDocSpace returns a manager for the portal at baseURL (for example https://yourportal.onlyoffice.com).
// Credentials: WithLogin (user name and password; the token is kept and refreshed), WithToken (a login
// token, raw in Authorization), WithAuthCookie (asc_auth_key), WithAPIKey, WithBasicAuth or
// WithBearerToken (OAuth2 / OpenID Connect). SendReset needs none.
func NewDocSpace(baseURL string, opts ...Option) (*DocSpace, error) {
	cfg, err := newConfig(VendorDocSpace, baseURL, opts)
	if err != nil {
		return nil, err
	}
	client, err := docspace.NewClient(baseURL, docspace.WithHTTPClient(cfg.httpClient))
	if err != nil {
		return nil, fmt.Errorf("docspace: %w", err)
	}
	d := &DocSpace{client: client}
	d.core = newCore(cfg, parseDocSpaceError, d.authorize)
	return d, nil
}

// authorize turns the credential into the editor that puts it on requests.
func (d *DocSpace) authorize(c *core, cred credential) authorizer {
	switch cred.kind {
	case credLogin:
		return loginAuth(c, d.login(c, cred.user, cred.secret), rawAuthorization)
	case credToken, credAPIKey:
		return fixedAuth(cred.secret, rawAuthorization)
	case credAuthCookie:
		return fixedAuth(cred.secret, func(r *http.Request, tok Secret) {
			r.AddCookie(&http.Cookie{Name: "asc_auth_key", Value: tok.Reveal()}) // #nosec G124 -- a request cookie: the attributes belong to Set-Cookie
		})
	case credBasic:
		return authorizer{edit: basicAuth(cred.user, cred.secret)}
	case credBearer:
		return authorizer{edit: bearerAuth(cred.secret)}
	}
	return authorizer{}
}

// rawAuthorization puts a DocSpace login token or API key, as is, in Authorization.
func rawAuthorization(r *http.Request, tok Secret) { r.Header.Set("Authorization", tok.Reveal()) }

// Vendor returns VendorDocSpace.
func (d *DocSpace) Vendor() Vendor { return VendorDocSpace }

// Capabilities: set password, send reset and requirements; DocSpace's API takes no old password.
func (d *DocSpace) Capabilities() Capabilities {
	return Capabilities{SetPassword: true, SendReset: true, Requirements: true}
}

// Client returns the generated client, for operations the facade does not cover. Add AuthEditor to its
// calls to send this manager's credentials.
func (d *DocSpace) Client() *docspace.Client { return d.client }

// AuthEditor returns a request editor that puts this manager's credentials (and headers) on a request of
// the generated client, logging in first when needed.
func (d *DocSpace) AuthEditor() docspace.RequestEditorFn { return d.core.authEditor }

// SetPassword sets the password of the user with that ID (a UUID).
// DocSpace: PUT /api/2.0/people/{userid}/password with {"password": ...}.
func (d *DocSpace) SetPassword(ctx context.Context, user string, newPassword Secret) error {
	id, err := parseDocSpaceUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("newPassword", newPassword); err != nil {
		return err
	}
	pw := newPassword.Reveal()
	_, err = d.core.call(ctx, OpSetPassword, write, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.ChangeUserPassword(ctx, id, docspace.ChangePasswordRequest{Password: &pw},
			editorsAs[docspace.RequestEditorFn](eds)...)
	}, newPassword)
	return rejectOn(err, http.StatusBadRequest)
}

// ChangePassword is not supported: DocSpace's API takes no old password. Use SetPassword.
func (d *DocSpace) ChangePassword(context.Context, string, Secret, Secret) error {
	return unsupported(VendorDocSpace, OpChangePassword)
}

// SendReset asks the portal to email a password-reset link to the address. The answer is the same whether
// or not an account has it. No credentials are needed.
// DocSpace: POST /api/2.0/people/password with {"email": ...}.
func (d *DocSpace) SendReset(ctx context.Context, email string) error {
	if err := checkEmail("email", email); err != nil {
		return err
	}
	_, err := d.core.call(ctx, OpSendReset, write, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.SendUserPassword(ctx, docspace.EmailMemberRequest{Email: email},
			editorsAs[docspace.RequestEditorFn](eds)...)
	})
	return err
}

// Requirements returns the portal's password policy; it is the same for every user, so user may be empty
// (if given, it must be a UUID).
// DocSpace: GET /api/2.0/settings/security/password.
func (d *DocSpace) Requirements(ctx context.Context, user string) (*Policy, error) {
	if user != "" {
		if _, err := parseDocSpaceUser(user); err != nil {
			return nil, err
		}
	}
	r, err := d.core.call(ctx, OpRequirements, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.GetPasswordSettings(ctx, editorsAs[docspace.RequestEditorFn](eds)...)
	})
	if err != nil {
		return nil, err
	}
	var w docspace.PasswordSettingsWrapper
	if err := d.core.decode(OpRequirements, &r, &w); err != nil {
		return nil, err
	}
	if w.Response == nil {
		return nil, fmt.Errorf("docspace %s: answer without settings: %w", OpRequirements, errUndecodable)
	}
	s := w.Response
	return DocSpacePolicy(DocSpaceSettings{
		MinLength: int(deref(s.MinLength)), UpperCase: deref(s.UpperCase), Digits: deref(s.Digits),
		Symbols: deref(s.SpecSymbols), AllowedCharactersRegexStr: deref(s.AllowedCharactersRegexStr),
	}), nil
}

// login exchanges the user name and password for a token.
// DocSpace: POST /api/2.0/authentication (200, or 201 on older portals).
func (d *DocSpace) login(c *core, user string, password Secret) loginFunc {
	return func(ctx context.Context) (Secret, time.Time, error) {
		pw := password.Reveal()
		r, err := c.call(ctx, OpLogin, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
			return d.client.Authenticate(ctx, docspace.AuthRequest{UserName: user, Password: &pw},
				editorsAs[docspace.RequestEditorFn](eds)...)
		}, password)
		if err != nil {
			return Secret{}, time.Time{}, err
		}
		var w docspace.AuthenticationTokenWrapper
		if err := c.decode(OpLogin, &r, &w); err != nil {
			return Secret{}, time.Time{}, err
		}
		if w.Response == nil || deref(w.Response.Token) == "" {
			if w.Response != nil && (deref(w.Response.Tfa) || deref(w.Response.Sms)) {
				return Secret{}, time.Time{}, fmt.Errorf("docspace %s: %w", OpLogin, ErrTwoFactorRequired)
			}
			return Secret{}, time.Time{}, fmt.Errorf("docspace %s: answer without a token: %w", OpLogin, errUndecodable)
		}
		exp := c.now().Add(defaultDocSpaceTokenLife)
		if w.Response.Expires != nil && !w.Response.Expires.IsZero() {
			exp = *w.Response.Expires
		}
		return NewSecret(*w.Response.Token), exp, nil
	}
}

// parseDocSpaceError reads {status, statusCode, error: {message, ...}}; type, stack and hresult are server
// internals and are never read.
func parseDocSpaceError(body []byte) errorBody {
	var e docspace.ErrorResponse
	if json.Unmarshal(body, &e) != nil || e.Error == nil {
		return errorBody{}
	}
	return errorBody{message: deref(e.Error.Message)}
}

// rejectOn marks an *APIError with one of the given statuses as a rejected password.
func rejectOn(err error, statuses ...int) error {
	if err == nil {
		return nil
	}
	var e *APIError
	if errors.As(err, &e) {
		for _, s := range statuses {
			if e.StatusCode == s {
				e.kind = ErrPasswordRejected
			}
		}
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Verify is not implemented yet.
func (d *DocSpace) Verify(context.Context, string, Secret) error {
	return unsupported(VendorDocSpace, OpVerify)
}
