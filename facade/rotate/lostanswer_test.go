package rotate_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// Every write applied and its answer lost (dropped, a proxy's 502, an answer slower than the client's
// timeout): every target ends done through Verify, none is lost or sent twice, and each account's password
// at the vendor is the one delivered.
func TestRotationLostAnswersEndDoneThroughVerify(t *testing.T) {
	t.Parallel()
	faults := map[string]facadetest.Fault{
		"dropped":  {After: true, Drop: true},
		"502":      {After: true, Status: 502, ContentType: "text/html", Body: "<html>502 Bad Gateway</html>"},
		"too slow": {After: true, Delay: time.Hour}, // until the client's timeout
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const n = 20
			f, _ := zendeskFleet(t, n)
			// The timeout leaves a loaded machine time to get each write to the fake, which must apply it.
			z := zendeskAdmin(t, f, facade.WithHTTPClient(&http.Client{Transport: f.Client().Transport, Timeout: time.Second}))
			f.Fail("SetUserPassword", fault)
			j, path := newJournal(t)
			results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: n, Limits: fast, Journal: j}))
			require.Len(t, results, n)
			for _, r := range results {
				require.Equal(t, rotate.Done, r.Status, "%s: %v", r.User, r.Err)
				var id int64
				_, _ = fmt.Sscan(r.User, &id)
				pw, _ := f.Password(id)
				assert.Equal(t, pw, r.NewPassword.Reveal(), "the password in effect is the one delivered")
				assert.Equal(t, 1, r.Attempts)
			}
			assert.Equal(t, n, f.Hits("SetUserPassword"), "no write sent twice")
			states := map[string][]any{}
			for _, l := range journalLines(t, path)[1:] {
				states[l["user"].(string)] = append(states[l["user"].(string)], l["state"])
			}
			for _, r := range results {
				assert.Equal(t, []any{"pending", "done"}, states[r.User], r.User)
			}
		})
	}
}

func glowmarktAccount(t *testing.T) (*facadetest.Glowmarkt, *facade.Glowmarkt) {
	g := fixture.Glowmarkt(t, fixture.GlowmarktSeed(oldPassword))
	return g, fixture.GlowmarktManager(t, g, facade.WithLogin(fixture.GlowmarktUser, oldPassword), facade.WithBackoff(time.Millisecond))
}

// A Glowmarkt change whose outcome is unknown but which did not apply: Verify refuses the new password, the
// old one still verifies, so it is sent once more, and ends done.
func TestRotationProvenNotAppliedIsSentAgain(t *testing.T) {
	t.Parallel()
	g, m := glowmarktAccount(t)
	g.Fail("userChangePassWord", facadetest.Fault{Drop: true, Times: 1}) // lost before the vendor applied it
	j, path := newJournal(t)
	results := run(t.Context(), rotate.Config{Journal: j, Limits: map[facade.Vendor]rotate.Limit{facade.VendorGlowmarkt: {PerSecond: 1000, Burst: 10}}},
		rotate.Target{Manager: m, User: "acc-1", OldPassword: facade.NewSecret(oldPassword)})
	require.Len(t, results, 1)
	r := results[0]
	require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
	assert.Equal(t, 2, g.Hits("userChangePassWord"), "sent again once, after the proof")
	assert.Equal(t, 2, r.Attempts)
	pw, _ := g.Password("acc-1")
	assert.Equal(t, pw, r.NewPassword.Reveal())
	var states []any
	for _, l := range journalLines(t, path)[1:] {
		states = append(states, l["state"])
	}
	assert.Equal(t, []any{"pending", "not-applied", "pending", "done"}, states)
}

// Zendesk without password access to the API cannot verify: the write applied with its answer lost ends
// unknown, and the password delivered is the one in effect.
func TestRotationUnverifiableIsUnknownWithThePassword(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 3)
	f.SetPasswordAccess(false)
	f.Fail("SetUserPassword", facadetest.Fault{After: true, Drop: true})
	results := collect(rotate.Run(t.Context(), feed(z, 3), rotate.Config{Limits: fast}))
	require.Len(t, results, 3)
	for _, r := range results {
		assert.Equal(t, rotate.Unknown, r.Status)
		assert.ErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
		assert.ErrorIs(t, r.Err, facade.ErrVerifyUnavailable)
		var id int64
		_, _ = fmt.Sscan(r.User, &id)
		pw, _ := f.Password(id)
		assert.Equal(t, pw, r.NewPassword.Reveal(), "delivered, for a person to settle")
		assert.NotContains(t, fmt.Sprintf("%v %+v %#v", r, r, r.Err), pw)
	}
	assert.Equal(t, 3, f.Hits("SetUserPassword"))
}

// A Zendesk SetPassword whose answer is lost before the fake applies it (dropped, or a 500 instead of the
// fake's answer): Verify refuses the candidate, so the same password is sent once more; when that one
// is answered the target ends done, with the password in effect the one delivered, after two writes.
// When it is lost too, the target ends unknown with the candidate, after exactly two writes.
func TestRotationLostBeforeApplyingIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	faults := map[string]facadetest.Fault{
		"dropped": {Drop: true},
		"500":     {Status: 500, Body: `{"error":"Boom"}`},
	}
	for name, fault := range faults {
		for _, lostTwice := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, lost twice %v", name, lostTwice), func(t *testing.T) {
				t.Parallel()
				f, z := zendeskFleet(t, 1)
				lost := fault
				lost.Times = 1
				if lostTwice {
					lost.Times = 2
				}
				f.Fail("SetUserPassword", lost)
				j, path := newJournal(t)
				results := collect(rotate.Run(t.Context(), feed(z, 1), rotate.Config{Limits: fast, Journal: j}))
				require.Len(t, results, 1)
				r := results[0]
				require.False(t, r.NewPassword.IsZero(), "the candidate is delivered")
				pw, _ := f.Password(100)
				assert.Equal(t, 2, f.Hits("SetUserPassword"), "sent once more, never a third time")
				assert.Equal(t, 2, r.Attempts)
				assert.NotContains(t, fmt.Sprintf("%v %+v %#v", r, r, r.Err), r.NewPassword.Reveal())
				var states []any
				for _, l := range journalLines(t, path)[1:] {
					states = append(states, l["state"])
					assert.Equal(t, r.NewPassword.Reveal(), l["password"], "the same password every time")
				}
				if !lostTwice {
					require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
					assert.Equal(t, pw, r.NewPassword.Reveal(), "the password in effect is the one delivered")
					assert.Equal(t, []any{"pending", "refused", "pending", "done"}, states)
					return
				}
				assert.Equal(t, rotate.Unknown, r.Status)
				assert.ErrorIs(t, r.Err, facade.ErrOutcomeUnknown)
				assert.ErrorIs(t, r.Err, facade.ErrWrongPassword)
				assert.Equal(t, oldPassword, pw, "neither write applied")
				assert.Equal(t, []any{"pending", "refused", "pending", "unknown"}, states)
			})
		}
	}
}

// Zendesk without password access to the API: Verify proves nothing (ErrVerifyUnavailable), so a write
// lost before it applied is never sent again: unknown with the candidate, one write.
func TestRotationLostUnverifiableIsNeverSentAgain(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 1)
	f.SetPasswordAccess(false)
	f.Fail("SetUserPassword", facadetest.Fault{Drop: true, Times: 1})
	j, path := newJournal(t)
	results := collect(rotate.Run(t.Context(), feed(z, 1), rotate.Config{Limits: fast, Journal: j}))
	require.Len(t, results, 1)
	r := results[0]
	assert.Equal(t, rotate.Unknown, r.Status)
	assert.ErrorIs(t, r.Err, facade.ErrVerifyUnavailable)
	assert.NotErrorIs(t, r.Err, facade.ErrWrongPassword)
	assert.False(t, r.NewPassword.IsZero(), "the candidate is delivered")
	assert.Equal(t, 1, f.Hits("SetUserPassword"))
	pw, _ := f.Password(100)
	assert.Equal(t, oldPassword, pw)
	var states []any
	for _, l := range journalLines(t, path)[1:] {
		states = append(states, l["state"])
	}
	assert.Equal(t, []any{"pending", "unknown"}, states)
}
