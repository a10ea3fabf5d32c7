// Package bench measures unipass against raw net/http and bulk rotation against a rate-limited fake.
// Run it with `make bench`, which prints the ratios.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/gen/zendesk"
	"github.com/unipass/unipass/internal/fixture"
)

const (
	benchEmail = fixture.ZendeskAdminEmail
	benchToken = "fake-bench-api-token"
	benchPW    = "fake-Bench-Passw0rd-1"
)

// minimalZendesk answers every POST .../password with 200 and an empty body, like Zendesk, after reading
// the body: the least a server can do, so that what is measured is the client.
func minimalZendesk(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// setPasswordVariants returns one Zendesk SetPassword through the facade, through the generated client and
// as a hand-written net/http request (same JSON body, same auth, status check), all against srv.
func setPasswordVariants(b *testing.B, srv *httptest.Server) (names []string, variants []func() error) {
	ctx := context.Background()
	secret := facade.NewSecret(benchPW)
	z := fixture.ZendeskManagerAt(b, srv.URL, benchAuth(), facade.WithHTTPClient(srv.Client()))
	c, err := zendesk.NewClient(srv.URL, zendesk.WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	auth := func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(benchEmail+"/token", benchToken)
		r.Header.Set("Accept", "application/json")
		return nil
	}
	pw := benchPW
	hc := srv.Client()
	url := srv.URL + "/api/v2/users/35436/password"
	return []string{"facade", "generated", "raw"}, []func() error{
		func() error { return z.SetPassword(ctx, "35436", secret) },
		func() error {
			resp, err := c.SetUserPassword(ctx, 35436, zendesk.SetPasswordRequest{Password: &pw}, auth)
			return check(resp, err)
		},
		func() error {
			body, err := json.Marshal(map[string]string{"password": benchPW})
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.SetBasicAuth(benchEmail+"/token", benchToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			return check(resp, err)
		},
	}
}

// BenchmarkSetPassword measures each variant of setPasswordVariants on its own (ns/op, B/op, allocs/op).
func BenchmarkSetPassword(b *testing.B) {
	names, variants := setPasswordVariants(b, minimalZendesk(b))
	runEach(b, names, variants)
}

// runEach runs each variant as a sub-benchmark of its own, with allocations reported.
func runEach(b *testing.B, names []string, variants []func() error) {
	for i, name := range names {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := variants[i](); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSetPasswordInterleaved runs the variants in turn within one loop and reports each one's median and
// mean time per call, so that all three see the same machine conditions (on a small machine the sequential
// sub-benchmarks drift by more than the differences measured).
func BenchmarkSetPasswordInterleaved(b *testing.B) {
	names, variants := setPasswordVariants(b, minimalZendesk(b))
	runInterleaved(b, names, variants)
}

// BenchmarkSetPasswordFacadeVsGenerated interleaves the facade and the generated client alone, for the
// ratio judged against its target: a pair alternates in both orders (facade then generated, generated then
// facade), so that neither always follows the same companion (with raw net/http in the loop as well, the
// figure moves by half a point with the company each call keeps).
func BenchmarkSetPasswordFacadeVsGenerated(b *testing.B) {
	names, variants := setPasswordVariants(b, minimalZendesk(b))
	runInterleaved(b, names[:2], variants[:2])
}

// runInterleaved runs the variants in turn within one loop, going through every order of them in turn, so
// that each variant follows each other equally often (what a call leaves behind, a connection being put
// back or garbage, is then paid for by every variant alike, whichever runs next). It reports each one's
// median time per call as "<name>-p50-ns" and its mean as "<name>-ns". Over loopback the times are
// bimodal (the slow mode is the scheduler's: two cores shared by client, server and the transport's
// goroutines), so the median is the steadier figure; the mean is kept for the record.
func runInterleaved(b *testing.B, names []string, variants []func() error) {
	orders := permutations(len(variants))
	spent := make([][]time.Duration, len(variants))
	for v := range spent {
		spent[v] = make([]time.Duration, 0, 1<<16)
	}
	for i := 0; b.Loop(); i++ {
		for _, v := range orders[i%len(orders)] {
			start := time.Now()
			if err := variants[v](); err != nil {
				b.Fatal(err)
			}
			spent[v] = append(spent[v], time.Since(start))
		}
	}
	for v, name := range names {
		b.ReportMetric(float64(medianOf(spent[v]).Nanoseconds()), name+"-p50-ns")
		b.ReportMetric(float64(sumOf(spent[v]).Nanoseconds())/float64(len(spent[v])), name+"-ns")
	}
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for at := 0; at <= len(p); at++ {
			out = append(out, slices.Insert(slices.Clone(p), at, n-1))
		}
	}
	return out
}

func medianOf(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func sumOf(d []time.Duration) time.Duration {
	var t time.Duration
	for _, x := range d {
		t += x
	}
	return t
}

func check(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// benchAuth is the bench tenant's admin with its API token.
func benchAuth() facade.Option { return facade.WithAPIToken(benchEmail, benchToken) }

// fleet is a Zendesk fake with n users (fixture.ZendeskTenant) whose admin may set passwords, and a
// manager for it on the facade's default client (its connection pool sized to the requests in flight).
func fleet(b *testing.B, n int) (*facadetest.Zendesk, *facade.Zendesk) {
	f := fixture.Zendesk(b, fixture.ZendeskTenant(n, benchPW, benchToken))
	return f, fixture.ZendeskManagerAt(b, f.URL(), benchAuth())
}

// tally counts the done and the failed results of a run.
func tally(results <-chan rotate.Result) (done, failed int) {
	for r := range results {
		switch r.Status {
		case rotate.Done:
			done++
		case rotate.Failed:
			failed++
		}
	}
	return done, failed
}

// allDone drains a run and fails b on the first result that is not done.
func allDone(b *testing.B, results <-chan rotate.Result) {
	for r := range results {
		if r.Status != rotate.Done {
			b.Fatalf("target %d: %s %v", r.Index, r.Status, r.Err)
		}
	}
}

func targets(m facade.PasswordManager, n int) <-chan rotate.Target {
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		for i := range n {
			ch <- rotate.Target{Manager: m, User: fmt.Sprint(fixture.FirstUser + i)}
		}
	}()
	return ch
}

// BenchmarkBulkRotation: 2,000 targets against a fake limited to 400 requests a second, with the client's
// limiter at the same rate. Reports wall time over the ideal (2,000/400 s), the fake's 429s and lost
// targets (reported neither done nor failed).
func BenchmarkBulkRotation(b *testing.B) { bulkRotation(b, false) }

// BenchmarkBulkRotationJournal is BenchmarkBulkRotation with the write-ahead journal on: a FileJournal in
// a temporary directory, written and fsynced before and after every write (fsyncs grouped).
func BenchmarkBulkRotationJournal(b *testing.B) { bulkRotation(b, true) }

func bulkRotation(b *testing.B, journal bool) {
	const n, rps = 2000, 400.0
	for b.Loop() {
		b.StopTimer()
		f, z := fleet(b, n)
		f.SetRateLimit(rps, int(rps)/10)
		limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: rps, Burst: 1}}
		cfg := rotate.Config{Concurrency: 16, Limits: limits}
		var j *rotate.FileJournal
		if journal {
			var err error
			j, err = rotate.CreateJournal(filepath.Join(b.TempDir(), "journal"), rotate.JournalHeader{Vendor: "zendesk", BaseURL: f.URL(), Input: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			cfg.Journal = j
		}
		b.StartTimer()
		start := time.Now()
		done, failed := tally(rotate.Run(context.Background(), targets(z, n), cfg))
		wall := time.Since(start)
		b.StopTimer()
		if j != nil {
			b.ReportMetric(float64(j.Syncs())/n, "fsyncs/target")
			if err := j.Close(); err != nil {
				b.Fatal(err)
			}
		}
		ideal := time.Duration(float64(n-1) / rps * float64(time.Second)) // the first request needs no wait
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(float64(f.RateLimited()), "429s")
		b.ReportMetric(float64(n-done-failed), "lost")
		b.ReportMetric(float64(failed), "failed")
		b.StartTimer()
	}
}

// statelessZendesk answers requirements and password writes and keeps nothing, so that the heap measured
// in-process is the client's, not a fake's growing user table.
func statelessZendesk(b *testing.B) *facade.Zendesk {
	srv := statelessServer(b)
	return fixture.ZendeskManagerAt(b, srv.URL, benchAuth(), facade.WithHTTPClient(srv.Client()))
}

// statelessServer is statelessZendesk's server.
func statelessServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"requirements":["must be at least 12 characters","must include a number"]}`)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRotationPeakHeap: the heap's peak growth, over the heap after setup, while 10,000 targets are
// rotated (fast limits, a stateless server) as runs of 1,000 targets one after another and as one run of
// 10,000. Both take about the same time and GC cycles, so the ratio of their peaks is growth with the
// size of a run, not with its length (a longer run's peak is the highest of more GC cycles: a single
// 1,000-target run measured against a 10,000-target one reads 1.19–1.25× with no memory that grows).
func BenchmarkRotationPeakHeap(b *testing.B) {
	const span = 10_000 // targets rotated in each measurement
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			// A tight GC target, so that the peak is what is live rather than garbage waiting for the next
			// cycle (whose size depends on GC pacing, not on the number of targets).
			defer debug.SetGCPercent(debug.SetGCPercent(5))
			for b.Loop() {
				b.StopTimer()
				z := statelessZendesk(b)
				limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: 1e6, Burst: 1000}}
				growth, retained, window := peakHeap(b, func() {
					for range span / n {
						allDone(b, rotate.Run(b.Context(), targets(z, n), rotate.Config{Concurrency: 16, Limits: limits}))
					}
				})
				b.ReportMetric(growth/(1<<20), "peak-heap-MiB")
				b.ReportMetric(window/(1<<20), "window-heap-MiB")
				b.ReportMetric(retained/(1<<20), "retained-MiB")
				b.StartTimer()
			}
		})
	}
}
