package facadetest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldIndex finds users by a name compared without regard to case (an email address, a login name) in
// constant time, as strings.EqualFold compares: the fakes keep one next to their users, updated with every
// change of who has which name. Several users may share a name; they are kept in the order they were
// added.
type foldIndex[T comparable] map[string][]T

// add indexes v under name.
func (x foldIndex[T]) add(name string, v T) {
	k := foldKey(name)
	x[k] = append(x[k], v)
}

// remove drops v from under name.
func (x foldIndex[T]) remove(name string, v T) {
	k := foldKey(name)
	rest := slices.DeleteFunc(x[k], func(e T) bool { return e == v })
	if len(rest) == 0 {
		delete(x, k)
		return
	}
	x[k] = rest
}

// lookup returns the values indexed under a name equal to name without regard to case.
func (x foldIndex[T]) lookup(name string) []T { return x[foldKey(name)] }

// foldKey maps s to a key that two strings share exactly when strings.EqualFold holds for them: every
// rune becomes one fixed member of its simple case-folding orbit (the lower-case letter for ASCII, so that
// a lower-case ASCII name is its own key and costs no allocation). EqualFold treats runes as equal when
// one is in the other's orbit, and invalid bytes as utf8.RuneError, which strings.Map produces for them.
func foldKey(s string) string { return strings.Map(foldRune, s) }

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return asciiLower(r)
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return asciiLower(least) // the Kelvin sign's orbit holds 'K' and 'k': the same key as ASCII k
}

func asciiLower(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}
