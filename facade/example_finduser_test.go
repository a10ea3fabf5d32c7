package facade_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

func ExampleZendesk_FindUser() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 7, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	fake.AddUser(facadetest.ZendeskUser{ID: 8, Email: "Ada@Example.com", Name: "Ada Lovelace", Role: "end-user"})
	fake.AddUser(facadetest.ZendeskUser{ID: 9, Email: "lada@example.com", Role: "end-user"}) // found by the search too
	fake.AddAPIToken("admin@example.com", "fake-api-token")

	zd, err := facade.NewZendesk(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithAPIToken("admin@example.com", "fake-api-token"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	u, err := zd.FindUser(ctx, "ada@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %s <%s>\n", u.ID, u.Name, u.Email)

	_, err = zd.FindUser(ctx, "nobody@example.com")
	fmt.Println(errors.Is(err, facade.ErrNotFound))
	// Output:
	// 8: Ada Lovelace <Ada@Example.com>
	// true
}

func ExampleDocSpace_ChangePassword() {
	const user = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"
	fake := facadetest.NewDocSpace()
	defer fake.Close()
	fake.AddUser(facadetest.DocSpaceUser{ID: user, Email: "mike@example.com", Password: "fake-Old-Passw0rd"})
	fake.AddAPIKey("fake-api-key")

	ds, err := facade.NewDocSpace(fake.URL(), facade.WithHTTPClient(fake.Client()), facade.WithAPIKey("fake-api-key"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	err = ds.ChangePassword(ctx, user, facade.NewSecret("fake-Wrong-Passw0rd"), facade.NewSecret("fake-New-Passw0rd1"))
	fmt.Println("wrong old password rejected:", errors.Is(err, facade.ErrPasswordRejected))
	err = ds.ChangePassword(ctx, user, facade.NewSecret("fake-Old-Passw0rd"), facade.NewSecret("fake-New-Passw0rd1"))
	fmt.Println("changed:", err == nil)
	fmt.Println("new one in effect:", ds.Verify(ctx, user, facade.NewSecret("fake-New-Passw0rd1")) == nil)
	// Output:
	// wrong old password rejected: true
	// changed: true
	// new one in effect: true
}
