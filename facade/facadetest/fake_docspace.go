package facadetest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/unipass/unipass/api"
)

// DocSpaceUser is a user of the DocSpace fake.
type DocSpaceUser struct {
	ID          string // a UUID
	Email       string
	DisplayName string
	Password    string
	TwoFactor   bool // logins answer "second factor required" and no token
}

// DocSpacePolicy is the DocSpace fake's password policy.
type DocSpacePolicy struct {
	MinLength                      int
	UpperCase, Digits, SpecSymbols bool
}

// DocSpace is a fake ONLYOFFICE DocSpace portal.
type DocSpace struct {
	*Server
	users       map[string]*DocSpaceUser // by ID
	apiKeys     map[string]bool
	bearers     map[string]bool
	policy      DocSpacePolicy
	ttl         time.Duration
	loginStatus int
	resets      []string
}

// NewDocSpace starts a DocSpace fake. Its policy defaults to 8 characters with an upper-case letter and a
// digit; login tokens live an hour.
func NewDocSpace(opts ...Option) *DocSpace {
	d := &DocSpace{users: map[string]*DocSpaceUser{}, apiKeys: map[string]bool{}, bearers: map[string]bool{},
		policy: DocSpacePolicy{MinLength: 8, UpperCase: true, Digits: true}, ttl: time.Hour, loginStatus: http.StatusOK}
	d.Server = newServer(api.DocSpace, opts, d.handle)
	return d
}

// AddUser adds or replaces a user.
func (d *DocSpace) AddUser(u DocSpaceUser) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[strings.ToLower(u.ID)] = &u
}

// Password returns a user's current password.
func (d *DocSpace) Password(id string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.users[strings.ToLower(id)]
	if !ok {
		return "", false
	}
	return u.Password, true
}

// AddAPIKey accepts a personal API key, sent raw in Authorization.
func (d *DocSpace) AddAPIKey(key string) { d.set(func() { d.apiKeys[key] = true }) }

// AddBearerToken accepts an OAuth2 / OpenID Connect access token ("Authorization: Bearer <token>").
func (d *DocSpace) AddBearerToken(tok string) { d.set(func() { d.bearers[tok] = true }) }

// SetPolicy replaces the password policy.
func (d *DocSpace) SetPolicy(p DocSpacePolicy) { d.set(func() { d.policy = p }) }

// SetTokenTTL sets the lifetime of tokens issued from now on.
func (d *DocSpace) SetTokenTTL(ttl time.Duration) { d.set(func() { d.ttl = ttl }) }

// SetLoginStatus sets the status of a successful login: 200, or 201 like older portals.
func (d *DocSpace) SetLoginStatus(status int) { d.set(func() { d.loginStatus = status }) }

// ResetEmails returns the addresses a reset email was sent to (only those of existing users).
func (d *DocSpace) ResetEmails() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.resets...)
}

func (d *DocSpace) set(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

func docspaceError(status int, msg string) reply {
	return jsonReply(status, map[string]any{"status": 1, "statusCode": status, "error": map[string]any{"message": msg}})
}

func envelope(status int, response any) reply {
	return jsonReply(status, map[string]any{"response": response, "status": 0, "statusCode": status})
}

func (d *DocSpace) handle(q *request) reply {
	switch q.op {
	case "authenticate":
		return d.login(q)
	case "sendUserPassword":
		var body struct{ Email string }
		q.decode(&body)
		d.mu.Lock()
		for _, u := range d.users {
			if strings.EqualFold(u.Email, body.Email) {
				d.resets = append(d.resets, body.Email)
			}
		}
		d.mu.Unlock()
		return envelope(http.StatusOK, fmt.Sprintf("If a user with the %s email exists, the password change instruction has been sent to this email address.", body.Email))
	}
	if !d.authenticated(q.r) {
		return docspaceError(http.StatusUnauthorized, "Unauthorized")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch q.op {
	case "getPasswordSettings":
		p := d.policy
		return envelope(http.StatusOK, map[string]any{
			"minLength": p.MinLength, "upperCase": p.UpperCase, "digits": p.Digits, "specSymbols": p.SpecSymbols,
			"allowedCharactersRegexStr": `^[\x21-\x7E]+$`, "upperCaseRegexStr": `(?=.*[A-Z])`, "digitsRegexStr": `(?=.*\d)`,
			"specSymbolsRegexStr": `(?=.*[\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E])`,
		})
	case "changeUserPassword":
		u, ok := d.users[strings.ToLower(q.params[3])]
		if !ok {
			return emptyReply(http.StatusNotFound)
		}
		var body struct{ Password, PasswordHash *string }
		q.decode(&body)
		switch {
		case body.PasswordHash != nil:
			u.Password = "hash:" + *body.PasswordHash
		case body.Password != nil && d.meetsPolicy(*body.Password):
			u.Password = *body.Password
		default:
			return docspaceError(http.StatusBadRequest, "The password does not meet the password policy")
		}
		return envelope(http.StatusOK, map[string]any{"id": u.ID, "displayName": u.DisplayName, "email": u.Email,
			"status": 1, "activationStatus": 1, "isAdmin": false, "listAdminModules": []string{}})
	}
	return emptyReply(http.StatusForbidden)
}

func (d *DocSpace) login(q *request) reply {
	var body struct{ UserName, Password string }
	q.decode(&body)
	if body.UserName == "" || body.Password == "" {
		return emptyReply(http.StatusBadRequest)
	}
	d.mu.Lock()
	u := d.userByEmail(body.UserName)
	ttl, status := d.ttl, d.loginStatus
	d.mu.Unlock()
	switch {
	case u == nil:
		return emptyReply(http.StatusNotFound)
	case u.Password != body.Password:
		return docspaceError(http.StatusUnauthorized, "User authentication failed")
	case u.TwoFactor:
		return envelope(status, map[string]any{"tfa": true, "sms": false, "confirmUrl": "https://portal.invalid/confirm"})
	}
	tok, exp := d.issueToken(u.ID, ttl)
	return envelope(status, map[string]any{"token": tok, "expires": exp.UTC().Format(time.RFC3339)})
}

func (d *DocSpace) userByEmail(email string) *DocSpaceUser {
	for _, u := range d.users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

// authenticated accepts a login token (raw header or asc_auth_key cookie), an API key, a bearer token or
// a user's basic credentials.
func (d *DocSpace) authenticated(r *http.Request) bool {
	if c, err := r.Cookie("asc_auth_key"); err == nil {
		if _, ok := d.tokenSubject(c.Value); ok {
			return true
		}
	}
	raw := r.Header.Get("Authorization")
	if _, ok := d.tokenSubject(raw); ok {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.apiKeys[raw] {
		return true
	}
	if tok, ok := bearer(r); ok && d.bearers[tok] {
		return true
	}
	if user, pass, ok := basicCredentials(r); ok {
		u := d.userByEmail(user)
		return u != nil && u.Password == pass
	}
	return false
}

func (d *DocSpace) meetsPolicy(pw string) bool {
	p := d.policy
	return len([]rune(pw)) >= p.MinLength &&
		(!p.UpperCase || strings.IndexFunc(pw, unicode.IsUpper) >= 0) &&
		(!p.Digits || strings.IndexFunc(pw, unicode.IsDigit) >= 0) &&
		(!p.SpecSymbols || strings.IndexFunc(pw, isSymbol) >= 0)
}

func isSymbol(r rune) bool {
	return unicode.IsPrint(r) && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r)
}
