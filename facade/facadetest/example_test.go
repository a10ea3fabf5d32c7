package facadetest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// A fake with a fault: Zendesk applies a password write, then a proxy answers 502. The facade reports the
// outcome as unknown (never sent again on its own), and Verify settles it.
func ExampleServer_Fail() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 7, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	fake.AddUser(facadetest.ZendeskUser{ID: 8, Email: "agent@example.com", Password: "fake-Agent-1", Role: "agent"})
	fake.AddAPIToken("admin@example.com", "fake-api-token")
	fake.SetAdminSetPassword(true)
	fake.Fail(facadetest.ZendeskSetUserPassword, facadetest.Fault{After: true, Status: 502, Times: 1})

	zd, err := facade.NewZendesk(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithAPIToken("admin@example.com", "fake-api-token"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pw := facade.NewSecret("fake-New-Passw0rd")
	err = zd.SetPassword(ctx, "8", pw)
	fmt.Println("outcome unknown:", errors.Is(err, facade.ErrOutcomeUnknown))
	fmt.Println("requests sent:", fake.Hits(facadetest.ZendeskSetUserPassword))
	fmt.Println("verified:", zd.Verify(ctx, "8", pw))
	// Output:
	// outcome unknown: true
	// requests sent: 1
	// verified: <nil>
}
