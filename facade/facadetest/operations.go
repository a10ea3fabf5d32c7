package facadetest

import (
	"fmt"
	"slices"

	"github.com/unipass/unipass/api"
)

// Operation names an operation of a vendor's API as Fail and Hits take it: its operationId in the vendor's
// description in package api, not the facade's operation name (Zendesk's SetPassword is
// ZendeskSetUserPassword, DocSpace's is DocSpaceChangeUserPassword). Use the constants, named after the
// vendor and the operationId: a name that is no operation of the fake's vendor fails the test (see Fail).
type Operation string

// DocSpace's operations.
const (
	DocSpaceAuthenticate        Operation = "authenticate"
	DocSpaceChangeUserPassword  Operation = "changeUserPassword" // SetPassword, and ChangePassword's write
	DocSpaceGetPasswordSettings Operation = "getPasswordSettings"
	DocSpaceGetProfileByEmail   Operation = "getProfileByEmail"
	DocSpaceGetProfileByUserID  Operation = "getProfileByUserId"
	DocSpaceGetSelfProfile      Operation = "getSelfProfile"
	DocSpaceLogout              Operation = "logout" // the end of a session opened to verify or change a password
	DocSpaceSendUserPassword    Operation = "sendUserPassword"
)

// Zendesk's operations.
const (
	ZendeskChangeOwnPassword           Operation = "ChangeOwnPassword"
	ZendeskGetUserPasswordRequirements Operation = "GetUserPasswordRequirements"
	ZendeskSearchUsers                 Operation = "SearchUsers"
	ZendeskSetUserPassword             Operation = "SetUserPassword"
	ZendeskShowAccountSettings         Operation = "ShowAccountSettings"
	ZendeskShowCurrentUser             Operation = "ShowCurrentUser"
	ZendeskShowUser                    Operation = "ShowUser"
)

// Glowmarkt's operations.
const (
	GlowmarktAddAccount                  Operation = "addAccount"
	GlowmarktAddMobileAppToken           Operation = "addMobileAppToken" // #nosec G101 -- an operation name
	GlowmarktAuthenticate                Operation = "authenticate"
	GlowmarktDeleteAccount               Operation = "deleteAccount"
	GlowmarktGetAccountByID              Operation = "getAccountbyId"
	GlowmarktGetAccountStatusByID        Operation = "getAccountStatusbyId"
	GlowmarktGetAccountStatusByUserToken Operation = "getAccountStatusbyUserToken"
	GlowmarktGetAccounts                 Operation = "getAccounts"
	GlowmarktRemoveMobileAppToken        Operation = "removeMobileAppToken"
	GlowmarktUpdateAccount               Operation = "updateAccount"
	GlowmarktUserChangeEmail             Operation = "userChangeEmail"
	GlowmarktUserChangeName              Operation = "userChangeName"
	GlowmarktUserChangePassword          Operation = "userChangePassWord"
)

// Operations lists the operations of a vendor, sorted; nil for an unknown vendor.
func Operations(v api.Vendor) []Operation {
	var ops []Operation
	switch v {
	case api.DocSpace:
		ops = []Operation{DocSpaceAuthenticate, DocSpaceChangeUserPassword, DocSpaceGetPasswordSettings,
			DocSpaceGetProfileByEmail, DocSpaceGetProfileByUserID, DocSpaceGetSelfProfile, DocSpaceLogout,
			DocSpaceSendUserPassword}
	case api.Zendesk:
		ops = []Operation{ZendeskChangeOwnPassword, ZendeskGetUserPasswordRequirements, ZendeskSearchUsers,
			ZendeskSetUserPassword, ZendeskShowAccountSettings, ZendeskShowCurrentUser, ZendeskShowUser}
	case api.Glowmarkt:
		ops = []Operation{GlowmarktAddAccount, GlowmarktAddMobileAppToken, GlowmarktAuthenticate,
			GlowmarktDeleteAccount, GlowmarktGetAccountByID, GlowmarktGetAccountStatusByID,
			GlowmarktGetAccountStatusByUserToken, GlowmarktGetAccounts, GlowmarktRemoveMobileAppToken,
			GlowmarktUpdateAccount, GlowmarktUserChangeEmail, GlowmarktUserChangeName, GlowmarktUserChangePassword}
	}
	slices.Sort(ops)
	return ops
}

// checkOperation returns why op is no operation of the vendor, or nil.
func checkOperation(v api.Vendor, op Operation) error {
	ops := Operations(v)
	if slices.Contains(ops, op) {
		return nil
	}
	return fmt.Errorf("facadetest: %q is not an operation of %s (its operationIds: %v)", string(op), v, ops)
}

// misuse reports a call that names no operation of the fake: a test failure with WithT (t.Fatalf, so
// call it from the test's goroutine), a panic without, never ignored.
func (s *Server) misuse(err error) {
	if s.t != nil {
		s.t.Helper()
		s.t.Fatalf("%v", err)
		return
	}
	panic(err.Error())
}
