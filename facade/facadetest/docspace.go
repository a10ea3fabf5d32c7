package facadetest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unipass/unipass/api"
)

// DocSpaceUser is a user of the DocSpace fake.
type DocSpaceUser struct {
	ID          string // a UUID
	Email       string // also the login user name
	DisplayName string
	Password    string
	TwoFactor   bool // logins answer "second factor required" and no token
}

// DocSpacePolicy is the DocSpace fake's password policy.
type DocSpacePolicy struct {
	MinLength                      int
	UpperCase, Digits, SpecSymbols bool
}

// The regular expressions the portal reports with its password settings (.NET syntax) and the Go ones the
// fake checks passwords with.
const (
	dsAllowedRegex = `^[\x21-\x7E]+$`
	dsSymbolClass  = `[\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]`
)

var (
	dsAllowed = regexp.MustCompile(dsAllowedRegex)
	dsUpper   = regexp.MustCompile(`[A-Z]`)
	dsDigit   = regexp.MustCompile(`\d`)
	dsSymbol  = regexp.MustCompile(dsSymbolClass)
)

// DocSpace is a fake ONLYOFFICE DocSpace portal.
type DocSpace struct {
	*Server
	tokenIssuer
	users       map[string]*DocSpaceUser // by lower-case ID
	owner       string                   // the first user added: whom API keys and OAuth tokens act as
	byEmail     foldIndex[*DocSpaceUser] // users by email, kept in step with users
	apiKeys     map[string]bool
	bearers     map[string]bool
	policy      DocSpacePolicy
	loginStatus int
	resets      recent[string]
}

// NewDocSpace starts a DocSpace fake. Its policy defaults to 8 characters with an upper-case letter and a
// digit; login tokens live an hour and logins answer 200.
func NewDocSpace(opts ...Option) *DocSpace {
	d := &DocSpace{tokenIssuer: newTokenIssuer(time.Hour), users: map[string]*DocSpaceUser{},
		byEmail: foldIndex[*DocSpaceUser]{},
		apiKeys: map[string]bool{}, bearers: map[string]bool{},
		policy: DocSpacePolicy{MinLength: 8, UpperCase: true, Digits: true}, loginStatus: http.StatusOK}
	d.Server = newServer(api.DocSpace, opts, d.handle)
	return d
}

func (d *DocSpace) locked(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

// AddUser adds or replaces a user. The first user added is the portal's owner, whom personal API keys and
// OAuth2 tokens act as.
func (d *DocSpace) AddUser(u DocSpaceUser) {
	d.locked(func() {
		id := strings.ToLower(u.ID)
		if old := d.users[id]; old != nil {
			d.byEmail.remove(old.Email, old)
		}
		d.users[id] = &u
		d.byEmail.add(u.Email, &u)
		if d.owner == "" {
			d.owner = id
		}
	})
}

// Password returns a user's current password; one set as a hash reads "hash:<value>".
func (d *DocSpace) Password(id string) (pw string, ok bool) {
	d.locked(func() {
		if u := d.users[strings.ToLower(id)]; u != nil {
			pw, ok = u.Password, true
		}
	})
	return pw, ok
}

// AddAPIKey accepts a personal API key of the portal's owner, sent in Authorization raw or after "Bearer ".
func (d *DocSpace) AddAPIKey(key string) { d.locked(func() { d.apiKeys[key] = true }) }

// AddBearerToken accepts an OAuth2 / OpenID Connect access token ("Authorization: Bearer <token>").
func (d *DocSpace) AddBearerToken(token string) { d.locked(func() { d.bearers[token] = true }) }

// SetPolicy replaces the password policy.
func (d *DocSpace) SetPolicy(p DocSpacePolicy) { d.locked(func() { d.policy = p }) }

// SetLoginStatus sets the status of a successful login: 200, or 201 like older portals.
func (d *DocSpace) SetLoginStatus(status int) { d.locked(func() { d.loginStatus = status }) }

// ResetEmails returns the addresses a reset email was sent to, in order (only those of existing users),
// the latest MaxRecent of them.
func (d *DocSpace) ResetEmails() (emails []string) {
	d.locked(func() { emails = d.resets.all() })
	return emails
}

// ResetEmailCount counts every reset email sent.
func (d *DocSpace) ResetEmailCount() (n int) {
	d.locked(func() { n = d.resets.total })
	return n
}

func docspaceError(status int, msg string) reply {
	return jsonReply(status, map[string]any{"status": 1, "statusCode": status, "error": map[string]any{"message": msg}})
}

func envelope(status int, response any) reply {
	return jsonReply(status, map[string]any{"response": response, "status": 0, "statusCode": status})
}

func (d *DocSpace) handle(q *request) reply {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch q.op {
	case "authenticate":
		return d.login(q)
	case "sendUserPassword":
		var body struct{ Email string }
		q.decode(&body)
		if d.userByEmail(body.Email) != nil {
			d.resets.add(body.Email)
		}
		return envelope(http.StatusOK, fmt.Sprintf("If a user with the %s email exists, the password change "+
			"instruction has been sent to this email address.", body.Email))
	}
	caller, ok := d.caller(q.Request)
	if !ok {
		return docspaceError(http.StatusUnauthorized, "Unauthorized")
	}
	switch q.op {
	case "getSelfProfile":
		u := d.users[caller]
		if u == nil {
			return emptyReply(http.StatusNotFound)
		}
		return envelope(http.StatusOK, profile(u))
	case "logout":
		d.logout(q.Request)
		return envelope(http.StatusOK, "")
	case "getPasswordSettings":
		p := d.policy
		return envelope(http.StatusOK, map[string]any{
			"minLength": p.MinLength, "upperCase": p.UpperCase, "digits": p.Digits, "specSymbols": p.SpecSymbols,
			"allowedCharactersRegexStr": dsAllowedRegex, "upperCaseRegexStr": `(?=.*[A-Z])`,
			"digitsRegexStr": `(?=.*\d)`, "specSymbolsRegexStr": `(?=.*` + dsSymbolClass + `)`,
		})
	case "changeUserPassword":
		u := d.users[strings.ToLower(q.path[3])]
		if u == nil {
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
		return envelope(http.StatusOK, profile(u))
	case "getProfileByEmail":
		u := d.userByEmail(q.URL.Query().Get("email"))
		if u == nil {
			return emptyReply(http.StatusNotFound)
		}
		return envelope(http.StatusOK, profile(u))
	case "getProfileByUserId":
		u := d.users[strings.ToLower(q.path[3])]
		if u == nil {
			return emptyReply(http.StatusNotFound)
		}
		return envelope(http.StatusOK, profile(u))
	}
	return emptyReply(http.StatusForbidden)
}

func (d *DocSpace) login(q *request) reply {
	var body struct{ UserName, Password string }
	q.decode(&body)
	if body.UserName == "" || body.Password == "" {
		return emptyReply(http.StatusBadRequest)
	}
	u := d.userByEmail(body.UserName)
	switch {
	case u == nil:
		return emptyReply(http.StatusNotFound)
	case u.Password != body.Password:
		return docspaceError(http.StatusUnauthorized, "Unauthorized")
	case u.TwoFactor:
		return envelope(d.loginStatus, map[string]any{"tfa": true, "sms": false,
			"confirmUrl": d.URL() + "/confirm/TfaAuth?email=" + u.Email})
	}
	tok, exp := d.issue(u.ID)
	rep := envelope(d.loginStatus, map[string]any{"token": tok, "expires": exp.UTC().Format(time.RFC3339)})
	// As the portal does, the login also sets the session cookie.
	rep.header.Set("Set-Cookie", (&http.Cookie{Name: "asc_auth_key", Value: tok, Path: "/", HttpOnly: true, // #nosec G124 -- a fake served over plain HTTP in tests
		SameSite: http.SameSiteLaxMode}).String())
	return rep
}

// logout ends the session of the login token the request carries (in Authorization, raw or after "Bearer ",
// or as the session cookie): the token is refused from then on.
func (d *DocSpace) logout(r *http.Request) {
	if c, err := r.Cookie("asc_auth_key"); err == nil {
		d.revoke(stripBearer(c.Value))
	}
	d.revoke(stripBearer(r.Header.Get("Authorization")))
}

// LiveTokens counts the login tokens that have not expired nor been logged out.
func (d *DocSpace) LiveTokens() int { return d.liveTokens() }

func (d *DocSpace) userByEmail(email string) *DocSpaceUser {
	if users := d.byEmail.lookup(email); email != "" && len(users) > 0 {
		return users[0]
	}
	return nil
}

// caller returns the lower-case ID of the user the request's credentials belong to, reading them as the
// portal does: a login token from the asc_auth_key cookie, else from Authorization; a personal API key or an
// OAuth2 token from Authorization; a leading "Bearer " stripped from each. Basic credentials are a user's
// email and password. API keys and OAuth2 tokens act as the portal's owner.
func (d *DocSpace) caller(r *http.Request) (string, bool) {
	if c, err := r.Cookie("asc_auth_key"); err == nil {
		if id, ok := d.subject(stripBearer(c.Value)); ok {
			return strings.ToLower(id), true
		}
	}
	header := r.Header.Get("Authorization")
	tok := stripBearer(header)
	if id, ok := d.subject(tok); ok {
		return strings.ToLower(id), true
	}
	if d.apiKeys[tok] || (tok != strings.TrimSpace(header) && d.bearers[tok]) {
		return d.owner, true
	}
	if user, pass, ok := basicCredentials(r); ok {
		if u := d.userByEmail(user); u != nil && u.Password == pass {
			return strings.ToLower(u.ID), true
		}
	}
	return "", false
}

// stripBearer trims a credential and drops a leading "Bearer " (case-sensitive, as the portal does).
func stripBearer(v string) string {
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "Bearer "); ok {
		return strings.TrimSpace(rest)
	}
	return v
}

func (d *DocSpace) meetsPolicy(pw string) bool {
	p := d.policy
	return utf8.RuneCountInString(pw) >= p.MinLength && dsAllowed.MatchString(pw) &&
		(!p.UpperCase || dsUpper.MatchString(pw)) &&
		(!p.Digits || dsDigit.MatchString(pw)) &&
		(!p.SpecSymbols || dsSymbol.MatchString(pw))
}

// profile is a user's profile as the portal answers it; the email address is also the login name.
func profile(u *DocSpaceUser) map[string]any {
	return map[string]any{"id": u.ID, "displayName": u.DisplayName, "email": u.Email,
		"userName": u.Email, "status": 1, "activationStatus": 1, "isAdmin": false, "isOwner": false,
		"isVisitor": false, "isCollaborator": false, "isRoomAdmin": false, "isLDAP": false, "isSSO": false,
		"listAdminModules": []string{}}
}
