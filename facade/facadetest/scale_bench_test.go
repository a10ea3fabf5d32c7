package facadetest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/unipass/unipass/facade/facadetest"
)

// The fake sizes the scaling benchmarks compare: a request against the large one should cost no more than
// against the small one (users are looked up by index, not by scanning).
const (
	scaleSmall = 10
	scaleLarge = 50_000
)

const scalePW = "fake-Scale-Passw0rd-1"

// scaleCase is one kind of request, built against a fake of n users; the request names a user in the
// middle of the fake (by insertion), with credentials the fake accepts.
type scaleCase struct {
	name  string
	build func(n int) (http.Handler, func() *http.Request)
	want  int // the status of a successful answer
}

var scaleCases = []scaleCase{
	{"zendesk-set-password-api-token", zendeskScale(func(n int) *http.Request {
		r := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v2/users/%d/password", 1000+n/2),
			strings.NewReader(`{"password":"`+scalePW+`"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", basic(scaleEmail(n/2)+"/token", "fake-scale-api-token"))
		return r
	}), http.StatusOK},
	{"zendesk-me-basic", zendeskScale(func(n int) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/v2/users/me", http.NoBody)
		r.Header.Set("Authorization", basic(scaleEmail(n/2), scalePW))
		return r
	}), http.StatusOK},
	{"docspace-login", docspaceScale, http.StatusOK},
	{"glowmarkt-login", glowmarktScale, http.StatusOK},
}

func scaleEmail(i int) string { return fmt.Sprintf("User%d@Example.com", i) }

// zendeskScale: n agents with API tokens, ID 1000+i, admin setting on.
func zendeskScale(req func(n int) *http.Request) func(int) (http.Handler, func() *http.Request) {
	return func(n int) (http.Handler, func() *http.Request) {
		z := facadetest.NewZendesk(facadetest.WithMount("http://fake.invalid"))
		for i := range n {
			z.AddUser(facadetest.ZendeskUser{ID: int64(1000 + i), Email: scaleEmail(i), Password: scalePW, Role: "admin"})
		}
		z.AddAPIToken(scaleEmail(n/2), "fake-scale-api-token")
		z.SetAdminSetPassword(true)
		return z.Handler(), func() *http.Request { return req(n) }
	}
}

func docspaceScale(n int) (http.Handler, func() *http.Request) {
	d := facadetest.NewDocSpace(facadetest.WithMount("http://fake.invalid"))
	for i := range n {
		d.AddUser(facadetest.DocSpaceUser{ID: uuid.NewString(), Email: scaleEmail(i), Password: scalePW})
	}
	body := `{"userName":"` + strings.ToLower(scaleEmail(n/2)) + `","password":"` + scalePW + `"}`
	return d.Handler(), func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/2.0/authentication", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
}

func glowmarktScale(n int) (http.Handler, func() *http.Request) {
	g := facadetest.NewGlowmarkt(facadetest.WithMount("http://fake.invalid"))
	for i := range n {
		g.AddAccount(facadetest.GlowmarktAccount{AccountID: fmt.Sprintf("acc-%d", i), Username: scaleEmail(i), Password: scalePW})
	}
	body := `{"username":"` + strings.ToUpper(scaleEmail(n/2)) + `","password":"` + scalePW + `"}`
	appID := g.ApplicationID()
	return g.Handler(), func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/v0-1/auth", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("applicationId", appID)
		return r
	}
}

// serveOne sends one request to h and fails b unless the answer has the wanted status.
func serveOne(b *testing.B, h http.Handler, req *http.Request, want int) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != want {
		b.Fatalf("status %d, want %d: %s", w.Code, want, w.Body.String())
	}
}

// BenchmarkFakeRequest is one request of each kind against fakes of 10 and of 50,000 users, through the
// fake's handler (contract validation included), ns/op and allocs/op.
func BenchmarkFakeRequest(b *testing.B) {
	for _, c := range scaleCases {
		for _, n := range []int{scaleSmall, scaleLarge} {
			b.Run(fmt.Sprintf("%s/users=%d", c.name, n), func(b *testing.B) {
				h, req := c.build(n)
				b.ReportAllocs()
				for b.Loop() {
					serveOne(b, h, req(), c.want)
				}
			})
		}
	}
}

// BenchmarkFakeScaling runs each kind of request against the small and the large fake in turn within one
// loop and reports the large fake's time per request over the small one's ("large/small"; the target is
// at most 1.2), so that both see the same machine conditions.
func BenchmarkFakeScaling(b *testing.B) {
	for _, c := range scaleCases {
		b.Run(c.name, func(b *testing.B) {
			hs, reqs := c.build(scaleSmall)
			hl, reql := c.build(scaleLarge)
			var small, large time.Duration
			for i := 0; b.Loop(); i++ {
				for k := range 2 { // alternate which size goes first
					start := time.Now()
					if (i+k)%2 == 0 {
						serveOne(b, hs, reqs(), c.want)
						small += time.Since(start)
					} else {
						serveOne(b, hl, reql(), c.want)
						large += time.Since(start)
					}
				}
			}
			b.ReportMetric(float64(small.Nanoseconds())/float64(b.N), "small-ns")
			b.ReportMetric(float64(large.Nanoseconds())/float64(b.N), "large-ns")
			b.ReportMetric(large.Seconds()/small.Seconds(), "large/small")
		})
	}
}
