// Command benchreport reads `go test -bench` output on standard input and prints the figures of
// unipass's performance targets with their ratios. `make bench` pipes the benchmarks into it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// parse collects, per benchmark name (without the -GOMAXPROCS suffix), every value of every unit; repeated
// runs (-count) keep each value.
func parse(r io.Reader, echo io.Writer) (map[string]map[string][]float64, error) {
	out := map[string]map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := fields[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		if out[name] == nil {
			out[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			out[name][fields[i+1]] = append(out[name][fields[i+1]], v)
		}
	}
	return out, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// pairedRatio is the median over runs of num/den, both read from each run's line: an interleaved
// benchmark's figures share their run's conditions, which the medians of each figure alone would mix up
// across runs (one run's numerator over another's denominator).
func pairedRatio(units map[string][]float64, num, den string) (float64, error) {
	n, d := units[num], units[den]
	if len(n) == 0 || len(n) != len(d) {
		return 0, fmt.Errorf("no paired %s and %s in the input", num, den)
	}
	r := make([]float64, len(n))
	for i := range n {
		r[i] = n[i] / d[i]
	}
	return median(r), nil
}

func report(r io.Reader, w io.Writer) error {
	b, err := parse(r, w)
	if err != nil {
		return err
	}
	get := func(name, unit string) (float64, error) {
		v, ok := b[name][unit]
		if !ok {
			return 0, fmt.Errorf("no %s for %s in the input", unit, name)
		}
		return median(v), nil
	}
	var errs []string
	pairedRatio := func(name, num, den string) float64 {
		r, err := pairedRatio(b[name], num, den)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
		}
		return r
	}
	must := func(name, unit string) float64 {
		v, err := get(name, unit)
		if err != nil {
			errs = append(errs, err.Error())
		}
		return v
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	// Times come from the interleaved benchmark (all three under the same conditions): medians per call,
	// judged, and means, reported; allocations and bytes from the separate sub-benchmarks.
	fns, gns, rns := must("BenchmarkSetPasswordInterleaved", "facade-p50-ns"), must("BenchmarkSetPasswordInterleaved", "generated-p50-ns"), must("BenchmarkSetPasswordInterleaved", "raw-p50-ns")
	fg := pairedRatio("BenchmarkSetPasswordFacadeVsGenerated", "facade-p50-ns", "generated-p50-ns")
	fgMean := pairedRatio("BenchmarkSetPasswordFacadeVsGenerated", "facade-ns", "generated-ns")
	fg3, fr, gr := pairedRatio("BenchmarkSetPasswordInterleaved", "facade-p50-ns", "generated-p50-ns"),
		pairedRatio("BenchmarkSetPasswordInterleaved", "facade-p50-ns", "raw-p50-ns"), pairedRatio("BenchmarkSetPasswordInterleaved", "generated-p50-ns", "raw-p50-ns")
	fmem, gmem := must("BenchmarkSetPasswordOverheadInterleaved", "facade-p50-ns"), must("BenchmarkSetPasswordOverheadInterleaved", "generated-p50-ns")
	fal, gal, ral := must("BenchmarkSetPassword/facade", "allocs/op"), must("BenchmarkSetPassword/generated", "allocs/op"), must("BenchmarkSetPassword/raw", "allocs/op")
	fb, rb := must("BenchmarkSetPassword/facade", "B/op"), must("BenchmarkSetPassword/raw", "B/op")
	wall, limited, lost := must("BenchmarkBulkRotation", "wall/ideal"), must("BenchmarkBulkRotation", "429s"), must("BenchmarkBulkRotation", "lost")
	jwall, jlost := must("BenchmarkBulkRotationJournal", "wall/ideal"), must("BenchmarkBulkRotationJournal", "lost")
	jsync := must("BenchmarkBulkRotationJournal", "fsyncs/target")
	h1, h10 := must("BenchmarkRotationPeakHeap/1000", "peak-heap-MiB"), must("BenchmarkRotationPeakHeap/10000", "peak-heap-MiB")
	fwall, fsecs, flost, ffailed := must("BenchmarkFleetRotation", "wall/ideal"), must("BenchmarkFleetRotation", "wall-s"),
		must("BenchmarkFleetRotation", "lost"), must("BenchmarkFleetRotation", "failed")
	fh10, fh100 := must("BenchmarkFleetPeakHeap/10000", "peak-heap-MiB"), must("BenchmarkFleetPeakHeap/100000", "peak-heap-MiB")
	fw10, fw100 := must("BenchmarkFleetPeakHeap/10000", "window-heap-MiB"), must("BenchmarkFleetPeakHeap/100000", "window-heap-MiB")
	rssRatio, fakesMS := must("BenchmarkRotateDryRunRSS", "rss-ratio"), must("BenchmarkFakesStartup", "ms/start")
	ordG, ordI, ordS := must("BenchmarkFleetOrder/grouped", "wall/ideal"), must("BenchmarkFleetOrder/interleaved", "wall/ideal"), must("BenchmarkFleetOrder/shuffled", "wall/ideal")
	a429, awall := must("BenchmarkAdaptivePacing", "429s"), must("BenchmarkAdaptivePacing", "wall/ideal")
	initMS, initB, size := must("BenchmarkFacadeProgram", "nonstd-init-ms"), must("BenchmarkFacadeProgram", "nonstd-init-B"), must("BenchmarkFacadeProgram", "size/nethttp")
	tput, tcore, tcpu, tsync := must("BenchmarkRotationThroughput", "targets/s"), must("BenchmarkRotationThroughput", "targets/s/core"),
		must("BenchmarkRotationThroughput", "targets/cpu-s"), must("BenchmarkRotationThroughput", "fsyncs/target")
	ks10, ks100, ks1M := must("BenchmarkKeySet/10000", "bytes/key"), must("BenchmarkKeySet/100000", "bytes/key"), must("BenchmarkKeySet/1000000", "bytes/key")
	kss100, kss1M := must("BenchmarkKeySet/sized/100000", "bytes/key"), must("BenchmarkKeySet/sized/1000000", "bytes/key")
	fsyncUS, fsyncP99, rttUS := must("BenchmarkMachineLimits", "fsync-µs"), must("BenchmarkMachineLimits", "fsync-p99-µs"), must("BenchmarkMachineLimits", "loopback-rtt-µs")
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "figure                                   value        target          verdict")
	fmt.Fprintf(w, "SetPassword median ns facade/gen/raw     %-12s -               -\n", fmt.Sprintf("%.0f/%.0f/%.0f", fns, gns, rns))
	fmt.Fprintf(w, "SetPassword facade / generated, median   %-12s ≤ 1.02×         %s\n", fmt.Sprintf("%.3f×", fg), verdict(fg <= 1.02))
	fmt.Fprintf(w, "SetPassword facade / generated, mean     %-12s -               -\n", fmt.Sprintf("%.3f×", fgMean))
	fmt.Fprintf(w, "same, median, with raw in the loop too   %-12s -               -\n", fmt.Sprintf("%.3f×", fg3))
	fmt.Fprintf(w, "facade's own work per call, in memory    %-12s -               -\n", fmt.Sprintf("%+.0f ns", fmem-gmem))
	fmt.Fprintf(w, "SetPassword facade / raw, median         %-12s -               -\n", fmt.Sprintf("%.3f×", fr))
	fmt.Fprintf(w, "SetPassword generated / raw, median      %-12s -               -\n", fmt.Sprintf("%.3f×", gr))
	fmt.Fprintf(w, "SetPassword allocs/op facade - raw       %-12s ≤ +10           %s\n", fmt.Sprintf("%+.0f", fal-ral), verdict(fal-ral <= 10))
	fmt.Fprintf(w, "SetPassword allocs/op generated - raw    %-12s -               -\n", fmt.Sprintf("%+.0f", gal-ral))
	fmt.Fprintf(w, "SetPassword B/op facade / raw            %-12s -               -\n", fmt.Sprintf("%.3f×", fb/rb))
	fmt.Fprintln(w, "-- throughput: CPU-bound on purpose (no rate limit, durable journal) --")
	fmt.Fprintf(w, "machine: fsync latency median/p99 (µs)   %-12s -               -\n", fmt.Sprintf("%.0f/%.0f", fsyncUS, fsyncP99))
	fmt.Fprintf(w, "machine: loopback round trip (µs)        %-12.1f -               -\n", rttUS)
	fmt.Fprintf(w, "journal ceiling at measured batching /s  %-12.0f -               -\n", 1e6/(tsync*fsyncUS))
	fmt.Fprintf(w, "rotation with journal: targets/s         %-12.0f -               -\n", tput)
	fmt.Fprintf(w, "rotation w/ journal: targets/s per core  %-12.0f -               -\n", tcore)
	// Judged per CPU-second the process used: on a shared machine the wall rate per core measures the
	// neighbours too.
	fmt.Fprintf(w, "rotation with journal: targets/CPU-s     %-12.0f ≥ 6,500         %s\n", tcpu, verdict(tcpu >= 6500))
	fmt.Fprintf(w, "rotation at full speed: fsyncs / target  %-12.3f ≤ 0.1           %s\n", tsync, verdict(tsync <= 0.1))
	fmt.Fprintln(w, "-- pacing: rate-bound (the vendors' limits) --")
	fmt.Fprintf(w, "bulk 2,000 @ 400/s wall / ideal          %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", wall), verdict(wall <= 1.05))
	fmt.Fprintf(w, "bulk 429s seen by the fake               %-12.0f -               -\n", limited)
	fmt.Fprintf(w, "bulk targets lost                        %-12.0f 0               %s\n", lost, verdict(lost == 0))
	fmt.Fprintf(w, "bulk with the journal: wall / ideal      %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", jwall), verdict(jwall <= 1.05))
	fmt.Fprintf(w, "bulk with the journal: targets lost      %-12.0f 0               %s\n", jlost, verdict(jlost == 0))
	fmt.Fprintf(w, "bulk with the journal: fsyncs / target   %-12.2f ≤ 0.1           %s\n", jsync, verdict(jsync <= 0.1))
	fmt.Fprintf(w, "peak heap 1,000 targets (MiB)            %-12.2f -               -\n", h1)
	fmt.Fprintf(w, "peak heap 10,000 targets (MiB)           %-12.2f -               -\n", h10)
	fmt.Fprintf(w, "peak heap 10,000 / 1,000                 %-12s ≤ 1.2×          %s\n", fmt.Sprintf("%.3f×", h10/h1), verdict(h10 <= 1.2*h1))
	fmt.Fprintf(w, "fleet 100,000 over 20 profiles (s)       %-12.2f -               -\n", fsecs)
	fmt.Fprintf(w, "fleet wall / slowest profile's ideal     %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", fwall), verdict(fwall <= 1.05))
	fmt.Fprintf(w, "fleet targets lost                       %-12.0f 0               %s\n", flost, verdict(flost == 0))
	fmt.Fprintf(w, "fleet targets failed                     %-12.0f -               -\n", ffailed)
	fmt.Fprintf(w, "fleet peak heap 10,000 targets (MiB)     %-12.2f -               -\n", fh10)
	fmt.Fprintf(w, "fleet peak heap 100,000 targets (MiB)    %-12.2f -               -\n", fh100)
	fmt.Fprintf(w, "fleet peak heap 100,000 / 10,000         %-12s -               -\n", fmt.Sprintf("%.3f×", fh100/fh10))
	fmt.Fprintf(w, "fleet heap 200 ms windows p90 100k/10k   %-12s ≤ 1.2×          %s\n", fmt.Sprintf("%.3f×", fw100/fw10), verdict(fw100 <= 1.2*fw10))
	fmt.Fprintf(w, "duplicate check bytes/key 10k/100k/1M    %-12s ≤ 4 from 100k %s\n", fmt.Sprintf("%.1f/%.1f/%.1f", ks10, ks100, ks1M), verdict(ks100 <= 4 && ks1M <= 4))
	fmt.Fprintf(w, "same, sized from Config.Total 100k/1M    %-12s ≤ 4           %s\n", fmt.Sprintf("%.2f/%.2f", kss100, kss1M), verdict(kss100 <= 4 && kss1M <= 4))
	fmt.Fprintf(w, "fleet order grouped: wall / ideal        %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", ordG), verdict(ordG <= 1.05))
	fmt.Fprintf(w, "fleet order interleaved: wall / ideal    %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", ordI), verdict(ordI <= 1.05))
	fmt.Fprintf(w, "fleet order shuffled: wall / ideal       %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", ordS), verdict(ordS <= 1.05))
	fmt.Fprintf(w, "adaptive pacing --rate 50 vs 5/s: 429s   %-12.0f ≤ 3             %s\n", a429, verdict(a429 <= 3))
	fmt.Fprintf(w, "adaptive pacing: wall / 12 s ideal       %-12s ≤ 1.05×         %s\n", fmt.Sprintf("%.3f×", awall), verdict(awall <= 1.05))
	fmt.Fprintf(w, "rotate --dry-run RSS 1,000,000 / 10,000  %-12s ≤ 1.2×          %s\n", fmt.Sprintf("%.3f×", rssRatio), verdict(rssRatio <= 1.2))
	fmt.Fprintf(w, "unipass fakes start-up (ms)              %-12.1f < 1000          %s\n", fakesMS, verdict(fakesMS < 1000))
	fmt.Fprintf(w, "facade program binary / net/http         %-12s ≤ 1.5×          %s\n", fmt.Sprintf("%.3f×", size), verdict(size <= 1.5))
	fmt.Fprintf(w, "facade program non-std init (ms)         %-12.3f < 2             %s\n", initMS, verdict(initMS < 2))
	fmt.Fprintf(w, "facade program non-std init (KiB)        %-12.1f -               -\n", initB/1024)
	return nil
}
