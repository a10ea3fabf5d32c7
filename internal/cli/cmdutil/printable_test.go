package cmdutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"must be at least 8 characters", "must be at least 8 characters"},
		{"ünïcode — fine ✓", "ünïcode — fine ✓"},
		{"\x1b[2K\rall good", `\x1b[2K\x0dall good`},
		{"bell\a and del\x7f", `bell\x07 and del\x7f`},
		{"line\nspoof\ttab", `line\x0aspoof\x09tab`},
		{"c1 \u009b31m csi", `c1 \x9b31m csi`},
		{"raw \x9b byte", `raw \x9b byte`},
		{"bidi \u202eevil\u202c \u2066iso\u2069", `bidi \u202eevil\u202c \u2066iso\u2069`},
	} {
		got := Printable(tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
		for _, r := range got {
			assert.False(t, isControl(r), "%q left %U", tc.in, r)
		}
	}
}
