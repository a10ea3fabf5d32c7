package facadetest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFoldKeyAgreesWithEqualFold: two names share a key exactly when strings.EqualFold holds, over random
// names drawn from runes whose case folding is tricky.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	t.Parallel()
	runes := []rune("aAkKsSzZ@.\u212A\u017F\u00DF\u1E9E\u03A3\u03C3\u03C2\u0130\u0131iI\u00E9\u00C9\u01C4\u01C5\u01C6")
	runes = append(runes, 0xFFFD)
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // deterministic test input, not a secret
	name := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		if rng.IntN(8) == 0 {
			b.WriteByte(0xff) // invalid UTF-8: EqualFold sees utf8.RuneError
		}
		return b.String()
	}
	// recase moves each rune a random number of steps around its case-folding orbit.
	recase := func(s string) string {
		return strings.Map(func(r rune) rune {
			for range rng.IntN(3) {
				r = unicode.SimpleFold(r)
			}
			return r
		}, s)
	}
	equal := 0
	for i := range 100_000 {
		a, b := name(), name()
		if i%2 == 0 {
			b = recase(a)
		}
		fold := strings.EqualFold(a, b)
		require.Equal(t, fold, foldKey(a) == foldKey(b), "%q and %q", a, b)
		if fold && a != b {
			equal++
		}
	}
	assert.Greater(t, equal, 10_000, "the names must often differ in case only")
}

func TestFoldKeyOfLowerCaseASCIIIsTheName(t *testing.T) { // not parallel: AllocsPerRun refuses
	const name = "user-42@example.com"
	assert.Equal(t, name, foldKey(name))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = foldKey(name) }))
}

func TestFoldIndex(t *testing.T) {
	t.Parallel()
	x := foldIndex[int]{}
	x.add("Ann@Example.com", 1)
	x.add("ann@example.COM", 2)
	x.add("bob@example.com", 3)
	assert.Equal(t, []int{1, 2}, x.lookup("ANN@example.com"))
	x.remove("ann@example.com", 1)
	assert.Equal(t, []int{2}, x.lookup("ann@example.com"))
	x.remove("Ann@example.com", 2)
	assert.Empty(t, x.lookup("ann@example.com"))
	assert.Len(t, x, 1, "an emptied name leaves no entry behind")
	x.remove("nobody@example.com", 9)
	assert.Equal(t, []int{3}, x.lookup("BOB@example.com"))
}
