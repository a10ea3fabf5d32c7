package facadetest

import (
	"net/http"
	"strings"
	"time"

	"github.com/unipass/unipass/api"
)

// GlowmarktAccount is an account of the Glowmarkt fake.
type GlowmarktAccount struct {
	AccountID string
	Username  string
	Password  string
	Name      string
	Email     string
}

// Glowmarkt is a fake Glowmarkt API.
type Glowmarkt struct {
	*Server
	accounts     map[string]*GlowmarktAccount
	appID        string
	appKeyUser   string
	appKeySecret string
	ttl          time.Duration
	minLength    int
	mobileTokens map[string][]string
}

// NewGlowmarkt starts a Glowmarkt fake: application ID "fake-application-id", application keys
// "fake-app-key" / "fake-app-secret", tokens that live 7 days, new passwords of at least 8 characters.
func NewGlowmarkt(opts ...Option) *Glowmarkt {
	g := &Glowmarkt{accounts: map[string]*GlowmarktAccount{}, appID: "fake-application-id",
		appKeyUser: "fake-app-key", appKeySecret: "fake-app-secret", ttl: 7 * 24 * time.Hour, minLength: 8,
		mobileTokens: map[string][]string{}}
	g.Server = newServer(api.Glowmarkt, opts, g.handle)
	return g
}

func (g *Glowmarkt) set(f func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f()
}

// AddAccount adds or replaces an account.
func (g *Glowmarkt) AddAccount(a GlowmarktAccount) { g.set(func() { g.accounts[a.AccountID] = &a }) }

// Password returns an account's current password.
func (g *Glowmarkt) Password(accountID string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a, ok := g.accounts[accountID]
	if !ok {
		return "", false
	}
	return a.Password, true
}

// ApplicationID is the applicationId the fake accepts.
func (g *Glowmarkt) ApplicationID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.appID
}

// SetApplicationID changes the applicationId the fake accepts.
func (g *Glowmarkt) SetApplicationID(id string) { g.set(func() { g.appID = id }) }

// AppKeys returns the basic credentials the application operations accept.
func (g *Glowmarkt) AppKeys() (user, secret string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.appKeyUser, g.appKeySecret
}

// SetTokenTTL sets the lifetime of tokens issued from now on.
func (g *Glowmarkt) SetTokenTTL(ttl time.Duration) { g.set(func() { g.ttl = ttl }) }

// SetMinLength sets the shortest new password that is not "weak".
func (g *Glowmarkt) SetMinLength(n int) { g.set(func() { g.minLength = n }) }

var accessDenied = jsonReply(http.StatusUnauthorized, map[string]string{"error": "Access denied"})

func glowError(status int, msg string) reply {
	return jsonReply(status, map[string]string{"error": msg})
}

func valid(ok bool) reply { return jsonReply(http.StatusOK, map[string]bool{"valid": ok}) }

func (g *Glowmarkt) handle(q *request) reply {
	if q.op == "authenticate" {
		return g.login(q)
	}
	if subject, ok := g.tokenSubject(q.r.Header.Get("token")); ok {
		return g.userOperation(q, subject)
	}
	return g.appOperation(q)
}

func (g *Glowmarkt) login(q *request) reply {
	var body struct{ Username, Password string }
	q.decode(&body)
	g.mu.Lock()
	var acc *GlowmarktAccount
	for _, a := range g.accounts {
		if strings.EqualFold(a.Username, body.Username) && a.Password == body.Password {
			acc = a
		}
	}
	appOK, ttl := q.r.Header.Get("applicationId") == g.appID, g.ttl
	g.mu.Unlock()
	if acc == nil || !appOK {
		return accessDenied
	}
	tok, exp := g.issueToken(acc.AccountID, ttl)
	return jsonReply(http.StatusOK, map[string]any{"valid": true, "token": tok, "exp": exp.Unix(),
		"accountId": acc.AccountID, "applicationId": g.ApplicationID(), "name": acc.Name})
}

func (g *Glowmarkt) userOperation(q *request, accountID string) reply {
	g.mu.Lock()
	defer g.mu.Unlock()
	acc, ok := g.accounts[accountID]
	if !ok || q.r.Header.Get("applicationId") != g.appID {
		return accessDenied
	}
	switch q.op {
	case "userChangePassWord":
		var body struct{ OldPassword, NewPassword string }
		q.decode(&body)
		switch {
		case body.OldPassword == "" || body.NewPassword == "":
			return glowError(http.StatusBadRequest, "missing elements")
		case body.OldPassword != acc.Password:
			return valid(false)
		case len([]rune(body.NewPassword)) < g.minLength:
			return glowError(http.StatusBadRequest, "weak new password")
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
	case "addMobileAppToken", "removeMobileAppToken":
		var body struct{ NewToken, RemoveToken string }
		q.decode(&body)
		if body.NewToken != "" {
			g.mobileTokens[acc.AccountID] = append(g.mobileTokens[acc.AccountID], body.NewToken)
		}
		return valid(true)
	case "getAccountStatusbyUserToken":
		return jsonReply(http.StatusOK, g.status(acc))
	}
	return accessDenied
}

func (g *Glowmarkt) appOperation(q *request) reply {
	g.mu.Lock()
	defer g.mu.Unlock()
	if user, pass, ok := basicCredentials(q.r); !ok || user != g.appKeyUser || pass != g.appKeySecret {
		return accessDenied
	}
	var acc *GlowmarktAccount
	if len(q.params) > 3 {
		acc = g.accounts[q.params[3]]
	}
	switch q.op {
	case "getAccounts":
		list := []map[string]any{}
		for _, a := range g.accounts {
			list = append(list, account(a, g.appID))
		}
		return jsonReply(http.StatusOK, list)
	case "addAccount":
		var body struct{ Username, DirectoryID string }
		q.decode(&body)
		id := "glow-acc-" + body.Username
		g.accounts[id] = &GlowmarktAccount{AccountID: id, Username: body.Username}
		return jsonReply(http.StatusOK, map[string]string{"accountId": id, "applicationId": g.appID, "status": "active", "userId": id})
	}
	if acc == nil {
		if q.op == "getAccountbyId" || q.op == "getAccountStatusbyId" {
			return emptyReply(http.StatusNotFound)
		}
		return glowError(http.StatusBadRequest, "incorrect elements")
	}
	switch q.op {
	case "getAccountbyId":
		return jsonReply(http.StatusOK, account(acc, g.appID))
	case "getAccountStatusbyId":
		return jsonReply(http.StatusOK, g.status(acc))
	case "updateAccount":
		var body struct{ Name string }
		q.decode(&body)
		acc.Name = body.Name
		return jsonReply(http.StatusOK, account(acc, g.appID))
	case "deleteAccount":
		delete(g.accounts, acc.AccountID)
		return jsonReply(http.StatusOK, map[string]any{"accountId": acc.AccountID, "status": "deleted", "userId": acc.AccountID, "valid": true})
	}
	return accessDenied
}

func account(a *GlowmarktAccount, appID string) map[string]any {
	m := map[string]any{"accountId": a.AccountID, "active": true, "applicationId": appID, "name": a.Name,
		"status": "active", "userId": a.AccountID, "username": a.Username}
	if a.Email != "" {
		m["email"] = a.Email
	}
	return m
}

func (g *Glowmarkt) status(a *GlowmarktAccount) map[string]any {
	return map[string]any{"accountId": a.AccountID, "active": true, "applicationId": g.appID, "status": "active"}
}
