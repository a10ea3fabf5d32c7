package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/cli/clitest"
	"github.com/unipass/unipass/internal/fixture"
)

// crashOriginal is every account's password before the rotation (a fake one).
const crashOriginal = "fake-Original-Passw0rd"

// writeCounter stands between the command and the fake and counts the password writes sent per user,
// and those answered 429 (provably not applied).
type writeCounter struct {
	mu          sync.Mutex
	writes      map[string]int
	rateLimited map[string]int
	total       int
}

var passwordPath = regexp.MustCompile(`^/api/v2/users/(\d+)/password$`)

func newWriteCounter(t *testing.T, target string) (*writeCounter, string) {
	u, err := url.Parse(target)
	require.NoError(t, err)
	wc := &writeCounter{writes: map[string]int{}, rateLimited: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a killed command's requests end in errors, by design
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := passwordPath.FindStringSubmatch(r.URL.Path)
		if m == nil || r.Method == http.MethodGet {
			proxy.ServeHTTP(w, r)
			return
		}
		wc.mu.Lock()
		wc.writes[m[1]]++
		wc.total++
		wc.mu.Unlock()
		sw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests {
			wc.mu.Lock()
			wc.rateLimited[m[1]]++
			wc.mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	return wc, srv.URL
}

// statusWriter keeps the status of the answer it passes on.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (wc *writeCounter) sent() int {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	return wc.total
}

// crashRig is a rotation of n Zendesk accounts (IDs from 100) by the command run as its own process.
type crashRig struct {
	t       *testing.T
	zd      *facadetest.Zendesk
	wc      *writeCounter
	baseURL string
	dir     string
	input   string
	journal string
	bin     string
	n       int
}

func newCrashRig(t *testing.T, n int) *crashRig {
	bin, err := exec.LookPath("unipass") // this test binary, put on PATH as unipass by testscript.Main
	require.NoError(t, err)
	zd := fixture.Zendesk(t, fixture.ZendeskTenant(n, crashOriginal, apiToken))
	zd.SetRateLimit(2000, 200)
	wc, base := newWriteCounter(t, zd.URL())
	dir := t.TempDir()
	return &crashRig{t: t, zd: zd, wc: wc, baseURL: base, dir: dir, input: clitest.WriteUsers(t, filepath.Join(dir, "users.csv"), 100, n),
		journal: filepath.Join(dir, "rotate.journal"), bin: bin, n: n}
}

// command returns the command for run number i: the first creates the journal, the others resume it;
// each writes its own passwords file.
func (c *crashRig) command(i int) (*exec.Cmd, string) {
	out := filepath.Join(c.dir, fmt.Sprintf("passwords-%02d.csv", i))
	journal := "--journal"
	if i > 0 {
		journal = "--resume"
	}
	cmd := exec.CommandContext(c.t.Context(), c.bin, "rotate", "--vendor", "zendesk", "--base-url", c.baseURL, "--auth", "api-token",
		"--user", "admin@example.com", "--input", c.input, journal, c.journal, "--passwords-out", out,
		"--concurrency", "8", "--rate", "400")
	cmd.Env = append(os.Environ(), "UNIPASS_CREDENTIAL="+apiToken)
	logf, err := os.Create(filepath.Join(c.dir, fmt.Sprintf("run-%02d.log", i)))
	require.NoError(c.t, err)
	c.t.Cleanup(func() { _ = logf.Close() })
	cmd.Stdout, cmd.Stderr = logf, logf // JSON lines and the summary: no passwords
	return cmd, out
}

// runKilled starts run i and SIGKILLs it once the writes sent reach atWrites, after a random pause of
// up to 10 ms; it reports whether the kill landed (false: the run ended first).
func (c *crashRig) runKilled(i, atWrites int, rng *rand.Rand) bool {
	cmd, _ := c.command(i)
	require.NoError(c.t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	for c.wc.sent() < atWrites {
		select {
		case <-exited:
			return false
		case <-time.After(200 * time.Microsecond):
		}
	}
	time.Sleep(time.Duration(rng.IntN(10_000)) * time.Microsecond)
	select {
	case <-exited:
		return false
	default:
	}
	require.NoError(c.t, cmd.Process.Signal(syscall.SIGKILL))
	<-exited
	return true
}

// journalStates reads the journal's entries (skipping the header and a line cut short): the states
// recorded per user, in order.
func (c *crashRig) journalStates() map[string][]rotate.EntryState {
	f, err := os.Open(c.journal)
	require.NoError(c.t, err)
	defer func() { _ = f.Close() }()
	states := map[string][]rotate.EntryState{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Key   string            `json:"key"`
			User  string            `json:"user"`
			State rotate.EntryState `json:"state"`
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Key != "" {
			states[e.User] = append(states[e.User], e.State)
		}
	}
	require.NoError(c.t, sc.Err())
	return states
}

// TestRotateCrashResume kills the command with SIGKILL at 20 moments across a rotation of 200 accounts,
// resumes after each, and checks the end state: the last run's passwords file holds every account, done,
// with the password in effect at the vendor (a write killed before it reached the vendor is settled by
// a refused Verify and the same password sent again; the fake always verifies, so nothing stays
// unknown); and no account was written again unless the journal shows a refused Verify or a proven
// not-applied before it (429s aside).
func TestRotateCrashResume(t *testing.T) {
	t.Parallel()
	crashResume(t, true)
}

// TestRotateCrashResumeNoPasswordAccess is TestRotateCrashResume on a Zendesk account without password
// access to the API (Zendesk's default): Verify cannot tell, so each resume settles the writes a kill
// left in doubt by setting their journaled passwords again (journal state "resending"); the last run
// still ends with every account done, nothing lost.
func TestRotateCrashResumeNoPasswordAccess(t *testing.T) {
	t.Parallel()
	crashResume(t, false)
}

func crashResume(t *testing.T, passwordAccess bool) {
	const targets, kills = 200, 20
	c := newCrashRig(t, targets)
	c.zd.SetPasswordAccess(passwordAccess)
	// Each write is applied at once and answered 20 ms later: most kills land between the two.
	c.zd.Fail("SetUserPassword", facadetest.Fault{After: true, Delay: 20 * time.Millisecond})
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0)) // #nosec G404 -- test timing, not a secret

	landed, run := 0, 0
	for k := range kills {
		// Spread the kills over the writes: the k-th lands near write (k+1)·200/22, give or take 4.
		at := (k+1)*targets/(kills+2) + rng.IntN(9) - 4
		if c.runKilled(run, at, rng) {
			landed++
		}
		run++
	}
	cmd, final := c.command(run)
	err := cmd.Run()
	output, _ := os.ReadFile(filepath.Join(c.dir, fmt.Sprintf("run-%02d.log", run)))
	require.NoError(t, err, "last run:\n%s", output)

	held := readStatuses(t, final)
	states := c.journalStates()
	var lost, done, resentRefused, resentNotApplied, refusedAccounts int
	unknown := map[string]int{}
	perAccount := map[int]int{} // writes sent → accounts
	c.wc.mu.Lock()
	defer c.wc.mu.Unlock()
	for i := range targets {
		user := strconv.Itoa(100 + i)
		atVendor, ok := c.zd.Password(int64(100 + i))
		require.True(t, ok)
		row, delivered := held[user]
		switch {
		case delivered && row.status == string(rotate.Done) && row.password == atVendor:
			done++
		default:
			lost++
			unknown[row.status]++
			t.Errorf("user %s: the vendor's password is not the one the user holds, done (row delivered: %v, status %q)", user, delivered, row.status)
		}
		perAccount[c.wc.writes[user]]++
		refused, notApplied := count(states[user], rotate.EntryRefused), count(states[user], rotate.EntryNotApplied)
		refused += count(states[user], rotate.EntryResending) // the same password set again, as after a refused Verify
		if refused > 0 {
			refusedAccounts++
		}
		if again := c.wc.writes[user] - c.wc.rateLimited[user] - 1; again > 0 {
			assert.LessOrEqual(t, again, refused+notApplied, "user %s written %d times (%d answered 429) without a refused Verify or a proven not-applied before each (journal %v)",
				user, c.wc.writes[user], c.wc.rateLimited[user], states[user])
			resentRefused += min(again, refused)
			resentNotApplied += max(again-refused, 0)
		}
	}
	t.Logf("%d runs, %d killed mid-run; %d writes sent for %d accounts (accounts by writes: %v); %d done, %d lost (by status %v); %d accounts with a refused Verify in the journal; %d writes sent again after a refused Verify, %d after not-applied",
		run+1, landed, c.wc.total, targets, perAccount, done, lost, unknown, refusedAccounts, resentRefused, resentNotApplied)
	assert.Equal(t, 0, lost)
	assert.Equal(t, targets, done, "every account done: none unknown")
	assert.GreaterOrEqual(t, landed, kills/2, "most kills should land mid-run")
}

// count returns how often s occurs in states.
func count(states []rotate.EntryState, s rotate.EntryState) int {
	n := 0
	for _, st := range states {
		if st == s {
			n++
		}
	}
	return n
}

// statusRow is one row of a passwords file.
type statusRow struct{ password, status string }

func readStatuses(t *testing.T, path string) map[string]statusRow {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"user", "password", "status"}, rows[0])
	out := map[string]statusRow{}
	for _, r := range rows[1:] {
		out[r[0]] = statusRow{password: r[1], status: r[2]}
	}
	return out
}

// signalHelperEnv holds the arguments (a JSON array) for TestRotateSignalHelper.
const signalHelperEnv = "UNIPASS_SIGNAL_HELPER_ARGS"

// TestRotateSignalHelper is the command as main runs it, signals included, for TestRotateSignals to start
// as its own process; it does nothing in a normal test run.
func TestRotateSignalHelper(t *testing.T) {
	encoded := os.Getenv(signalHelperEnv)
	if encoded == "" {
		t.Skip("started by TestRotateSignals")
	}
	var args []string
	require.NoError(t, json.Unmarshal([]byte(encoded), &args))
	ctx, stop := signalContext()
	code := run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// TestRotateSignals: SIGINT or SIGTERM mid-run stops new targets, lets the writes in flight finish,
// delivers every password sent and exits 6; --resume then completes the run without writing any
// account twice.
func TestRotateSignals(t *testing.T) {
	t.Parallel()
	for name, sig := range map[string]syscall.Signal{"SIGINT": syscall.SIGINT, "SIGTERM": syscall.SIGTERM} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const targets = 60
			c := newCrashRig(t, targets)
			c.zd.Fail("SetUserPassword", facadetest.Fault{Delay: 30 * time.Millisecond})
			first := filepath.Join(c.dir, "first.csv")
			args := []string{"rotate", "--vendor", "zendesk", "--base-url", c.baseURL, "--auth", "api-token", "--user", "admin@example.com",
				"--input", c.input, "--journal", c.journal, "--passwords-out", first, "--concurrency", "4", "--rate", "400"}
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRotateSignalHelper$")
			encoded, err := json.Marshal(args)
			require.NoError(t, err)
			cmd.Env = append(os.Environ(), signalHelperEnv+"="+string(encoded), "UNIPASS_CREDENTIAL="+apiToken)
			var output bytes.Buffer
			cmd.Stdout, cmd.Stderr = &output, &output
			require.NoError(t, cmd.Start())
			for c.wc.sent() < 10 {
				time.Sleep(time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(sig))
			err = cmd.Wait()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%s", output.String())
			require.Equal(t, exitInterrupted, ee.ExitCode(), "%s", output.String())
			assert.Contains(t, output.String(), "continue with --resume "+c.journal)

			delivered := clitest.ReadPasswords(t, first)
			assert.Len(t, delivered, c.wc.sent(), "every write sent finished and was delivered")
			clitest.AssertAtFake(t, c.zd, delivered)
			clitest.AssertNoPassword(t, output.String(), delivered)

			code, _, errOut := runRotate(t.Context(), t, c.baseURL, "", "--input", c.input, "--resume", c.journal,
				"--passwords-out", filepath.Join(c.dir, "second.csv"), "--rate", "400")
			require.Equal(t, exitOK, code, errOut)
			all := clitest.ReadPasswords(t, filepath.Join(c.dir, "second.csv"))
			assert.Len(t, all, targets)
			clitest.AssertAtFake(t, c.zd, all)
			assert.Equal(t, targets, c.wc.sent(), "no account written twice")
		})
	}
}
