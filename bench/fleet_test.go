package bench

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// The fleet benchmark: fleetTargets targets over fleetProfiles profiles, each profile a Zendesk tenant of
// its own (its own fake, rate limit and manager), the input interleaving the profiles.
const (
	fleetProfiles    = 20
	fleetTargets     = 100_000
	fleetConcurrency = 96
	// fleetMinRate and fleetMaxRate bound the profiles' limits (requests a second), spread evenly: the
	// slowest profile's ideal is (fleetTargets/fleetProfiles - 1)/fleetMinRate.
	fleetMinRate = 250.0
	fleetMaxRate = 500.0
)

// fleetRate is profile p's limit.
func fleetRate(p int) float64 {
	return fleetMinRate + (fleetMaxRate-fleetMinRate)*float64(p)/float64(fleetProfiles-1)
}

// fleetProfile is one tenant of the fleet: a name, a manager and, for the paced run, its fake.
type fleetProfile struct {
	name string
	m    facade.PasswordManager
	fake *facadetest.Zendesk // nil for a stateless server
}

// fleetTargetsOf feeds n targets, target i to profile i mod len(ps) with user fixture.FirstUser + i/len(ps).
func fleetTargetsOf(ps []fleetProfile, n int) <-chan rotate.Target {
	ch := make(chan rotate.Target, 64)
	go func() {
		defer close(ch)
		for i := range n {
			p := ps[i%len(ps)]
			ch <- rotate.Target{Manager: p.m, Profile: p.name, User: fmt.Sprint(fixture.FirstUser + i/len(ps))}
		}
	}()
	return ch
}

// statefulFleet builds the profiles over stateful fakes, each with its users and its rate limit, and the
// limits of their pacers (the fakes' rates).
func statefulFleet(b *testing.B, perProfile int) ([]fleetProfile, map[string]rotate.Limit) {
	ps := make([]fleetProfile, fleetProfiles)
	limits := map[string]rotate.Limit{}
	for p := range ps {
		f, z := fleet(b, perProfile)
		rate := fleetRate(p)
		f.SetRateLimit(rate, max(int(rate)/10, 1))
		ps[p] = fleetProfile{name: fmt.Sprintf("tenant-%02d", p), m: z, fake: f}
		limits[ps[p].name] = rotate.Limit{PerSecond: rate, Burst: 1}
	}
	return ps, limits
}

// BenchmarkFleetRotation: 100,000 targets over 20 Zendesk tenants (stateful fakes) limited to 250 to
// 500 requests a second each, through rotate.Run with a pacer per profile. Reports wall time over the
// slowest profile's ideal, the fakes' 429s, lost targets (reported neither done nor failed) and failed
// ones.
func BenchmarkFleetRotation(b *testing.B) {
	perProfile := fleetTargets / fleetProfiles
	for b.Loop() {
		b.StopTimer()
		ps, limits := statefulFleet(b, perProfile)
		b.StartTimer()
		start := time.Now()
		done, failed := tally(rotate.Run(context.Background(), fleetTargetsOf(ps, fleetTargets), rotate.Config{Concurrency: fleetConcurrency, ProfileLimits: limits}))
		wall := time.Since(start)
		b.StopTimer()
		ideal := time.Duration(float64(perProfile-1) / fleetMinRate * float64(time.Second)) // the first request needs no wait
		limited := 0
		for _, p := range ps {
			limited += p.fake.RateLimited()
		}
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(limited), "429s")
		b.ReportMetric(float64(fleetTargets-done-failed), "lost")
		b.ReportMetric(float64(failed), "failed")
		b.StartTimer()
	}
}

// statelessFleet builds the profiles over stateless servers (statelessZendesk), so that the heap measured
// is the client's, not the fakes' user tables.
func statelessFleet(b *testing.B) []fleetProfile {
	ps := make([]fleetProfile, fleetProfiles)
	for p := range ps {
		ps[p] = fleetProfile{name: fmt.Sprintf("tenant-%02d", p), m: statelessZendesk(b)}
	}
	return ps
}

// BenchmarkFleetPeakHeap: the heap's peak growth during a fleet rotation (20 profiles, stateless servers,
// fast limits) of 10,000 and of 100,000 targets, over the heap after setup, with the collector's target
// at 5% (as BenchmarkRotationPeakHeap): overall, and over windows of equal duration (see peakHeap).
func BenchmarkFleetPeakHeap(b *testing.B) {
	for _, n := range []int{10_000, fleetTargets} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(5))
			for b.Loop() {
				b.StopTimer()
				ps := statelessFleet(b)
				limits := map[string]rotate.Limit{}
				for _, p := range ps {
					limits[p.name] = rotate.Limit{PerSecond: 1e6, Burst: 1000}
				}
				growth, retained, window := peakHeap(b, func() {
					allDone(b, rotate.Run(context.Background(), fleetTargetsOf(ps, n), rotate.Config{Concurrency: fleetConcurrency, ProfileLimits: limits}))
				})
				b.ReportMetric(growth/(1<<20), "peak-heap-MiB")
				b.ReportMetric(window/(1<<20), "window-heap-MiB")
				b.ReportMetric(retained/(1<<20), "retained-MiB")
				b.StartTimer()
			}
		})
	}
}

// heapWindow is the duration of the windows peakHeap compares runs of different lengths over.
const heapWindow = 200 * time.Millisecond

// peakHeap runs f (timed) and returns the heap's peak growth while it ran, sampled every 2 ms, and what
// it retained after a collection, both over the heap after a collection before it; window is the 90th
// percentile of the peaks of its heapWindow-long windows (a longer run has more windows, so its overall
// peak catches rarer spikes: comparing windows of equal duration keeps run length from passing for
// growth, while growth with the input still shows in the later windows).
func peakHeap(b *testing.B, f func()) (growth, retained, window float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	var windows []uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var cur uint64
		end := time.Now().Add(heapWindow)
		for {
			select {
			case <-stop:
				if cur > 0 {
					windows = append(windows, cur)
				}
				return
			case now := <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak, cur = max(peak, m.HeapAlloc), max(cur, m.HeapAlloc)
				if now.After(end) {
					windows, cur, end = append(windows, cur), 0, now.Add(heapWindow)
				}
			}
		}
	})
	b.StartTimer()
	f()
	b.StopTimer()
	close(stop)
	wg.Wait()
	if peak > base {
		growth = float64(peak - base)
	}
	if len(windows) > 0 {
		slices.Sort(windows)
		if w := windows[len(windows)*9/10]; w > base {
			window = float64(w - base)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return growth, float64(ms.HeapAlloc) - float64(base), window
}
