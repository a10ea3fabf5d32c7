// Package rotate runs bulk password rotation over facade managers: targets come in as a stream, run with
// bounded concurrency at each vendor's rate limit, and one result per target streams back. It uses only
// the facade's public interface.
//
// Every write follows the facade's rules: a write answered 429 is sent again after the vendor's
// Retry-After (the whole vendor pauses meanwhile); any other write is sent at most once, and a write whose
// outcome is unknown is reported as failed with an error matching facade.ErrOutcomeUnknown, never repeated.
package rotate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/unipass/unipass/facade"
)

// Target is one account to rotate.
type Target struct {
	Manager facade.PasswordManager
	User    string
	// NewPassword is the password to set; when zero, one is generated to fit the vendor's policy.
	NewPassword facade.Secret
	// OldPassword, when set, makes the rotation a ChangePassword (the user proves the old one) instead of
	// a SetPassword; Glowmarkt needs it.
	OldPassword facade.Secret
}

// Status is how a target ended.
type Status string

// The statuses.
const (
	Done       Status = "done"
	Failed     Status = "failed"
	NotStarted Status = "not-started"
)

// Result is the outcome of one target.
type Result struct {
	// Index is the target's position in the input stream, from 0.
	Index  int
	Vendor facade.Vendor
	User   string
	Status Status
	Err    error
	// Attempts counts the requests sent for the target's write (0 when none was sent).
	Attempts int
	Latency  time.Duration
	// NewPassword is the password now set (Done), for the caller to deliver; it prints [REDACTED].
	NewPassword facade.Secret
}

// Progress is reported after each target.
type Progress struct {
	Done, Failed, NotStarted int
	// Total is Config.Total (0 when unknown).
	Total int
	// Rate is finished targets per second so far.
	Rate float64
}

// Limit is a client-side rate limit: requests per second and burst.
type Limit struct {
	PerSecond float64
	Burst     int
}

// DefaultLimits are the vendors' documented limits: DocSpace allows 5 password requests per 15 minutes
// per user and IP address; Zendesk plans allow 200 to 2,500 requests a minute (the lowest is used);
// Glowmarkt documents none (5 a second is assumed).
func DefaultLimits() map[facade.Vendor]Limit {
	return map[facade.Vendor]Limit{
		facade.VendorDocSpace:  {PerSecond: 5.0 / (15 * 60), Burst: 5},
		facade.VendorZendesk:   {PerSecond: 200.0 / 60, Burst: 10},
		facade.VendorGlowmarkt: {PerSecond: 5, Burst: 5},
	}
}

// Config tunes a run. The zero value works.
type Config struct {
	// Concurrency is how many targets run at once (default 8).
	Concurrency int
	// Limits replaces DefaultLimits per vendor.
	Limits map[facade.Vendor]Limit
	// Total is the number of targets, when known, for Progress.
	Total int
	// OnProgress is called after every target, from one goroutine at a time.
	OnProgress func(Progress)
	// PasswordLength is the length of generated passwords (default DefaultLength; longer if the policy
	// asks).
	PasswordLength int
	// MaxRateLimitRounds bounds how often one target is sent again after 429 answers (default 20).
	MaxRateLimitRounds int
}

// Run rotates every target read from targets until the channel is closed, and streams one result per
// target; the result channel is closed when all are reported. Memory does not grow with the number of
// targets. When ctx is cancelled, no new target starts; the rest of the stream is still read (the
// producer must close it) and each such target is reported NotStarted.
func Run(ctx context.Context, targets <-chan Target, cfg Config) <-chan Result {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.MaxRateLimitRounds <= 0 {
		cfg.MaxRateLimitRounds = 20
	}
	r := &runner{cfg: cfg, pacers: map[facade.Vendor]*pacer{}, policies: map[facade.PasswordManager]*policyEntry{}, start: time.Now()}
	out := make(chan Result, cfg.Concurrency)
	type job struct {
		i int
		t Target
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				res := r.rotate(ctx, j.t)
				res.Index = j.i
				r.report(out, res)
			}
		}()
	}
	go func() {
		i := 0
		for t := range targets {
			if ctx.Err() != nil {
				r.report(out, notStarted(i, t, ctx.Err()))
			} else {
				select {
				case jobs <- job{i, t}:
				case <-ctx.Done():
					r.report(out, notStarted(i, t, ctx.Err()))
				}
			}
			i++
		}
		close(jobs)
		wg.Wait()
		close(out)
	}()
	return out
}

func notStarted(i int, t Target, err error) Result {
	res := Result{Index: i, User: t.User, Status: NotStarted, Err: err}
	if t.Manager != nil {
		res.Vendor = t.Manager.Vendor()
	}
	return res
}

type runner struct {
	cfg   Config
	start time.Time

	mu       sync.Mutex
	pacers   map[facade.Vendor]*pacer
	policies map[facade.PasswordManager]*policyEntry
	progress Progress
}

// report sends a result and then reports progress.
func (r *runner) report(out chan<- Result, res Result) {
	out <- res
	r.mu.Lock()
	defer r.mu.Unlock()
	switch res.Status {
	case Done:
		r.progress.Done++
	case Failed:
		r.progress.Failed++
	default:
		r.progress.NotStarted++
	}
	if r.cfg.OnProgress != nil {
		p := r.progress
		p.Total = r.cfg.Total
		if secs := time.Since(r.start).Seconds(); secs > 0 {
			p.Rate = float64(p.Done+p.Failed) / secs
		}
		r.cfg.OnProgress(p)
	}
}

func (r *runner) pacer(v facade.Vendor) *pacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pacers[v]
	if !ok {
		l, set := r.cfg.Limits[v]
		if !set {
			l = DefaultLimits()[v]
		}
		if l.PerSecond <= 0 {
			l = Limit{PerSecond: 1, Burst: 1}
		}
		p = newPacer(l)
		r.pacers[v] = p
	}
	return p
}

type policyEntry struct {
	once   sync.Once
	policy *facade.Policy
	err    error
}

// policy reads a manager's policy once per run (vendors state one policy per account).
func (r *runner) policy(ctx context.Context, t Target, p *pacer) (*facade.Policy, error) {
	if !t.Manager.Capabilities().Requirements {
		return nil, nil
	}
	r.mu.Lock()
	e, ok := r.policies[t.Manager]
	if !ok {
		e = &policyEntry{}
		r.policies[t.Manager] = e
	}
	r.mu.Unlock()
	e.once.Do(func() {
		if e.err = p.wait(ctx); e.err == nil {
			e.policy, e.err = t.Manager.Requirements(facade.WithObserver(ctx, p.observe), t.User)
		}
	})
	return e.policy, e.err
}

func (r *runner) rotate(ctx context.Context, t Target) Result {
	res := Result{User: t.User, Status: Failed}
	if t.Manager == nil {
		res.Err = errors.New("rotate: target without a manager")
		return res
	}
	res.Vendor = t.Manager.Vendor()
	change := !t.OldPassword.IsZero()
	caps := t.Manager.Capabilities()
	if change && !caps.ChangePassword || !change && !caps.SetPassword {
		op := facade.OpSetPassword
		if change {
			op = facade.OpChangePassword
		}
		res.Err = fmt.Errorf("rotate: %s cannot %s: %w", res.Vendor, op, facade.ErrUnsupported)
		return res
	}
	p := r.pacer(res.Vendor)
	pw := t.NewPassword
	if pw.IsZero() {
		policy, err := r.policy(ctx, t, p)
		if err != nil {
			res.Err = fmt.Errorf("rotate: reading the policy: %w", err)
			return res
		}
		if pw, err = GeneratePassword(policy, r.cfg.PasswordLength); err != nil {
			res.Err = err
			return res
		}
	}
	start := time.Now()
	var attempts int
	obs := facade.WithObserver(ctx, func(i facade.ResponseInfo) {
		if i.Operation == facade.OpSetPassword || i.Operation == facade.OpChangePassword {
			attempts++
		}
		p.observe(i)
	})
	var err error
	for round := 0; ; round++ {
		if err = p.wait(ctx); err != nil {
			break
		}
		if change {
			err = t.Manager.ChangePassword(obs, t.User, t.OldPassword, pw)
		} else {
			err = t.Manager.SetPassword(obs, t.User, pw)
		}
		// Only a 429 proves the write was not applied: then, and only then, it is sent again.
		if !errors.Is(err, facade.ErrRateLimited) || errors.Is(err, facade.ErrOutcomeUnknown) || round >= r.cfg.MaxRateLimitRounds {
			break
		}
	}
	res.Attempts, res.Latency, res.Err = attempts, time.Since(start), err
	if err == nil {
		res.Status, res.NewPassword = Done, pw
	} else if attempts == 0 && ctx.Err() != nil {
		res.Status = NotStarted
	}
	return res
}

// pacer keeps one vendor's requests under its limit. It slows down when answers report little remaining
// quota, and pauses every request to the vendor on a 429 for its Retry-After.
type pacer struct {
	lim  *rate.Limiter
	base rate.Limit

	mu          sync.Mutex
	pausedUntil time.Time
}

func newPacer(l Limit) *pacer {
	return &pacer{lim: rate.NewLimiter(rate.Limit(l.PerSecond), max(l.Burst, 1)), base: rate.Limit(l.PerSecond)}
}

// wait blocks until the vendor may get another request.
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		d := time.Until(p.pausedUntil)
		p.mu.Unlock()
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

// observe adjusts the pace to what an answer said.
func (p *pacer) observe(i facade.ResponseInfo) {
	if i.StatusCode == 429 {
		wait := i.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		p.mu.Lock()
		if until := time.Now().Add(wait); until.After(p.pausedUntil) {
			p.pausedUntil = until
		}
		p.mu.Unlock()
	}
	if rl := i.RateLimit; rl.Limit > 0 && rl.Remaining >= 0 {
		switch {
		case rl.Remaining*10 < rl.Limit: // under a tenth of the quota left: half speed
			p.lim.SetLimit(p.base / 2)
		default:
			p.lim.SetLimit(p.base)
		}
	}
}
