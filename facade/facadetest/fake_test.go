package facadetest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unipass/unipass/facade/facadetest"
)

const userID = "aae1e103-bca5-9fa1-ba8c-42058b4abf28"

func newFake(t *testing.T, opts ...facadetest.Option) *facadetest.DocSpace {
	f := facadetest.NewDocSpace(opts...)
	t.Cleanup(f.Close)
	f.AddUser(facadetest.DocSpaceUser{ID: userID, Email: "a@example.com", Password: "fake-Passw0rd-1"})
	f.AddAPIKey("fake-key")
	return f
}

func put(t *testing.T, f *facadetest.DocSpace, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, f.URL()+"/api/2.0/people/"+userID+"/password", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "fake-key")
	return f.Client().Do(req)
}

func TestValidTrafficHasNoViolations(t *testing.T) {
	f := newFake(t, facadetest.WithBasePath("/tenant"))
	resp, err := put(t, f, `{"password":"fake-Passw0rd-2"}`)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, f.Violations())
	assert.Equal(t, 1, f.Hits("changeUserPassword"))
	pw, _ := f.Password(userID)
	assert.Equal(t, "fake-Passw0rd-2", pw)
	assert.True(t, strings.HasSuffix(f.URL(), "/tenant"))
}

func TestViolationRecorded(t *testing.T) {
	f := newFake(t)
	resp, err := put(t, f, `{"password":"fake-Passw0rd-2","email":"a@example.com"}`)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Len(t, f.Violations(), 1)
	assert.Equal(t, 1, f.Hits("changeUserPassword"))
	pw, _ := f.Password(userID)
	assert.Equal(t, "fake-Passw0rd-1", pw, "an invalid request changes nothing")
}

func TestFaults(t *testing.T) {
	f := newFake(t)
	f.Fail("changeUserPassword", facadetest.Fault{Status: 503, RetryAfter: "3", ContentType: "text/html", Body: "<html>down</html>", Times: 1})
	resp, err := put(t, f, `{"password":"fake-Passw0rd-2"}`)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	assert.Equal(t, "<html>down</html>", string(body))
	pw, _ := f.Password(userID)
	assert.Equal(t, "fake-Passw0rd-1", pw, "a faulted request is not applied")

	resp, err = put(t, f, `{"password":"fake-Passw0rd-2"}`)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "Times: 1 faults one request only")

	f.Fail("changeUserPassword", facadetest.Fault{Drop: true, Times: 1})
	_, err = put(t, f, `{"password":"fake-Passw0rd-3"}`)
	assert.Error(t, err)

	f.Fail("changeUserPassword", facadetest.Fault{Status: 200, Body: `{"status":0,"response":{"id":"x"}}`, Truncate: true, Times: 1})
	resp, err = put(t, f, `{"password":"fake-Passw0rd-3"}`)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Error(t, err, "a truncated body fails to read")

	f.Fail("changeUserPassword", facadetest.Fault{Status: 200, Delay: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL()+"/api/2.0/settings/security/password", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "fake-key")
	resp, err = f.Client().Do(req)
	require.NoError(t, err, "faults apply per operation")
	_ = resp.Body.Close()
	req, err = http.NewRequestWithContext(ctx, http.MethodPut, f.URL()+"/api/2.0/people/"+userID+"/password", strings.NewReader(`{"password":"fake-Passw0rd-3"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "fake-key")
	_, err = f.Client().Do(req)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	f.ClearFaults()
	assert.Empty(t, f.Violations(), "fault responses are not contract-checked")
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := put(t, f, `{"password":"fake-Passw0rd-9"}`)
			if assert.NoError(t, err) {
				_ = resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 50, f.Hits("changeUserPassword"))
	assert.Empty(t, f.Violations())
}
