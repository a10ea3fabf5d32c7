package rotate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"golang.org/x/time/rate"

	"github.com/unipass/unipass/facade"
)

// The pacer slows to the account's rate its quota headers tell, never above its configured limit; from
// 429s alone it halves its pace, and regains it with answers that are not 429s.
func TestPacerAdaptsToTheAccount(t *testing.T) {
	t.Parallel()
	zendesk := func(perMinute, remaining int) facade.ResponseInfo {
		return facade.ResponseInfo{StatusCode: 200, RateLimit: facade.RateLimit{Limit: perMinute, Remaining: remaining, Window: time.Minute}}
	}
	p := newPacer("zendesk", Limit{PerSecond: 50, Burst: 1}, time.Second)
	p.observe(zendesk(300, 200))
	assert.InDelta(t, 5.0, float64(p.lim.Limit()), 1e-9, "300 a minute: 5 a second")
	p.observe(zendesk(6000, 5000))
	assert.InDelta(t, 50.0, float64(p.lim.Limit()), 1e-9, "never above the configured limit")

	// Remaining quota spread over the time until it is whole (DocSpace's headers).
	p = newPacer("docspace", Limit{PerSecond: 1, Burst: 1}, time.Second)
	p.observe(facade.ResponseInfo{StatusCode: 200, RateLimit: facade.RateLimit{Limit: 5, Remaining: 2, Reset: time.Now().Add(100 * time.Second)}})
	assert.InDelta(t, 0.02, float64(p.lim.Limit()), 0.001)

	// No headers: 429s halve the pace, other answers regain it, up to the limit.
	p = newPacer("glowmarkt", Limit{PerSecond: 8, Burst: 1}, time.Second)
	p.observe(facade.ResponseInfo{StatusCode: 429, RateLimit: facade.RateLimit{Remaining: -1}})
	assert.InDelta(t, 4.0, float64(p.lim.Limit()), 1e-9)
	p.observe(facade.ResponseInfo{StatusCode: 429, RateLimit: facade.RateLimit{Remaining: -1}})
	assert.InDelta(t, 2.0, float64(p.lim.Limit()), 1e-9)
	for range 100 {
		p.observe(facade.ResponseInfo{StatusCode: 200, RateLimit: facade.RateLimit{Remaining: -1}})
	}
	assert.Equal(t, rate.Limit(8), p.lim.Limit())
}

// A spent quota pauses the profile until it is whole again.
func TestPacerPausesOnASpentQuota(t *testing.T) {
	t.Parallel()
	p := newPacer("docspace", Limit{PerSecond: 1, Burst: 1}, time.Minute)
	p.observe(facade.ResponseInfo{StatusCode: 200, RateLimit: facade.RateLimit{Limit: 5, Remaining: 0, Reset: time.Now().Add(10 * time.Second)}})
	d, err := p.pause()
	assert.NoError(t, err)
	assert.Greater(t, d, 8*time.Second)
}
