package rotate

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/unipass/unipass/facade"
	"golang.org/x/time/rate"
)

// pacer keeps one profile's requests (or, without a profile, one vendor's) under its limit. It slows down when answers report little remaining
// quota, and pauses every request to the vendor on a 429 for its Retry-After, at most maxWait; a longer
// Retry-After blocks the vendor (every wait fails with ErrRateLimited) until the time it names.
type pacer struct {
	name    string // the vendor, and the profile when there is one
	lim     *rate.Limiter
	base    rate.Limit
	maxWait time.Duration

	mu           sync.Mutex
	pausedUntil  time.Time
	blockedUntil time.Time
	blockedFor   time.Duration
}

func newPacer(name string, l Limit, maxWait time.Duration) *pacer {
	return &pacer{name: name, lim: rate.NewLimiter(rate.Limit(l.PerSecond), max(l.Burst, 1)), base: rate.Limit(l.PerSecond), maxWait: maxWait}
}

// wait blocks until the vendor may get another request.
func (p *pacer) wait(ctx context.Context) error {
	for {
		d, err := p.pause()
		if err != nil {
			return err
		}
		if d <= 0 {
			break
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	return p.lim.Wait(ctx)
}

// pause returns how long the vendor is paused, or the error of a blocked vendor.
func (p *pacer) pause() (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Before(p.blockedUntil) {
		return 0, fmt.Errorf("rotate: %s asked to wait %s, more than the %s cap (Config.MaxWait); no request until %s: %w",
			p.name, p.blockedFor.Round(time.Second), p.maxWait, p.blockedUntil.UTC().Format(time.RFC3339), facade.ErrRateLimited)
	}
	return p.pausedUntil.Sub(now), nil
}

// observe adjusts the pace to what an answer said: the account's own rate where its quota headers tell
// it (never above the configured limit), a pause until the quota is whole again when none is left, and,
// from a vendor that sends no quota headers, half the pace after each 429 (regained a little with each
// answer that is not one).
func (p *pacer) observe(i facade.ResponseInfo) {
	now := time.Now()
	rl := i.RateLimit
	if i.StatusCode == 429 {
		p.rateLimited(i.RetryAfter)
	}
	if until := rl.Reset.Sub(now); rl.Remaining == 0 && until > 0 && until <= p.maxWait && i.StatusCode != 429 {
		p.rateLimited(until) // the quota is spent: nothing until it is whole again
	}
	if acct, ok := accountRate(rl, now); ok {
		p.setRate(min(p.base, max(acct, p.base/1000)))
		return
	}
	switch cur := p.lim.Limit(); {
	case i.StatusCode == 429:
		p.setRate(max(cur/2, p.base/1000))
	case i.StatusCode > 0 && cur < p.base:
		p.setRate(min(p.base, cur*1.05))
	}
}

// setRate changes the pacer's rate, when it differs.
func (p *pacer) setRate(r rate.Limit) {
	if p.lim.Limit() != r {
		p.lim.SetLimit(r)
	}
}

// accountRate is the rate an answer's quota headers allow: the limit over its window where the vendor
// documents the window (Zendesk), else the quota left spread over the time until it is whole again.
func accountRate(rl facade.RateLimit, now time.Time) (rate.Limit, bool) {
	switch until := rl.Reset.Sub(now); {
	case rl.Limit > 0 && rl.Window > 0:
		return rate.Limit(float64(rl.Limit) / rl.Window.Seconds()), true
	case rl.Remaining > 0 && until > 0:
		return rate.Limit(float64(rl.Remaining) / until.Seconds()), true
	}
	return 0, false
}

// rateLimited pauses the vendor for a 429's wait (1s when it named none), or blocks it when the wait is
// above the cap.
func (p *pacer) rateLimited(wait time.Duration) {
	if wait <= 0 {
		wait = time.Second
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Now().Add(wait)
	if wait > p.maxWait {
		if until.After(p.blockedUntil) {
			p.blockedUntil, p.blockedFor = until, wait
		}
		return
	}
	if until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
}

// pacerKey names a pacer: one per profile, and one per vendor for the targets without a profile.
type pacerKey struct {
	profile string
	vendor  facade.Vendor
}

// pacer returns the pacer of a profile (of the vendor's default group when profile is ""), creating it
// at its limit: ProfileLimits, else the vendor's.
func (r *runner) pacer(profile string, v facade.Vendor) *pacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := pacerKey{profile, v}
	p, ok := r.pacers[k]
	if !ok {
		p = newPacer(describe(profile, v), r.limit(profile, v), r.cfg.MaxWait)
		r.pacers[k] = p
	}
	return p
}

// limit is the limit of a profile's pacer (Config.LimitFor).
func (r *runner) limit(profile string, v facade.Vendor) Limit { return r.cfg.LimitFor(profile, v) }

// LimitFor is the limit Run paces a profile's requests to the vendor at: the profile's (ProfileLimits),
// else the vendor's (Limits), else the vendor's documented one (DefaultLimits), else 1 a second; a zero
// Limit counts as not given, and the burst is at least 1. A dry run paces its own requests with it too.
func (c Config) LimitFor(profile string, v facade.Vendor) Limit {
	var l Limit
	if profile != "" {
		l = c.ProfileLimits[profile]
	}
	if l.PerSecond <= 0 {
		l = c.Limits[v]
	}
	if l.PerSecond <= 0 {
		l = DefaultLimits()[v]
	}
	if l.PerSecond <= 0 { // a vendor unipass knows no limit of
		l = Limit{PerSecond: 1, Burst: 1}
	}
	l.Burst = max(l.Burst, 1)
	return l
}
