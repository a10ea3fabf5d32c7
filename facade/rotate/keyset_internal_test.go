package rotate

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
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
		total += r.n
		for _, c := range r.chunks {
			assert.LessOrEqual(t, len(c), chunkSize)
			assert.True(t, slices.IsSorted(c))
		}
	}
	assert.Equal(t, n+1, total, "each key once")
}
