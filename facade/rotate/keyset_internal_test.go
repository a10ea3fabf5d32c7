package rotate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeySet(t *testing.T) {
	t.Parallel()
	s := newKeySet()
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

// A coded run holds exactly the fingerprints given: each is found, and no value between them is.
func TestRiceRunExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: test data
	for _, n := range []int{1, 2, 127, 128, 129, 1000, 40_000} {
		set := map[uint64]bool{}
		for len(set) < n {
			set[rng.Uint64()>>(64-fingerprintBits)] = true
		}
		vals := slices.Sorted(func(yield func(uint64) bool) {
			for v := range set {
				if !yield(v) {
					return
				}
			}
		})
		r := encodeRun(n, slices.Values(vals))
		require.Equal(t, vals, slices.Collect(r.values()), "n=%d", n)
		for _, v := range vals {
			require.True(t, r.contains(v))
			if !set[v+1] {
				require.False(t, r.contains(v+1))
			}
			if v > 0 && !set[v-1] {
				require.False(t, r.contains(v-1))
			}
		}
		half := encodeRun(n, mergeRuns(encodeRun(n/2, slices.Values(vals[:n/2])), encodeRun(n-n/2, slices.Values(vals[n/2:]))))
		require.Equal(t, vals, slices.Collect(half.values()), "merged, n=%d", n)
	}
}

// BenchmarkKeySet reports the duplicate check's memory per key at the sizes of the fleet and dry-run
// benchmarks.
func BenchmarkKeySet(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				s := newKeySet()
				for i := range n {
					s.add(fmt.Sprint("docspace/zendesk:", i))
				}
				b.ReportMetric(float64(s.size())/float64(n), "bytes/key")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
