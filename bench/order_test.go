package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/unipass/unipass/facade/rotate"
	"github.com/unipass/unipass/internal/fixture"
)

// The fleet-order benchmark: orderProfiles tenants of orderRows rows each, every tenant limited to
// orderRate requests a second, fed grouped (all of one tenant, then the next), interleaved and shuffled.
// Order-free pacing runs each in the slowest tenant's ideal, (orderRows-1)/orderRate.
const (
	orderProfiles = 2
	orderRows     = 30
	orderRate     = 10.0
)

// orderedTargets feeds the fleet's rows in the named order.
func orderedTargets(ps []fleetProfile, order string, seed uint64) <-chan rotate.Target {
	type row struct{ p, u int }
	rows := make([]row, 0, len(ps)*orderRows)
	for p := range ps {
		for u := range orderRows {
			rows = append(rows, row{p, u})
		}
	}
	switch order {
	case "interleaved":
		for i := range rows {
			rows[i] = row{i % len(ps), i / len(ps)}
		}
	case "shuffled":
		rng := rand.New(rand.NewPCG(seed, 0)) // #nosec G404 -- an input order, not a secret
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	ch := make(chan rotate.Target)
	go func() {
		defer close(ch)
		for _, r := range rows {
			ch <- rotate.Target{Manager: ps[r.p].m, Profile: ps[r.p].name, User: fmt.Sprint(fixture.FirstUser + r.u)}
		}
	}()
	return ch
}

// BenchmarkFleetOrder: the same fleet rows grouped, interleaved and shuffled; wall time over the slowest
// profile's ideal (target ≤ 1.05× for each order).
func BenchmarkFleetOrder(b *testing.B) {
	for _, order := range []string{"grouped", "interleaved", "shuffled"} {
		b.Run(order, func(b *testing.B) {
			var seed uint64
			for b.Loop() {
				b.StopTimer()
				ps := make([]fleetProfile, orderProfiles)
				limits := map[string]rotate.Limit{}
				for p := range ps {
					f, z := fleet(b, orderRows)
					ps[p] = fleetProfile{name: fmt.Sprintf("tenant-%02d", p), m: z, fake: f}
					limits[ps[p].name] = rotate.Limit{PerSecond: orderRate, Burst: 1}
				}
				seed++
				b.StartTimer()
				start := time.Now()
				allDone(b, rotate.Run(context.Background(), orderedTargets(ps, order, seed), rotate.Config{ProfileLimits: limits}))
				wall := time.Since(start)
				b.StopTimer()
				ideal := time.Duration(float64(orderRows-1) / orderRate * float64(time.Second))
				b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
				b.StartTimer()
			}
		})
	}
}
