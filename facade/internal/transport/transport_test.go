package transport

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	assert.Equal(t, 120*time.Second, RetryAfter("120", now))
	assert.Equal(t, time.Duration(0), RetryAfter("-5", now))
	assert.Equal(t, time.Duration(0), RetryAfter("soon", now))
	assert.Equal(t, 10*time.Second, RetryAfter(now.Add(10*time.Second).UTC().Format(http.TimeFormat), now))
	assert.Equal(t, time.Duration(0), RetryAfter(now.Add(-time.Hour).UTC().Format(http.TimeFormat), now))
	assert.Positive(t, RetryAfter("99999999999999999", now))
	// Beyond int64: the longest wait, returned at once by any cap, never read as absent.
	longest := time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second
	assert.Equal(t, longest, RetryAfter("99999999999999999999", now))
	assert.Equal(t, longest, RetryAfter(" 123456789012345678901234567890 ", now))
	assert.Equal(t, time.Duration(0), RetryAfter("-99999999999999999999", now))
}

func TestBackoffIsBoundedAndJittered(t *testing.T) {
	t.Parallel()
	p := Retry{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxWait: time.Second}
	seen := map[time.Duration]bool{}
	for attempt := 1; attempt <= 40; attempt++ {
		d := p.Backoff(attempt)
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.LessOrEqual(t, d, time.Second)
		if attempt == 1 {
			assert.LessOrEqual(t, d, 100*time.Millisecond)
		}
		seen[d] = true
	}
	assert.Greater(t, len(seen), 30, "jittered")
	assert.True(t, p.More(9))
	assert.False(t, p.More(10))
}

func TestSleepStopsOnCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	assert.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	assert.Less(t, time.Since(start), time.Second)
}

func TestHostsAndHeaders(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"localhost", "LocalHost", "127.0.0.1", "::1", "127.8.9.10", "::ffff:127.0.0.1"} {
		assert.True(t, IsLoopback(h), h)
	}
	for _, h := range []string{"example.com", "10.0.0.1", "", "::1%lo", "127.0.0.1:80", "::ffff:10.0.0.1"} {
		assert.False(t, IsLoopback(h), h)
	}
	for _, h := range []string{"authorization", "Cookie", "token", "applicationId"} {
		assert.True(t, SensitiveHeader(h), h)
	}
	assert.False(t, SensitiveHeader("Accept"))
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"0", "120", "-1", " 30 ", "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 22 Nov 2026 15:00:00 GMT", "soon", "1e3", "99999999999999999999",
		"123456789012345678901234567890", "+99999999999999999999", "-99999999999999999999"} {
		f.Add(s)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, v string) {
		d := RetryAfter(v, now)
		if d < 0 {
			t.Fatalf("negative wait %v for %q", d, v)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err == nil && n > 0 && n < 1<<31 && d != time.Duration(n)*time.Second {
			t.Fatalf("%q: got %v", v, d)
		}
		if (err == nil || errors.Is(err, strconv.ErrRange)) && n > 0 && d < time.Duration(min(n, 1<<31))*time.Second {
			t.Fatalf("%q: a positive number of seconds read as %v", v, d)
		}
	})
}
