package rotate_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
)

// crashJournal passes its first left records to a FileJournal and then fails every one without writing
// it, as a process that dies at that moment leaves the file: the writes already sent stay applied at the
// vendor, their outcomes unrecorded.
type crashJournal struct {
	j    *rotate.FileJournal
	mu   sync.Mutex
	left int
}

func (c *crashJournal) Record(e rotate.Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left <= 0 {
		return errors.New("the process died")
	}
	c.left--
	return c.j.Record(e)
}

// writeCounter counts, per Zendesk user, the password writes that may have applied (all but 429s).
type writeCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *writeCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/password") && (err != nil || resp.StatusCode != http.StatusTooManyRequests) {
		c.mu.Lock()
		c.n[strings.Split(r.URL.Path, "/")[4]]++
		c.mu.Unlock()
	}
	return resp, err
}

// Crash at random records, resume from the journal each time: at the end every account's password is the
// one delivered, and no account got a second write.
func TestRotationCrashAndResume(t *testing.T) {
	t.Parallel()
	const n, crashes = 40, 12
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	f, _ := zendeskFleet(t, n)
	counter := &writeCounter{next: f.Client().Transport, n: map[string]int{}}
	z, err := facade.NewZendesk(f.URL(), facade.WithHTTPClient(&http.Client{Transport: counter}),
		facade.WithAPIToken("admin@example.com", "fake-api-token"), facade.WithBackoff(time.Millisecond))
	require.NoError(t, err)
	// Some writes apply and lose their answer.
	f.Fail("SetUserPassword", facadetest.Fault{After: true, Drop: true, Times: 6})
	f.Fail("SetUserPassword", facadetest.Fault{After: true, Status: 502, Times: 4})

	path := filepath.Join(t.TempDir(), "journal")
	j, err := rotate.CreateJournal(path, testHeader)
	require.NoError(t, err)
	var prior map[string]rotate.Entry
	for round := 0; ; round++ {
		left := 1 << 30
		if round < crashes {
			left = 1 + rng.IntN(n)
		}
		results := collect(rotate.Run(t.Context(), feed(z, n), rotate.Config{Concurrency: 4, Limits: fast,
			Journal: &crashJournal{j: j, left: left}, Prior: prior}))
		require.Len(t, results, n)
		require.NoError(t, j.Close())
		if round == crashes {
			for _, r := range results {
				require.Equal(t, rotate.Done, r.Status, "%s: %v", r.User, r.Err)
				var id int64
				_, _ = fmt.Sscan(r.User, &id)
				pw, _ := f.Password(id)
				assert.Equal(t, pw, r.NewPassword.Reveal(), "user %s: the password in effect is the one delivered", r.User)
			}
			break
		}
		j, prior, err = rotate.OpenJournal(path, testHeader)
		require.NoError(t, err)
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	require.Len(t, counter.n, n)
	for user, writes := range counter.n {
		assert.Equal(t, 1, writes, "user %s written more than once", user)
	}
}
