package facade

import (
	"context"
	"sync"
)

// Target is one account of one person: a manager and the user reference it understands.
type Target struct {
	Manager PasswordManager
	User    string
}

// Outcome is what one vendor answered.
type Outcome struct {
	Vendor Vendor
	User   string
	// Err is nil on success; it matches ErrUnsupported when the vendor lacks the operation.
	Err error
}

// ApplyAll runs op for every target concurrently and returns one outcome per target, in the targets'
// order. One vendor's failure does not stop or hide the others.
func ApplyAll(ctx context.Context, targets []Target, op func(ctx context.Context, m PasswordManager, user string) error) []Outcome {
	out := make([]Outcome, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		out[i] = Outcome{User: t.User}
		if t.Manager == nil {
			out[i].Err = &InputError{Field: "targets", Reason: "a target has no manager"}
			continue
		}
		out[i].Vendor = t.Manager.Vendor()
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Err = op(ctx, t.Manager, t.User)
		}()
	}
	wg.Wait()
	return out
}

// SetPasswordAll sets the same new password for one person on every target.
func SetPasswordAll(ctx context.Context, targets []Target, newPassword Secret) []Outcome {
	return ApplyAll(ctx, targets, func(ctx context.Context, m PasswordManager, user string) error {
		return m.SetPassword(ctx, user, newPassword)
	})
}

// ChangePasswordAll changes one person's password from old to new on every target.
func ChangePasswordAll(ctx context.Context, targets []Target, oldPassword, newPassword Secret) []Outcome {
	return ApplyAll(ctx, targets, func(ctx context.Context, m PasswordManager, user string) error {
		return m.ChangePassword(ctx, user, oldPassword, newPassword)
	})
}
