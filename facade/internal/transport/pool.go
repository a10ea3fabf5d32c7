package transport

import (
	"net/http"
	"sync"
	"time"
)

// MaxIdlePerHost bounds the idle connections a pooled transport without a per-host connection limit keeps
// for one host.
const MaxIdlePerHost = 1024

// Pooled returns a transport like http.DefaultTransport (proxy from the environment, HTTP/2, its timeouts)
// whose pool is sized to the work: a connection whose request is done stays open for the next request to
// its host, as many of them as requests were in flight at once, instead of http.DefaultTransport's 2 per
// host (beyond which every connection is closed after its answer and the next request dials again).
// maxConnsPerHost above 0 bounds the connections to a host, in flight and idle; 0 leaves them unbounded
// and keeps up to MaxIdlePerHost idle. Idle connections close after 90 s unused.
func Pooled(maxConnsPerHost int) *http.Transport {
	t := baseTransport()
	t.MaxIdleConns = 0 // no bound over all hosts: each host's applies
	t.MaxConnsPerHost = maxConnsPerHost
	t.MaxIdleConnsPerHost = MaxIdlePerHost
	if maxConnsPerHost > 0 {
		t.MaxIdleConnsPerHost = maxConnsPerHost
	}
	return t
}

// SharedPooled is the Pooled transport without a per-host limit that every manager built without an
// http.Client of its own shares, as it would share http.DefaultTransport.
var SharedPooled = sync.OnceValue(func() *http.Transport { return Pooled(0) })

// baseTransport is a clone of http.DefaultTransport, or, when a program has replaced that with another
// kind of RoundTripper, a transport with the same settings.
func baseTransport() *http.Transport {
	if d, ok := http.DefaultTransport.(*http.Transport); ok {
		return d.Clone()
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ExpectContinueTimeout: time.Second}
}
