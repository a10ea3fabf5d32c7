package facade

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/unipass/unipass/facade/internal/transport"
)

// credKind is the kind of credential an auth option gives. Each auth option sets one; the constructor
// of the vendor's manager turns it into the editor that puts it on requests.
type credKind int

const (
	credNone       credKind = iota // no auth option: requests carry no credentials
	credLogin                      // WithLogin: a user name and password, exchanged for a token
	credToken                      // WithToken: a login or user token obtained elsewhere
	credAuthCookie                 // WithAuthCookie: DocSpace's asc_auth_key cookie
	credAPIKey                     // WithAPIKey: a DocSpace personal API key
	credBasic                      // WithBasicAuth: a user name and password, sent as basic credentials
	credBearer                     // WithBearerToken: an OAuth2 / OpenID Connect access token
	credAPIToken                   // WithAPIToken: a Zendesk email and API token
)

// option names the auth option that gives this kind, for messages.
func (k credKind) option() string {
	switch k {
	case credLogin:
		return "WithLogin"
	case credToken:
		return "WithToken"
	case credAuthCookie:
		return "WithAuthCookie"
	case credAPIKey:
		return "WithAPIKey"
	case credBasic:
		return "WithBasicAuth"
	case credBearer:
		return "WithBearerToken"
	case credAPIToken:
		return "WithAPIToken"
	}
	return "no credentials"
}

// credential is the one auth option a manager was given.
type credential struct {
	kind credKind
	// user is the user name (WithLogin, WithBasicAuth) or the email (WithAPIToken).
	user string
	// secret is the password, token, key or cookie: the one secret of every credential.
	secret Secret
}

// authorizer is what a manager's credential becomes: the editor that puts it on a request, and the token
// cache when the credential is a login.
type authorizer struct {
	// edit puts the credentials on a request; nil sends none.
	edit requestEditor
	// tokens is set when edit logs in: a 401 then drops the token that was refused, and the request is
	// sent once more.
	tokens *tokenCache
}

// An authorize function turns a credential into the adapter's authorizer; c is the manager's core, for
// the requests a login makes. It is called once, by newCore.
type authorizeFunc func(c *core, cred credential) authorizer

// loginAuth logs in with login when needed and puts the token on each request with put.
func loginAuth(c *core, login loginFunc, put func(r *http.Request, token Secret)) authorizer {
	t := newTokenCache(login, c.now)
	return authorizer{edit: t.editor(put), tokens: t}
}

// fixedAuth puts a token obtained elsewhere on each request with put.
func fixedAuth(token Secret, put func(r *http.Request, token Secret)) authorizer {
	return authorizer{edit: func(_ context.Context, r *http.Request) error {
		put(r, token)
		return nil
	}}
}

// Credential editors shared by the adapters. Each builds its header value once, when the manager is made,
// and puts the same never-modified value slice on every request: no allocation per request. The value is
// held only by the editor's closure, which, like a Secret, prints as a function address.

func headerAuth(name string, s Secret) requestEditor {
	return constHeader(http.CanonicalHeaderKey(name), s.Reveal())
}

func bearerAuth(s Secret) requestEditor {
	return constHeader("Authorization", "Bearer "+s.Reveal())
}

func basicAuth(user string, s Secret) requestEditor {
	return constHeader("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+s.Reveal())))
}

// constHeader returns the editor that sets the header key (canonical) to value.
func constHeader(key, value string) requestEditor {
	v := []string{value}
	return func(_ context.Context, r *http.Request) error {
		r.Header[key] = v
		return nil
	}
}

// loginFunc logs in and returns a token and its expiry.
type loginFunc func(ctx context.Context) (Secret, time.Time, error)

// tokenCache keeps a login token and replaces it before it expires. Concurrent callers share one login;
// a token the vendor refuses is dropped only if it is still the cached one (its generation).
type tokenCache struct {
	login loginFunc
	now   func() time.Time
	sem   chan struct{} // one login at a time

	mu    sync.Mutex
	token Secret
	gen   uint64 // counts the logins: the generation of the cached token
	// renewAt is when the token is replaced; zero: only when the vendor refuses it.
	renewAt time.Time
}

// maxRefreshMargin is the longest a token is replaced before it expires.
const maxRefreshMargin = time.Minute

func newTokenCache(login loginFunc, now func() time.Time) *tokenCache {
	return &tokenCache{login: login, now: now, sem: make(chan struct{}, 1)}
}

// renewTime is when a token obtained at loggedIn that expires at expires is replaced: a tenth of its life
// before it expires, and at most a minute before. A token with no life left by the local clock (the
// vendor's clock is behind) has no usable expiry: it is kept until the vendor refuses it.
func renewTime(loggedIn, expires time.Time) time.Time {
	life := expires.Sub(loggedIn)
	if life <= 0 {
		return time.Time{}
	}
	return expires.Add(-min(maxRefreshMargin, life/10))
}

// cached returns the token and its generation while it is live.
func (t *tokenCache) cached() (Secret, uint64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token.IsZero() || (!t.renewAt.IsZero() && !t.now().Before(t.renewAt)) {
		return Secret{}, 0, false
	}
	return t.token, t.gen, true
}

// get returns a live token and its generation, logging in when there is none. Waiting for another
// caller's login stops when ctx is done.
func (t *tokenCache) get(ctx context.Context) (Secret, uint64, error) {
	if tok, gen, ok := t.cached(); ok {
		return tok, gen, nil
	}
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return Secret{}, 0, ctx.Err()
	}
	defer func() { <-t.sem }()
	if tok, gen, ok := t.cached(); ok { // another caller logged in while this one waited
		return tok, gen, nil
	}
	loggedIn := t.now()
	tok, exp, err := t.login(ctx)
	if err != nil {
		return Secret{}, 0, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	t.token, t.renewAt = tok, renewTime(loggedIn, exp)
	return tok, t.gen, nil
}

// drop forgets the token of generation gen, which the vendor refused, unless it was already replaced.
func (t *tokenCache) drop(gen uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if gen == t.gen {
		t.token = Secret{}
	}
}

// editor puts a live token on each request with put, logging in first when needed. Under a request of
// the manager's own, it notes the token's generation in the request's attempt, and logs in outside that
// attempt (the login is not the request).
func (t *tokenCache) editor(put func(r *http.Request, token Secret)) requestEditor {
	return func(ctx context.Context, r *http.Request) error {
		a := transport.AttemptFrom(ctx)
		if a != nil {
			ctx = a.Parent()
		}
		tok, gen, err := t.get(ctx)
		if err != nil {
			return err
		}
		if a != nil {
			a.Token = gen
		}
		put(r, tok)
		return nil
	}
}

// loginPassword is the user name and password a WithLogin manager logs in with. When the manager changes
// its own login account's password, the new one replaces it, so that later logins work; when such a
// change's outcome is unknown, either password may be in effect and logins are refused (the error says so)
// rather than made with one that may be stale.
type loginPassword struct {
	mu      sync.Mutex
	user    string
	pass    Secret
	inDoubt bool
}

// get returns the user name and password to log in with, or errLoginPasswordInDoubt.
func (l *loginPassword) get() (string, Secret, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inDoubt {
		return "", Secret{}, errLoginPasswordInDoubt
	}
	return l.user, l.pass, nil
}

// name returns the user name logged in with.
func (l *loginPassword) name() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.user
}

// changed records the outcome of a change of the login account's password: the new password when it is
// in effect, or that it is in doubt.
func (l *loginPassword) changed(newPassword Secret, inDoubt bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inDoubt = inDoubt
	if !inDoubt {
		l.pass = newPassword
	}
}
