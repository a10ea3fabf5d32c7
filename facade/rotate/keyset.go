package rotate

import (
	"hash/maphash"
	"slices"
)

// keySet remembers the keys of a run's targets as 64-bit keyed hashes (hash/maphash, a seed per run), in
// about 8 bytes a key: a few sorted runs whose lengths are distinct powers of two times bufSize (merged
// like a binary counter), and a small unsorted buffer for the newest. Two keys share a hash with a
// chance of about n²/2⁶⁵ for n keys.
type keySet struct {
	seed maphash.Seed
	buf  []uint64
	runs [][]uint64 // runs[i] is empty or holds bufSize<<i sorted hashes
}

const bufSize = 64

func newKeySet() *keySet { return &keySet{seed: maphash.MakeSeed(), buf: make([]uint64, 0, bufSize)} }

// add records key and reports whether it was there already.
func (s *keySet) add(key string) (seen bool) {
	h := maphash.String(s.seed, key)
	if slices.Contains(s.buf, h) {
		return true
	}
	for _, r := range s.runs {
		if _, found := slices.BinarySearch(r, h); found {
			return true
		}
	}
	s.buf = append(s.buf, h)
	if len(s.buf) == bufSize {
		s.flush()
	}
	return false
}

// flush sorts the buffer into the runs.
func (s *keySet) flush() {
	carry := slices.Clone(s.buf)
	slices.Sort(carry)
	s.buf = s.buf[:0]
	for i := 0; ; i++ {
		if i == len(s.runs) {
			s.runs = append(s.runs, nil)
		}
		if len(s.runs[i]) == 0 {
			s.runs[i] = carry
			return
		}
		carry = mergeSorted(s.runs[i], carry)
		s.runs[i] = nil
	}
}

func mergeSorted(a, b []uint64) []uint64 {
	out := make([]uint64, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
