package facadetest

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/unipass/unipass/api"
)

// quotaHeaders sets the rate-limit headers each vendor documents, from the fake's token bucket (rps
// tokens a second, at most burst):
//   - Zendesk: X-Rate-Limit and X-Rate-Limit-Remaining (the account's requests per minute, and what is
//     left), and the ratelimit-limit, ratelimit-remaining, ratelimit-reset set (seconds until the quota
//     is whole again), as its Ticketing API sends them;
//   - DocSpace: X-RateLimit-Limit (the window's quota: the burst), X-RateLimit-Remaining and
//     X-RateLimit-Reset (unix seconds when the quota is whole again);
//   - Glowmarkt documents none: none are sent (its 429s carry Retry-After).
func quotaHeaders(v api.Vendor, h http.Header, b *bucket, now time.Time) {
	remaining := strconv.Itoa(int(math.Max(b.tokens, 0)))
	refill := time.Duration((b.burst - b.tokens) / b.rps * float64(time.Second))
	switch v {
	case api.Zendesk:
		perMinute := strconv.Itoa(int(math.Round(b.rps * 60)))
		h.Set("X-Rate-Limit", perMinute)
		h.Set("X-Rate-Limit-Remaining", remaining)
		h.Set("Ratelimit-Limit", perMinute)
		h.Set("Ratelimit-Remaining", remaining)
		h.Set("Ratelimit-Reset", strconv.Itoa(int(math.Ceil(refill.Seconds()))))
	case api.DocSpace:
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(b.burst)))
		h.Set("X-RateLimit-Remaining", remaining)
		h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(refill).Unix(), 10))
	}
}
