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

// What net/http would refuse before writing is refused by the Doer, unsent; a RoundTripper's NotSent
// refusal proves the request never left; anything else proves nothing.
func TestUnsendableAndNotSent(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	d := NewDoer(srv.Client())
	for name, edit := range map[string]func(*http.Request){
		"line break in a value": func(r *http.Request) { r.Header.Set("Authorization", "fake-token\r\nX: y") },
		"NUL in a value":        func(r *http.Request) { r.Header["Token"] = []string{"fake\x00token"} },
		"space in a name":       func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} },
		"body announced":        func(r *http.Request) { r.ContentLength = 5 },
	} {
		a := NewAttempt(t.Context())
		r, err := http.NewRequestWithContext(a, http.MethodPost, srv.URL, nil)
		require.NoError(t, err)
		edit(r)
		_, err = d.Do(r)
		require.ErrorIs(t, err, errUnsendable, name)
		assert.NotContains(t, err.Error(), "fake", name)
		assert.False(t, a.Handed(), name)
		assert.True(t, a.NotSent(err), name)
		assert.True(t, neverWritten(err), name)
	}
	assert.Zero(t, hits.Load())

	wrapped := &url.Error{Op: "Post", URL: srv.URL, Err: refusal{notSent: true}}
	assert.True(t, neverWritten(wrapped))
	a := NewAttempt(t.Context())
	assert.True(t, a.Refused(wrapped), "a RoundTripper's refusal would repeat")
	assert.False(t, a.Refused(&url.Error{Op: "Post", URL: srv.URL, Err: refusal{}}))
	assert.False(t, neverWritten(&url.Error{Op: "Post", URL: srv.URL, Err: refusal{}}))
	assert.False(t, neverWritten(errors.Join(refusal{notSent: true}, errors.New("later"))), "a joined error proves nothing")
	assert.False(t, neverWritten(fmt.Errorf("read: %w", errors.New("connection reset"))))
}
