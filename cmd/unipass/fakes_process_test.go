package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakesProcess is `unipass fakes` running as a process of its own: the test binary re-executed as unipass
// (see TestMain), as a user or a script in another language would run it.
type fakesProcess struct {
	cmd     *exec.Cmd
	origin  string
	client  *http.Client
	startup time.Duration // from exec to the first successful answer of a vendor's fake

	mu             sync.Mutex
	stdout, stderr bytes.Buffer
	exited         chan struct{}
	waitErr        error
}

var servingLine = regexp.MustCompile(`^unipass fakes: serving on (https?://\S+) `)

// startFakes starts `unipass fakes --addr 127.0.0.1:0 ARGS...` and waits until it answers.
func startFakes(tb testing.TB, client *http.Client, args ...string) *fakesProcess {
	tb.Helper()
	bin, err := exec.LookPath("unipass")
	require.NoError(tb, err)
	p := &fakesProcess{client: client, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"fakes", "--addr", "127.0.0.1:0"}, args...)...) // #nosec G204 -- the test binary
	p.cmd.Env = cleanEnv(nil)
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	out, err := p.cmd.StdoutPipe()
	require.NoError(tb, err)
	start := time.Now()
	require.NoError(tb, p.cmd.Start())
	origin := make(chan string, 1)
	go p.readStdout(out, origin)
	tb.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.origin = <-origin:
	case <-p.exited:
		tb.Fatalf("unipass fakes exited before serving: %v\n%s", p.waitErr, p.output())
	case <-time.After(30 * time.Second):
		tb.Fatalf("unipass fakes did not say where it serves:\n%s", p.output())
	}
	for {
		resp, err := p.get(context.Background(), "/zendesk/api/v2/users/me")
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		require.Less(tb, time.Since(start), 30*time.Second, "no answer: %v", err)
		time.Sleep(5 * time.Millisecond)
	}
	p.startup = time.Since(start)
	return p
}

// readStdout keeps standard output, sends the served origin once the whole banner is read, and waits for
// the process at the end.
func (p *fakesProcess) readStdout(out io.Reader, origin chan<- string) {
	sc := bufio.NewScanner(out)
	var served string
	for sc.Scan() {
		p.mu.Lock()
		p.stdout.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
			served = m[1]
		}
		if sc.Text() == "Stop with Ctrl-C." {
			origin <- served
		}
	}
	_, _ = io.Copy(io.Discard, out)
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

func (p *fakesProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String() + p.stderr.String()
}

func (p *fakesProcess) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.origin+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return resp, err
}

// interrupt sends SIGINT and requires a clean exit 0.
func (p *fakesProcess) interrupt(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, p.cmd.Process.Signal(os.Interrupt))
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		tb.Fatalf("unipass fakes did not stop on SIGINT:\n%s", p.output())
	}
	require.NoError(tb, p.waitErr, p.output())
	assert.Equal(tb, 0, p.cmd.ProcessState.ExitCode())
	assert.Contains(tb, p.output(), "unipass fakes: stopped")
}

// admin calls the admin API like any HTTP client and decodes the JSON answer into out (if not nil).
func (p *fakesProcess) admin(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	return p.send(t, method, "/_admin"+path, body, out)
}

// send sends a request with header name/value pairs kv (a body is JSON) and decodes the answer into out.
func (p *fakesProcess) send(t *testing.T, method, path, body string, out any, kv ...string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.origin+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
	return resp.StatusCode
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// cleanEnv is the test's environment without UNIPASS_* variables, plus env.
func cleanEnv(env map[string]string) []string {
	out := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "UNIPASS_") })
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// unipass runs the command as a process of its own with env and stdin; no secret in env shows in its output.
func unipass(t *testing.T, env map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "unipass", args...)
	cmd.Env = cleanEnv(env)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		require.NoError(t, err)
	}
	for k, v := range env {
		if k == "UNIPASS_CREDENTIAL" || strings.HasSuffix(k, "PASSWORD") {
			assert.NotContains(t, out.String(), v, "%s leaked by unipass %v", k, args)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

type fakesUser struct{ ID, Email, Password string }

type fakesVendorState struct {
	Users       []fakesUser    `json:"users"`
	Hits        map[string]int `json:"hits"`
	Violations  []string       `json:"violations"`
	ResetEmails []string       `json:"reset_emails"`
}

func (p *fakesProcess) state(t *testing.T) map[string]fakesVendorState {
	t.Helper()
	var s map[string]fakesVendorState
	require.Equal(t, http.StatusOK, p.admin(t, http.MethodGet, "/state", "", &s))
	return s
}

func (p *fakesProcess) password(t *testing.T, vendor, id string) string {
	t.Helper()
	for _, u := range p.state(t)[vendor].Users {
		if u.ID == id {
			return u.Password
		}
	}
	t.Fatalf("no %s user %s", vendor, id)
	return ""
}
