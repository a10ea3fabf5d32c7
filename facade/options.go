package facade

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/unipass/unipass/facade/internal/transport"
)

// Version is unipass's version, sent in the User-Agent.
const Version = "0.1.0"

// DefaultUserAgent names unipass and its version.
const DefaultUserAgent = "unipass/" + Version

// DefaultTimeout bounds every request when the caller gives no http.Client.
const DefaultTimeout = 30 * time.Second

// DefaultMaxIdleConnsPerHost bounds the idle connections the default client keeps for one host when
// WithMaxConnsPerHost sets no bound.
const DefaultMaxIdleConnsPerHost = transport.MaxIdlePerHost

// DefaultMaxBodyBytes bounds every response body read.
const DefaultMaxBodyBytes = 1 << 20

// Option configures a manager. Options check their arguments before anything is sent: a constructor given a
// bad option fails with an *InputError (ErrInvalidInput) whose Field names the option. The package doc's
// section "Options" lists the rules for credentials, passwords and the base URL.
type Option func(*config) error

type config struct {
	vendor     Vendor
	httpClient *http.Client
	// maxConnsPerHost bounds the default client's connections to a host (WithMaxConnsPerHost); 0: none.
	maxConnsPerHost int
	// doer sends through httpClient, noting which requests reached it: every generated client gets it.
	doer      transport.Doer
	logger    *slog.Logger
	userAgent string
	maxBody   int64

	cred credential // the auth option chosen; only one is allowed

	insecureHTTP bool
	retry        transport.Retry

	applicationID string
	appKeyUser    string
	appKeySecret  Secret
}

// newConfig applies options over the defaults and checks the base URL.
func newConfig(v Vendor, baseURL string, opts []Option) (*config, error) {
	c := &config{vendor: v, userAgent: DefaultUserAgent, maxBody: DefaultMaxBodyBytes, retry: transport.DefaultRetry()}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, fmt.Errorf("%s: %w", v, err)
		}
	}
	if err := checkBaseURL(v, baseURL, c.insecureHTTP); err != nil {
		return nil, fmt.Errorf("%s: %w", v, err)
	}
	hc := http.Client{Timeout: DefaultTimeout, Transport: transport.SharedPooled()}
	switch {
	case c.httpClient != nil && c.maxConnsPerHost > 0:
		return nil, fmt.Errorf("%s: options WithHTTPClient and WithMaxConnsPerHost both set the connections; "+
			"set MaxConnsPerHost on your client's Transport instead", v)
	case c.httpClient != nil:
		hc = *c.httpClient // a copy: the caller's client is not changed
	case c.maxConnsPerHost > 0:
		hc.Transport = transport.Pooled(c.maxConnsPerHost)
	}
	// Redirects are never followed: a 3xx is returned as an error, and the server sees no second request
	// (which could repeat a write or carry credentials elsewhere).
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.httpClient = &hc
	c.doer = transport.NewDoer(&hc)
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// apiPrefix is the path every operation of the vendor's API starts with; the generated clients add it to
// the base URL.
func apiPrefix(v Vendor) string {
	switch v {
	case VendorDocSpace:
		return "/api/2.0"
	case VendorZendesk:
		return "/api/v2"
	case VendorGlowmarkt:
		return "/api/v0-1"
	}
	return ""
}

// checkBaseURL applies the base-URL rules every constructor documents: an absolute https URL (plain http
// only for loopback or WithInsecureHTTP) without credentials, query or fragment, and without the vendor's
// API prefix, which the operations add themselves (a base URL carrying it would double it).
func checkBaseURL(v Vendor, raw string, insecureOK bool) error {
	if strings.TrimSpace(raw) == "" {
		return &InputError{Field: "baseURL", Reason: "must not be empty (for example https://example.com)"}
	}
	if p := textProblem(raw); p != "" {
		return &InputError{Field: "baseURL", Reason: p}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return &InputError{Field: "baseURL", Reason: "not a URL"}
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return &InputError{Field: "baseURL", Reason: "scheme must be https"}
	case u.Host == "":
		return &InputError{Field: "baseURL", Reason: "no host"}
	case u.Scheme == "http" && !insecureOK && !transport.IsLoopback(u.Hostname()):
		return &InputError{Field: "baseURL", Reason: "plain http is allowed only for loopback hosts or with WithInsecureHTTP"}
	case u.User != nil:
		return &InputError{Field: "baseURL", Reason: "credentials do not belong in the URL; use an auth option"}
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return &InputError{Field: "baseURL", Reason: "no query or fragment allowed"}
	}
	if prefix := apiPrefix(v); prefix != "" {
		path := strings.ToLower(strings.TrimRight(u.Path, "/"))
		if i := strings.Index(path+"/", prefix+"/"); i >= 0 {
			fix := *u
			fix.Path, fix.RawPath = u.Path[:min(i, len(u.Path))], ""
			return &InputError{Field: "baseURL", Reason: fmt.Sprintf(
				"holds the API prefix %s, which every operation adds: give %s", prefix, fix.String())}
		}
	}
	return nil
}

// WithInsecureHTTP allows a plain-http base URL on a host that is not loopback (passwords and tokens then
// cross the network unencrypted). Loopback hosts are always allowed.
func WithInsecureHTTP() Option {
	return func(c *config) error {
		c.insecureHTTP = true
		return nil
	}
}

// WithRetry sets the most attempts of one call (at least 1; default 4) and the longest single wait
// (default 30s): a Retry-After longer than maxWait is returned to the caller instead of waited for.
func WithRetry(maxAttempts int, maxWait time.Duration) Option {
	return func(c *config) error {
		if maxAttempts < 1 {
			return &InputError{Field: "WithRetry maxAttempts", Reason: "must be at least 1"}
		}
		if maxWait < 0 {
			return &InputError{Field: "WithRetry maxWait", Reason: "must not be negative"}
		}
		c.retry.MaxAttempts, c.retry.MaxWait = maxAttempts, maxWait
		return nil
	}
}

// WithBackoff sets the base of the jittered exponential backoff (default 500ms).
func WithBackoff(base time.Duration) Option {
	return func(c *config) error {
		if base <= 0 {
			return &InputError{Field: "WithBackoff", Reason: "must be positive"}
		}
		c.retry.BaseDelay = base
		return nil
	}
}

// WithFailFast returns a 429 or 503 *APIError (with its RetryAfter) at once instead of waiting and trying
// again.
func WithFailFast() Option {
	return func(c *config) error {
		c.retry.FailFast = true
		return nil
	}
}

// canSetCredential refuses an auth option of the kind when another one was given or the vendor is not
// one it applies to.
func (c *config) canSetCredential(kind credKind, vendors ...Vendor) error {
	if !slices.Contains(vendors, c.vendor) {
		return &InputError{Field: kind.option(), Reason: fmt.Sprintf("does not apply to %s", c.vendor)}
	}
	if c.cred.kind != credNone {
		return &InputError{Field: kind.option(), Reason: fmt.Sprintf("options %s and %s both set credentials; choose one",
			c.cred.kind.option(), kind.option())}
	}
	return nil
}

// WithHTTPClient sends requests through hc (its Transport, Timeout and Jar), which is used as it is.
// Without it, the default client is used: DefaultTimeout, and a transport with the settings of
// http.DefaultTransport whose connection pool is sized to the work. A connection whose request is done
// stays open for the next request to its host, as many connections as requests were in flight at once
// (up to DefaultMaxIdleConnsPerHost, or the bound of WithMaxConnsPerHost), where http.DefaultTransport
// keeps 2 per host and closes the rest after their answers, so that concurrent callers dial again for
// most requests. Idle connections close after 90 s unused. Managers built without either option share
// the one transport, as they would share http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &InputError{Field: "WithHTTPClient", Reason: "nil client"}
		}
		c.httpClient = hc
		return nil
	}
}

// WithMaxConnsPerHost bounds the default client's connections to the vendor's host at n, in flight and
// idle together: a request beyond them waits for one to be free. The manager then has a transport of its
// own. It cannot be combined with WithHTTPClient (set MaxConnsPerHost and MaxIdleConnsPerHost on that
// client's Transport instead).
func WithMaxConnsPerHost(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return &InputError{Field: "maxConnsPerHost", Reason: "must be at least 1"}
		}
		c.maxConnsPerHost = n
		return nil
	}
}

// WithLogger logs each request at debug level (method, path, status, duration; never a credential or body).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return &InputError{Field: "WithLogger", Reason: "nil logger"}
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent replaces the User-Agent; unipass's name and version stay at its end.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if err := checkText("WithUserAgent", ua); err != nil {
			return err
		}
		c.userAgent = ua + " " + DefaultUserAgent
		return nil
	}
}

// WithMaxBodyBytes bounds response bodies (default 1 MiB); a longer body is an error.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return &InputError{Field: "WithMaxBodyBytes", Reason: "must be positive"}
		}
		c.maxBody = n
		return nil
	}
}

// userPassword is an auth option made of a user name and a password.
func userPassword(kind credKind, user, password string, vendors ...Vendor) Option {
	return func(c *config) error {
		if err := c.canSetCredential(kind, vendors...); err != nil {
			return err
		}
		if err := checkText(kind.option()+" user", user); err != nil {
			return err
		}
		if err := checkPassword(kind.option()+" password", NewSecret(password)); err != nil {
			return err
		}
		c.cred = credential{kind: kind, user: user, secret: NewSecret(password)}
		return nil
	}
}

// secretOption is an auth option made of one token, key or cookie, sent in a header.
func secretOption(kind credKind, value string, vendors ...Vendor) Option {
	return func(c *config) error {
		if err := c.canSetCredential(kind, vendors...); err != nil {
			return err
		}
		check := checkText
		if kind == credAuthCookie {
			check = checkCookieValue
		}
		if err := check(kind.option(), value); err != nil {
			return err
		}
		c.cred = credential{kind: kind, secret: NewSecret(value)}
		return nil
	}
}

// WithLogin logs in with a user name and password and keeps the token, refreshing it before it expires.
// DocSpace: POST /api/2.0/authentication. Glowmarkt: POST /api/v0-1/auth (needs WithApplicationID).
func WithLogin(user, password string) Option {
	return userPassword(credLogin, user, password, VendorDocSpace, VendorGlowmarkt)
}

// WithToken sends a token obtained elsewhere. DocSpace: a login token, raw in Authorization. Glowmarkt: a
// user token (JWT), in the token header next to applicationId (needs WithApplicationID).
func WithToken(token string) Option {
	return secretOption(credToken, token, VendorDocSpace, VendorGlowmarkt)
}

// WithAuthCookie sends DocSpace's asc_auth_key session cookie.
func WithAuthCookie(value string) Option {
	return secretOption(credAuthCookie, value, VendorDocSpace)
}

// WithAPIKey sends a DocSpace personal API key in Authorization.
func WithAPIKey(key string) Option {
	return secretOption(credAPIKey, key, VendorDocSpace)
}

// WithBasicAuth sends HTTP basic credentials: a DocSpace user name and password, or a Zendesk email and
// password.
func WithBasicAuth(user, password string) Option {
	return userPassword(credBasic, user, password, VendorDocSpace, VendorZendesk)
}

// WithBearerToken sends an OAuth2 (or OpenID Connect) access token as "Authorization: Bearer". DocSpace
// and Zendesk.
func WithBearerToken(token string) Option {
	return secretOption(credBearer, token, VendorDocSpace, VendorZendesk)
}

// WithAPIToken sends a Zendesk API token as basic "{email}/token:{api_token}".
func WithAPIToken(email, token string) Option {
	return func(c *config) error {
		if err := c.canSetCredential(credAPIToken, VendorZendesk); err != nil {
			return err
		}
		if err := checkEmail("WithAPIToken email", email); err != nil {
			return err
		}
		if err := checkText("WithAPIToken token", token); err != nil {
			return err
		}
		c.cred = credential{kind: credAPIToken, user: email, secret: NewSecret(token)}
		return nil
	}
}

// WithApplicationID sets Glowmarkt's applicationId header, sent with the user token and on login.
func WithApplicationID(id string) Option {
	return func(c *config) error {
		if c.vendor != VendorGlowmarkt {
			return &InputError{Field: "WithApplicationID", Reason: fmt.Sprintf("does not apply to %s", c.vendor)}
		}
		if err := checkText("WithApplicationID", id); err != nil {
			return err
		}
		c.applicationID = id
		return nil
	}
}

// WithAppKeys sets Glowmarkt application keys (basic), used by AppKeysEditor for the application
// operations of the generated client.
func WithAppKeys(user, secret string) Option {
	return func(c *config) error {
		if c.vendor != VendorGlowmarkt {
			return &InputError{Field: "WithAppKeys", Reason: fmt.Sprintf("does not apply to %s", c.vendor)}
		}
		if err := checkText("WithAppKeys user", user); err != nil {
			return err
		}
		if err := checkText("WithAppKeys secret", secret); err != nil {
			return err
		}
		c.appKeyUser, c.appKeySecret = user, NewSecret(secret)
		return nil
	}
}
