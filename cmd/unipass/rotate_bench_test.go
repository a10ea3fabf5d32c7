package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/fixture"
)

// BenchmarkRotateDryRunRSS runs the built command's `rotate --dry-run` over a 10,000-row and a
// 1,000,000-row CSV and reports the peak resident set size of each process (getrusage ru_maxrss) and their
// ratio, rss-ratio (GNU time measures each): the input streams, so the ratio stays near 1 (target ≤ 1.2).
//
//	go test -run='^$' -bench=RotateDryRunRSS -benchtime=1x ./cmd/unipass
//
// UNIPASS_BENCH_BIN=/path/to/unipass measures that build instead of building this one.
func BenchmarkRotateDryRunRSS(b *testing.B) {
	if _, err := os.Stat(gnuTime); err != nil {
		b.Skip("needs GNU time at " + gnuTime)
	}
	dir := b.TempDir()
	bin := os.Getenv("UNIPASS_BENCH_BIN") // another build to compare, e.g. of an earlier commit
	if bin == "" {
		bin = filepath.Join(dir, "unipass")
		build := exec.CommandContext(b.Context(), "go", "build", "-o", bin, ".")
		out, err := build.CombinedOutput()
		require.NoError(b, err, "%s", out)
	}

	zd := fixture.Zendesk(b, fixture.ZendeskTokenSeed(apiToken, fixture.TenantAdminUser()))
	small := writeUsersCSV(b, filepath.Join(dir, "small.csv"), 10_000)
	large := writeUsersCSV(b, filepath.Join(dir, "large.csv"), 1_000_000)

	var smallKB, largeKB int64
	for b.Loop() {
		smallKB = dryRunRSS(b, bin, zd.URL(), small)
		largeKB = dryRunRSS(b, bin, zd.URL(), large)
	}
	b.ReportMetric(float64(smallKB), "rss-10k-KiB")
	b.ReportMetric(float64(largeKB), "rss-1M-KiB")
	b.ReportMetric(float64(largeKB)/float64(smallKB), "rss-ratio")
}

// gnuTime measures a command's peak RSS (%M).
const gnuTime = "/usr/bin/time"

// writeUsersCSV writes a CSV with a user column of n Zendesk user IDs, from 1.
func writeUsersCSV(tb testing.TB, path string, n int) string {
	tb.Helper()
	f, err := os.Create(path)
	require.NoError(tb, err)
	w := bufio.NewWriter(f)
	_, _ = w.WriteString("user,name\n")
	for i := 1; i <= n; i++ {
		_, _ = w.WriteString(strconv.Itoa(i) + ",user " + strconv.Itoa(i) + "\n")
	}
	require.NoError(tb, w.Flush())
	require.NoError(tb, f.Close())
	return path
}

// dryRunRSS runs `unipass rotate --dry-run` under GNU time and returns the process's peak RSS in KiB.
// The child's own rusage would not do: Go starts processes with vfork, and exec carries the parent's peak
// into the child's ru_maxrss; time forks, so the figure is the command's own.
func dryRunRSS(tb testing.TB, bin, baseURL, input string) int64 {
	tb.Helper()
	report := filepath.Join(tb.TempDir(), "rss")
	cmd := exec.CommandContext(tb.Context(), gnuTime, "-f", "%M", "-o", report, bin, "rotate", "--dry-run",
		"--input", input, "--vendor", "zendesk", "--base-url", baseURL, "--auth", "api-token", "--user", "admin@example.com")
	cmd.Env = append(os.Environ(), "UNIPASS_CREDENTIAL="+apiToken)
	out, err := cmd.CombinedOutput()
	require.NoError(tb, err, "%s", out)
	data, err := os.ReadFile(report)
	require.NoError(tb, err)
	kib, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	require.NoError(tb, err, "time wrote %q", data)
	return kib
}
