package facade_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

func ExampleZendesk_Verify() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 7, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	fake.AddUser(facadetest.ZendeskUser{ID: 8, Email: "agent@example.com", Password: "fake-Agent-Passw0rd", Role: "agent"})
	fake.AddAPIToken("admin@example.com", "fake-api-token")

	zd, err := facade.NewZendesk(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithAPIToken("admin@example.com", "fake-api-token"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	describe := func(err error) string {
		switch {
		case err == nil:
			return "in effect"
		case errors.Is(err, facade.ErrWrongPassword):
			return "not in effect"
		case errors.Is(err, facade.ErrVerifyUnavailable):
			return "cannot be checked on this account"
		}
		return "unknown: " + err.Error()
	}
	fmt.Println(describe(zd.Verify(ctx, "8", facade.NewSecret("fake-Agent-Passw0rd"))))
	fmt.Println(describe(zd.Verify(ctx, "8", facade.NewSecret("fake-Other-Passw0rd"))))
	fake.SetPasswordAccess(false)
	fmt.Println(describe(zd.Verify(ctx, "8", facade.NewSecret("fake-Agent-Passw0rd"))))
	// Output:
	// in effect
	// not in effect
	// cannot be checked on this account
}
