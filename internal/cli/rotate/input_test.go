package rotate

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	frotate "github.com/unipass/unipass/facade/rotate"
)

// TestCheckUser: the facade's checks (facade.CheckUser, tested there), its reason alone in the error, to
// follow an input line's number and quoted reference.
func TestCheckUser(t *testing.T) {
	t.Parallel()
	require.NoError(t, checkUser(facade.VendorZendesk, "35436"))
	require.NoError(t, checkUser(facade.VendorDocSpace, "mike@example.com"))
	err := checkUser(facade.VendorZendesk, "007")
	require.Error(t, err)
	assert.Equal(t, "a Zendesk user ID is a positive integer", err.Error())
}

func TestProgressLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "[###############...............] 4/10 done, 1 unknown, 0 failed, 2.0/s ",
		progressLine(frotate.Progress{Done: 4, Unknown: 1, Total: 10, Rate: 2}))
	assert.Equal(t, "7 done, 0 unknown, 1 failed, 0.5/s ", progressLine(frotate.Progress{Done: 7, Failed: 1, Rate: 0.5}))
	assert.Equal(t, "[############..................] 4/10 done, 0 unknown, 0 failed, 2.0/s, 3s left; portal 0.1/s, support 1.9/s ",
		progressLine(frotate.Progress{Done: 4, Total: 10, Rate: 2, Left: 3 * time.Second,
			Profiles: []frotate.ProfileRate{{Profile: "portal", Rate: 0.1}, {Profile: "support", Rate: 1.9}}}))
}

// TestTargetReaders: each format yields its users with their line numbers, and bad lines as *lineError
// without stopping the reader.
func TestTargetReaders(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, input string
		format      inputFormat
		want        []string // "line:user", or "line!" for a bad line
	}{
		{"csv", "\uFEFFname,User\nfirst, 100 \nsecond,101\n", formatCSV, []string{"2:100", "3:101"}},
		{"csv bad lines", "user\n100\n\n,\n\"a\"b\n102\n", formatCSV, []string{"2:100", "4!", "5!", "6:102"}},
		{"csv quoted", "user,note\n\"100\",\"a, b\"\n", formatCSV, []string{"2:100"}},
		{"jsonl", "{\"user\": 100}\n\n{\"user\": \" 101 \"}\n{\"user\": null}\n[1]\n{\"user\": 1.5e3}\n", formatJSONL,
			[]string{"1:100", "3:101", "4!", "5!", "6:1.5e3"}},
	} {
		tr, err := newTargetReader(strings.NewReader(c.input), c.format)
		require.NoError(t, err, c.name)
		var got []string
		for {
			tg, err := tr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *lineError
			if errors.As(err, &le) {
				got = append(got, fmt.Sprintf("%d!", le.line))
				continue
			}
			require.NoError(t, err, c.name)
			got = append(got, fmt.Sprintf("%d:%s", tg.line, tg.user))
		}
		assert.Equal(t, c.want, got, c.name)
	}
	_, err := newTargetReader(strings.NewReader("name\nx\n"), formatCSV)
	assert.ErrorContains(t, err, `needs a "user" column`)
	tr, err := newTargetReader(strings.NewReader(`{"user": "`+strings.Repeat("9", maxInputLine)+`"}`), formatJSONL)
	require.NoError(t, err)
	_, err = tr.next()
	assert.ErrorContains(t, err, "line 1: bufio.Scanner: token too long")
}
