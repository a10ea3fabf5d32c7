package bench

import (
	"context"
	"testing"
	"time"

	"github.com/unipass/unipass/facade"
	"github.com/unipass/unipass/facade/rotate"
)

// The adaptive pacing benchmark: a rate guessed too high (adaptiveRate) against a Zendesk account
// limited to adaptiveAccount requests a second, adaptiveRows rows. Rotation slows to the account's limit
// from its quota headers: few 429s, and the wall time of the account's ideal, adaptiveRows/adaptiveAccount.
const (
	adaptiveRows    = 60
	adaptiveRate    = 50.0
	adaptiveAccount = 5.0
)

// BenchmarkAdaptivePacing: --rate 50 against a 5/s account, 60 rows: the 429s the fake answered (target
// ≤ 3) and wall time over the 12 s ideal (target ≤ 1.05×).
func BenchmarkAdaptivePacing(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		f, z := fleet(b, adaptiveRows)
		f.SetRateLimit(adaptiveAccount, int(adaptiveAccount))
		limits := map[facade.Vendor]rotate.Limit{facade.VendorZendesk: {PerSecond: adaptiveRate, Burst: 1}}
		b.StartTimer()
		start := time.Now()
		allDone(b, rotate.Run(context.Background(), targets(z, adaptiveRows), rotate.Config{Limits: limits}))
		wall := time.Since(start)
		b.StopTimer()
		ideal := time.Duration(adaptiveRows / adaptiveAccount * float64(time.Second))
		b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
		b.ReportMetric(float64(f.RateLimited()), "429s")
		b.StartTimer()
	}
}
