package facadetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"
)

// Seed is the starting state of the three fakes, as a JSON document (see ReadSeed). A vendor left out is
// served with no users and no credentials.
type Seed struct {
	DocSpace  *DocSpaceSeed  `json:"docspace,omitempty"`
	Zendesk   *ZendeskSeed   `json:"zendesk,omitempty"`
	Glowmarkt *GlowmarktSeed `json:"glowmarkt,omitempty"`
}

// RateLimitSeed is a token bucket (SetRateLimit): RPS requests a second, bursts of at most Burst.
type RateLimitSeed struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
}

// DocSpaceSeed is the DocSpace fake's starting state.
type DocSpaceSeed struct {
	Users        []DocSpaceUserSeed  `json:"users"`
	APIKeys      []string            `json:"api_keys,omitempty"`      // personal API keys (AddAPIKey)
	BearerTokens []string            `json:"bearer_tokens,omitempty"` // OAuth2 access tokens (AddBearerToken)
	Policy       *DocSpacePolicySeed `json:"policy,omitempty"`        // default: 8 characters, upper case, digits
	LoginStatus  int                 `json:"login_status,omitempty"`  // 200 (default) or 201
	RateLimit    *RateLimitSeed      `json:"rate_limit,omitempty"`
}

// DocSpaceUserSeed is a DocSpace user; the email address is also the login name.
type DocSpaceUserSeed struct {
	ID        string `json:"id"` // a UUID
	Email     string `json:"email"`
	Name      string `json:"name,omitempty"`
	Password  string `json:"password,omitempty"`
	TwoFactor bool   `json:"two_factor,omitempty"`
}

// DocSpacePolicySeed is the portal's password policy.
type DocSpacePolicySeed struct {
	MinLength   int  `json:"min_length"`
	UpperCase   bool `json:"upper_case"`
	Digits      bool `json:"digits"`
	SpecSymbols bool `json:"spec_symbols"`
}

// ZendeskSeed is the Zendesk fake's starting state.
type ZendeskSeed struct {
	Users            []ZendeskUserSeed  `json:"users"`
	APITokens        []ZendeskTokenSeed `json:"api_tokens,omitempty"`
	OAuthTokens      []ZendeskOAuthSeed `json:"oauth_tokens,omitempty"`
	AdminSetPassword bool               `json:"admin_set_password"`        // "admins can set passwords"
	PasswordAccess   *bool              `json:"password_access,omitempty"` // email and password on the API; default true
	Policy           *ZendeskPolicySeed `json:"policy,omitempty"`          // default: 5 characters
	RateLimit        *RateLimitSeed     `json:"rate_limit,omitempty"`
}

// ZendeskUserSeed is a Zendesk user.
type ZendeskUserSeed struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"` // "User <ID>" when empty
	Password string `json:"password,omitempty"`
	Role     string `json:"role"` // admin, agent or end-user
}

// ZendeskTokenSeed is an API token of a user ("{email}/token:{token}").
type ZendeskTokenSeed struct {
	Email string `json:"email"`
	Token string `json:"token"`
}

// ZendeskOAuthSeed is an OAuth access token acting as a user.
type ZendeskOAuthSeed struct {
	Token  string `json:"token"`
	UserID int64  `json:"user_id"`
}

// ZendeskPolicySeed is the account's password requirements.
type ZendeskPolicySeed struct {
	MinLength int  `json:"min_length"`
	MixedCase bool `json:"mixed_case"`
	Digits    bool `json:"digits"`
}

// GlowmarktSeed is the Glowmarkt fake's starting state.
type GlowmarktSeed struct {
	Accounts      []GlowmarktAccountSeed `json:"accounts"`
	ApplicationID string                 `json:"application_id,omitempty"` // default fake-application-id
	AppKey        string                 `json:"app_key,omitempty"`        // basic user of the application operations; default fake-app-key
	AppSecret     string                 `json:"app_secret,omitempty"`     // its password; default fake-app-secret
	MinLength     int                    `json:"min_length,omitempty"`     // of new passwords; default 8
	RateLimit     *RateLimitSeed         `json:"rate_limit,omitempty"`
}

// GlowmarktAccountSeed is a Glowmarkt account; Username is the login name.
type GlowmarktAccountSeed struct {
	AccountID string `json:"account_id"`
	Username  string `json:"username"`
	Password  string `json:"password,omitempty"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
}

// ReadSeed reads a Seed from JSON, refusing unknown fields and what the fakes could not serve (a user
// without an ID, a DocSpace ID that is not a UUID, a Zendesk role that does not exist, duplicates).
func ReadSeed(r io.Reader) (Seed, error) {
	var s Seed
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	if dec.More() {
		return Seed{}, errors.New("seed: more than one JSON document")
	}
	if err := s.Validate(); err != nil {
		return Seed{}, err
	}
	return s, nil
}

// ParseSeed is ReadSeed on a byte slice.
func ParseSeed(data []byte) (Seed, error) { return ReadSeed(bytes.NewReader(data)) }

// Validate checks what ReadSeed checks after decoding.
func (s Seed) Validate() error {
	var errs []error
	if d := s.DocSpace; d != nil {
		errs = append(errs, d.validate()...)
	}
	if z := s.Zendesk; z != nil {
		errs = append(errs, z.validate()...)
	}
	if g := s.Glowmarkt; g != nil {
		errs = append(errs, g.validate()...)
	}
	return errors.Join(errs...)
}

func (r *RateLimitSeed) validate(vendor string) error {
	if r != nil && (r.RPS < 0 || r.Burst < 0) {
		return fmt.Errorf("seed: %s.rate_limit: rps and burst must not be negative", vendor)
	}
	return nil
}

func (d *DocSpaceSeed) validate() []error {
	errs := []error{d.RateLimit.validate("docspace")}
	seen := map[string]bool{}
	for i, u := range d.Users {
		id, err := uuid.Parse(u.ID)
		switch {
		case err != nil || len(u.ID) != 36:
			errs = append(errs, fmt.Errorf("seed: docspace.users[%d].id %q is not a UUID", i, u.ID))
		case seen[id.String()]:
			errs = append(errs, fmt.Errorf("seed: docspace.users[%d].id %s appears twice", i, u.ID))
		case u.Email == "":
			errs = append(errs, fmt.Errorf("seed: docspace.users[%d] has no email", i))
		}
		seen[id.String()] = true
	}
	if d.LoginStatus != 0 && d.LoginStatus != 200 && d.LoginStatus != 201 {
		errs = append(errs, fmt.Errorf("seed: docspace.login_status must be 200 or 201, not %d", d.LoginStatus))
	}
	return errs
}

var zendeskRoles = map[string]bool{"admin": true, "agent": true, "end-user": true}

func (z *ZendeskSeed) validate() []error {
	errs := []error{z.RateLimit.validate("zendesk")}
	seen := map[int64]bool{}
	for i, u := range z.Users {
		switch {
		case u.ID <= 0:
			errs = append(errs, fmt.Errorf("seed: zendesk.users[%d].id must be a positive integer", i))
		case seen[u.ID]:
			errs = append(errs, fmt.Errorf("seed: zendesk.users[%d].id %d appears twice", i, u.ID))
		case u.Email == "":
			errs = append(errs, fmt.Errorf("seed: zendesk.users[%d] has no email", i))
		case !zendeskRoles[u.Role]:
			errs = append(errs, fmt.Errorf("seed: zendesk.users[%d].role must be admin, agent or end-user, not %q", i, u.Role))
		}
		seen[u.ID] = true
	}
	for i, t := range z.APITokens {
		if t.Email == "" || t.Token == "" {
			errs = append(errs, fmt.Errorf("seed: zendesk.api_tokens[%d] needs email and token", i))
		}
	}
	for i, t := range z.OAuthTokens {
		if t.Token == "" || !seen[t.UserID] {
			errs = append(errs, fmt.Errorf("seed: zendesk.oauth_tokens[%d] needs a token and the id of a seeded user", i))
		}
	}
	return errs
}

func (g *GlowmarktSeed) validate() []error {
	errs := []error{g.RateLimit.validate("glowmarkt")}
	seen := map[string]bool{}
	for i, a := range g.Accounts {
		switch {
		case a.AccountID == "" || strings.ContainsAny(a.AccountID, "/?#% "):
			errs = append(errs, fmt.Errorf("seed: glowmarkt.accounts[%d].account_id must be set and fit in a URL path", i))
		case seen[a.AccountID]:
			errs = append(errs, fmt.Errorf("seed: glowmarkt.accounts[%d].account_id %q appears twice", i, a.AccountID))
		case a.Username == "":
			errs = append(errs, fmt.Errorf("seed: glowmarkt.accounts[%d] has no username", i))
		}
		seen[a.AccountID] = true
	}
	return errs
}

// Seed applies a seed: adds its users and credentials and sets its policy and rate limit.
func (d *DocSpace) Seed(s DocSpaceSeed) {
	for _, u := range s.Users {
		d.AddUser(DocSpaceUser{ID: u.ID, Email: u.Email, DisplayName: u.Name, Password: u.Password, TwoFactor: u.TwoFactor})
	}
	for _, k := range s.APIKeys {
		d.AddAPIKey(k)
	}
	for _, t := range s.BearerTokens {
		d.AddBearerToken(t)
	}
	if p := s.Policy; p != nil {
		d.SetPolicy(DocSpacePolicy{MinLength: p.MinLength, UpperCase: p.UpperCase, Digits: p.Digits, SpecSymbols: p.SpecSymbols})
	}
	if s.LoginStatus != 0 {
		d.SetLoginStatus(s.LoginStatus)
	}
	if r := s.RateLimit; r != nil {
		d.SetRateLimit(r.RPS, r.Burst)
	}
}

// Seed applies a seed: adds its users and tokens and sets its settings, policy and rate limit.
func (z *Zendesk) Seed(s ZendeskSeed) {
	for _, u := range s.Users {
		z.AddUser(ZendeskUser(u))
	}
	for _, t := range s.APITokens {
		z.AddAPIToken(t.Email, t.Token)
	}
	for _, t := range s.OAuthTokens {
		z.AddOAuthToken(t.Token, t.UserID)
	}
	z.SetAdminSetPassword(s.AdminSetPassword)
	if s.PasswordAccess != nil {
		z.SetPasswordAccess(*s.PasswordAccess)
	}
	if p := s.Policy; p != nil {
		z.SetMinLength(p.MinLength)
		z.SetRequireMixedCase(p.MixedCase)
		z.SetRequireDigits(p.Digits)
	}
	if r := s.RateLimit; r != nil {
		z.SetRateLimit(r.RPS, r.Burst)
	}
}

// Seed applies a seed: adds its accounts and sets the application ID and keys, the policy and the rate
// limit.
func (g *Glowmarkt) Seed(s GlowmarktSeed) {
	for _, a := range s.Accounts {
		g.AddAccount(GlowmarktAccount(a))
	}
	if s.ApplicationID != "" {
		g.SetApplicationID(s.ApplicationID)
	}
	g.locked(func() {
		if s.AppKey != "" {
			g.appKeyUser = s.AppKey
		}
		if s.AppSecret != "" {
			g.appKeyPass = s.AppSecret
		}
	})
	if s.MinLength != 0 {
		g.SetMinLength(s.MinLength)
	}
	if r := s.RateLimit; r != nil {
		g.SetRateLimit(r.RPS, r.Burst)
	}
}
