package facadetest

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/unipass/unipass/api"
)

// The path prefixes under which a Fakes serves each vendor and its admin API.
const (
	DocSpacePrefix  = "/docspace"
	ZendeskPrefix   = "/zendesk"
	GlowmarktPrefix = "/glowmarkt"
	AdminPrefix     = "/_admin"
)

// Fakes is the three fakes behind one http.Handler, as `unipass fakes` serves them: each vendor under its
// own path prefix (DocSpacePrefix, ZendeskPrefix, GlowmarktPrefix) and a JSON admin API under AdminPrefix
// to read the state, count hits, read contract violations and arm faults (see AdminHandler).
type Fakes struct {
	DocSpace  *DocSpace
	Zendesk   *Zendesk
	Glowmarkt *Glowmarkt

	mux *http.ServeMux

	// repMu guards reported and onViolation.
	repMu       sync.Mutex
	reported    map[api.Vendor]int
	onViolation func(api.Vendor, error)
}

// NewFakes makes the three fakes, seeded, to be served by Handler at origin (scheme, host and port, e.g.
// "http://127.0.0.1:7070"). They start no server of their own. opts (such as WithMaxBodyBytes) apply to
// each of them.
func NewFakes(origin string, seed Seed, opts ...Option) *Fakes {
	with := func(prefix string) []Option {
		return append(slices.Clone(opts), WithMount(origin), WithBasePath(prefix))
	}
	f := &Fakes{
		DocSpace:  NewDocSpace(with(DocSpacePrefix)...),
		Zendesk:   NewZendesk(with(ZendeskPrefix)...),
		Glowmarkt: NewGlowmarkt(with(GlowmarktPrefix)...),
		mux:       http.NewServeMux(),
		reported:  map[api.Vendor]int{},
	}
	if seed.DocSpace != nil {
		f.DocSpace.Seed(*seed.DocSpace)
	}
	if seed.Zendesk != nil {
		f.Zendesk.Seed(*seed.Zendesk)
	}
	if seed.Glowmarkt != nil {
		f.Glowmarkt.Seed(*seed.Glowmarkt)
	}
	for v, prefix := range map[api.Vendor]string{api.DocSpace: DocSpacePrefix, api.Zendesk: ZendeskPrefix, api.Glowmarkt: GlowmarktPrefix} {
		f.mux.Handle(prefix+"/", f.reporting(v, f.server(v).Handler()))
	}
	f.mux.Handle(AdminPrefix+"/", http.StripPrefix(AdminPrefix, f.AdminHandler()))
	return f
}

// Handler serves the three vendors and the admin API.
func (f *Fakes) Handler() http.Handler { return f.mux }

// OnViolation calls fn with each contract violation a vendor's fake records from now on, after the request
// that caused it. fn must be safe for concurrent use.
func (f *Fakes) OnViolation(fn func(api.Vendor, error)) {
	f.repMu.Lock()
	defer f.repMu.Unlock()
	f.onViolation = fn
}

// Close cuts the delays of armed faults short.
func (f *Fakes) Close() {
	f.DocSpace.Close()
	f.Zendesk.Close()
	f.Glowmarkt.Close()
}

// server returns a vendor's shared server part; nil for an unknown vendor.
func (f *Fakes) server(v api.Vendor) *Server {
	switch api.Vendor(strings.ToLower(string(v))) {
	case api.DocSpace:
		return f.DocSpace.Server
	case api.Zendesk:
		return f.Zendesk.Server
	case api.Glowmarkt:
		return f.Glowmarkt.Server
	}
	return nil
}

// reporting passes each request to next, then the violations it caused to the OnViolation function (also
// when the handler aborts the connection for a fault).
func (f *Fakes) reporting(v api.Vendor, next http.Handler) http.Handler {
	s := f.server(v)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer f.report(v, s)
		next.ServeHTTP(w, r)
	})
}

func (f *Fakes) report(v api.Vendor, s *Server) {
	f.repMu.Lock()
	defer f.repMu.Unlock()
	var news []error
	news, f.reported[v] = s.violationsFrom(f.reported[v])
	if f.onViolation == nil {
		return
	}
	for _, err := range news {
		f.onViolation(v, err)
	}
}
