package bench

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/gen/zendesk"
)

// answerOK is an in-memory RoundTripper that reads the request's body and answers 200 with an empty body,
// as Zendesk answers a set password: no sockets, so what remains is the clients' own work.
type answerOK struct{}

func (answerOK) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{}, Body: http.NoBody,
		Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// overheadVariants returns one Zendesk SetPassword through the facade and through the generated client,
// both over the in-memory transport answerOK.
func overheadVariants(b *testing.B) (names []string, variants []func() error) {
	ctx := context.Background()
	const base = "http://127.0.0.1:1"
	hc := &http.Client{Transport: answerOK{}}
	z, err := facade.NewZendesk(base, facade.WithHTTPClient(hc), facade.WithAPIToken(benchEmail, benchToken))
	if err != nil {
		b.Fatal(err)
	}
	c, err := zendesk.NewClient(base, zendesk.WithHTTPClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	auth := func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(benchEmail+"/token", benchToken)
		r.Header.Set("Accept", "application/json")
		return nil
	}
	secret, pw := facade.NewSecret(benchPW), benchPW
	return []string{"facade", "generated"}, []func() error{
		func() error { return z.SetPassword(ctx, "35436", secret) },
		func() error {
			resp, err := c.SetUserPassword(ctx, 35436, zendesk.SetPasswordRequest{Password: &pw}, auth)
			return check(resp, err)
		},
	}
}

// BenchmarkSetPasswordOverhead measures one Zendesk SetPassword through the facade and through the generated
// client over an in-memory transport. Without the network's cost and noise, the difference between the two
// is the facade's own per-call work (input checks, attempt bookkeeping, error naming);
// BenchmarkSetPassword gives the ratio a caller sees over a real connection.
func BenchmarkSetPasswordOverhead(b *testing.B) {
	names, variants := overheadVariants(b)
	runEach(b, names, variants)
}

// BenchmarkSetPasswordOverheadInterleaved runs the variants of BenchmarkSetPasswordOverhead in turn within
// one loop and reports each one's mean time per call, so that both see the same machine conditions.
func BenchmarkSetPasswordOverheadInterleaved(b *testing.B) {
	names, variants := overheadVariants(b)
	runInterleaved(b, names, variants)
}
