package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/unipass/unipass/gen/glowmarkt"
)

// Glowmarkt manages the password of a Glowmarkt account: the account a user token belongs to.
type Glowmarkt struct {
	core   *core
	client *glowmarkt.Client
	appID  string
	appKey requestEditor

	byLogin bool // the credential is WithLogin

	mu        sync.Mutex
	loginUser string
	loginPass Secret
	// loginPassInDoubt is set when a change of the login account's password may or may not have applied:
	// logins are then refused rather than made with a password that may be stale.
	loginPassInDoubt bool
	accountID        string // known after a login
}

// DefaultGlowmarktURL is Glowmarkt's production API host.
const DefaultGlowmarktURL = "https://api.glowmarkt.com"

// NewGlowmarkt returns a manager for the API at baseURL (DefaultGlowmarktURL in production). It needs
// WithApplicationID and either WithLogin (username and password; the token is kept and refreshed) or
// WithToken (a user token); without either it is refused, unless WithAppKeys is given, which adds
// application keys for the generated client's application operations (AppKeysEditor): such a manager has
// no password operation (Capabilities). baseURL is the host, without /api/v0-1 (see Option).
func NewGlowmarkt(baseURL string, opts ...Option) (*Glowmarkt, error) {
	cfg, err := newConfig(VendorGlowmarkt, baseURL, opts)
	if err != nil {
		return nil, err
	}
	if cfg.cred.kind == credNone && cfg.appKeyUser == "" {
		return nil, fmt.Errorf("glowmarkt: %w", &InputError{Field: "credentials",
			Reason: "give WithLogin or WithToken (with WithApplicationID), or WithAppKeys"})
	}
	if cfg.cred.kind != credNone && cfg.applicationID == "" {
		return nil, fmt.Errorf("glowmarkt: %w", &InputError{Field: "applicationID",
			Reason: "Glowmarkt user operations need WithApplicationID next to the token"})
	}
	client, err := glowmarkt.NewClient(baseURL, glowmarkt.WithHTTPClient(cfg.doer))
	if err != nil {
		return nil, fmt.Errorf("glowmarkt: %w", err)
	}
	g := &Glowmarkt{client: client, appID: cfg.applicationID}
	if cfg.appKeyUser != "" {
		g.appKey = basicAuth(cfg.appKeyUser, cfg.appKeySecret)
	}
	g.core = newCore(cfg, parseGlowmarktError, g.authorize)
	return g, nil
}

// authorize turns the credential into the editor that puts it on requests: the user token, next to
// applicationId.
func (g *Glowmarkt) authorize(c *core, cred credential) authorizer {
	put := func(r *http.Request, tok Secret) {
		r.Header.Set("applicationId", g.appID)
		r.Header.Set("token", tok.Reveal())
	}
	switch cred.kind {
	case credLogin:
		g.byLogin, g.loginUser, g.loginPass = true, cred.user, cred.secret
		return loginAuth(c, g.login, put)
	case credToken:
		return fixedAuth(cred.secret, put)
	}
	return authorizer{}
}

// Vendor returns VendorGlowmarkt.
func (g *Glowmarkt) Vendor() Vendor { return VendorGlowmarkt }

// Capabilities reports change password for a manager built WithLogin or WithToken, and verify for one
// built WithLogin (Verify logs in with its username).
func (g *Glowmarkt) Capabilities() Capabilities {
	return Capabilities{ChangePassword: g.core.hasCredentials(), Verify: g.username() != ""}
}

// Client returns the generated client, for the account operations the facade does not cover (email,
// name, mobile app tokens, account status, application operations). Pass AuthEditor or AppKeysEditor.
func (g *Glowmarkt) Client() *glowmarkt.Client { return g.client }

// AuthEditor returns a request editor that sends applicationId and the user token (logging in first when
// needed), for the generated client's user operations.
func (g *Glowmarkt) AuthEditor() glowmarkt.RequestEditorFn { return g.core.authEditor }

// AppKeysEditor returns a request editor that sends the application keys of WithAppKeys, for the
// generated client's application operations.
func (g *Glowmarkt) AppKeysEditor() glowmarkt.RequestEditorFn {
	return func(ctx context.Context, r *http.Request) error {
		if g.appKey == nil {
			return &InputError{Field: "appKeys", Reason: "no WithAppKeys option was given"}
		}
		if err := g.core.headers(ctx, r); err != nil {
			return err
		}
		return g.appKey(ctx, r)
	}
}

// SetPassword is not supported: Glowmarkt's API has no admin set-password operation.
func (g *Glowmarkt) SetPassword(context.Context, string, Secret) error {
	return unsupported(VendorGlowmarkt, OpSetPassword)
}

// ChangePassword changes the password of the account the token belongs to. user may be empty or that
// account's ID (letters, digits, '-' and '_'); with WithLogin, a different ID is refused before the change is
// sent. After a change made with WithLogin, later logins use the new password. When the outcome is unknown
// (ErrOutcomeUnknown), either password may be in effect: the manager keeps its current token but makes no
// new login (the error says so); check which password works and make a new manager with it.
// Glowmarkt: POST /api/v0-1/account/changepassword with {"oldPassword": ..., "newPassword": ...}.
func (g *Glowmarkt) ChangePassword(ctx context.Context, user string, oldPassword, newPassword Secret) (err error) {
	defer named(VendorGlowmarkt, OpChangePassword, &err)
	if err := g.core.begin(ctx); err != nil {
		return err
	}
	if err := checkPasswordChange(oldPassword, newPassword); err != nil {
		return err
	}
	if err := checkGlowmarktAccount(user); err != nil {
		return err
	}
	oldPW, newPW := oldPassword.Reveal(), newPassword.Reveal()
	r, err := g.core.call(ctx, OpChangePassword, write, true, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		// the account is known only once the editors have logged in: the last editor checks it
		return g.client.UserChangePassWord(ctx, glowmarkt.ChangePasswordRequest{OldPassword: &oldPW, NewPassword: &newPW},
			editorsAs[glowmarkt.RequestEditorFn](append(eds, g.checkAccountEditor(user)))...)
	}, oldPassword, newPassword)
	if err == nil {
		err = g.changeAnswer(&r, oldPassword, newPassword)
	}
	switch {
	case err == nil:
		g.loginChanged(user, newPassword, false)
	case errors.Is(err, ErrOutcomeUnknown):
		g.loginChanged(user, Secret{}, true)
	}
	var e *APIError
	if errors.As(err, &e) && e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Code+e.Message), "weak") {
		e.kind = ErrPasswordRejected
	}
	return err
}

// changeAnswer reads the 2xx answer of a password change, {"valid": bool}. An answer that does not read as
// that (garbage, HTML, wrong types, no valid field) may follow an applied change: its outcome is unknown.
func (g *Glowmarkt) changeAnswer(r *response, oldPassword, newPassword Secret) error {
	var res glowmarkt.ValidResult
	if err := g.core.decode(OpChangePassword, r, &res); err != nil {
		return &outcomeError{err: err}
	}
	if res.Valid == nil {
		return &outcomeError{err: fmt.Errorf("glowmarkt %s: HTTP %d without valid: %w", OpChangePassword, r.status, errUndecodable)}
	}
	if !*res.Valid {
		e := &APIError{Vendor: VendorGlowmarkt, Operation: OpChangePassword, StatusCode: r.status,
			Code: "valid:false", Message: "the password was not changed (wrong old password, or the new one was refused)",
			kind: ErrPasswordRejected}
		e.keepRaw(g.core.scrubberFor([]Secret{oldPassword, newPassword}).body(r.body))
		return e
	}
	return nil
}

// loginChanged records, for a WithLogin manager whose own account's password was changed, the new login
// password, or that it is in doubt.
func (g *Glowmarkt) loginChanged(user string, newPassword Secret, inDoubt bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.byLogin || (user != "" && user != g.accountID) {
		return
	}
	g.loginPassInDoubt = inDoubt
	if !inDoubt {
		g.loginPass = newPassword
	}
}

// checkAccountEditor refuses, after login, a user that is not the logged-in account.
func (g *Glowmarkt) checkAccountEditor(user string) requestEditor {
	return func(context.Context, *http.Request) error { return g.checkAccount(user) }
}

func (g *Glowmarkt) checkAccount(user string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if user != "" && g.accountID != "" && user != g.accountID {
		return &InputError{Field: "user", Reason: fmt.Sprintf(
			"Glowmarkt changes the password of the logged-in account %q, not %q", g.accountID, user)}
	}
	return nil
}

// SendReset is not supported: Glowmarkt's API has no reset-email operation.
func (g *Glowmarkt) SendReset(context.Context, string) error {
	return unsupported(VendorGlowmarkt, OpSendReset)
}

// Requirements is not supported: Glowmarkt publishes no password policy.
func (g *Glowmarkt) Requirements(context.Context, string) (*Policy, error) {
	return nil, unsupported(VendorGlowmarkt, OpRequirements)
}

// login exchanges the username and password for a user token.
// Glowmarkt: POST /api/v0-1/auth with the applicationId header.
func (g *Glowmarkt) login(ctx context.Context) (Secret, time.Time, error) {
	g.mu.Lock()
	user, pass, inDoubt := g.loginUser, g.loginPass, g.loginPassInDoubt
	g.mu.Unlock()
	if inDoubt {
		return Secret{}, time.Time{}, fmt.Errorf("glowmarkt %s: %w", OpLogin, errLoginPasswordInDoubt)
	}
	pw := pass.Reveal()
	r, err := g.core.call(ctx, OpLogin, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return g.client.Authenticate(ctx, glowmarkt.AuthRequest{Username: user, Password: &pw},
			editorsAs[glowmarkt.RequestEditorFn](append(eds, headerAuth("applicationId", NewSecret(g.appID))))...)
	}, pass)
	if err != nil {
		return Secret{}, time.Time{}, err
	}
	var res glowmarkt.AuthResult
	if err := g.core.decode(OpLogin, &r, &res); err != nil {
		return Secret{}, time.Time{}, err
	}
	if !deref(res.Valid) || deref(res.Token) == "" {
		return Secret{}, time.Time{}, &APIError{Vendor: VendorGlowmarkt, Operation: OpLogin, StatusCode: r.status,
			Code: "valid:false", Message: "login refused", kind: ErrUnauthorized}
	}
	exp := g.core.now().Add(time.Hour)
	if res.Exp != nil && *res.Exp > 0 {
		exp = time.Unix(*res.Exp, 0)
	}
	g.mu.Lock()
	g.accountID = deref(res.AccountID)
	g.mu.Unlock()
	return NewSecret(*res.Token), exp, nil
}

// parseGlowmarktError reads {"error": "..."}.
func parseGlowmarktError(body []byte) errorBody {
	var e glowmarkt.Error
	if json.Unmarshal(body, &e) != nil {
		return errorBody{}
	}
	return errorBody{code: deref(e.Error)}
}

// Verify logs in with the manager's login username and password, to prove that password is the one in
// effect for the logged-in account; user may be empty or that account's ID (another ID is refused before
// the password is sent). Nil when Glowmarkt accepts the password; ErrWrongPassword when it refuses it;
// ErrUnsupported for a manager built WithToken (only WithLogin gives the username). Anything else proves
// nothing, and a refused password is never tried again within a call. The login's token is dropped at
// once. The package doc's section "Verify on Glowmarkt" has the outcomes in full.
// Glowmarkt: POST /api/v0-1/auth with the applicationId header and {"username", "password"}.
func (g *Glowmarkt) Verify(ctx context.Context, user string, password Secret) (err error) {
	defer named(VendorGlowmarkt, OpVerify, &err)
	if err := g.core.begin(ctx); err != nil {
		return err
	}
	if err := checkPassword("password", password); err != nil {
		return err
	}
	if strings.TrimSpace(user) != user {
		return &InputError{Field: "user", Reason: "a Glowmarkt account ID has no surrounding spaces"}
	}
	username := g.username()
	if username == "" {
		return fmt.Errorf("glowmarkt %s: the username to log in with is known only WithLogin: %w", OpVerify, ErrUnsupported)
	}
	if err := g.knowAccount(ctx, user); err != nil {
		return managerRefused(err)
	}
	if err := g.checkAccount(user); err != nil {
		return err
	}
	client, err := glowmarkt.NewClient(g.client.Server, glowmarkt.WithHTTPClient(g.core.doer.WithoutJar()))
	if err != nil {
		return fmt.Errorf("glowmarkt: %w", err)
	}
	pw := password.Reveal()
	r, err := g.core.call(ctx, OpVerify, safe, false, func(ctx context.Context, eds []requestEditor) (*http.Response, error) {
		return client.Authenticate(ctx, glowmarkt.AuthRequest{Username: username, Password: &pw},
			editorsAs[glowmarkt.RequestEditorFn](append(eds[:len(eds):len(eds)], headerAuth("applicationId", NewSecret(g.appID))))...)
	}, password)
	if err != nil {
		return wrongPasswordOn(err, http.StatusUnauthorized)
	}
	var res glowmarkt.AuthResult
	if err := g.core.decode(OpVerify, &r, &res); err != nil {
		return err
	}
	if !deref(res.Valid) || deref(res.Token) == "" {
		return &APIError{Vendor: VendorGlowmarkt, Operation: OpVerify, StatusCode: r.status,
			Code: "valid:false", Message: "login refused", Hint: hintPasswordRefused, kind: ErrWrongPassword}
	}
	if user != "" && deref(res.AccountID) != "" && deref(res.AccountID) != user {
		return &InputError{Field: "user", Reason: fmt.Sprintf(
			"the password logs in to Glowmarkt account %q, not %q", deref(res.AccountID), user)}
	}
	return nil // the token is dropped, never stored
}

// username is the login username of WithLogin; empty otherwise.
func (g *Glowmarkt) username() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.loginUser
}

// knowAccount makes sure the logged-in account's ID is known before a user ID is checked against it,
// logging the manager in when it has not yet.
func (g *Glowmarkt) knowAccount(ctx context.Context, user string) error {
	g.mu.Lock()
	known := g.accountID != ""
	g.mu.Unlock()
	if user == "" || known || g.core.tokens == nil {
		return nil
	}
	_, _, err := g.core.tokens.get(ctx)
	return err
}

// FindUser is not supported: Glowmarkt's API cannot look an account up by email address.
func (g *Glowmarkt) FindUser(context.Context, string) (User, error) {
	return User{}, unsupported(VendorGlowmarkt, OpFindUser)
}
