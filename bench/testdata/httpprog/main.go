// Command httpprog is facadeprog's baseline in plain net/http: given a user ID, it reads that user's
// Zendesk password requirements and prints the status.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Println(true)
		return
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet,
		"https://example.zendesk.com/api/v2/users/"+os.Args[1]+"/password/requirements", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	req.SetBasicAuth("admin@example.com/token", os.Getenv("ZENDESK_API_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	fmt.Println(resp.Status)
}
