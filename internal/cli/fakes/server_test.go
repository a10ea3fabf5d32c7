package fakes

import (
	"io"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The server closes idle keep-alive connections within 30 s and waits at most 10 s for headers.
func TestFakesServerTimeLimits(t *testing.T) {
	t.Parallel()
	srv := fakesServer(http.NotFoundHandler(), log.New(io.Discard, "", 0))
	assert.Positive(t, srv.IdleTimeout)
	assert.LessOrEqual(t, srv.IdleTimeout, 30*time.Second)
	assert.Positive(t, srv.ReadHeaderTimeout)
	assert.LessOrEqual(t, srv.ReadHeaderTimeout, 10*time.Second)
	assert.Positive(t, srv.MaxHeaderBytes)
}
