package rotate

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceDups finds the duplicate lines of keys (one per line, from 1) with a map: every line whose
// key an earlier line has, in line order.
func referenceDups(keys []string) []int {
	seen := map[string]bool{}
	var lines []int
	for i, k := range keys {
		if seen[k] {
			lines = append(lines, i+1)
		}
		seen[k] = true
	}
	return lines
}

// TestDupFinderMatchesAMap: whether the records stay in memory, spill to a few runs or to more runs than
// one merge takes (merged in several passes), the finder lists the same duplicate lines as a map, the
// first maxListed of them by line, with their users, profiles and IDs, and counts them all.
func TestDupFinderMatchesAMap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name              string
		lines, distinct   int
		batchBytes, fanIn int
	}{
		{"in memory", 500, 300, dupBatchBytes, dupFanIn},
		{"a few runs", 5_000, 2_000, 16 << 10, dupFanIn},
		{"merged in passes", 20_000, 15_000, 4 << 10, 4},
		{"every line the same account", 3_000, 1, 2 << 10, 3},
		{"no duplicates", 4_000, 0, 8 << 10, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(c.lines), uint64(c.distinct))) //nolint:gosec // test data
			keys := make([]string, c.lines)
			for i := range keys {
				n := i // distinct 0: every line its own account
				if c.distinct > 0 {
					n = rng.IntN(c.distinct)
				}
				keys[i] = fmt.Sprintf("p%d/zendesk:%d", n%7, n)
			}
			dir := t.TempDir()
			d := &dupFinder{dir: dir, batchBytes: c.batchBytes, fanIn: c.fanIn}
			maxOpen := 0
			for i, k := range keys {
				require.NoError(t, d.add(k, target{line: i + 1, user: "u" + k, profile: k[:2], id: k}))
				open := 0
				for _, l := range d.levels {
					open += len(l)
				}
				maxOpen = max(maxOpen, open)
			}
			// Files open while reading: under fanIn a level, levels growing as log(runs).
			assert.LessOrEqual(t, maxOpen, (c.fanIn-1)*len(d.levels))
			listed, count, err := d.finish()
			require.NoError(t, err)

			want := referenceDups(keys)
			assert.Equal(t, len(want), count)
			wantListed := want[:min(len(want), maxListed)]
			require.Len(t, listed, len(wantListed))
			for i, tg := range listed {
				assert.Equal(t, wantListed[i], tg.line)
				k := keys[tg.line-1]
				assert.Equal(t, target{line: tg.line, user: "u" + k, profile: k[:2], id: k}, tg)
			}
			left, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, left, "temporary files left behind")
		})
	}
}

// TestDupFinderFailsWithoutItsDirectory: a run that cannot be written is an error naming the input
// check, not a silent pass.
func TestDupFinderFailsWithoutItsDirectory(t *testing.T) {
	t.Parallel()
	d := &dupFinder{dir: t.TempDir() + "/missing", batchBytes: 1, fanIn: dupFanIn}
	err := d.add("zendesk:1", target{line: 1, user: "1"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "checking --input for duplicate lines")
}
