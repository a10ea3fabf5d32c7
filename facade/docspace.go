package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

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
	client, err := docspace.NewClient(baseURL, docspace.WithHTTPClient(cfg.doer))
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

// Capabilities reports set password, send reset, requirements and verify; DocSpace's API takes no old
// password.
func (d *DocSpace) Capabilities() Capabilities {
	return Capabilities{SetPassword: true, SendReset: true, Requirements: true, Verify: true}
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

// Verify logs in as the user with password, to prove it is the one in effect. It looks up the user's login
// name (the email address) with this manager's credentials, then logs in with that name and the password
// without any of the manager's credentials or cookies; the token that login returns is dropped at once and
// never replaces the manager's own (nor does its session cookie enter the HTTP client's jar).
//
// Outcomes: nil when the portal accepts the password, including when it then asks for a second factor
// (DocSpace answers tfa or sms only after it has checked the password; with SMS two-factor on, the portal
// texts the user a code). An error matching ErrWrongPassword when the portal refuses it (401). Anything
// else proves nothing about the password: ErrVerifyUnavailable (the user is disabled: no login is tried),
// ErrNotFound (no such user), ErrRateLimited ("too many login attempts", after the retries of a safe
// request), ErrUnauthorized (the manager's own credentials were refused during the lookup), a server or
// transport error. A refused password is never tried again
// within a call: each call is one login attempt, which the portal counts against its brute-force limit.
// DocSpace: GET /api/2.0/people/{userid}, then POST /api/2.0/authentication with {"userName", "password"}.
func (d *DocSpace) Verify(ctx context.Context, user string, password Secret) error {
	id, err := parseDocSpaceUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("password", password); err != nil {
		return err
	}
	login, err := d.loginName(ctx, id)
	if err != nil {
		return err
	}
	client, err := docspace.NewClient(d.client.Server, docspace.WithHTTPClient(d.core.doer.WithoutJar()))
	if err != nil {
		return fmt.Errorf("docspace: %w", err)
	}
	pw := password.Reveal()
	r, err := d.core.call(ctx, OpVerify, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.Authenticate(ctx, docspace.AuthRequest{UserName: login, Password: &pw},
			editorsAs[docspace.RequestEditorFn](eds)...)
	}, password)
	if err != nil {
		return wrongPasswordOn(err, http.StatusUnauthorized)
	}
	var w docspace.AuthenticationTokenWrapper
	if err := d.core.decode(OpVerify, &r, &w); err != nil {
		return err
	}
	switch res := w.Response; {
	case res != nil && deref(res.Token) != "":
		return nil // a session token for the user: dropped, never stored
	case res != nil && (deref(res.Tfa) || deref(res.Sms)):
		return nil // a second factor is asked for only once the password has been accepted
	}
	return fmt.Errorf("docspace %s: HTTP %d without a token or a second-factor request: %w", OpVerify, r.status, errUndecodable)
}

// loginName returns the name a DocSpace user logs in with: the email address of the profile.
// DocSpace: GET /api/2.0/people/{userid}.
func (d *DocSpace) loginName(ctx context.Context, id uuid.UUID) (string, error) {
	r, err := d.core.call(ctx, OpVerify, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.GetProfileByUserID(ctx, id, editorsAs[docspace.RequestEditorFn](eds)...)
	})
	if err != nil {
		return "", err
	}
	var w docspace.EmployeeFullWrapper
	if err := d.core.decode(OpVerify, &r, &w); err != nil {
		return "", err
	}
	if w.Response == nil || deref(w.Response.Email) == "" {
		return "", fmt.Errorf("docspace %s: the user's profile has no email address to log in with: %w", OpVerify, errUndecodable)
	}
	if deref(w.Response.Status) == docspace.EmployeeStatusTerminated {
		// the portal refuses every login of a disabled user, right password or not
		return "", fmt.Errorf("docspace %s: the user is disabled and cannot log in: %w", OpVerify, ErrVerifyUnavailable)
	}
	return *w.Response.Email, nil
}

// wrongPasswordOn marks an *APIError with one of the given statuses as a refused password (Verify).
func wrongPasswordOn(err error, statuses ...int) error {
	var e *APIError
	if errors.As(err, &e) && slices.Contains(statuses, e.StatusCode) {
		e.kind = ErrWrongPassword
	}
	return err
}
