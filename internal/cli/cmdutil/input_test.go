package cmdutil

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStripBOM(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"\uFEFFuser,name\n100,a\n", "user,name\n100,a\n"},
		{"user\n100\n", "user\n100\n"},
		{"\uFEFF", ""},
		{"\xEF\xBB", "\xEF\xBB"}, // shorter than a mark: left alone
		{"", ""},
		{"\uFEFF\uFEFFuser", "\uFEFFuser"}, // only one leading mark is removed
	} {
		got, err := io.ReadAll(StripBOM(strings.NewReader(tc.in)))
		require.NoError(t, err)
		assert.Equal(t, tc.want, string(got), "%q", tc.in)
	}
}
