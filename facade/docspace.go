package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/unipass/unipass/gen/docspace"
)

// DocSpace manages passwords on an ONLYOFFICE DocSpace portal.
type DocSpace struct {
	core   *core
	client *docspace.Client
	// self is the login of WithLogin (nil otherwise), replaced when the manager changes its own password.
	self *loginPassword
}

// defaultDocSpaceTokenLife is assumed when a login answer carries no expiry.
const defaultDocSpaceTokenLife = time.Hour

// NewDocSpace returns a manager for the portal at baseURL (for example https://yourportal.onlyoffice.com).
// Credentials: WithLogin (user name and password; the token is kept and refreshed), WithToken (a login
// token, raw in Authorization), WithAuthCookie (asc_auth_key), WithAPIKey, WithBasicAuth or
// WithBearerToken (OAuth2 / OpenID Connect). SendReset needs none; the other operations need one (without
// it they match ErrUnsupported, as Capabilities says). baseURL is the portal's root, without /api/2.0 (see
// Option).
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
		d.self = &loginPassword{user: cred.user, pass: cred.secret}
		return loginAuth(c, d.login(c, d.self), rawAuthorization)
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

// Capabilities reports every operation: ChangePassword proves the old password by logging in as the user
// with it. A manager made without an auth option has SendReset only.
func (d *DocSpace) Capabilities() Capabilities {
	authed := d.core.hasCredentials()
	return Capabilities{SetPassword: authed, ChangePassword: authed, SendReset: true, Requirements: authed,
		Verify: authed, FindUser: authed}
}

// Client returns the generated client, for operations the facade does not cover. Add AuthEditor to its
// calls to send this manager's credentials.
func (d *DocSpace) Client() *docspace.Client { return d.client }

// AuthEditor returns a request editor that puts this manager's credentials (and headers) on a request of
// the generated client, logging in first when needed.
func (d *DocSpace) AuthEditor() docspace.RequestEditorFn { return d.core.authEditor }

// SetPassword sets the password of the user with that ID (a UUID). When a WithLogin manager sets its own
// login account's password, it logs in with the new one from then on (the portal's answer names the
// account).
// DocSpace: PUT /api/2.0/people/{userid}/password with {"password": ...}.
func (d *DocSpace) SetPassword(ctx context.Context, user string, newPassword Secret) (err error) {
	defer named(VendorDocSpace, OpSetPassword, &err)
	if err := d.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseDocSpaceUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("newPassword", newPassword); err != nil {
		return err
	}
	pw := newPassword.Reveal()
	r, err := d.core.call(ctx, OpSetPassword, write, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.ChangeUserPassword(ctx, id, docspace.ChangePasswordRequest{Password: &pw},
			editorsAs[docspace.RequestEditorFn](eds)...)
	}, newPassword)
	if err == nil {
		d.setOwn(&r, newPassword)
	}
	return rejectOn(err, http.StatusBadRequest)
}

// setOwn notes, for a WithLogin manager, a password set on its own login account: the answer's profile
// (the portal answers a password write with the user's profile) names the account by its email address,
// the name the manager logs in with. An answer without a profile proves nothing and changes nothing.
func (d *DocSpace) setOwn(r *response, newPassword Secret) {
	if d.self == nil {
		return
	}
	var w docspace.EmployeeFullWrapper
	if json.Unmarshal(r.body, &w) != nil || w.Response == nil {
		return
	}
	if d.isSelf(deref(w.Response.Email)) {
		d.self.changed(newPassword, false)
	}
}

// isSelf reports whether login (an email address) is the one a WithLogin manager logs in with.
func (d *DocSpace) isSelf(login string) bool {
	if d.self == nil || login == "" {
		return false
	}
	return strings.EqualFold(d.self.name(), login)
}

// SendReset asks the portal to email a password-reset link to the address. The answer is the same whether
// or not an account has it. No credentials are needed.
// DocSpace: POST /api/2.0/people/password with {"email": ...}.
func (d *DocSpace) SendReset(ctx context.Context, email string) (err error) {
	defer named(VendorDocSpace, OpSendReset, &err)
	if err := d.core.begin(ctx); err != nil {
		return err
	}
	if err := checkEmail("email", email); err != nil {
		return err
	}
	_, err = d.core.call(ctx, OpSendReset, write, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.SendUserPassword(ctx, docspace.EmailMemberRequest{Email: email},
			editorsAs[docspace.RequestEditorFn](eds)...)
	})
	return err
}

// Requirements returns the portal's password policy; it is the same for every user, so user may be empty
// (if given, it must be a UUID).
// DocSpace: GET /api/2.0/settings/security/password.
func (d *DocSpace) Requirements(ctx context.Context, user string) (_ *Policy, err error) {
	defer named(VendorDocSpace, OpRequirements, &err)
	if err := d.core.begin(ctx); err != nil {
		return nil, err
	}
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
func (d *DocSpace) login(c *core, self *loginPassword) loginFunc {
	return func(ctx context.Context) (Secret, time.Time, error) {
		user, password, err := self.get()
		if err != nil {
			return Secret{}, time.Time{}, fmt.Errorf("docspace %s: %w", OpLogin, err)
		}
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

// Verify logs in as the user with password, to prove it is the one in effect, without the manager's
// credentials, and logs that session out at once. The user may notice (an SMS code with two-factor
// authentication on). See "Verify on DocSpace" in the package doc for every outcome.
// DocSpace: GET /api/2.0/people/{userid}, POST /api/2.0/authentication with {"userName", "password"},
// POST /api/2.0/authentication/logout.
func (d *DocSpace) Verify(ctx context.Context, user string, password Secret) (err error) {
	defer named(VendorDocSpace, OpVerify, &err)
	if err := d.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseDocSpaceUser(user)
	if err != nil {
		return err
	}
	if err := checkPassword("password", password); err != nil {
		return err
	}
	login, err := d.loginName(ctx, OpVerify, id, ErrVerifyUnavailable)
	if err != nil {
		return managerRefused(err)
	}
	client, err := d.userClient()
	if err != nil {
		return err
	}
	s, err := d.userLogin(ctx, OpVerify, client, login, password)
	switch {
	case err != nil:
		return wrongPasswordOn(err, http.StatusUnauthorized)
	case !s.token.IsZero():
		d.logout(ctx, OpVerify, client, s.token) // the session is ended, never stored
		return nil
	case s.secondFactor:
		return nil // a second factor is asked for only once the password has been accepted
	}
	return s.noToken()
}

// loginName returns the name a DocSpace user logs in with: the email address of the profile. The portal
// refuses every login of a disabled user, right password or not: for one, loginName returns an error
// matching disabled and no login should be tried.
// DocSpace: GET /api/2.0/people/{userid}.
func (d *DocSpace) loginName(ctx context.Context, op Operation, id uuid.UUID, disabled error) (string, error) {
	r, err := d.core.call(ctx, op, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.GetProfileByUserID(ctx, id, editorsAs[docspace.RequestEditorFn](eds)...)
	})
	if err != nil {
		return "", err
	}
	var w docspace.EmployeeFullWrapper
	if err := d.core.decode(op, &r, &w); err != nil {
		return "", err
	}
	if w.Response == nil || deref(w.Response.Email) == "" {
		return "", fmt.Errorf("docspace %s: the user's profile has no email address to log in with: %w", op, errUndecodable)
	}
	if deref(w.Response.Status) == docspace.EmployeeStatusTerminated {
		return "", fmt.Errorf("docspace %s: the user is disabled and cannot log in: %w", op, disabled)
	}
	return *w.Response.Email, nil
}

// userClient returns a generated client on the manager's HTTP client without its cookie jar, for requests
// made as a user rather than as the manager.
func (d *DocSpace) userClient() (*docspace.Client, error) {
	client, err := docspace.NewClient(d.client.Server, docspace.WithHTTPClient(d.core.doer.WithoutJar()))
	if err != nil {
		return nil, fmt.Errorf("docspace: %w", err)
	}
	return client, nil
}

// userSession is the 2xx answer of a login as a user: a token, or a request for a second factor.
type userSession struct {
	op           Operation
	status       int
	token        Secret // the session token; never kept beyond the call that logged in
	secondFactor bool
}

// noToken is the error of a 2xx login answer with neither a token nor a second-factor request.
func (s userSession) noToken() error {
	return fmt.Errorf("docspace %s: HTTP %d without a token or a second-factor request: %w", s.op, s.status, errUndecodable)
}

// userLogin logs in as a user with their login name and password, sending none of the manager's credentials
// or cookies through client (a userClient, so that the session cookie the portal sets stays out of the
// jar). A refusal (401) is an *APIError the caller gives its meaning; it is never tried again within a call:
// each login counts against the portal's brute-force limit.
// DocSpace: POST /api/2.0/authentication with {"userName", "password"} (200, or 201 on older portals).
func (d *DocSpace) userLogin(ctx context.Context, op Operation, client *docspace.Client, login string, password Secret) (userSession, error) {
	pw := password.Reveal()
	r, err := d.core.call(ctx, op, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.Authenticate(ctx, docspace.AuthRequest{UserName: login, Password: &pw},
			editorsAs[docspace.RequestEditorFn](eds)...)
	}, password)
	if err != nil {
		return userSession{}, err
	}
	var w docspace.AuthenticationTokenWrapper
	if err := d.core.decode(op, &r, &w); err != nil {
		return userSession{}, err
	}
	s := userSession{op: op, status: r.status}
	if res := w.Response; res != nil {
		s.token, s.secondFactor = NewSecret(deref(res.Token)), deref(res.Tfa) || deref(res.Sms)
	}
	return s, nil
}

// ChangePassword changes a user's password by proving the old one: it logs in as the user with the old
// password, writes the new one with that session's token (never stored, never the manager's) and logs the
// session out. See "ChangePassword on DocSpace" in the package doc for every outcome.
// DocSpace: GET /api/2.0/people/{userid}, POST /api/2.0/authentication, PUT /api/2.0/people/{userid}/password
// with the user's token, POST /api/2.0/authentication/logout.
func (d *DocSpace) ChangePassword(ctx context.Context, user string, oldPassword, newPassword Secret) (err error) {
	defer named(VendorDocSpace, OpChangePassword, &err)
	if err := d.core.begin(ctx); err != nil {
		return err
	}
	id, err := parseDocSpaceUser(user)
	if err != nil {
		return err
	}
	if err := checkPasswordChange(oldPassword, newPassword); err != nil {
		return err
	}
	login, err := d.loginName(ctx, OpChangePassword, id, ErrForbidden)
	if err != nil {
		return err
	}
	client, err := d.userClient()
	if err != nil {
		return err
	}
	s, err := d.userLogin(ctx, OpChangePassword, client, login, oldPassword)
	switch {
	case err != nil:
		return oldPasswordRefused(err)
	case s.token.IsZero() && s.secondFactor:
		return fmt.Errorf("docspace %s: the user's login asks for a second factor, so there is no session to "+
			"change the password with; nothing was changed: %w", OpChangePassword, ErrTwoFactorRequired)
	case s.token.IsZero():
		return s.noToken()
	}
	session, pw := s.token, newPassword.Reveal()
	defer d.logout(ctx, OpChangePassword, client, session)
	_, err = d.core.call(ctx, OpChangePassword, write, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.ChangeUserPassword(ctx, id, docspace.ChangePasswordRequest{Password: &pw},
			editorsAs[docspace.RequestEditorFn](append(eds[:len(eds):len(eds)], headerAuth("Authorization", session)))...)
	}, oldPassword, newPassword, session)
	if d.isSelf(login) {
		switch {
		case err == nil:
			d.self.changed(newPassword, false)
		case errors.Is(err, ErrOutcomeUnknown):
			d.self.changed(Secret{}, true)
		}
	}
	return rejectOn(err, http.StatusBadRequest)
}

// logoutTimeout bounds the logout that ends a user's session, which runs even when ctx has ended.
const logoutTimeout = 10 * time.Second

// logout ends a session opened by logging in as a user, so that no live token is left at the portal. It
// runs even once ctx has ended (bounded by logoutTimeout); its failure changes no outcome: the token was
// never stored and expires by itself.
// DocSpace: POST /api/2.0/authentication/logout with the token in Authorization.
func (d *DocSpace) logout(ctx context.Context, op Operation, client *docspace.Client, session Secret) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logoutTimeout)
	defer cancel()
	_, _ = d.core.call(ctx, op, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.Logout(ctx, editorsAs[docspace.RequestEditorFn](append(eds[:len(eds):len(eds)], headerAuth("Authorization", session)))...)
	}, session)
}

// docspaceLoginRefusedHint explains ErrPasswordRejected from ChangePassword's login.
const docspaceLoginRefusedHint = "the portal refused the old password; nothing was changed"

// oldPasswordRefused marks the login's 401 as a rejected (old) password.
func oldPasswordRefused(err error) error {
	var e *APIError
	if errors.As(err, &e) && e.StatusCode == http.StatusUnauthorized {
		e.kind, e.Hint = ErrPasswordRejected, docspaceLoginRefusedHint
	}
	return err
}

// CurrentUser returns the user this manager's credentials belong to, in one request: with an API key or an
// OAuth2 token, the key's or token's owner. It proves the credentials work and tells whose they are without
// looking the user up by address.
// DocSpace: GET /api/2.0/people/@self.
func (d *DocSpace) CurrentUser(ctx context.Context) (User, error) {
	r, err := d.core.call(ctx, OpCurrentUser, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.GetSelfProfile(ctx, editorsAs[docspace.RequestEditorFn](eds)...)
	})
	if err != nil {
		return User{}, err
	}
	var w docspace.EmployeeFullWrapper
	if err := d.core.decode(OpCurrentUser, &r, &w); err != nil {
		return User{}, err
	}
	p := w.Response
	if p == nil {
		return User{}, fmt.Errorf("docspace %s: answer without a profile: %w", OpCurrentUser, errUndecodable)
	}
	if _, err := parseDocSpaceUser(deref(p.ID)); err != nil {
		return User{}, fmt.Errorf("docspace %s: the profile has no valid user ID: %w", OpCurrentUser, errUndecodable)
	}
	return User{ID: *p.ID, Email: deref(p.Email), Name: deref(p.DisplayName)}, nil
}

// FindUser returns the user whose email address is email (compared without regard to case); no such user
// is an error matching ErrNotFound. An answer for another address, or without a valid user ID, names no one
// and is an error.
// DocSpace: GET /api/2.0/people/email?email=.
func (d *DocSpace) FindUser(ctx context.Context, email string) (_ User, err error) {
	defer named(VendorDocSpace, OpFindUser, &err)
	if err := d.core.begin(ctx); err != nil {
		return User{}, err
	}
	if err := checkEmail("email", email); err != nil {
		return User{}, err
	}
	r, err := d.core.call(ctx, OpFindUser, safe, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return d.client.GetProfileByEmail(ctx, &docspace.GetProfileByEmailParams{Email: email},
			editorsAs[docspace.RequestEditorFn](eds)...)
	})
	if err != nil {
		return User{}, err
	}
	var w docspace.EmployeeFullWrapper
	if err := d.core.decode(OpFindUser, &r, &w); err != nil {
		return User{}, err
	}
	p := w.Response
	if p == nil {
		return User{}, fmt.Errorf("docspace %s: answer without a profile: %w", OpFindUser, errUndecodable)
	}
	if !strings.EqualFold(deref(p.Email), email) {
		return User{}, fmt.Errorf("docspace %s: the portal answered with the profile of another email address", OpFindUser)
	}
	if _, err := parseDocSpaceUser(deref(p.ID)); err != nil {
		return User{}, fmt.Errorf("docspace %s: the profile has no valid user ID: %w", OpFindUser, errUndecodable)
	}
	return User{ID: *p.ID, Email: *p.Email, Name: deref(p.DisplayName)}, nil
}
