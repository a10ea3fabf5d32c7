package facadetest

import (
	"maps"
	"net/http"
	"strings"
)

// WithMount makes a fake start no server of its own: serve its Handler on your own listener or mux, at
// origin (scheme, host and port, e.g. "http://127.0.0.1:7070"), usually with WithBasePath. URL is then
// origin plus the base path, Client is http.DefaultClient, and Close only cuts fault delays short.
func WithMount(origin string) Option {
	return func(c *config) { c.mounted = strings.TrimSuffix(origin, "/") }
}

// Handler serves the fake: contract validation, faults, the rate limit and the fake's own answers. With
// WithBasePath it expects the full path, base path included, as a client sends it.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// allHits returns the hit count of every operation that was hit.
func (s *Server) allHits() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.hits)
}

// armedFaults returns how many faults are queued for each operation.
func (s *Server) armedFaults() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.faults))
	for op, q := range s.faults {
		if len(q) > 0 {
			out[op] = len(q)
		}
	}
	return out
}

// violationsFrom returns the violations recorded after the first n that are still kept, and how many
// there are in all.
func (s *Server) violationsFrom(n int) ([]error, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.violations.from(n)
}
