package facadetest

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/unipass/unipass/api"
)

// GlowmarktAccount is an account of the Glowmarkt fake.
type GlowmarktAccount struct {
	AccountID string
	Username  string // the login name
	Password  string
	Name      string
	Email     string
}

// Glowmarkt is a fake Glowmarkt API.
type Glowmarkt struct {
	*Server
	tokenIssuer
	accounts     map[string]*GlowmarktAccount
	byUsername   foldIndex[*GlowmarktAccount] // accounts by login name, kept in step with accounts
	appID        string
	appKeyUser   string
	appKeyPass   string
	minLength    int
	mobileTokens map[string][]string // by account ID
}

// The operations that act on the account of a user token.
var glowmarktUserOps = map[string]bool{"getAccountStatusbyUserToken": true, "userChangeEmail": true,
	"userChangeName": true, "userChangePassWord": true, "addMobileAppToken": true, "removeMobileAppToken": true}

// NewGlowmarkt starts a Glowmarkt fake: application ID "fake-application-id", application keys
// "fake-app-key" / "fake-app-secret", user tokens that live 7 days, new passwords of at least 8 characters.
func NewGlowmarkt(opts ...Option) *Glowmarkt {
	g := &Glowmarkt{tokenIssuer: newTokenIssuer(7 * 24 * time.Hour), accounts: map[string]*GlowmarktAccount{},
		byUsername: foldIndex[*GlowmarktAccount]{}, mobileTokens: map[string][]string{},
		appID: "fake-application-id", appKeyUser: "fake-app-key", appKeyPass: "fake-app-secret", minLength: 8}
	g.Server = newServer(api.Glowmarkt, opts, g.handle)
	return g
}

func (g *Glowmarkt) locked(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f()
}

// AddAccount adds or replaces an account.
func (g *Glowmarkt) AddAccount(a GlowmarktAccount) { g.locked(func() { g.putAccount(&a) }) }

// putAccount adds or replaces an account, in the index too; g.mu is held.
func (g *Glowmarkt) putAccount(a *GlowmarktAccount) {
	g.dropAccount(a.AccountID)
	g.accounts[a.AccountID] = a
	g.byUsername.add(a.Username, a)
}

// dropAccount removes an account, from the index too; g.mu is held.
func (g *Glowmarkt) dropAccount(id string) {
	if old := g.accounts[id]; old != nil {
		g.byUsername.remove(old.Username, old)
		delete(g.accounts, id)
	}
}

// Password returns an account's current password.
func (g *Glowmarkt) Password(accountID string) (pw string, ok bool) {
	g.locked(func() {
		if a := g.accounts[accountID]; a != nil {
			pw, ok = a.Password, true
		}
	})
	return pw, ok
}

// Account returns a copy of an account as it is now (after name and email changes).
func (g *Glowmarkt) Account(accountID string) (a GlowmarktAccount, ok bool) {
	g.locked(func() {
		if p := g.accounts[accountID]; p != nil {
			a, ok = *p, true
		}
	})
	return a, ok
}

// MobileAppTokens returns the mobile app tokens stored for an account.
func (g *Glowmarkt) MobileAppTokens(accountID string) (tokens []string) {
	g.locked(func() { tokens = slices.Clone(g.mobileTokens[accountID]) })
	return tokens
}

// ApplicationID is the applicationId the fake accepts.
func (g *Glowmarkt) ApplicationID() (id string) {
	g.locked(func() { id = g.appID })
	return id
}

// SetApplicationID changes the applicationId the fake accepts.
func (g *Glowmarkt) SetApplicationID(id string) { g.locked(func() { g.appID = id }) }

// AppKeys returns the basic credentials the application operations accept.
func (g *Glowmarkt) AppKeys() (user, pass string) {
	g.locked(func() { user, pass = g.appKeyUser, g.appKeyPass })
	return user, pass
}

// SetMinLength sets the length below which a new password is "weak" (default 8).
func (g *Glowmarkt) SetMinLength(n int) { g.locked(func() { g.minLength = n }) }

func glowmarktError(status int, msg string) reply {
	return jsonReply(status, map[string]string{"error": msg})
}

func valid(ok bool) reply { return jsonReply(http.StatusOK, map[string]bool{"valid": ok}) }

var accessDenied = glowmarktError(http.StatusUnauthorized, "Access denied")

func (g *Glowmarkt) handle(q *request) reply {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case q.op == "authenticate":
		return g.login(q)
	case glowmarktUserOps[q.op]:
		acc := g.tokenAccount(q.Request)
		if acc == nil {
			return accessDenied
		}
		return g.userOperation(q, acc)
	}
	if user, pass, ok := basicCredentials(q.Request); !ok || user != g.appKeyUser || pass != g.appKeyPass {
		return accessDenied
	}
	return g.appOperation(q)
}

func (g *Glowmarkt) login(q *request) reply {
	if q.Header.Get("applicationId") != g.appID {
		return accessDenied
	}
	var body struct{ Username, Password string }
	q.decode(&body)
	for _, a := range g.byUsername.lookup(body.Username) {
		if body.Username != "" && a.Password == body.Password {
			tok, exp := g.issue(a.AccountID)
			return jsonReply(http.StatusOK, map[string]any{"valid": true, "token": tok, "exp": exp.Unix(),
				"accountId": a.AccountID, "applicationId": g.appID, "name": a.Name})
		}
	}
	return accessDenied
}

// tokenAccount returns the account of the request's user token, if the applicationId is right too.
func (g *Glowmarkt) tokenAccount(r *http.Request) *GlowmarktAccount {
	id, ok := g.subject(r.Header.Get("token"))
	if !ok || r.Header.Get("applicationId") != g.appID {
		return nil
	}
	return g.accounts[id]
}

func (g *Glowmarkt) userOperation(q *request, acc *GlowmarktAccount) reply {
	switch q.op {
	case "userChangePassWord":
		var body struct{ OldPassword, NewPassword string }
		q.decode(&body)
		switch {
		case body.OldPassword == "" || body.NewPassword == "":
			return glowmarktError(http.StatusBadRequest, "missing elements")
		case body.OldPassword != acc.Password:
			return valid(false)
		case utf8.RuneCountInString(body.NewPassword) < g.minLength:
			return glowmarktError(http.StatusBadRequest, "weak new password")
		}
		acc.Password = body.NewPassword
		return valid(true)
	case "userChangeEmail":
		var body struct{ Email string }
		q.decode(&body)
		acc.Email = body.Email
		return valid(true)
	case "userChangeName":
		var body struct{ Name string }
		q.decode(&body)
		acc.Name = body.Name
		return valid(true)
	case "getAccountStatusbyUserToken":
		return jsonReply(http.StatusOK, g.status(acc))
	}
	// The mobile app token operations name the account in the path: it must be the token's.
	if q.path[3] != acc.AccountID {
		return accessDenied
	}
	var body struct{ NewToken, RemoveToken string }
	q.decode(&body)
	tokens := g.mobileTokens[acc.AccountID]
	if q.op == "addMobileAppToken" && !slices.Contains(tokens, body.NewToken) {
		tokens = append(tokens, body.NewToken)
	}
	if q.op == "removeMobileAppToken" {
		tokens = slices.DeleteFunc(tokens, func(t string) bool { return t == body.RemoveToken })
	}
	g.mobileTokens[acc.AccountID] = tokens
	return valid(true)
}

func (g *Glowmarkt) appOperation(q *request) reply {
	switch q.op {
	case "getAccounts":
		list := make([]map[string]any, 0, len(g.accounts))
		for _, a := range g.accounts {
			list = append(list, g.account(a))
		}
		slices.SortFunc(list, func(a, b map[string]any) int {
			return strings.Compare(a["accountId"].(string), b["accountId"].(string))
		})
		return jsonReply(http.StatusOK, list)
	case "addAccount":
		var body struct{ Username, DirectoryID string }
		q.decode(&body)
		if body.Username == "" {
			return glowmarktError(http.StatusBadRequest, "missing elements")
		}
		id := uuid.NewString()
		g.putAccount(&GlowmarktAccount{AccountID: id, Username: body.Username})
		return jsonReply(http.StatusOK, map[string]string{"accountId": id, "applicationId": g.appID,
			"status": "active", "userId": id})
	}
	acc := g.accounts[q.path[3]]
	if acc == nil {
		if q.op == "getAccountbyId" || q.op == "getAccountStatusbyId" {
			return emptyReply(http.StatusNotFound)
		}
		return glowmarktError(http.StatusBadRequest, "incorrect elements")
	}
	switch q.op {
	case "getAccountbyId":
		return jsonReply(http.StatusOK, g.account(acc))
	case "getAccountStatusbyId":
		return jsonReply(http.StatusOK, g.status(acc))
	case "updateAccount":
		var body struct{ Name *string }
		q.decode(&body)
		if body.Name != nil {
			acc.Name = *body.Name
		}
		return jsonReply(http.StatusOK, g.account(acc))
	case "deleteAccount":
		g.dropAccount(acc.AccountID)
		delete(g.mobileTokens, acc.AccountID)
		return jsonReply(http.StatusOK, map[string]any{"accountId": acc.AccountID, "status": "deleted",
			"userId": acc.AccountID, "valid": true})
	}
	return accessDenied
}

func (g *Glowmarkt) account(a *GlowmarktAccount) map[string]any {
	m := map[string]any{"accountId": a.AccountID, "active": true, "applicationId": g.appID, "name": a.Name,
		"status": "active", "userId": a.AccountID, "username": a.Username}
	if a.Email != "" {
		m["email"] = a.Email
	}
	return m
}

func (g *Glowmarkt) status(a *GlowmarktAccount) map[string]any {
	return map[string]any{"accountId": a.AccountID, "active": true, "applicationId": g.appID, "status": "active"}
}
