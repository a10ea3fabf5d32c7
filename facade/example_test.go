package facade_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

func ExampleNewZendesk() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 7, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	fake.AddUser(facadetest.ZendeskUser{ID: 8, Email: "agent@example.com", Password: "fake-Agent-1", Role: "agent"})
	fake.AddAPIToken("admin@example.com", "fake-api-token")

	zd, err := facade.NewZendesk(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithAPIToken("admin@example.com", "fake-api-token"))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	err = zd.SetPassword(ctx, "8", facade.NewSecret("fake-New-Passw0rd"))
	fmt.Println("setting off:", errors.Is(err, facade.ErrForbidden))

	fake.SetAdminSetPassword(true)
	err = zd.SetPassword(ctx, "8", facade.NewSecret("fake-New-Passw0rd"))
	fmt.Println("setting on:", err)
	// Output:
	// setting off: true
	// setting on: <nil>
}

func ExampleDocSpace_Requirements() {
	fake := facadetest.NewDocSpace()
	defer fake.Close()
	fake.AddUser(facadetest.DocSpaceUser{ID: "aae1e103-bca5-9fa1-ba8c-42058b4abf28", Email: "admin@example.com", Password: "fake-Admin-Passw0rd"})

	ds, err := facade.NewDocSpace(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithLogin("admin@example.com", "fake-Admin-Passw0rd"))
	if err != nil {
		panic(err)
	}
	policy, err := ds.Requirements(context.Background(), "")
	if err != nil {
		panic(err)
	}
	fmt.Println("minimum length:", policy.MinLength())
	for _, unmet := range policy.Check(facade.NewSecret("short")) {
		fmt.Println("unmet:", unmet)
	}
	// Output:
	// minimum length: 8
	// unmet: must be at least 8 characters
	// unmet: must contain an upper-case letter
	// unmet: must contain a digit
}

func ExampleGlowmarkt_ChangePassword() {
	fake := facadetest.NewGlowmarkt()
	defer fake.Close()
	fake.AddAccount(facadetest.GlowmarktAccount{AccountID: "acc-1", Username: "user@example.com", Password: "fake-Old-Passw0rd"})

	gm, err := facade.NewGlowmarkt(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithApplicationID(fake.ApplicationID()), facade.WithLogin("user@example.com", "fake-Old-Passw0rd"))
	if err != nil {
		panic(err)
	}
	err = gm.ChangePassword(context.Background(), "acc-1", facade.NewSecret("fake-Old-Passw0rd"), facade.NewSecret("fake-New-Passw0rd"))
	fmt.Println("changed:", err == nil)
	fmt.Println("set password supported:", gm.Capabilities().SetPassword)
	// Output:
	// changed: true
	// set password supported: false
}

func ExampleSecret() {
	pw := facade.NewSecret("fake-Passw0rd")
	fmt.Println(pw)
	fmt.Printf("%#v\n", pw)
	// Output:
	// [REDACTED]
	// [REDACTED]
}
