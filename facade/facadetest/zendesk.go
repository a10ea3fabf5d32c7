package facadetest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/unipass/unipass/api"
)

// ZendeskUser is a user of the Zendesk fake.
type ZendeskUser struct {
	ID       int64
	Email    string
	Name     string // "User <ID>" when empty
	Password string
	Role     string // "admin", "agent" or "end-user"
}

// Zendesk is a fake Zendesk Support account.
type Zendesk struct {
	*Server
	users     map[int64]*ZendeskUser
	byEmail   foldIndex[*ZendeskUser] // users by email, kept in step with users
	apiTokens map[string]string       // token → email
	oauth     map[string]int64        // token → user ID
	adminSet  bool
	// noPasswordAccess: the account does not allow email and password on the API.
	noPasswordAccess bool
	minLength        int
	mixedCase        bool
	digits           bool
}

// NewZendesk starts a Zendesk fake. As on real accounts, admins may not set passwords until
// SetAdminSetPassword(true); passwords need at least 5 characters and must differ from the email address.
func NewZendesk(opts ...Option) *Zendesk {
	z := &Zendesk{users: map[int64]*ZendeskUser{}, byEmail: foldIndex[*ZendeskUser]{}, apiTokens: map[string]string{},
		oauth: map[string]int64{}, minLength: 5}
	z.Server = newServer(api.Zendesk, opts, z.handle)
	return z
}

func (z *Zendesk) locked(f func()) {
	z.mu.Lock()
	defer z.mu.Unlock()
	f()
}

// AddUser adds or replaces a user.
func (z *Zendesk) AddUser(u ZendeskUser) {
	z.locked(func() {
		if old := z.users[u.ID]; old != nil {
			z.byEmail.remove(old.Email, old)
		}
		z.users[u.ID] = &u
		z.byEmail.add(u.Email, &u)
	})
}

// Password returns a user's current password.
func (z *Zendesk) Password(id int64) (pw string, ok bool) {
	z.locked(func() {
		if u := z.users[id]; u != nil {
			pw, ok = u.Password, true
		}
	})
	return pw, ok
}

// AddAPIToken accepts an API token for a user's email (basic "{email}/token:{token}").
func (z *Zendesk) AddAPIToken(email, token string) { z.locked(func() { z.apiTokens[token] = email }) }

// AddOAuthToken accepts an OAuth access token ("Authorization: Bearer <token>") acting as the user.
func (z *Zendesk) AddOAuthToken(token string, userID int64) {
	z.locked(func() { z.oauth[token] = userID })
}

// SetAdminSetPassword is the account owner's "admins can set passwords" setting (off by default).
func (z *Zendesk) SetAdminSetPassword(on bool) { z.locked(func() { z.adminSet = on }) }

// SetPasswordAccess is the account's "password access" API setting (on by default here; Zendesk has been
// turning it off on real accounts since 2024). Off, every request with basic {email}:{password} is answered
// 401 "Couldn't authenticate you", right password or not, and the account settings say
// api_password_access "false".
func (z *Zendesk) SetPasswordAccess(on bool) { z.locked(func() { z.noPasswordAccess = !on }) }

// SetMinLength sets the minimum password length (default 5).
func (z *Zendesk) SetMinLength(n int) { z.locked(func() { z.minLength = n }) }

// SetRequireMixedCase requires letters in mixed case.
func (z *Zendesk) SetRequireMixedCase(on bool) { z.locked(func() { z.mixedCase = on }) }

// SetRequireDigits requires a number.
func (z *Zendesk) SetRequireDigits(on bool) { z.locked(func() { z.digits = on }) }

func zendeskError(status int, code, description string) reply {
	return jsonReply(status, map[string]any{"error": code, "description": description})
}

var (
	zendeskUnauthorized = jsonReply(http.StatusUnauthorized, map[string]any{"error": "Couldn't authenticate you"})
	zendeskForbidden    = zendeskError(http.StatusForbidden, "Forbidden",
		"You do not have access to this page. Please contact the account owner of this help desk for further help.")
	zendeskNotFound = zendeskError(http.StatusNotFound, "RecordNotFound", "Not found")
)

func (z *Zendesk) handle(q *request) reply {
	z.mu.Lock()
	defer z.mu.Unlock()
	if q.op == "ShowCurrentUser" && q.Header.Get("Authorization") == "" {
		return jsonReply(http.StatusOK, map[string]any{"user": zendeskAnonymous})
	}
	caller := z.caller(q.Request)
	if caller == nil {
		return zendeskUnauthorized
	}
	id, _ := strconv.ParseInt(q.path[3], 10, 64)
	target := z.users[id]
	switch q.op {
	case "GetUserPasswordRequirements":
		if target == nil {
			return zendeskNotFound
		}
		return jsonReply(http.StatusOK, map[string]any{"requirements": z.requirements()})
	case "SetUserPassword":
		if caller.Role != "admin" || !z.adminSet {
			return zendeskForbidden
		}
		if target == nil {
			return zendeskNotFound
		}
		var body struct{ Password string }
		q.decode(&body)
		if unmet := z.unmet(body.Password, target.Email); len(unmet) > 0 {
			return recordInvalid("password", unmet)
		}
		target.Password = body.Password
		return emptyReply(http.StatusOK)
	case "ShowUser":
		if caller.Role == "end-user" {
			return zendeskForbidden
		}
		if target == nil {
			return zendeskNotFound
		}
		return jsonReply(http.StatusOK, map[string]any{"user": target.json()})
	case "SearchUsers":
		if caller.Role == "end-user" {
			return zendeskForbidden
		}
		return z.search(q.URL.Query().Get("query"))
	case "ShowCurrentUser":
		u := caller.json()
		u["authenticity_token"] = "fake-authenticity-token"
		return jsonReply(http.StatusOK, map[string]any{"user": u})
	case "ShowAccountSettings":
		if caller.Role == "end-user" {
			return zendeskForbidden
		}
		return jsonReply(http.StatusOK, map[string]any{"settings": map[string]any{
			"api":     map[string]any{"accepted_api_agreement": true, "api_password_access": strconv.FormatBool(!z.noPasswordAccess), "api_token_access": "true"},
			"tickets": map[string]any{"comments_public_by_default": true},
		}})
	case "ChangeOwnPassword":
		if target == nil || caller.ID != id {
			return zendeskForbidden
		}
		var body struct {
			Previous string `json:"previous_password"`
			Password string `json:"password"`
		}
		q.decode(&body)
		if body.Previous != target.Password {
			return recordInvalid("previous_password", []string{"Previous password is incorrect"})
		}
		if unmet := z.unmet(body.Password, target.Email); len(unmet) > 0 {
			return recordInvalid("password", unmet)
		}
		target.Password = body.Password
		return emptyReply(http.StatusOK)
	}
	return zendeskForbidden
}

func recordInvalid(field string, reasons []string) reply {
	details := make([]map[string]string, len(reasons))
	for i, r := range reasons {
		details[i] = map[string]string{"description": r, "error": "InvalidValue"}
	}
	return jsonReply(http.StatusUnprocessableEntity, map[string]any{"error": "RecordInvalid",
		"description": "Record validation errors", "details": map[string]any{field: details}})
}

// caller resolves the credentials: an OAuth token, an API token, or an email and password.
func (z *Zendesk) caller(r *http.Request) *ZendeskUser {
	if tok, ok := bearer(r); ok {
		if id, ok := z.oauth[tok]; ok {
			return z.users[id]
		}
		return nil
	}
	user, pass, ok := basicCredentials(r)
	if !ok {
		return nil
	}
	email, isToken := strings.CutSuffix(user, "/token")
	if known, found := z.apiTokens[pass]; isToken && (!found || !strings.EqualFold(known, email)) {
		return nil
	}
	if !isToken && z.noPasswordAccess {
		return nil
	}
	for _, u := range z.byEmail.lookup(email) {
		if isToken || u.Password == pass {
			return u
		}
	}
	return nil
}

func (z *Zendesk) requirements() []string {
	out := []string{fmt.Sprintf("must be at least %d characters", z.minLength), "must be different from email address"}
	if z.mixedCase {
		out = append(out, "must include letters in mixed case")
	}
	if z.digits {
		out = append(out, "must include a number")
	}
	return out
}

// unmet returns the reasons a password fails the requirements, one per unmet rule.
func (z *Zendesk) unmet(pw, email string) []string {
	var out []string
	if utf8.RuneCountInString(pw) < z.minLength {
		out = append(out, fmt.Sprintf("Password is too short (minimum is %d characters)", z.minLength))
	}
	if strings.EqualFold(pw, email) {
		out = append(out, "Password must be different from email address")
	}
	if z.mixedCase && (strings.IndexFunc(pw, unicode.IsUpper) < 0 || strings.IndexFunc(pw, unicode.IsLower) < 0) {
		out = append(out, "Password must include letters in mixed case")
	}
	if z.digits && strings.IndexFunc(pw, unicode.IsDigit) < 0 {
		out = append(out, "Password must include a number")
	}
	return out
}

// zendeskAnonymous is the user GET /api/v2/users/me answers a caller without credentials with.
var zendeskAnonymous = map[string]any{"id": nil, "url": nil, "name": "Anonymous user", "email": "invalid@example.com",
	"role": "end-user", "authenticity_token": "fake-authenticity-token"}

// json is the user as the users API answers it.
func (u *ZendeskUser) json() map[string]any {
	name := cmp.Or(u.Name, "User "+strconv.FormatInt(u.ID, 10))
	return map[string]any{"id": u.ID, "url": fmt.Sprintf("https://example.zendesk.com/api/v2/users/%d.json", u.ID),
		"name": name, "email": u.Email, "role": u.Role, "active": true, "suspended": false}
}

// searchPageSize is how many users one search answer holds, as on Zendesk.
const searchPageSize = 100

// search answers a user search loosely, as Zendesk does: `email:"x"` or `email:x` matches every user whose
// email address contains x, any other term every user whose email address or name contains it, all without
// regard to case; users in ID order, at most one page of them, with next_page set when more matched.
func (z *Zendesk) search(query string) reply {
	field, term, ok := strings.Cut(query, ":")
	if !ok || field != "email" {
		field, term = "", query
	}
	term = strings.ToLower(strings.Trim(term, `"`))
	var ids []int64
	for id, u := range z.users {
		name := strings.ToLower(u.json()["name"].(string))
		if strings.Contains(strings.ToLower(u.Email), term) || (field == "" && strings.Contains(name, term)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	users := make([]map[string]any, 0, min(len(ids), searchPageSize))
	for _, id := range ids[:min(len(ids), searchPageSize)] {
		users = append(users, z.users[id].json())
	}
	var next any
	if len(ids) > searchPageSize {
		next = z.URL() + "/api/v2/users/search.json?page=2&query=" + url.QueryEscape(query)
	}
	return jsonReply(http.StatusOK, map[string]any{"users": users, "count": len(ids), "next_page": next, "previous_page": nil})
}
