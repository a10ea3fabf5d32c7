package facade

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/facade/internal/transport"
)

func TestRetryWait(t *testing.T) {
	t.Parallel()
	policy := transport.Retry{MaxAttempts: 4, BaseDelay: time.Second, MaxWait: 30 * time.Second}
	failFast := policy
	failFast.FailFast = true
	const backoff = 700 * time.Millisecond
	cases := []struct {
		name    string
		policy  transport.Retry
		kind    callKind
		end     ending
		attempt int
		again   bool
		wait    time.Duration
	}{
		{"safe, connection never made", policy, safe, ending{stage: notSent}, 1, true, backoff},
		{"write, connection never made", policy, write, ending{stage: notSent}, 1, true, backoff},
		{"write, connection never made, last attempt", policy, write, ending{stage: notSent}, 4, false, 0},
		{"safe, maybe sent", policy, safe, ending{stage: maybeSent}, 1, false, 0},
		{"write, maybe sent", policy, write, ending{stage: maybeSent}, 1, false, 0},
		{"write, refused before sending", policy, write, ending{stage: refused}, 1, false, 0},
		{"safe, refused before sending", policy, safe, ending{stage: refused}, 1, false, 0},
		{"write 429, no Retry-After", policy, write, ending{status: http.StatusTooManyRequests}, 1, true, backoff},
		{"write 429, Retry-After", policy, write, ending{status: http.StatusTooManyRequests, retryAfter: 5 * time.Second}, 2, true, 5 * time.Second},
		{"safe 429, Retry-After at the cap", policy, safe, ending{status: http.StatusTooManyRequests, retryAfter: 30 * time.Second}, 1, true, 30 * time.Second},
		{"safe 429, Retry-After over the cap", policy, safe, ending{status: http.StatusTooManyRequests, retryAfter: 31 * time.Second}, 1, false, 0},
		{"429, last attempt", policy, safe, ending{status: http.StatusTooManyRequests}, 4, false, 0},
		{"429, fail fast", failFast, safe, ending{status: http.StatusTooManyRequests, retryAfter: time.Second}, 1, false, 0},
		{"safe 503", policy, safe, ending{status: http.StatusServiceUnavailable}, 1, true, backoff},
		{"safe 503, Retry-After", policy, safe, ending{status: http.StatusServiceUnavailable, retryAfter: 2 * time.Second}, 3, true, 2 * time.Second},
		{"safe 503, fail fast", failFast, safe, ending{status: http.StatusServiceUnavailable}, 1, false, 0},
		{"write 503: may have applied", policy, write, ending{status: http.StatusServiceUnavailable}, 1, false, 0},
		{"safe 500", policy, safe, ending{status: http.StatusInternalServerError}, 1, false, 0},
		{"write 502", policy, write, ending{status: http.StatusBadGateway}, 1, false, 0},
		{"401", policy, safe, ending{status: http.StatusUnauthorized}, 1, false, 0},
		{"write 303", policy, write, ending{status: http.StatusSeeOther}, 1, false, 0},
		{"safe 400", policy, safe, ending{status: http.StatusBadRequest}, 1, false, 0},
		{"connection never made, fail fast: still tried again", failFast, safe, ending{stage: notSent}, 1, true, backoff},
	}
	for _, c := range cases {
		wait, again := retryWait(c.policy, c.kind, c.end, c.attempt, backoff)
		assert.Equal(t, c.again, again, c.name)
		if c.again {
			assert.Equal(t, c.wait, wait, c.name)
		}
	}
}
