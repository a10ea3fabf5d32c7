//go:build unix

package bench

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// throughputTargets is the size of the throughput benchmark's run.
const throughputTargets = 20_000

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRotationThroughput is CPU-bound on purpose: 20,000 targets as fast as the machine goes (no
// rate limit, 64 at once) against a stateless server in the same process, with a durable journal (a
// FileJournal, fsynced) in the benchmark's temporary directory. Reports targets a second, per core
// (GOMAXPROCS), per CPU-second the whole process used (client, server and journal), and fsyncs per target. The
// pacing benchmarks (BenchmarkBulkRotation*, BenchmarkFleet*) are rate-bound instead.
func BenchmarkRotationThroughput(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		srv := statelessServer(b)
		z := fixture.ZendeskManagerAt(b, srv.URL, benchAuth()) // the default client: pooled connections
		j, err := rotate.CreateJournal(filepath.Join(b.TempDir(), "journal"), rotate.JournalHeader{Vendor: "zendesk", BaseURL: srv.URL, Input: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: 1e9, Burst: 1000}}
		cpu0 := cpuTime(b)
		b.StartTimer()
		start := time.Now()
		allDone(b, rotate.Run(context.Background(), targets(z, throughputTargets), rotate.Config{Concurrency: 64, Limits: limits, Journal: j}))
		wall := time.Since(start)
		b.StopTimer()
		cpu := cpuTime(b) - cpu0
		b.ReportMetric(throughputTargets/wall.Seconds(), "targets/s")
		b.ReportMetric(throughputTargets/wall.Seconds()/float64(runtime.GOMAXPROCS(0)), "targets/s/core")
		b.ReportMetric(throughputTargets/cpu.Seconds(), "targets/cpu-s")
		b.ReportMetric(float64(j.Syncs())/throughputTargets, "fsyncs/target")
		if err := j.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkMachineLimits measures what bounds the throughput on this machine, in the same run: the
// latency of a small write and fsync in the benchmark's temporary directory (where the journal lives),
// and a loopback TCP round trip of one byte. Medians and 99th percentiles in µs.
func BenchmarkMachineLimits(b *testing.B) {
	for b.Loop() {
		fs := fsyncLatencies(b, 500)
		rt := loopbackRoundTrips(b, 2000)
		b.ReportMetric(quantile(fs, 0.5), "fsync-µs")
		b.ReportMetric(quantile(fs, 0.99), "fsync-p99-µs")
		b.ReportMetric(quantile(rt, 0.5), "loopback-rtt-µs")
		b.ReportMetric(quantile(rt, 0.99), "loopback-rtt-p99-µs")
	}
}

func quantile(v []float64, q float64) float64 {
	slices.Sort(v)
	return v[min(int(q*float64(len(v))), len(v)-1)]
}

// fsyncLatencies appends a journal-sized line and fsyncs it n times, returning each pair's µs.
func fsyncLatencies(b *testing.B, n int) []float64 {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	line := make([]byte, 200)
	out := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		out = append(out, float64(time.Since(start).Microseconds()))
	}
	return out
}

// loopbackRoundTrips sends one byte to an echo server on 127.0.0.1 and reads it back n times, returning
// each round trip's µs.
func loopbackRoundTrips(b *testing.B, n int) []float64 {
	var lc net.ListenConfig
	ln, err := lc.Listen(b.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	var d net.Dialer
	c, err := d.DialContext(b.Context(), "tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	buf := make([]byte, 1)
	out := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
		out = append(out, float64(time.Since(start).Nanoseconds())/1e3)
	}
	return out
}
