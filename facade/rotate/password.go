package rotate

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode"

	"github.com/unipass/unipass/facade"
)

// DefaultLength is the length of generated passwords when the policy asks for less.
const DefaultLength = 20

// maxLength bounds generated passwords (and a policy's minimum that would need more).
const maxLength = 256

// GeneratePassword returns a random password (crypto/rand) that meets the policy: at least length
// characters (or the policy's minimum, if longer), with an upper-case letter, a lower-case letter, a digit
// and a symbol whenever the allowed characters have them, and only allowed characters. policy may be nil
// (no rules beyond those classes).
func GeneratePassword(policy *facade.Policy, length int) (facade.Secret, error) {
	if length <= 0 {
		length = DefaultLength
	}
	if policy != nil {
		length = max(length, policy.MinLength())
	}
	if length > maxLength {
		return facade.Secret{}, fmt.Errorf("rotate: a password of %d characters is longer than %d", length, maxLength)
	}
	classes := charClasses(policy)
	if len(classes) == 0 {
		return facade.Secret{}, errors.New("rotate: the policy allows no printable ASCII character")
	}
	if len(classes) > length {
		classes = classes[:length]
	}
	var all []byte
	for _, c := range classes {
		all = append(all, c...)
	}
	for range 20 {
		pw := make([]byte, 0, length)
		for _, c := range classes { // one of each class...
			pw = append(pw, pick(c))
		}
		for len(pw) < length { // ...the rest from all of them
			pw = append(pw, pick(all))
		}
		for i := len(pw) - 1; i > 0; i-- { // Fisher–Yates, so the required ones are not in front
			j := int(randN(int64(i + 1)))
			pw[i], pw[j] = pw[j], pw[i]
		}
		s := facade.NewSecret(string(pw))
		if policy == nil || len(policy.Check(s)) == 0 {
			return s, nil
		}
	}
	return facade.Secret{}, errors.New("rotate: could not generate a password that meets the policy")
}

// charClasses returns the allowed characters of printable ASCII, by class: upper, lower, digit, symbol.
func charClasses(policy *facade.Policy) [][]byte {
	var upper, lower, digit, symbol []byte
	var allowed func(byte) bool
	if policy != nil {
		if re := policy.Allowed(); re != nil {
			allowed = func(c byte) bool { return re.MatchString(string(c)) }
		}
	}
	for c := byte('!'); c <= '~'; c++ {
		if allowed != nil && !allowed(c) {
			continue
		}
		switch r := rune(c); {
		case unicode.IsUpper(r):
			upper = append(upper, c)
		case unicode.IsLower(r):
			lower = append(lower, c)
		case unicode.IsDigit(r):
			digit = append(digit, c)
		case strings.ContainsRune(`"'\`+"`", r):
			// quotes and backslashes: allowed by vendors, but trouble in shells and CSV files
		default:
			symbol = append(symbol, c)
		}
	}
	var out [][]byte
	for _, c := range [][]byte{upper, lower, digit, symbol} {
		if len(c) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func pick(set []byte) byte { return set[randN(int64(len(set)))] }

func randN(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic("rotate: crypto/rand failed: " + err.Error()) // the system's randomness is gone
	}
	return v.Int64()
}
