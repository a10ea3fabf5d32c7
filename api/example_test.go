package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/unipass/unipass/api"
	"github.com/unipass/unipass/facade/facadetest"
)

// Contract-testing a hand-written client: its requests go through the validator's RoundTripper, which
// refuses (without sending) a request the vendor's description does not allow, and checks every answer.
func ExampleValidator_RoundTripper() {
	fake := facadetest.NewZendesk()
	defer fake.Close()
	fake.AddUser(facadetest.ZendeskUser{ID: 7, Email: "admin@example.com", Password: "fake-Admin-1", Role: "admin"})
	fake.AddUser(facadetest.ZendeskUser{ID: 8, Email: "agent@example.com", Password: "fake-Agent-1", Role: "agent"})
	fake.AddAPIToken("admin@example.com", "fake-api-token")
	fake.SetAdminSetPassword(true)

	v, err := api.NewValidator(api.Zendesk)
	if err != nil {
		panic(err)
	}
	client := &http.Client{Transport: v.RoundTripper(fake.Client().Transport)}
	setPassword := func(body string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
			fake.URL()+"/api/v2/users/8/password", bytes.NewBufferString(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("admin@example.com/token", "fake-api-token")
		return client.Do(req)
	}

	resp, err := setPassword(`{"password":"fake-New-Passw0rd"}`)
	if err != nil {
		panic(err)
	}
	_ = resp.Body.Close()
	fmt.Println("valid request:", resp.StatusCode)

	_, err = setPassword(`{"new_password":"fake-New-Passw0rd"}`) // not the field Zendesk reads
	var violation *api.ValidationError
	fmt.Println("invalid request refused:", errors.As(err, &violation) && errors.Is(err, api.ErrContractViolation))
	fmt.Println("sent:", !violation.NotSent())
	fmt.Println("requests the fake saw:", fake.Hits(facadetest.ZendeskSetUserPassword))
	// Output:
	// valid request: 200
	// invalid request refused: true
	// sent: false
	// requests the fake saw: 1
}
