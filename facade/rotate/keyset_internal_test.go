package rotate

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeySet(t *testing.T) {
	t.Parallel()
	s := newKeySet(0)
	const n = 50_000
	for i := range n {
		assert.False(t, s.add(fmt.Sprint("zendesk:", i)), "new key %d", i)
	}
	for i := range n {
		assert.True(t, s.add(fmt.Sprint("zendesk:", i)), "key %d seen", i)
	}
	assert.False(t, s.add("zendesk:new"))
	total := len(s.buf)
	for _, r := range s.runs {
		if r != nil {
			total += r.n
			assert.True(t, slices.IsSorted(slices.Collect(r.values())))
		}
	}
	assert.Equal(t, n+1, total, "each key once")
}

// widths are the fingerprint widths the tests cover, with a Total that yields each.
var widths = []struct {
	bits  uint
	total int
}{{44, 0}, {52, 1 << 25}, {64, 1 << 37}}

func TestFingerprintWidth(t *testing.T) {
	t.Parallel()
	for total, want := range map[int]uint{
		-1: 44, 0: 44, 1: 44, 10_000: 44, 100_000: 44, 1 << 17: 44, 1<<17 + 1: 45, 1 << 20: 47, 1_000_000: 47,
		10_000_000: 51, 1 << 36: 63, 1<<36 + 1: 64, 1 << 37: 64, 1<<37 + 1: 64, math.MaxInt: 64,
	} {
		assert.Equal(t, want, fingerprintWidth(total), "total %d", total)
		assert.Equal(t, want, newKeySet(total).width, "total %d", total)
	}
	assert.Equal(t, uint(44), NewKeySet().s.width)
}

// The set reports a key as seen exactly when it was added before, at every width, across the buffer and
// the merges of many runs. Keys are drawn with repeats from a pool, so that duplicates hit both recent
// keys (in the buffer) and old ones (in merged runs).
func TestKeySetNeverMissesDuplicate(t *testing.T) {
	t.Parallel()
	for _, w := range widths {
		for seed := range uint64(3) {
			rng := rand.New(rand.NewPCG(seed, uint64(w.bits))) //nolint:gosec // G404: test data
			s := newKeySet(w.total)
			require.Equal(t, w.bits, s.width)
			added := map[string]bool{}
			for i := range 40_000 {
				key := fmt.Sprint("zendesk/profile:", rng.IntN(30_000))
				// A false duplicate (a fresh key reported seen) is possible but has a chance below 1e-4 here.
				require.Equal(t, added[key], s.add(key), "width %d seed %d add %d: %s", w.bits, seed, i, key)
				added[key] = true
			}
			merged, largest := 0, uint64(0)
			for _, r := range s.runs {
				if r != nil {
					merged++
					vals := slices.Collect(r.values())
					assert.True(t, slices.IsSorted(vals))
					largest = max(largest, vals[len(vals)-1])
				}
			}
			assert.GreaterOrEqual(t, merged, 3, "several runs")
			assert.Equal(t, uint64(15), largest>>(w.bits-4), "fingerprints span all %d bits", w.bits)
			for key := range added {
				require.True(t, s.add(key), "width %d: %s", w.bits, key)
			}
		}
	}
}

// At 64 bits, a few hundred thousand distinct keys share no fingerprint (a chance of about 2·10⁻⁹).
func TestKeySetWideNoFalseDuplicates(t *testing.T) {
	t.Parallel()
	s := newKeySet(1 << 37)
	require.Equal(t, uint(64), s.width)
	const n = 300_000
	for i := range n {
		require.False(t, s.add(fmt.Sprint("docspace/zendesk:", i)), "new key %d", i)
	}
	for i := range n {
		require.True(t, s.add(fmt.Sprint("docspace/zendesk:", i)), "key %d seen", i)
	}
}

// A coded run holds exactly the fingerprints given, at every width and including the smallest and
// largest values: each is found, and no value next to them is.
func TestRiceRunExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: test data
	for _, w := range widths {
		top := uint64(math.MaxUint64) >> (64 - w.bits)
		for _, n := range []int{1, 2, 127, 128, 129, 1000, 40_000} {
			set := map[uint64]bool{}
			if n > 2 {
				set[0], set[top] = true, true
			}
			for len(set) < n {
				set[rng.Uint64()>>(64-w.bits)] = true
			}
			vals := slices.Sorted(maps.Keys(set))
			r := encodeRun(n, w.bits, slices.Values(vals))
			require.Equal(t, vals, slices.Collect(r.values()), "width %d n=%d", w.bits, n)
			for _, v := range vals {
				require.True(t, r.contains(v))
				if v < top && !set[v+1] {
					require.False(t, r.contains(v+1))
				}
				if v > 0 && !set[v-1] {
					require.False(t, r.contains(v-1))
				}
			}
			half := encodeRun(n, w.bits, mergeRuns(encodeRun(n/2, w.bits, slices.Values(vals[:n/2])),
				encodeRun(n-n/2, w.bits, slices.Values(vals[n/2:]))))
			require.Equal(t, vals, slices.Collect(half.values()), "merged, width %d n=%d", w.bits, n)
		}
	}
}

// A run's block offsets past 2^32 bits keep their high bits.
func TestRiceRunOffsetsBeyond32Bits(t *testing.T) {
	t.Parallel()
	r := &riceRun{width: 44}
	offs := []uint64{0, 1<<32 - 10, 1<<32 + 5, 1<<32 + 7, 3<<32 + 3, 3<<32 + 4, 7 << 32}
	for _, off := range offs {
		r.index(off, 0)
	}
	for c, off := range offs {
		assert.Equal(t, off, r.offset(c), "block %d", c)
	}
}

// BenchmarkKeySet reports the duplicate check's memory per key at the sizes of the fleet and dry-run
// benchmarks: 10000, 100000 and 1000000 with 44-bit fingerprints (a run without Config.Total), sized/N with
// the width Run takes when Config.Total is N.
func BenchmarkKeySet(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchmarkKeySet(b, n, 0) })
	}
	b.Run("sized", func(b *testing.B) {
		for _, n := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprint(n), func(b *testing.B) { benchmarkKeySet(b, n, n) })
		}
	})
}

func benchmarkKeySet(b *testing.B, n, total int) {
	b.Helper()
	var width uint
	for b.Loop() {
		s := newKeySet(total)
		for i := range n {
			s.add(fmt.Sprint("docspace/zendesk:", i))
		}
		width = s.width
		b.ReportMetric(float64(s.size())/float64(n), "bytes/key")
	}
	b.ReportMetric(float64(width), "fingerprint-bits")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
}
