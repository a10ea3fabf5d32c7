package facade

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The quota headers each vendor documents reach the observer: Zendesk's X-Rate-Limit counts a minute,
// the ratelimit-* set's reset is seconds from now, DocSpace's X-RateLimit-Reset unix seconds.
func TestRateLimitOf(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set("X-Rate-Limit", "700")
	h.Set("X-Rate-Limit-Remaining", "699")
	h.Set("Ratelimit-Reset", "41")
	rl := rateLimitOf(VendorZendesk, h, now)
	assert.Equal(t, RateLimit{Limit: 700, Remaining: 699, Reset: now.Add(41 * time.Second), Window: time.Minute}, rl)

	h = http.Header{}
	h.Set("Ratelimit-Limit", "300")
	h.Set("Ratelimit-Remaining", "0")
	rl = rateLimitOf(VendorZendesk, h, now)
	assert.Equal(t, 300, rl.Limit)
	assert.Equal(t, 0, rl.Remaining)

	h = http.Header{}
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "3")
	h.Set("X-RateLimit-Reset", "1800000900")
	rl = rateLimitOf(VendorDocSpace, h, now)
	assert.Equal(t, RateLimit{Limit: 5, Remaining: 3, Reset: time.Unix(1_800_000_900, 0)}, rl, "no documented window")

	assert.Equal(t, RateLimit{Remaining: -1}, rateLimitOf(VendorGlowmarkt, http.Header{}, now))
}
