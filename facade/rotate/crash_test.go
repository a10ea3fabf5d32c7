package rotate_test

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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

// writeCounter counts, per Zendesk user, the password writes that may have applied (all but 429s). The
// first write of each user in lose goes to blackHole instead of the fake: sent, never applied, answer lost.
type writeCounter struct {
	next      http.RoundTripper
	blackHole *httptest.Server
	mu        sync.Mutex
	n         map[string]int
	lose      map[string]bool
}

func (c *writeCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/password") {
		return c.next.RoundTrip(r)
	}
	user := strings.Split(r.URL.Path, "/")[4]
	c.mu.Lock()
	lost := c.lose[user]
	delete(c.lose, user)
	c.mu.Unlock()
	if lost {
		c.count(user)
		lostReq := r.Clone(r.Context())
		lostReq.URL.Scheme, lostReq.URL.Host, lostReq.Host = "http", c.blackHole.Listener.Addr().String(), ""
		return http.DefaultTransport.RoundTrip(lostReq)
	}
	resp, err := c.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		c.count(user)
	}
	return resp, err
}

func (c *writeCounter) count(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[user]++
}

// newBlackHole returns a server that reads each request and closes the connection without an answer.
func newBlackHole(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Crash at random records, resume from the journal each time: at the end every account's password is the
// one delivered, and an account got a second write only after a refused Verify (its first write was lost
// before the fake applied it), with the same password.
func TestRotationCrashAndResume(t *testing.T) {
	t.Parallel()
	const n, crashes = 40, 12
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	f, _ := zendeskFleet(t, n)
	// The first writes of these users are lost before the fake applies them: Verify refuses their
	// passwords, and each is sent once more.
	lose := map[string]bool{"105": true, "112": true, "120": true, "133": true}
	counter := &writeCounter{next: f.Client().Transport, blackHole: newBlackHole(t), n: map[string]int{}, lose: maps.Clone(lose)}
	z := zendeskAdmin(t, f, facade.WithHTTPClient(&http.Client{Transport: counter}))
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
	states := map[string][]any{}
	for _, l := range journalLines(t, path)[1:] {
		states[l["user"].(string)] = append(states[l["user"].(string)], l["state"])
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	require.Len(t, counter.n, n)
	for user, writes := range counter.n {
		if lose[user] {
			assert.Equal(t, 2, writes, "user %s: its lost write sent once more", user)
			assert.Contains(t, states[user], "refused", "user %s written twice without a refused Verify first (journal %v)", user, states[user])
			continue
		}
		assert.Equal(t, 1, writes, "user %s written more than once", user)
	}
}
