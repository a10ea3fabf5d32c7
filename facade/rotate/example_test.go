package rotate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
)

// A journaled run: each new password is recorded in the journal before its write is sent, and its outcome
// after; a later run opened on the same journal (OpenJournal) resumes from it.
func ExampleRun() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	for id := int64(100); id < 103; id++ {
		fake.AddUser(facadetest.ZendeskUser{ID: id, Email: fmt.Sprintf("u%d@example.com", id), Password: "fake-Old-1", Role: "agent"})
	}
	fake.AddAPIToken("admin@example.com", "fake-api-token")
	fake.SetAdminSetPassword(true)
	zd, err := facade.NewZendesk(fake.URL(), facade.WithHTTPClient(fake.Client()),
		facade.WithAPIToken("admin@example.com", "fake-api-token"))
	if err != nil {
		panic(err)
	}

	dir, err := os.MkdirTemp("", "rotate-example")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	header := rotate.JournalHeader{Vendor: "zendesk", BaseURL: fake.URL(), Input: "example"}
	journal, err := rotate.CreateJournal(filepath.Join(dir, "run.journal"), header)
	if err != nil {
		panic(err)
	}

	targets := make(chan rotate.Target)
	go func() {
		defer close(targets)
		for _, user := range []string{"100", "101", "102"} {
			targets <- rotate.Target{Manager: zd, User: user}
		}
	}()
	done := 0
	for res := range rotate.Run(context.Background(), targets, rotate.Config{Journal: journal}) {
		if res.Status == rotate.Done {
			done++ // deliver res.NewPassword to the user here
		}
	}
	if err := journal.Close(); err != nil {
		panic(err)
	}
	fmt.Println("done:", done)

	resumed, prior, err := rotate.OpenJournal(journal.Path(), header)
	if err != nil {
		panic(err)
	}
	defer func() { _ = resumed.Close() }()
	fmt.Println("journal:", prior[rotate.TargetKey(facade.VendorZendesk, "101")].State)
	// Output:
	// done: 3
	// journal: done
}
