package facade_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/facade"
)

// CheckUser accepts what the managers accept as a user (an ID, or an email address where FindUser exists)
// and refuses the rest with an *InputError that matches ErrInvalidInput.
func TestCheckUser(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    facade.Vendor
		user string
		ok   bool
	}{
		{facade.VendorZendesk, "1", true},
		{facade.VendorZendesk, "9223372036854775807", true},
		{facade.VendorZendesk, "9223372036854775808", false},
		{facade.VendorZendesk, "0", false},
		{facade.VendorZendesk, "007", false},
		{facade.VendorZendesk, "+7", false},
		{facade.VendorZendesk, "", false},
		{facade.VendorZendesk, "mike@example.com", true},
		{facade.VendorZendesk, "mike@", false},
		{facade.VendorZendesk, "mike@a@example.com", false},
		{facade.VendorDocSpace, "aae1e103-bca5-9fa1-ba8c-42058b4abf28", true},
		{facade.VendorDocSpace, "{aae1e103-bca5-9fa1-ba8c-42058b4abf28}", false},
		{facade.VendorDocSpace, "aae1e103bca59fa1ba8c42058b4abf28", false},
		{facade.VendorDocSpace, "mike@example.com", true},
		{facade.VendorDocSpace, "Mike <mike@example.com>", false},
		{facade.VendorGlowmarkt, "", true},
		{facade.VendorGlowmarkt, "glow-acc_0001", true},
		{facade.VendorGlowmarkt, "mike@example.com", false},
		{facade.VendorGlowmarkt, "../admin", false},
		{facade.Vendor("other"), "1", false},
	} {
		err := facade.CheckUser(c.v, c.user)
		if c.ok {
			assert.NoError(t, err, "%s %q", c.v, c.user)
			continue
		}
		var ie *facade.InputError
		assert.ErrorAs(t, err, &ie, "%s %q", c.v, c.user)
		assert.ErrorIs(t, err, facade.ErrInvalidInput, "%s %q", c.v, c.user)
	}
}
