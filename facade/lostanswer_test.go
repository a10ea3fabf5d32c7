package facade_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
)

// lostAnswerWrite is a password write whose fake applies it and then loses the answer.
type lostAnswerWrite struct {
	name string
	// setup returns: arm (the fault on the write's operation), call (the write), hits (of the write's
	// operation) and password (the fake's password for the account afterwards).
	setup func(t *testing.T, hc *http.Client) (arm func(facadetest.Fault), call func(context.Context) error, hits func() int, password func() string)
}

var lostAnswerWrites = []lostAnswerWrite{
	{"docspace/SetPassword", func(t *testing.T, hc *http.Client) (func(facadetest.Fault), func(context.Context) error, func() int, func() string) {
		f, d := docspaceSetup(t, hc, false)
		return func(x facadetest.Fault) { f.Fail("changeUserPassword", x) },
			func(ctx context.Context) error { return d.SetPassword(ctx, matrixUser, facade.NewSecret(leakNew)) },
			func() int { return f.Hits("changeUserPassword") },
			func() string { pw, _ := f.Password(matrixUser); return pw }
	}},
	{"zendesk/SetPassword", func(t *testing.T, hc *http.Client) (func(facadetest.Fault), func(context.Context) error, func() int, func() string) {
		f, admin, _ := zendeskSetup(t, hc)
		return func(x facadetest.Fault) { f.Fail("SetUserPassword", x) },
			func(ctx context.Context) error { return admin.SetPassword(ctx, "2", facade.NewSecret(leakNew)) },
			func() int { return f.Hits("SetUserPassword") },
			func() string { pw, _ := f.Password(2); return pw }
	}},
	{"zendesk/ChangePassword", func(t *testing.T, hc *http.Client) (func(facadetest.Fault), func(context.Context) error, func() int, func() string) {
		f, _, agent := zendeskSetup(t, hc)
		return func(x facadetest.Fault) { f.Fail("ChangeOwnPassword", x) },
			func(ctx context.Context) error {
				return agent.ChangePassword(ctx, "2", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
			},
			func() int { return f.Hits("ChangeOwnPassword") },
			func() string { pw, _ := f.Password(2); return pw }
	}},
	{"glowmarkt/ChangePassword", func(t *testing.T, hc *http.Client) (func(facadetest.Fault), func(context.Context) error, func() int, func() string) {
		f, g := glowmarktSetup(t, hc)
		return func(x facadetest.Fault) { f.Fail("userChangePassWord", x) },
			func(ctx context.Context) error {
				return g.ChangePassword(ctx, "", facade.NewSecret(leakPassword), facade.NewSecret(leakNew))
			},
			func() int { return f.Hits("userChangePassWord") },
			func() string { pw, _ := f.Password("acc-1"); return pw }
	}},
}

// lostAnswerTimeout is the client's timeout: long enough for a loaded machine to get the request to the
// fake (which must apply it), short enough for the stalled answers.
const lostAnswerTimeout = time.Second

// A vendor that applies a write and then loses the answer: the call ends ErrOutcomeUnknown, the write
// reached the vendor exactly once, and the vendor's state holds the new password.
func TestFaultMatrixLostAnswers(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name  string
		fault facadetest.Fault
	}{
		{"applied, connection dropped", facadetest.Fault{After: true, Drop: true}},
		{"applied, 500", facadetest.Fault{After: true, Status: 500, Body: `{"error":"An error has occurred"}`}},
		{"applied, 502 HTML", facadetest.Fault{After: true, Status: 502, ContentType: "text/html", Body: "<html><body>502 Bad Gateway</body></html>"}},
		{"applied, answer stalls past the timeout", facadetest.Fault{After: true, Delay: time.Hour}}, // cut short when the client gives up
		{"applied, truncated answer", facadetest.Fault{After: true, Status: 200, Body: `{"status":0,"response":{"valid":true}}`, Truncate: true}},
	}
	for _, w := range lostAnswerWrites {
		for _, fc := range faults {
			t.Run(fmt.Sprintf("%s/%s", w.name, fc.name), func(t *testing.T) {
				t.Parallel()
				hc := &http.Client{Timeout: lostAnswerTimeout}
				arm, call, hits, password := w.setup(t, hc)
				fault := fc.fault
				fault.Times = 1
				arm(fault)
				err := call(t.Context())
				require.ErrorIs(t, err, facade.ErrOutcomeUnknown)
				assert.Equal(t, 1, hits(), "the write reached the vendor exactly once")
				assert.Equal(t, leakNew, password(), "the vendor applied the write")
				assertNoLeak(t, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
			})
		}
	}
}

// The stall of an After fault ends when the client gives up: the fake does not hold the test.
func TestLostAnswerStallEndsWithTheClient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: lostAnswerTimeout}
	arm, call, hits, password := lostAnswerWrites[1].setup(t, hc)
	arm(facadetest.Fault{After: true, Delay: time.Hour, Times: 1})
	require.ErrorIs(t, call(t.Context()), facade.ErrOutcomeUnknown)
	assert.Equal(t, 1, hits())
	assert.Equal(t, leakNew, password())
}
