package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/facadetest"
	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// dialTargets is how many targets one run of BenchmarkRotationDials rotates.
const dialTargets = 4000

// countedFleet is a Zendesk fake with n users served on a loopback listener that counts the connections
// clients open to it, and a manager on the facade's default client (no WithHTTPClient).
func countedFleet(b *testing.B, n int) (*facade.Zendesk, *atomic.Int64) {
	srv := httptest.NewUnstartedServer(nil)
	var dials atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	f := fixture.Zendesk(b, fixture.ZendeskTenant(n, benchPW, benchToken), facadetest.WithMount("http://"+srv.Listener.Addr().String()))
	srv.Config.Handler = f.Handler()
	srv.Start()
	b.Cleanup(srv.Close)
	return fixture.ZendeskManagerAt(b, f.URL(), benchAuth()), &dials
}

// BenchmarkRotationDials: 4,000 targets over 1 and over 20 Zendesk fakes (each its own host and manager
// on the facade's default client), 96 in flight, no rate limit. Reports the connections the fakes
// accepted per run ("dials/run") and per target: with a pool that keeps a connection per request in
// flight, a run dials about once per request in flight, not once per request.
func BenchmarkRotationDials(b *testing.B) {
	for _, hosts := range []int{1, 20} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			var total int64
			for b.Loop() {
				b.StopTimer()
				ms := make([]*facade.Zendesk, hosts)
				counts := make([]*atomic.Int64, hosts)
				for h := range ms {
					ms[h], counts[h] = countedFleet(b, dialTargets/hosts)
				}
				limits := map[string]rotate.Limit{}
				for h := range ms {
					limits[fmt.Sprint(h)] = rotate.Limit{PerSecond: 1e6, Burst: 1000}
				}
				ch := make(chan rotate.Target, 64)
				go func() {
					defer close(ch)
					for i := range dialTargets {
						h := i % hosts
						ch <- rotate.Target{Manager: ms[h], Profile: fmt.Sprint(h), User: fmt.Sprint(fixture.FirstUser + i/hosts)}
					}
				}()
				b.StartTimer()
				allDone(b, rotate.Run(context.Background(), ch, rotate.Config{Concurrency: 96, ProfileLimits: limits}))
				b.StopTimer()
				for _, c := range counts {
					total += c.Load()
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/float64(b.N), "dials/run")
			b.ReportMetric(float64(total)/float64(b.N)/dialTargets, "dials/target")
		})
	}
}
