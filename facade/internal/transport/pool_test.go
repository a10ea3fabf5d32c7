package transport_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/unipass/unipass/facade/internal/transport"
)

func TestPooled(t *testing.T) {
	t.Parallel()
	unbounded := transport.Pooled(0)
	assert.Equal(t, transport.MaxIdlePerHost, unbounded.MaxIdleConnsPerHost)
	assert.Zero(t, unbounded.MaxConnsPerHost)
	assert.Zero(t, unbounded.MaxIdleConns, "no bound over all hosts")
	def := http.DefaultTransport.(*http.Transport)
	assert.Equal(t, def.IdleConnTimeout, unbounded.IdleConnTimeout)
	assert.Equal(t, def.TLSHandshakeTimeout, unbounded.TLSHandshakeTimeout)
	assert.True(t, unbounded.ForceAttemptHTTP2)
	assert.NotNil(t, unbounded.Proxy)

	bounded := transport.Pooled(12)
	assert.Equal(t, 12, bounded.MaxConnsPerHost)
	assert.Equal(t, 12, bounded.MaxIdleConnsPerHost, "as many idle as may be in flight")

	assert.Same(t, transport.SharedPooled(), transport.SharedPooled())
	assert.NotSame(t, def, transport.SharedPooled(), "http.DefaultTransport is not changed")
}
