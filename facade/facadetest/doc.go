// Package facadetest provides stateful, in-process fakes of the ONLYOFFICE DocSpace, Zendesk and Glowmarkt
// APIs for tests, in the manner of net/http/httptest. NewDocSpace, NewZendesk and NewGlowmarkt start a server
// on loopback; seed it with users (AddUser, AddAccount) and credentials (AddAPIKey, AddAPIToken, ...), point a
// client at its URL() with its Client(), and look at the state afterwards (Password, ResetEmails, Hits):
//
//	fake := facadetest.NewZendesk(facadetest.WithT(t))
//	fake.AddUser(facadetest.ZendeskUser{ID: 1, Email: "admin@example.com", Password: "fake-Passw0rd-1", Role: "admin"})
//	fake.AddAPIToken("admin@example.com", "fake-api-token")
//	fake.SetAdminSetPassword(true)
//	// ... call fake.URL() + "/api/v2/users/1/password" with fake.Client() ...
//	pw, _ := fake.Password(1)
//
// # Contract
//
// Every request and every answer passes through the contract validator of package api, built from the
// vendor's OpenAPI description. A request the description does not allow is answered 400 (text/plain) and
// recorded; an answer of the fake that does not match the description is recorded and still sent.
// Violations returns what was recorded; with WithT(t) each violation also fails the test (t.Errorf) and the
// server closes at t.Cleanup. A request without any credential a security scheme asks for is therefore a
// contract violation, not a 401: the fakes answer 401 to credentials that are present but wrong.
//
// # Faults
//
// Fail arms a Fault for an operation, named by the description's operationId: a status with any body,
// content type and Retry-After, extra headers, a delay, a dropped connection or a truncated body. Several
// faults for one operation queue up; each applies to its next Times requests (0: until ClearFaults). Faults
// emulate what stands between a client and the vendor (proxies, load balancers, the network), so their
// answers are not contract-checked. A fault with only a Delay makes a slow vendor: after the delay the fake
// answers as usual.
//
// A fault answers instead of the fake: the request is not applied. With After: true it answers after the
// fake: the fake applies the request (a password write changes the password) and the answer is then lost,
// as when a vendor commits a write and the connection or a proxy fails:
//
//	fake.Fail("SetUserPassword", facadetest.Fault{After: true, Drop: true})         // applied, connection dropped
//	fake.Fail("SetUserPassword", facadetest.Fault{After: true, Status: 502})        // applied, 502 from a proxy
//	fake.Fail("SetUserPassword", facadetest.Fault{After: true, Delay: time.Minute}) // applied, answer stalls
//
// A request the rate limit (SetRateLimit) refuses is not applied and still takes the fault's turn.
//
// Hits counts the requests per operation, faulted and invalid ones included. SetRateLimit makes a fake
// refuse requests over a token-bucket rate with 429 and Retry-After, as the vendors do.
//
// # Serving them together
//
// NewFakes makes the three fakes, seeded from a Seed (ReadSeed reads one from JSON), behind one
// http.Handler: each vendor under its path prefix (/docspace, /zendesk, /glowmarkt) and a JSON admin API
// under /_admin to read the state, hit counts and violations and to arm faults, for clients in any language.
// `unipass fakes` serves it on a local port. WithMount and Handler serve a single fake on your own listener
// or mux instead of its own server.
//
// Everything is safe for concurrent use.
package facadetest
