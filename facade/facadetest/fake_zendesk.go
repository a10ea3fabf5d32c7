package facadetest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/unipass/unipass/api"
)

// ZendeskUser is a user of the Zendesk fake.
type ZendeskUser struct {
	ID       int64
	Email    string
	Password string
	Role     string // "admin", "agent" or "end-user"
}

// Zendesk is a fake Zendesk Support account.
type Zendesk struct {
	*Server
	users     map[int64]*ZendeskUser
	apiTokens map[string]string // token → email
	oauth     map[string]int64  // token → user ID
	adminSet  bool
	minLength int
	mixedCase bool
	digits    bool
}

// NewZendesk starts a Zendesk fake. As on real accounts, admins may not set passwords until
// SetAdminSetPassword(true); the minimum length is 5.
func NewZendesk(opts ...Option) *Zendesk {
	z := &Zendesk{users: map[int64]*ZendeskUser{}, apiTokens: map[string]string{}, oauth: map[string]int64{}, minLength: 5}
	z.Server = newServer(api.Zendesk, opts, z.handle)
	return z
}

func (z *Zendesk) set(f func()) {
	z.mu.Lock()
	defer z.mu.Unlock()
	f()
}

// AddUser adds or replaces a user.
func (z *Zendesk) AddUser(u ZendeskUser) { z.set(func() { z.users[u.ID] = &u }) }

// Password returns a user's current password.
func (z *Zendesk) Password(id int64) (string, bool) {
	z.mu.Lock()
	defer z.mu.Unlock()
	u, ok := z.users[id]
	if !ok {
		return "", false
	}
	return u.Password, true
}

// AddAPIToken accepts an API token for a user's email (basic "{email}/token:{token}").
func (z *Zendesk) AddAPIToken(email, token string) { z.set(func() { z.apiTokens[token] = email }) }

// AddOAuthToken accepts an OAuth access token acting as the user.
func (z *Zendesk) AddOAuthToken(token string, userID int64) {
	z.set(func() { z.oauth[token] = userID })
}

// SetAdminSetPassword is the account owner's "admins can set passwords" setting (off by default).
func (z *Zendesk) SetAdminSetPassword(on bool) { z.set(func() { z.adminSet = on }) }

// SetMinLength sets the minimum password length.
func (z *Zendesk) SetMinLength(n int) { z.set(func() { z.minLength = n }) }

// SetRequireMixedCase requires letters in mixed case.
func (z *Zendesk) SetRequireMixedCase(on bool) { z.set(func() { z.mixedCase = on }) }

// SetRequireDigits requires a number.
func (z *Zendesk) SetRequireDigits(on bool) { z.set(func() { z.digits = on }) }

func zendeskError(status int, code, description string) reply {
	return jsonReply(status, map[string]any{"error": code, "description": description})
}

var zendeskForbidden = zendeskError(http.StatusForbidden, "Forbidden",
	"You do not have access to this page. Please contact the account owner of this help desk for further help.")

func (z *Zendesk) handle(q *request) reply {
	z.mu.Lock()
	defer z.mu.Unlock()
	caller := z.caller(q.r)
	if caller == nil {
		return zendeskError(http.StatusUnauthorized, "Couldn't authenticate you", "")
	}
	id, _ := strconv.ParseInt(q.params[3], 10, 64)
	target, ok := z.users[id]
	switch q.op {
	case "GetUserPasswordRequirements":
		if !ok {
			return zendeskError(http.StatusNotFound, "RecordNotFound", "Not found")
		}
		return jsonReply(http.StatusOK, map[string]any{"requirements": z.requirements()})
	case "SetUserPassword":
		if caller.Role != "admin" || !z.adminSet {
			return zendeskForbidden
		}
		if !ok {
			return zendeskError(http.StatusNotFound, "RecordNotFound", "Not found")
		}
		var body struct{ Password string }
		q.decode(&body)
		if unmet := z.unmet(body.Password, target.Email); len(unmet) > 0 {
			return invalid("password", unmet)
		}
		target.Password = body.Password
		return emptyReply(http.StatusOK)
	case "ChangeOwnPassword":
		if !ok || caller.ID != id {
			return zendeskForbidden
		}
		var body struct {
			Previous string `json:"previous_password"`
			Password string `json:"password"`
		}
		q.decode(&body)
		if body.Previous != target.Password {
			return invalid("previous_password", []string{"Previous password is incorrect"})
		}
		if unmet := z.unmet(body.Password, target.Email); len(unmet) > 0 {
			return invalid("password", unmet)
		}
		target.Password = body.Password
		return emptyReply(http.StatusOK)
	}
	return zendeskForbidden
}

func invalid(field string, reasons []string) reply {
	details := make([]map[string]string, len(reasons))
	for i, r := range reasons {
		details[i] = map[string]string{"description": r, "error": "InvalidValue"}
	}
	return jsonReply(http.StatusUnprocessableEntity, map[string]any{"error": "RecordInvalid",
		"description": "Record validation errors", "details": map[string]any{field: details}})
}

// caller resolves the credentials: API token, email and password, or OAuth token.
func (z *Zendesk) caller(r *http.Request) *ZendeskUser {
	byEmail := func(email string) *ZendeskUser {
		for _, u := range z.users {
			if strings.EqualFold(u.Email, email) {
				return u
			}
		}
		return nil
	}
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
	if email, isToken := strings.CutSuffix(user, "/token"); isToken {
		if z.apiTokens[pass] == email {
			return byEmail(email)
		}
		return nil
	}
	if u := byEmail(user); u != nil && u.Password == pass {
		return u
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

func (z *Zendesk) unmet(pw, email string) []string {
	var out []string
	if len([]rune(pw)) < z.minLength {
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
