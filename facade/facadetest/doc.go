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
// Fail arms a Fault for an operation, named by an Operation constant (ZendeskSetUserPassword,
// DocSpaceChangeUserPassword, GlowmarktUserChangePassword, ...: the vendor and the description's
// operationId, which is not the facade's operation name). A name that is no operation of the fake's vendor
// arms nothing and fails the test (t.Fatalf with WithT, a panic without); so does Hits. A fault is a status with any body,
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
//	fake.Fail(facadetest.ZendeskSetUserPassword, facadetest.Fault{After: true, Drop: true})         // applied, connection dropped
//	fake.Fail(facadetest.ZendeskSetUserPassword, facadetest.Fault{After: true, Status: 502})        // applied, 502 from a proxy
//	fake.Fail(facadetest.ZendeskSetUserPassword, facadetest.Fault{After: true, Delay: time.Minute}) // applied, answer stalls
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
// # The admin API
//
// The admin API (Fakes.AdminHandler) is JSON, for scripts and tests in any language. Paths are relative
// to where it is mounted (NewFakes mounts it under AdminPrefix):
//
//	GET  /state          every vendor's users with their current passwords, hits, violations, armed faults
//	GET  /hits           {"zendesk": {"SetUserPassword": 2, ...}, ...}
//	GET  /violations     {"zendesk": ["..."], ...}: the contract violations recorded so far
//	POST /faults         arm a fault: {"vendor": "zendesk", "operation": "SetUserPassword", "status": 502, "times": 1}
//	POST /faults/clear   disarm every fault; {"vendor": "zendesk"} only that vendor's
//
// A fault's fields are those of Fault, case-insensitive, with "delay" a Go duration ("1.5s"):
// {"vendor": "zendesk", "operation": "SetUserPassword", "after": true, "drop": true} applies the next write
// and drops the connection before the answer. The operation is the description's operationId.
//
// Its state holds every user's password, so it answers (else 403) only clients on a loopback address that
// name a loopback Host with its port, send no Origin but the server's own, and write as
// Content-Type: application/json: no remote client, no web page (DNS rebinding, cross-site forms).
//
// # Vendors and IDs
//
// The fakes name vendors with api.Vendor; facade.Vendor holds the same names ("docspace", "zendesk",
// "glowmarkt"), so one converts to the other: facade.Vendor(v), api.Vendor(m.Vendor()). User IDs are the
// vendor's own types, as the generated clients have them: a DocSpace user ID is a UUID string, a Glowmarkt
// account ID a string, a Zendesk user ID an int64. The facade takes every user ID as a string: a Zendesk ID
// in decimal (strconv.FormatInt(id, 10)), as facade.User.ID gives it.
//
// Everything is safe for concurrent use.
package facadetest
