package facadetest

import (
	"net/http"
	"time"
)

// The bounds of what a fake keeps, so that no number of requests grows its memory without end.
const (
	// MaxRecent is how many of the latest violations and reset emails a fake keeps; older ones are only
	// counted.
	MaxRecent = 1000
	// MaxLiveTokens is how many login tokens a fake holds at once; a login beyond it ends the oldest
	// session (tokens live an hour, so the cap, not expiry, is what bounds them).
	MaxLiveTokens = 4096
	// DefaultBodyTimeout bounds how long a request's body may take to arrive (WithBodyTimeout changes it).
	DefaultBodyTimeout = 30 * time.Second
)

// recent keeps the last MaxRecent items added and counts them all.
type recent[T any] struct {
	items []T // the latest (up to twice MaxRecent, halved when full), oldest first
	total int // all ever added
}

func (r *recent[T]) add(x T) {
	if len(r.items) == 2*MaxRecent {
		r.items = append(make([]T, 0, 2*MaxRecent), r.items[MaxRecent:]...)
	}
	r.items = append(r.items, x)
	r.total++
}

// kept is the latest MaxRecent items.
func (r *recent[T]) kept() []T { return r.items[max(len(r.items)-MaxRecent, 0):] }

// all returns a copy of the latest MaxRecent items.
func (r *recent[T]) all() []T { return append([]T(nil), r.kept()...) }

// from returns the kept items among those added after the first n, and how many were added in all.
func (r *recent[T]) from(n int) ([]T, int) {
	kept := r.kept()
	first := r.total - len(kept) // the number of the oldest kept item
	if n >= r.total {
		return nil, r.total
	}
	return append([]T(nil), kept[max(n-first, 0):]...), r.total
}

// WithBodyTimeout bounds how long a request's body may take to arrive (DefaultBodyTimeout without it); a
// client slower than that has its connection closed.
func WithBodyTimeout(d time.Duration) Option { return func(c *config) { c.bodyTimeout = d } }

// withBodyDeadline bounds the time the request's body may take to arrive while read runs, then lifts
// the bound if read succeeded (a fault's delay may hold the request longer). After a failure the bound
// stays: the server's reading of what is left of the body ends with it, and so does the connection.
func withBodyDeadline(w http.ResponseWriter, d time.Duration, read func() error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(d))
	if read() == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
}
