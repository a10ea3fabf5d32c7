package facade

import (
	"context"
)

// Vendor names a vendor: "docspace", "zendesk" or "glowmarkt". Package api's Vendor (the fakes' and the
// contract validator's) holds the same names, so the two convert to each other: api.Vendor(v),
// facade.Vendor(av). facade does not import api, which embeds the descriptions.
type Vendor string

// The vendors.
const (
	VendorDocSpace  Vendor = "docspace"
	VendorZendesk   Vendor = "zendesk"
	VendorGlowmarkt Vendor = "glowmarkt"
)

// String returns the vendor's name.
func (v Vendor) String() string { return string(v) }

// Operation names a facade operation.
type Operation string

// The facade's operations, and the logins behind them.
const (
	OpSetPassword    Operation = "SetPassword"
	OpChangePassword Operation = "ChangePassword"
	OpSendReset      Operation = "SendReset"
	OpRequirements   Operation = "Requirements"
	OpVerify         Operation = "Verify"
	OpFindUser       Operation = "FindUser"
	OpCurrentUser    Operation = "CurrentUser"
	OpLogin          Operation = "Login"
)

// Capabilities tells which operations a vendor supports.
type Capabilities struct {
	SetPassword    bool
	ChangePassword bool
	SendReset      bool
	Requirements   bool
	Verify         bool
	FindUser       bool
}

// Supports reports whether op is supported.
func (c Capabilities) Supports(op Operation) bool {
	switch op {
	case OpSetPassword:
		return c.SetPassword
	case OpChangePassword:
		return c.ChangePassword
	case OpSendReset:
		return c.SendReset
	case OpRequirements:
		return c.Requirements
	case OpVerify:
		return c.Verify
	case OpFindUser:
		return c.FindUser
	}
	return false
}

// PasswordManager manages user passwords on one vendor. Implementations are safe for concurrent use.
type PasswordManager interface {
	// Vendor names the vendor.
	Vendor() Vendor
	// Capabilities tells which operations the vendor supports; the others return ErrUnsupported.
	Capabilities() Capabilities
	// SetPassword sets a user's password without the old one (an admin's act).
	SetPassword(ctx context.Context, user string, newPassword Secret) error
	// ChangePassword changes a user's password, proving the old one.
	ChangePassword(ctx context.Context, user string, oldPassword, newPassword Secret) error
	// SendReset starts the vendor's reset-by-email flow for an address.
	SendReset(ctx context.Context, email string) error
	// Requirements returns the password policy that applies to the user.
	Requirements(ctx context.Context, user string) (*Policy, error)
	// Verify reports whether password is the one in effect for the user: nil when the vendor accepts it,
	// an error matching ErrWrongPassword when the vendor refuses it, any other error when the answer
	// proves neither (rate limit, two-factor required, server error). It is a read: it never changes the
	// account and is retried as a safe request, but never repeated after the vendor refuses the password.
	Verify(ctx context.Context, user string, password Secret) error
	// FindUser returns the one user whose email address is email, compared without regard to case: an
	// error matching ErrNotFound when there is none, ErrAmbiguousUser when the vendor holds more than one.
	// The address is checked before any request (ErrInvalidInput). It is a read, retried as a safe request.
	FindUser(ctx context.Context, email string) (User, error)
}

// User is a user as FindUser finds it: what both DocSpace and Zendesk give.
type User struct {
	// ID is the vendor's user ID, as the other operations take it: a UUID on DocSpace (its id), a positive
	// integer in decimal on Zendesk (its id).
	ID string
	// Email is the user's email address as the vendor holds it, which may differ in case from the one
	// asked for (DocSpace email; Zendesk email, the primary address).
	Email string
	// Name is the name the vendor shows for the user, possibly empty (DocSpace displayName; Zendesk name).
	Name string
}

var (
	_ PasswordManager = (*DocSpace)(nil)
	_ PasswordManager = (*Zendesk)(nil)
	_ PasswordManager = (*Glowmarkt)(nil)
)
