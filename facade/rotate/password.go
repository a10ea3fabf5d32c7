package rotate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/unipass/unipass/facade"
)

// DefaultLength is the length of generated passwords when the policy asks for less.
const DefaultLength = 20

// maxLength bounds generated passwords (and a policy's minimum that would need more).
const maxLength = 256

// maxCandidates bounds the candidates drawn for one password. Even four characters from four classes of
// printable ASCII are accepted about one time in fifteen; only a policy that allows a character or two of
// some class and asks for a length barely above the number of classes comes near it.
const maxCandidates = 10_000

// GeneratePassword returns a random password (crypto/rand) that meets the policy: at least length
// characters (or the policy's minimum, if longer), with an upper-case letter, a lower-case letter, a digit
// and a symbol whenever the allowed characters have them, and only allowed characters. policy may be nil
// (no rules beyond those classes). Every such password is equally likely.
func GeneratePassword(policy *facade.Policy, length int) (facade.Secret, error) {
	return generatePassword(rand.Reader, policy, length)
}

// generatePassword is GeneratePassword drawing its randomness from rnd.
//
// Why the result is uniform: every candidate is length characters drawn independently and uniformly from
// the allowed characters (by rejection sampling on random bytes: see sampler), so every string over them
// is an equally likely candidate. A candidate is kept only if it has a character of every class and meets
// the policy, else it is thrown away whole and a new one drawn. The kept password is therefore a uniform
// candidate conditioned on being acceptable: uniform over the acceptable passwords, each class guaranteed
// and no position or class favoured (placing one character of each class first, as is common, makes
// passwords with few characters of a class likelier than their share).
func generatePassword(rnd io.Reader, policy *facade.Policy, length int) (facade.Secret, error) {
	if length <= 0 {
		length = DefaultLength
	}
	if policy != nil {
		length = max(length, policy.MinLength())
	}
	if length > maxLength {
		return facade.Secret{}, fmt.Errorf("rotate: a password of %d characters is longer than %d", length, maxLength)
	}
	a := newAlphabet(policy, length)
	if len(a.chars) == 0 {
		return facade.Secret{}, errors.New("rotate: the policy allows no printable ASCII character")
	}
	// One buffer holds the candidate and the random bytes; a typical password takes one read.
	buf := make([]byte, length+max(64, 2*length))
	defer clear(buf)
	pw := buf[:length]
	s := sampler{rnd: rnd, alphabet: a.chars, limit: 256 - 256%len(a.chars), chunk: buf[length:]}
	for range maxCandidates {
		if err := s.fill(pw); err != nil {
			return facade.Secret{}, err
		}
		if !a.hasEvery(pw) {
			continue
		}
		secret := facade.NewSecret(string(pw))
		if policy == nil || len(policy.Check(secret)) == 0 {
			return secret, nil
		}
	}
	return facade.Secret{}, errors.New("rotate: could not generate a password that meets the policy")
}

// sampler draws characters uniformly from an alphabet of at most 256, by rejection sampling: a random
// byte b is used only when b < limit, the largest multiple of the alphabet's size not above 256, and then
// names alphabet[b % size]. Each of the limit accepted values is equally likely and each character is
// named by limit/size of them, so each is equally likely; bytes above limit are skipped, never folded in.
type sampler struct {
	rnd      io.Reader
	alphabet []byte
	limit    int
	chunk    []byte // what one read fills
	unused   []byte // the random bytes of the last read not used yet
}

// fill sets every byte of pw to a uniformly drawn character.
func (s *sampler) fill(pw []byte) error {
	for i := range pw {
		for {
			if len(s.unused) == 0 {
				if _, err := io.ReadFull(s.rnd, s.chunk); err != nil {
					return fmt.Errorf("rotate: reading random bytes: %w", err)
				}
				s.unused = s.chunk
			}
			b := int(s.unused[0])
			s.unused = s.unused[1:]
			if b < s.limit {
				pw[i] = s.alphabet[b%len(s.alphabet)]
				break
			}
		}
	}
	return nil
}

// The character classes, in the order a password too short for all of them keeps them.
const (
	classUpper = iota
	classLower
	classDigit
	classSymbol
	classNone // quotes and backslashes: allowed by vendors, but trouble in shells and CSV files
)

// classOf holds the class of each printable ASCII character.
var classOf = func() (t [256]uint8) {
	for c := range t {
		switch r := rune(c); {
		case r < '!' || r > '~':
			t[c] = classNone
		case unicode.IsUpper(r):
			t[c] = classUpper
		case unicode.IsLower(r):
			t[c] = classLower
		case unicode.IsDigit(r):
			t[c] = classDigit
		case strings.ContainsRune(`"'\`+"`", r):
			t[c] = classNone
		default:
			t[c] = classSymbol
		}
	}
	return t
}()

// printable is printable ASCII, '!' to '~'.
const printable = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

// alphabet is what a password may be made of: the allowed characters of printable ASCII, and the classes
// among them that every password must have.
type alphabet struct {
	chars []byte
	want  uint8 // a bit per class (1<<classUpper, ...)
}

// newAlphabet returns the characters of printable ASCII the policy allows (by its pattern), without quotes
// and backslashes, and the classes among them; a password shorter than the number of classes keeps the
// first ones (upper, lower, digit, symbol) and only their characters.
func newAlphabet(policy *facade.Policy, length int) alphabet {
	allowed := allowedChars(policy)
	var count [classNone + 1]int
	for i := range len(printable) {
		if allowed[i] {
			count[classOf[printable[i]]]++
		}
	}
	a := alphabet{chars: make([]byte, 0, len(printable))}
	for class, classes := 0, 0; class < classNone && classes < length; class++ {
		if count[class] > 0 {
			a.want |= 1 << class
			classes++
		}
	}
	for i := range len(printable) {
		if c := printable[i]; allowed[i] && a.want&(1<<classOf[c]) != 0 {
			a.chars = append(a.chars, c)
		}
	}
	return a
}

// hasEvery reports whether pw has a character of every class the alphabet wants.
func (a alphabet) hasEvery(pw []byte) bool {
	var have uint8
	for _, c := range pw {
		have |= 1 << classOf[c]
	}
	return have&a.want == a.want
}

// allowedSets caches which printable characters a pattern allows, by pattern (a compiled pattern does not
// change): matching the pattern against each character costs more than generating a password. It is
// emptied when it holds maxAllowedSets patterns, so that it stays small whatever the program does.
var (
	allowedSets      sync.Map // *regexp.Regexp → *[len(printable)]bool
	allowedSetsCount atomic.Int32
)

const maxAllowedSets = 64

// everyChar allows every printable character.
var everyChar = func() (all [len(printable)]bool) {
	for i := range all {
		all[i] = true
	}
	return all
}()

// allowedChars tells which characters of printable the policy's pattern allows.
func allowedChars(policy *facade.Policy) *[len(printable)]bool {
	var re *regexp.Regexp
	if policy != nil {
		re = policy.Allowed()
	}
	if re == nil {
		return &everyChar
	}
	if set, ok := allowedSets.Load(re); ok {
		return set.(*[len(printable)]bool)
	}
	set := new([len(printable)]bool)
	for i := range len(printable) {
		set[i] = re.MatchString(printable[i : i+1])
	}
	if allowedSetsCount.Add(1) > maxAllowedSets {
		allowedSets.Clear()
		allowedSetsCount.Store(1)
	}
	allowedSets.Store(re, set)
	return set
}

type policyEntry struct {
	once   sync.Once
	policy *facade.Policy
	err    error
}

// policy reads a manager's policy once per run (vendors state one policy per account).
func (r *runner) policy(ctx context.Context, t Target, p *pacer, pace func(context.Context) error) (*facade.Policy, error) {
	if !t.Manager.Capabilities().Requirements {
		return nil, nil
	}
	v, ok := r.policies.Load(t.Manager) // no lock on the hot path once the entry exists
	if !ok {
		v, _ = r.policies.LoadOrStore(t.Manager, &policyEntry{})
	}
	e := v.(*policyEntry) // only *policyEntry is stored
	e.once.Do(func() {
		if e.err = pace(ctx); e.err == nil {
			e.policy, e.err = t.Manager.Requirements(facade.WithObserver(ctx, p.observe), t.User)
		}
	})
	return e.policy, e.err
}
