// Package demoseed is the demo's people and fake credentials: the one source of the state `unipass demo`
// seeds its fakes with, the default seed `unipass fakes` names in its banner, and the shared test fixture
// (internal/fixture) builds on. It is production code, so commands may import it; it links no test code.
//
// The seed is one DocSpace user, a Zendesk admin and agent (plus two end-users whose addresses differ only
// in case) and one Glowmarkt account. Every secret is obviously fake.
package demoseed

import (
	"strconv"

	"github.com/unipass/unipass/facade/facadetest"
)

// The demo seed's people and credentials, all obviously fake.
const (
	DocSpaceUser     = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
	DocSpaceEmail    = "mike@example.com"
	DocSpaceName     = "Mike Example"
	DocSpacePassword = "fake-Admin-Passw0rd"       // #nosec G101 -- a fake's test password
	DocSpaceAPIKey   = "fake-docspace-api-key"     // #nosec G101 -- a fake's test key
	DocSpaceBearer   = "fake-docspace-oauth-token" // #nosec G101 -- a fake's test token

	ZendeskAdmin         = 1001
	ZendeskAgent         = 1002
	ZendeskAdminEmail    = "admin@example.com"
	ZendeskAgentEmail    = "agent@example.com"
	ZendeskAdminPassword = "fake-Admin-Passw0rd"    // #nosec G101 -- a fake's test password
	ZendeskAgentPassword = "fake-Agent-Passw0rd"    // #nosec G101 -- a fake's test password
	ZendeskAPIToken      = "fake-zendesk-api-token" // #nosec G101 -- a fake's test token
	ZendeskOAuthToken    = "fake-agent-oauth-token" // #nosec G101 -- a fake's test token, acting as the agent
	// ZendeskTwin and ZendeskTwinUpper are end-users whose addresses differ only in case.
	ZendeskTwin      = 1003
	ZendeskTwinUpper = 1004
	ZendeskTwinEmail = "twin@example.com"

	GlowmarktAccount  = "glow-acc-0001"
	GlowmarktUser     = "glow@example.com"
	GlowmarktName     = "Glow User"
	GlowmarktPassword = "fake-Glow-Passw0rd" // #nosec G101 -- a fake's test password
)

// ZendeskAdminID and ZendeskAgentID are the Zendesk users as the facade names them.
var (
	ZendeskAdminID = strconv.Itoa(ZendeskAdmin)
	ZendeskAgentID = strconv.Itoa(ZendeskAgent)
)

// Seed returns the demo seed, a fresh copy each call (a caller may change its copy). Zendesk admins may set
// passwords in it.
func Seed() facadetest.Seed {
	return facadetest.Seed{
		DocSpace: &facadetest.DocSpaceSeed{
			Users: []facadetest.DocSpaceUserSeed{
				{ID: DocSpaceUser, Email: DocSpaceEmail, Name: DocSpaceName, Password: DocSpacePassword},
			},
			APIKeys:      []string{DocSpaceAPIKey},
			BearerTokens: []string{DocSpaceBearer},
		},
		Zendesk: &facadetest.ZendeskSeed{
			Users: []facadetest.ZendeskUserSeed{
				{ID: ZendeskAdmin, Email: ZendeskAdminEmail, Password: ZendeskAdminPassword, Role: "admin"},
				{ID: ZendeskAgent, Email: ZendeskAgentEmail, Password: ZendeskAgentPassword, Role: "agent"},
				{ID: ZendeskTwin, Email: ZendeskTwinEmail, Role: "end-user"},
				{ID: ZendeskTwinUpper, Email: "Twin@example.com", Role: "end-user"},
			},
			APITokens:        []facadetest.ZendeskTokenSeed{{Email: ZendeskAdminEmail, Token: ZendeskAPIToken}},
			OAuthTokens:      []facadetest.ZendeskOAuthSeed{{Token: ZendeskOAuthToken, UserID: ZendeskAgent}},
			AdminSetPassword: true,
		},
		Glowmarkt: &facadetest.GlowmarktSeed{
			Accounts: []facadetest.GlowmarktAccountSeed{
				{AccountID: GlowmarktAccount, Username: GlowmarktUser, Password: GlowmarktPassword, Name: GlowmarktName},
			},
		},
	}
}
