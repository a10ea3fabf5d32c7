package facade_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade"
)

// facade.Vendor is declared apart from api.Vendor (so that facade links no contract-testing code): the two
// must name the same vendors, since the fakes and the CLI convert between them.
func TestVendorNamesMatchSpecs(t *testing.T) {
	t.Parallel()
	var specs []string
	for _, v := range api.Vendors() {
		specs = append(specs, string(v))
	}
	assert.Equal(t, specs, []string{string(facade.VendorDocSpace), string(facade.VendorZendesk), string(facade.VendorGlowmarkt)})
}
