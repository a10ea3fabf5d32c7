package facadetest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokenIssuer hands out random login tokens with a lifetime and checks them; DocSpace and Glowmarkt
// embed it.
type tokenIssuer struct {
	tokMu  sync.Mutex
	ttl    time.Duration
	issued map[string]issuedToken
	order  []string // issued tokens, oldest first; some may be gone from issued
}

type issuedToken struct {
	subject string
	expires time.Time
}

func newTokenIssuer(ttl time.Duration) tokenIssuer {
	return tokenIssuer{ttl: ttl, issued: map[string]issuedToken{}}
}

// SetTokenTTL sets the lifetime of the login tokens issued from now on.
func (k *tokenIssuer) SetTokenTTL(d time.Duration) {
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	k.ttl = d
}

// ExpireTokens makes every login token issued so far expired.
func (k *tokenIssuer) ExpireTokens() {
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	for tok, it := range k.issued {
		it.expires = time.Time{}
		k.issued[tok] = it
	}
}

// issue returns a new token for subject and when it expires.
func (k *tokenIssuer) issue(subject string) (string, time.Time) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "fake-token-" + hex.EncodeToString(b)
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	exp := time.Now().Add(k.ttl)
	k.issued[tok] = issuedToken{subject: subject, expires: exp}
	k.order = append(k.order, tok)
	k.bound()
	return tok, exp
}

// bound ends the oldest sessions beyond MaxLiveTokens, and forgets the tokens already gone.
func (k *tokenIssuer) bound() {
	for len(k.issued) > MaxLiveTokens {
		delete(k.issued, k.order[0])
		k.order = k.order[1:]
	}
	if len(k.order) > 2*MaxLiveTokens {
		live := make([]string, 0, len(k.issued))
		for _, tok := range k.order {
			if _, ok := k.issued[tok]; ok {
				live = append(live, tok)
			}
		}
		k.order = live
	}
}

// revoke ends a token's session (a logout).
func (k *tokenIssuer) revoke(tok string) {
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	delete(k.issued, tok)
	k.bound()
}

// liveTokens counts the tokens held that have not expired.
func (k *tokenIssuer) liveTokens() int {
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	n, now := 0, time.Now()
	for _, it := range k.issued {
		if now.Before(it.expires) {
			n++
		}
	}
	return n
}

// subject returns whom a live token was issued to.
func (k *tokenIssuer) subject(tok string) (string, bool) {
	k.tokMu.Lock()
	defer k.tokMu.Unlock()
	it, ok := k.issued[tok]
	if !ok || !time.Now().Before(it.expires) {
		return "", false
	}
	return it.subject, true
}

// basicCredentials returns the request's basic user and password.
func basicCredentials(r *http.Request) (string, string, bool) {
	u, p, ok := r.BasicAuth()
	return u, p, ok && u != ""
}

// bearer returns the token of "Authorization: Bearer <token>".
func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return tok, ok && strings.EqualFold(scheme, "Bearer") && tok != ""
}
