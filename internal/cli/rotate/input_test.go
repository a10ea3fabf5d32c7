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

// TestCheckUser: the syntax checks of a user reference agree with the facade's.
func TestCheckUser(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		v    facade.Vendor
		user string
		ok   bool
	}{
		{facade.VendorZendesk, "1", true},
		{facade.VendorZendesk, "9223372036854775807", true},
		{facade.VendorZendesk, "9223372036854775808", false},
		{facade.VendorZendesk, "0", false},
		{facade.VendorZendesk, "007", false},
		{facade.VendorZendesk, "+7", false},
		{facade.VendorZendesk, "-7", false},
		{facade.VendorZendesk, "7a", false},
		{facade.VendorZendesk, "", false},
		{facade.VendorDocSpace, "aae1e103-bca5-9fa1-ba8c-42058b4abf28", true},
		{facade.VendorDocSpace, "{aae1e103-bca5-9fa1-ba8c-42058b4abf28}", false},
		{facade.VendorDocSpace, "aae1e103bca59fa1ba8c42058b4abf28", false},
		{facade.VendorDocSpace, "mike@example.com", true}, // looked up with FindUser
		{facade.VendorZendesk, "mike@example.com", true},
		{facade.VendorZendesk, "@example.com", false},
		{facade.VendorZendesk, "mike@", false},
		{facade.VendorZendesk, "mike@a@example.com", false},
		{facade.VendorDocSpace, "Mike <mike@example.com>", false},
	} {
		assert.Equal(t, c.ok, checkUser(c.v, c.user) == nil, "%s %q", c.v, c.user)
	}
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
