package rotate

import (
	"context"
	"sort"
	"sync"
	"time"
)

// abandonAfter closes abandoned once grace has passed after ctx's cancellation; stop releases its timers.
func abandonAfter(ctx context.Context, grace time.Duration, abandoned chan struct{}) (stop func()) {
	var mu sync.Mutex
	var timer *time.Timer
	stopped := false
	after := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = time.AfterFunc(grace, func() { close(abandoned) })
		}
	})
	return func() {
		after()
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
	}
}

// reportDurable reports a result once its target's last journal entry is durable (durable returns), on a
// goroutine of wg's when it must wait, so that the worker takes its next target meanwhile.
func (r *runner) reportDurable(wg *sync.WaitGroup, out chan<- Result, res Result, durable func() error) {
	if durable == nil {
		r.report(out, res)
		return
	}
	wg.Go(func() {
		if err := durable(); err != nil {
			r.stop(err)
		}
		r.report(out, res)
	})
}

// report sends a result and then reports progress. Once the run is abandoned (ctx cancelled MaxWait ago),
// a result that no one takes at once is dropped, so that no goroutine waits on a caller that left.
func (r *runner) report(out chan<- Result, res Result) {
	select {
	case out <- res:
	default:
		select {
		case out <- res:
		case <-r.abandoned:
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch res.Status {
	case Done:
		r.progress.Done++
	case Failed:
		r.progress.Failed++
	case Unknown:
		r.progress.Unknown++
	default:
		r.progress.NotStarted++
	}
	if r.cfg.OnProgress == nil {
		return
	}
	if res.Profile != "" {
		if r.profileDone == nil {
			r.profileDone = map[string]int{}
		}
		r.profileDone[res.Profile]++
	}
	p := r.progress
	p.Total = r.cfg.Total
	secs := time.Since(r.start).Seconds()
	if secs > 0 {
		p.Rate = float64(p.Done+p.Failed+p.Unknown) / secs
	}
	if left := p.Total - (p.Done + p.Failed + p.Unknown + p.NotStarted); p.Total > 0 && left > 0 && p.Rate > 0 {
		p.Left = time.Duration(float64(left) / p.Rate * float64(time.Second))
	}
	if len(r.profileDone) > 0 && secs > 0 {
		p.Profiles = make([]ProfileRate, 0, len(r.profileDone))
		for name, n := range r.profileDone {
			p.Profiles = append(p.Profiles, ProfileRate{Profile: name, Rate: float64(n) / secs})
		}
		sort.Slice(p.Profiles, func(a, b int) bool { return p.Profiles[a].Profile < p.Profiles[b].Profile })
	}
	r.cfg.OnProgress(p)
}
