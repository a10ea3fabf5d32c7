package facadetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// However many logins, the fake holds at most MaxLiveTokens tokens: the oldest sessions end first.
func TestLoginTokensAreCapped(t *testing.T) {
	t.Parallel()
	k := newTokenIssuer(time.Hour)
	first, _ := k.issue("first")
	var last string
	for i := range 3 * MaxLiveTokens {
		last, _ = k.issue(fmt.Sprint(i))
	}
	assert.Equal(t, MaxLiveTokens, k.liveTokens())
	assert.LessOrEqual(t, len(k.order), 2*MaxLiveTokens+1)
	_, ok := k.subject(first)
	assert.False(t, ok, "the oldest session ended")
	sub, ok := k.subject(last)
	require.True(t, ok)
	assert.Equal(t, fmt.Sprint(3*MaxLiveTokens-1), sub)
	k.revoke(last)
	_, ok = k.subject(last)
	assert.False(t, ok, "a revoked token is refused")
}

// Violations and reset emails keep the latest MaxRecent and count the rest.
func TestRecentIsBounded(t *testing.T) {
	t.Parallel()
	s := NewZendesk()
	t.Cleanup(s.Close)
	n := 3*MaxRecent + 7
	for i := range n {
		s.violation(errors.New(fmt.Sprint(i)))
	}
	v := s.Violations()
	require.Len(t, v, MaxRecent)
	assert.Equal(t, fmt.Sprint(n-MaxRecent), v[0].Error())
	assert.Equal(t, fmt.Sprint(n-1), v[MaxRecent-1].Error())
	assert.Equal(t, n, s.ViolationCount())
	news, total := s.violationsFrom(n - 2)
	assert.Equal(t, n, total)
	require.Len(t, news, 2)
	assert.Equal(t, fmt.Sprint(n-2), news[0].Error())
	news, _ = s.violationsFrom(0)
	assert.Len(t, news, MaxRecent, "those no longer kept are skipped")
	assert.LessOrEqual(t, cap(s.violations.items), 2*MaxRecent)
}
