package rotate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/facade"
)

// One pacer per profile, at the profile's limit, else its vendor's; the targets without a profile share
// their vendor's.
func TestPacerPerProfile(t *testing.T) {
	t.Parallel()
	z := facade.VendorZendesk
	r := &runner{pacers: map[pacerKey]*pacer{}, cfg: Config{MaxWait: DefaultMaxWait,
		Limits:        map[facade.Vendor]Limit{z: {PerSecond: 7, Burst: 2}},
		ProfileLimits: map[string]Limit{"support": {PerSecond: 40, Burst: 4}},
	}}
	assert.Equal(t, Limit{PerSecond: 40, Burst: 4}, r.limit("support", z))
	assert.Equal(t, Limit{PerSecond: 7, Burst: 2}, r.limit("sales", z), "a profile without its own limit takes the vendor's")
	assert.Equal(t, Limit{PerSecond: 7, Burst: 2}, r.limit("", z))
	assert.Equal(t, DefaultLimits()[facade.VendorDocSpace], r.limit("portal", facade.VendorDocSpace))

	support, sales, none := r.pacer("support", z), r.pacer("sales", z), r.pacer("", z)
	assert.NotSame(t, support, sales)
	assert.NotSame(t, support, none)
	assert.Same(t, support, r.pacer("support", z))
	assert.Equal(t, 40.0, float64(support.lim.Limit()))

	support.rateLimited(2 * time.Second)
	d, err := sales.pause()
	assert.NoError(t, err)
	assert.LessOrEqual(t, d, time.Duration(0), "a 429 of one profile does not pause another")
	d, _ = support.pause()
	assert.Positive(t, d)
}

func TestProfileKeySplits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		profile string
		v       facade.Vendor
		user    string
		key     string
	}{
		{"", facade.VendorZendesk, "100", "zendesk:100"},
		{"support", facade.VendorZendesk, "100", "support/zendesk:100"},
		{"portal", facade.VendorDocSpace, "a:b/c", "portal/docspace:a:b/c"},
	} {
		key := ProfileKey(tc.profile, tc.v, tc.user)
		assert.Equal(t, tc.key, key)
		p, v, u := splitKey(key)
		assert.Equal(t, []string{tc.profile, string(tc.v), tc.user}, []string{p, string(v), u})
	}
}

// A zero Limit is "not set": the vendor's documented limit applies, never a silent 1 a second.
func TestZeroLimitIsTheVendorsDocumentedLimit(t *testing.T) {
	t.Parallel()
	z, d := facade.VendorZendesk, facade.VendorDocSpace
	r := &runner{cfg: Config{
		Limits:        map[facade.Vendor]Limit{z: {}, d: {PerSecond: 3}},
		ProfileLimits: map[string]Limit{"support": {}},
	}}
	assert.Equal(t, DefaultLimits()[z], r.limit("", z))
	assert.Equal(t, DefaultLimits()[z], r.limit("support", z), "a zero profile limit falls back to the vendor's")
	assert.Equal(t, Limit{PerSecond: 3, Burst: 1}, r.limit("", d), "a burst below 1 is 1")
}
