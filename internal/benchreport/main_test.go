package main

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ratios of an interleaved benchmark pair each run's figures: the runs' ratios are 1.01, 1.071 and
// 0.963, median 1.01, while the median facade figure over the median generated one (both run 3) reads 130/135.
func TestPairedRatioKeepsRunsTogether(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		"BenchmarkSetPasswordFacadeVsGenerated-2   100  1 ns/op  101 facade-p50-ns  100 generated-p50-ns",
		"BenchmarkSetPasswordFacadeVsGenerated-2   100  1 ns/op  150 facade-p50-ns  140 generated-p50-ns",
		"BenchmarkSetPasswordFacadeVsGenerated-2   100  1 ns/op  130 facade-p50-ns  135 generated-p50-ns",
	}, "\n")
	b, err := parse(strings.NewReader(in), io.Discard)
	require.NoError(t, err)
	r, err := pairedRatio(b["BenchmarkSetPasswordFacadeVsGenerated"], "facade-p50-ns", "generated-p50-ns")
	require.NoError(t, err)
	assert.InDelta(t, 1.01, r, 1e-9)
	assert.InDelta(t, 130.0/135, median(b["BenchmarkSetPasswordFacadeVsGenerated"]["facade-p50-ns"])/
		median(b["BenchmarkSetPasswordFacadeVsGenerated"]["generated-p50-ns"]), 1e-9, "what the medians alone would say")
	_, err = pairedRatio(b["BenchmarkSetPasswordFacadeVsGenerated"], "facade-p50-ns", "raw-p50-ns")
	require.Error(t, err)
}
