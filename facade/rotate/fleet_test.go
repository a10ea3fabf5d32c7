package rotate_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// profileTargets returns n targets of one profile (users fixture.FirstUser...).
func profileTargets(profile string, m facade.PasswordManager, n int) []rotate.Target {
	out := make([]rotate.Target, n)
	for i := range out {
		out[i] = rotate.Target{Manager: m, Profile: profile, User: fmt.Sprint(fixture.FirstUser + i)}
	}
	return out
}

// Two profiles of one vendor get a pacer each: a 429 that pauses one profile (Retry-After 3 s) does not
// pause the other, whose targets all end while the first still waits to send again.
func TestFleetRateLimitPausesOnlyItsProfile(t *testing.T) {
	t.Parallel()
	fa, za := zendeskFleet(t, 1, facade.WithFailFast())
	fb, zb := zendeskFleet(t, 20, facade.WithFailFast())
	fa.Fail("SetUserPassword", facadetest.Fault{Status: 429, RetryAfter: "3", Body: `{"error":"Too many requests"}`, Times: 1})
	limits := map[string]rotate.Limit{"a": {PerSecond: 1000, Burst: 50}, "b": {PerSecond: 1000, Burst: 50}}
	targets := append(profileTargets("a", za, 1), profileTargets("b", zb, 20)...)
	// b's targets come once a's write is answered 429 (profiles are scheduled apart, so a's could
	// otherwise go last).
	limited := make(chan struct{})
	var once sync.Once
	ctx := facade.WithObserver(t.Context(), func(i facade.ResponseInfo) {
		if i.StatusCode == 429 {
			once.Do(func() { close(limited) })
		}
	})
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		for n, tg := range targets {
			if n == 1 {
				<-limited
			}
			ch <- tg
		}
	}()
	var order []string
	var aResult rotate.Result
	for r := range rotate.Run(ctx, ch, rotate.Config{Concurrency: 4, ProfileLimits: limits}) {
		order = append(order, r.Profile)
		if r.Profile == "a" {
			aResult = r
			continue
		}
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		if len(order) == len(targets)-1 || fb.Hits("SetUserPassword") == 20 {
			assert.Equal(t, 1, fa.Hits("SetUserPassword"), "profile a still paused while b's targets end")
		}
	}
	require.Len(t, order, len(targets))
	assert.Equal(t, "a", order[len(order)-1], "profile b's targets all ended before a's pause did: %v", order)
	assert.Equal(t, rotate.Done, aResult.Status, "%v", aResult.Err)
	assert.Equal(t, 2, aResult.Attempts, "a's write sent again after its Retry-After")
	assert.Equal(t, 20, fb.Hits("SetUserPassword"))
}

// The same user ID in two Zendesk tenants is two accounts: both rotated, each with its own password,
// neither refused as a duplicate; the journal keys them apart, and a resumed run delivers both from it.
func TestFleetSameUserInTwoProfiles(t *testing.T) {
	t.Parallel()
	fa, za := zendeskFleet(t, 1)
	fb, zb := zendeskFleet(t, 1)
	path := filepath.Join(t.TempDir(), "journal")
	header := rotate.JournalHeader{Vendor: rotate.Mixed, Input: "fake-input", Profiles: []rotate.JournalProfile{
		{Name: "a", Vendor: "zendesk", BaseURL: fa.URL()}, {Name: "b", Vendor: "zendesk", BaseURL: fb.URL()}}}
	j, err := rotate.CreateJournal(path, header)
	require.NoError(t, err)
	limits := map[string]rotate.Limit{"a": {PerSecond: 1000, Burst: 50}, "b": {PerSecond: 1000, Burst: 50}}
	results := run(t.Context(), rotate.Config{Journal: j, ProfileLimits: limits},
		rotate.Target{Manager: za, Profile: "a", User: "100"}, rotate.Target{Manager: zb, Profile: "b", User: "100"},
		rotate.Target{Manager: zb, Profile: "b", User: "100"})
	require.NoError(t, j.Close())
	byIndex := map[int]rotate.Result{}
	for _, r := range results {
		byIndex[r.Index] = r
	}
	require.Len(t, byIndex, 3)
	for i, f := range []*facadetest.Zendesk{fa, fb} {
		r := byIndex[i]
		require.Equal(t, rotate.Done, r.Status, "%v", r.Err)
		assert.Equal(t, []string{"a", "b"}[i], r.Profile)
		pw, _ := f.Password(100)
		assert.Equal(t, r.NewPassword.Reveal(), pw)
		assert.Equal(t, 1, f.Hits("SetUserPassword"))
	}
	assert.NotEqual(t, byIndex[0].NewPassword.Reveal(), byIndex[1].NewPassword.Reveal())
	assert.ErrorIs(t, byIndex[2].Err, rotate.ErrDuplicateTarget, "the same user twice within one profile is a duplicate")

	j, prior, err := rotate.OpenJournal(path, header)
	require.NoError(t, err)
	require.Len(t, prior, 2)
	ka, kb := rotate.ProfileKey("a", facade.VendorZendesk, "100"), rotate.ProfileKey("b", facade.VendorZendesk, "100")
	assert.Equal(t, "a", prior[ka].Profile)
	assert.Equal(t, byIndex[0].NewPassword.Reveal(), prior[ka].Password.Reveal())
	assert.Equal(t, byIndex[1].NewPassword.Reveal(), prior[kb].Password.Reveal())

	again := run(t.Context(), rotate.Config{Journal: j, Prior: prior, ProfileLimits: limits},
		rotate.Target{Manager: zb, Profile: "b", User: "100"}, rotate.Target{Manager: za, Profile: "a", User: "100"})
	require.NoError(t, j.Close())
	require.Len(t, again, 2)
	for _, r := range again {
		assert.Equal(t, rotate.Done, r.Status)
		assert.True(t, r.Resumed)
		assert.Equal(t, prior[rotate.ProfileKey(r.Profile, r.Vendor, r.User)].Password.Reveal(), r.NewPassword.Reveal())
	}
	assert.Equal(t, 1, fa.Hits("SetUserPassword"), "nothing sent again")
	assert.Equal(t, 1, fb.Hits("SetUserPassword"), "nothing sent again")
}

// A profile name that would make keys ambiguous fails, with nothing sent.
func TestFleetRefusesAmbiguousProfileName(t *testing.T) {
	t.Parallel()
	f, z := zendeskFleet(t, 1)
	results := run(t.Context(), rotate.Config{Limits: fast}, rotate.Target{Manager: z, Profile: "a/b", User: "100"})
	require.Len(t, results, 1)
	assert.Equal(t, rotate.Failed, results[0].Status)
	assert.ErrorIs(t, results[0].Err, facade.ErrInvalidInput)
	assert.Zero(t, f.Hits("SetUserPassword"))
}

// A fleet journal is resumed only by the same fleet: the same profiles (in any order), each with its
// vendor and base URL; a profile more or less, another address, or a single-vendor run is refused.
func TestFleetJournalRefusesAnotherFleet(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	a := rotate.JournalProfile{Name: "support", Vendor: "zendesk", BaseURL: "https://support.example.zendesk.com"}
	b := rotate.JournalProfile{Name: "sales", Vendor: "zendesk", BaseURL: "https://sales.example.zendesk.com"}
	c := rotate.JournalProfile{Name: "portal", Vendor: "docspace", BaseURL: "https://portal.example.com"}
	fleet := rotate.JournalHeader{Vendor: rotate.Mixed, Input: "sha256:fake-input", Profiles: []rotate.JournalProfile{a, b, c}}
	j, err := rotate.CreateJournal(path, fleet)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	assert.Equal(t, []any{
		map[string]any{"name": "portal", "vendor": "docspace", "base_url": c.BaseURL},
		map[string]any{"name": "sales", "vendor": "zendesk", "base_url": b.BaseURL},
		map[string]any{"name": "support", "vendor": "zendesk", "base_url": a.BaseURL},
	}, journalLines(t, path)[0]["profiles"], "the header lists the fleet's profiles, by name")

	same := fleet
	same.Profiles = []rotate.JournalProfile{c, a, b}
	j, _, err = rotate.OpenJournal(path, same)
	require.NoError(t, err, "the same fleet in another order")
	require.NoError(t, j.Close())

	moved := b
	moved.BaseURL = "https://other.example.zendesk.com"
	for name, tc := range map[string]struct {
		h    rotate.JournalHeader
		want string
	}{
		"a profile less": {rotate.JournalHeader{Vendor: rotate.Mixed, Input: fleet.Input, Profiles: []rotate.JournalProfile{a, b}},
			`profile "portal" is in the journal, not in this run`},
		"a profile more": {rotate.JournalHeader{Vendor: rotate.Mixed, Input: fleet.Input, Profiles: []rotate.JournalProfile{a, b, c, {Name: "x", Vendor: "glowmarkt"}}},
			`profile "x" is in this run, not in the journal`},
		"another address": {rotate.JournalHeader{Vendor: rotate.Mixed, Input: fleet.Input, Profiles: []rotate.JournalProfile{a, moved, c}},
			`profile "sales" is zendesk at "https://sales.example.zendesk.com" in the journal, zendesk at "https://other.example.zendesk.com" in this run`},
		"one vendor": {rotate.JournalHeader{Vendor: "zendesk", BaseURL: a.BaseURL, Input: fleet.Input},
			`vendor is "mixed" in the journal, "zendesk" in this run`},
	} {
		_, _, err := rotate.OpenJournal(path, tc.h)
		require.ErrorIs(t, err, rotate.ErrJournalMismatch, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}

	single := filepath.Join(t.TempDir(), "single")
	j, err = rotate.CreateJournal(single, testHeader)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	_, _, err = rotate.OpenJournal(single, rotate.JournalHeader{Vendor: rotate.Mixed, Input: testHeader.Input, Profiles: []rotate.JournalProfile{a}})
	require.ErrorIs(t, err, rotate.ErrJournalMismatch, "a single-vendor journal is not resumed as a fleet")
	assert.Contains(t, err.Error(), `profile "support" is in this run, not in the journal`)
}
