package rotate

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/cli/cmdutil"
)

// countingManager counts the requests of a manager: every FindUser, and every request of any kind.
// onRequest, when set, is called at each request before it is sent.
type countingManager struct {
	facade.PasswordManager
	mu        sync.Mutex
	findUser  map[string]int // by address
	requests  int
	onRequest func()
}

func (c *countingManager) count(email string) {
	c.mu.Lock()
	c.requests++
	if email != "" {
		c.findUser[email]++
	}
	c.mu.Unlock()
	if c.onRequest != nil {
		c.onRequest()
	}
}

func (c *countingManager) FindUser(ctx context.Context, email string) (facade.User, error) {
	c.count(email)
	return c.PasswordManager.FindUser(context.WithoutCancel(ctx), email)
}

func (c *countingManager) Requirements(ctx context.Context, user string) (*facade.Policy, error) {
	c.count("")
	return c.PasswordManager.Requirements(ctx, user)
}

func (c *countingManager) SetPassword(ctx context.Context, user string, pw facade.Secret) error {
	c.count("")
	return c.PasswordManager.SetPassword(ctx, user, pw)
}

func (c *countingManager) lookups() (total int, by map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	by = map[string]int{}
	for k, v := range c.findUser {
		by[k] = v
		total += v
	}
	return total, by
}

// counting wraps the rig's manager in a countingManager.
func (r *runRig) counting(t *testing.T, f Flags) (*Options, *countingManager) {
	t.Helper()
	o := r.options(f)
	m, err := o.Manager(t.Context())
	require.NoError(t, err)
	c := &countingManager{PasswordManager: m, findUser: map[string]int{}}
	o.Manager = func(context.Context) (facade.PasswordManager, error) { return c, nil }
	return o, c
}

// emailInput writes an input of users 100.. given by address (u0@example.com ...), then by ID from
// first on, and an address no user has.
func emailInput(t *testing.T, dir string, addresses, ids int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user\n")
	for i := range addresses {
		fmt.Fprintf(&b, "u%d@example.com\n", i)
	}
	for i := range ids {
		fmt.Fprintf(&b, "%d\n", 100+addresses+i)
	}
	b.WriteString("nobody@example.com\n")
	return clitest.WriteFile(t, dir, "emails.csv", b.String())
}

// rowLines reads the run's JSON lines by user.
func rowLines(t *testing.T, stdout string) map[string]ResultLine {
	t.Helper()
	rows := map[string]ResultLine{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l ResultLine
		require.NoError(t, json.Unmarshal([]byte(line), &l), line)
		rows[l.User] = l
	}
	return rows
}

// The run looks each address row up exactly once (none before the run), and a dry run sends the same
// lookups; an address no user has fails its row, named, with exit 1 (not a bad input line), in both.
func TestRunLooksAddressesUpOncePerRow(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 4)
	input := emailInput(t, r.dir, 3, 1)
	want := map[string]int{"u0@example.com": 1, "u1@example.com": 1, "u2@example.com": 1, "nobody@example.com": 1}

	o, dry := r.counting(t, Flags{Input: input, Concurrency: 4, Length: 20, DryRun: true})
	err := Run(t.Context(), o)
	assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCode(err), "%v", err)
	require.ErrorContains(t, err, "1 addresses whose lookup failed")
	_, byDry := dry.lookups()
	assert.Equal(t, want, byDry, "the dry run: one lookup per address row")
	assert.Contains(t, r.out.String(), `--input: line 6: rotate: zendesk: looking up "nobody@example.com": `)
	dryOut := r.out.String()
	assert.Zero(t, r.zd.Hits("SetUserPassword"))

	r.out.Reset()
	o, run := r.counting(t, Flags{Input: input, Concurrency: 4, Length: 20, PasswordsOut: filepath.Join(r.dir, "p.csv")})
	err = Run(t.Context(), o)
	assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCode(err), "%v", err)
	_, byRun := run.lookups()
	assert.Equal(t, want, byRun, "the run: one lookup per address row")
	rows := rowLines(t, r.out.String())
	require.Len(t, rows, 5)
	for i, id := range []string{"100", "101", "102"} {
		row := rows[fmt.Sprintf("u%d@example.com", i)]
		assert.Equal(t, "done", row.Status, row.User)
		assert.Equal(t, id, row.ID, "the ID the address names")
	}
	assert.Equal(t, "done", rows["103"].Status)
	assert.Empty(t, rows["103"].ID, "a row given by ID")
	nobody := rows["nobody@example.com"]
	assert.Equal(t, "failed", nobody.Status)
	assert.Empty(t, nobody.ID)
	assert.Contains(t, nobody.Error, `--input: line 6: rotate: zendesk: looking up "nobody@example.com": `, "the address and its line")
	assert.Contains(t, dryOut, nobody.Error+": the run fails this row", "the dry run names the failure as the run does")
	assert.Equal(t, 4, r.zd.Hits("SetUserPassword"))
}

// The run's lookups are paced by the profile's rate limiter: with a limit of one request now and the next
// in a thousand seconds, the first request is the only one sent; the others wait their turn until the run
// is interrupted (none is sent outside the limiter, before the run or beside it).
func TestRunLookupsWaitForTheLimiter(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 4)
	input := emailInput(t, r.dir, 4, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o, c := r.counting(t, Flags{Input: input, Concurrency: 8, Length: 20, Rate: 0.001, PasswordsOut: filepath.Join(r.dir, "p.csv")})
	c.onRequest = cancel // Ctrl-C as the first request is sent
	err := Run(ctx, o)
	assert.Equal(t, cmdutil.ExitInterrupted, cmdutil.ExitCode(err), "%v", err)
	total, _ := c.lookups()
	assert.Equal(t, 1, total, "one lookup: the limiter's one request")
	assert.Equal(t, 1, c.requests, "no other request")
	assert.Zero(t, r.zd.Hits("SetUserPassword"))
}

// A dry run paces its lookups as the run does: with one request now and the next in a thousand seconds,
// it sends one lookup and waits for the next until interrupted.
func TestDryRunLookupsWaitForTheLimiter(t *testing.T) {
	t.Parallel()
	r := newRunRig(t, 4)
	input := emailInput(t, r.dir, 4, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	o, c := r.counting(t, Flags{Input: input, Concurrency: 8, Length: 20, Rate: 0.001, DryRun: true})
	c.onRequest = cancel
	require.ErrorIs(t, Run(ctx, o), context.Canceled)
	assert.Equal(t, 1, c.requests, "one request: the limiter's one")
}
