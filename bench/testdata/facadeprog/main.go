// Command facadeprog is the smallest useful program on unipass: it builds a Zendesk manager and, given a
// user ID, prints that user's minimum password length. The bench package measures its size and start-up.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/unipass/unipass/facade"
)

func main() {
	zd, err := facade.NewZendesk("https://example.zendesk.com",
		facade.WithAPIToken("admin@example.com", os.Getenv("ZENDESK_API_TOKEN")))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) < 2 {
		fmt.Println(zd.Capabilities().Requirements)
		return
	}
	p, err := zd.Requirements(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(p.MinLength())
}
