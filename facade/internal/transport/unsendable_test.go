package transport

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refusal is a RoundTripper's error saying whether it refused the request before passing it on.
type refusal struct{ notSent bool }

func (r refusal) Error() string { return "refused" }
func (r refusal) NotSent() bool { return r.notSent }

// roundTripper sends with a function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// What net/http would refuse before writing fails as unsendable, provably unsent: through net/http's own
// transport (which refuses it before dialing; the Doer checks the headers once that failed), and through
// any other RoundTripper (checked before it is handed over: what it would do is unknown). A RoundTripper's
// NotSent refusal proves the request never left; anything else proves nothing.
func TestUnsendableAndNotSent(t *testing.T) {
	t.Parallel()
	var hits, handed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	std := srv.Client()
	custom := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		handed.Add(1)
		return std.Transport.RoundTrip(r)
	})}
	for client, hc := range map[string]*http.Client{"net/http's transport": std, "another RoundTripper": custom} {
		d := NewDoer(hc)
		for name, edit := range map[string]func(*http.Request){
			"line break in a value": func(r *http.Request) { r.Header.Set("Authorization", "fake-token\r\nX: y") },
			"NUL in a value":        func(r *http.Request) { r.Header["Token"] = []string{"fake\x00token"} },
			"space in a name":       func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} },
			"body announced":        func(r *http.Request) { r.ContentLength = 5 },
		} {
			name = client + ": " + name
			a := NewAttempt(t.Context())
			r, err := http.NewRequestWithContext(a, http.MethodPost, srv.URL, nil)
			require.NoError(t, err)
			edit(r)
			_, err = d.Do(r)
			require.ErrorIs(t, err, errUnsendable, name)
			assert.NotContains(t, err.Error(), "fake", name)
			assert.True(t, a.NotSent(err), name)
			assert.True(t, a.Refused(err), name)
			assert.True(t, neverWritten(err), name)
		}
	}
	assert.Zero(t, hits.Load())
	assert.Zero(t, handed.Load(), "nothing unsendable reaches a RoundTripper other than net/http's")

	wrapped := &url.Error{Op: "Post", URL: srv.URL, Err: refusal{notSent: true}}
	assert.True(t, neverWritten(wrapped))
	a := NewAttempt(t.Context())
	assert.True(t, a.Refused(wrapped), "a RoundTripper's refusal would repeat")
	assert.False(t, a.Refused(&url.Error{Op: "Post", URL: srv.URL, Err: refusal{}}))
	assert.False(t, neverWritten(&url.Error{Op: "Post", URL: srv.URL, Err: refusal{}}))
	assert.False(t, neverWritten(errors.Join(refusal{notSent: true}, errors.New("later"))), "a joined error proves nothing")
	assert.False(t, neverWritten(fmt.Errorf("read: %w", errors.New("connection reset"))))
}
