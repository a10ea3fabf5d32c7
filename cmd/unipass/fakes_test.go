package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/internal/fixture"
)

// seedAppID is the Glowmarkt application ID of the default seed (fakes_seed.json).
const seedAppID = "fake-application-id"

// TestFakesRefusals: flags and seeds that make no sense are refused before anything listens.
func TestFakesRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badSeed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(badSeed, []byte(`{"zendesk": {"users": [{"id": 1, "email": "a@example.com", "role": "owner"}]}}`), 0o600))
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"not loopback":   {[]string{"--addr", "0.0.0.0:0"}, "not a loopback address"},
		"all interfaces": {[]string{"--addr", ":7070"}, "not a loopback address"},
		"no port":        {[]string{"--addr", "127.0.0.1"}, "want host:port"},
		"key alone":      {[]string{"--tls-key", "k.pem"}, "--tls-cert and --tls-key go together"},
		"cert-out alone": {[]string{"--cert-out", "c.pem"}, "--cert-out needs --tls"},
		"bad seed":       {[]string{"--seed", badSeed}, `role must be admin, agent or end-user, not "owner"`},
		"missing seed":   {[]string{"--seed", filepath.Join(dir, "none.json")}, "no such file"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(t.Context(), append([]string{"fakes"}, tc.args...), strings.NewReader(""), &out, &errOut)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut.String(), tc.want)
		})
	}
}

func TestFakesPrintSeed(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(t.Context(), []string{"fakes", "--print-seed"}, strings.NewReader(""), &out, &errOut), errOut.String())
	seed, err := os.ReadFile("../../internal/cli/fakes/fakes_seed.json")
	require.NoError(t, err)
	assert.JSONEq(t, string(seed), out.String())
	for _, s := range []string{fixture.DocSpaceAPIKey, fixture.ZendeskAPIToken, fixture.ZendeskOAuthToken, fixture.ZendeskAgentPassword, fixture.DocSpacePassword, fixture.GlowmarktPassword, seedAppID} {
		assert.Contains(t, out.String(), s, "the constants of these tests are the default seed's")
	}
}

// TestFakesListenAny: with --listen-any the fakes listen on every interface and are reached on loopback;
// SIGTERM stops them as cleanly as SIGINT.
func TestFakesListenAny(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("unipass")
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), bin, "fakes", "--addr", "0.0.0.0:0", "--listen-any") // #nosec G204 -- the test binary
	cmd.Env = cleanEnv(nil)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	br := bufio.NewReader(out)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Regexp(t, `^unipass fakes: serving on http://127\.0\.0\.1:\d+ `, line)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "Stop with Ctrl-C")
	require.NoError(t, cmd.Wait(), "exit 0 on SIGTERM")
}

// BenchmarkFakesStartup measures `unipass fakes` from exec to the first successful answer of a vendor's
// fake (ms/start), then stops it with SIGINT.
func BenchmarkFakesStartup(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		p := startFakes(b, http.DefaultClient)
		total += p.startup
		p.interrupt(b)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
}

// TestFakesScripts runs the scripts of testdata/fakes: `unipass fakes` started in the background, every
// command against it, the admin API through plain HTTP (and curl where it is installed).
func TestFakesScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/fakes",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// waitfile FILE VAR: wait (up to 30 s) until FILE exists, then set $VAR to its first line.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 || neg {
					ts.Fatalf("usage: waitfile FILE VAR")
				}
				for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
					data, err := os.ReadFile(ts.MkAbs(args[0]))
					if err == nil {
						ts.Setenv(args[1], firstLine(string(data)))
						return
					}
					if time.Now().After(deadline) {
						ts.Fatalf("%s did not appear: %v", args[0], err)
					}
				}
			},
			// http METHOD URL [BODY]: send a request (a body is JSON); print "HTTP <status>" and the body.
			"http": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 || len(args) > 3 || neg {
					ts.Fatalf("usage: http METHOD URL [BODY]")
				}
				var body io.Reader = http.NoBody
				if len(args) == 3 {
					body = strings.NewReader(args[2])
				}
				req, err := http.NewRequestWithContext(context.Background(), args[0], args[1], body)
				ts.Check(err)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				ts.Check(err)
				defer func() { _ = resp.Body.Close() }()
				data, err := io.ReadAll(resp.Body)
				ts.Check(err)
				fmt.Fprintf(ts.Stdout(), "HTTP %d\n%s", resp.StatusCode, data)
			},
		},
	})
}

// TestFakesCustomSeed runs the command in this process with a seed file: the seed is served, its
// credentials are not printed, and cancelling the context stops it with exit 0.
func TestFakesCustomSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"zendesk": {
		"users": [{"id": 7, "email": "owner@example.com", "password": "fake-Owner-Passw0rd", "role": "admin"}],
		"api_tokens": [{"email": "owner@example.com", "token": "fake-custom-token"}],
		"policy": {"min_length": 14, "mixed_case": true, "digits": true}}}`), 0o600))
	urlFile := filepath.Join(dir, "url.txt")
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"fakes", "--addr", "127.0.0.1:0", "--seed", seed, "--url-file", urlFile}, strings.NewReader(""), &out, &errOut)
	}()
	var origin string
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(urlFile)
		origin = firstLine(string(data))
		return err == nil
	}, 30*time.Second, 5*time.Millisecond)

	code, text := unipass(t, map[string]string{"UNIPASS_CREDENTIAL": "fake-custom-token"}, "", "requirements", "7",
		"--vendor", "zendesk", "--base-url", origin+"/zendesk", "--auth", "api-token", "--user", "owner@example.com")
	assert.Equal(t, exitOK, code, text)
	assert.Contains(t, text, "must be at least 14 characters")
	code, _ = unipass(t, map[string]string{"UNIPASS_CREDENTIAL": fixture.ZendeskAPIToken}, "", "requirements", "7",
		"--vendor", "zendesk", "--base-url", origin+"/zendesk", "--auth", "api-token", "--user", "admin@example.com")
	assert.Equal(t, exitRejected, code, "the default seed's token is not in this seed")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("unipass fakes did not stop")
	}
	assert.Contains(t, out.String(), "unipass fakes: serving on "+origin)
	assert.NotContains(t, out.String(), "export")
	for _, secret := range []string{"fake-custom-token", "fake-Owner-Passw0rd", fixture.ZendeskAPIToken} {
		assert.NotContains(t, out.String()+errOut.String(), secret)
	}
	assert.Contains(t, errOut.String(), "unipass fakes: stopped")
}
