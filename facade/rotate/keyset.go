package rotate

import (
	"hash/maphash"
	"slices"
	"sort"
)

// keySet remembers the keys of a run's targets as 64-bit keyed hashes (hash/maphash, a seed per run), in
// about 8 bytes a key: a few sorted runs whose lengths are distinct powers of two times bufSize (merged
// like a binary counter), and a small unsorted buffer for the newest. Runs are kept in chunks of at most
// chunkSize hashes, and a merge frees each input chunk as soon as it is read, so that merging never holds
// a run twice: the set's peak stays near 8 bytes a key. Two keys share a hash with a chance of about
// n²/2⁶⁵ for n keys.
type keySet struct {
	seed maphash.Seed
	buf  []uint64
	runs []sortedRun // runs[i] is empty or holds bufSize<<i hashes
}

const (
	bufSize   = 64
	chunkSize = 1024 // 8 KiB
)

// sortedRun is a sorted sequence of hashes, in chunks.
type sortedRun struct {
	chunks [][]uint64
	firsts []uint64 // the first hash of each chunk
	n      int
}

func newKeySet() *keySet { return &keySet{seed: maphash.MakeSeed(), buf: make([]uint64, 0, bufSize)} }

// add records key and reports whether it was there already.
func (s *keySet) add(key string) (seen bool) {
	h := maphash.String(s.seed, key)
	if slices.Contains(s.buf, h) {
		return true
	}
	for i := range s.runs {
		if s.runs[i].contains(h) {
			return true
		}
	}
	s.buf = append(s.buf, h)
	if len(s.buf) == bufSize {
		s.flush()
	}
	return false
}

// contains reports whether h is in the run.
func (r *sortedRun) contains(h uint64) bool {
	if r.n == 0 {
		return false
	}
	c := sort.Search(len(r.firsts), func(i int) bool { return r.firsts[i] > h }) - 1 // the last chunk starting at or before h
	if c < 0 {
		return false
	}
	_, found := slices.BinarySearch(r.chunks[c], h)
	return found
}

// flush sorts the buffer into the runs.
func (s *keySet) flush() {
	carry := slices.Clone(s.buf)
	slices.Sort(carry)
	s.buf = s.buf[:0]
	run := sortedRun{chunks: [][]uint64{carry}, firsts: []uint64{carry[0]}, n: len(carry)}
	for i := 0; ; i++ {
		if i == len(s.runs) {
			s.runs = append(s.runs, sortedRun{})
		}
		if s.runs[i].n == 0 {
			s.runs[i] = run
			return
		}
		run = mergeRuns(&s.runs[i], &run)
		s.runs[i] = sortedRun{}
	}
}

// runReader reads a run in order, dropping each chunk once read.
type runReader struct {
	r   *sortedRun
	c   int // the current chunk
	pos int // the next hash in it
}

func (rr *runReader) more() bool { return rr.c < len(rr.r.chunks) }

func (rr *runReader) peek() uint64 { return rr.r.chunks[rr.c][rr.pos] }

func (rr *runReader) next() uint64 {
	h := rr.r.chunks[rr.c][rr.pos]
	if rr.pos++; rr.pos == len(rr.r.chunks[rr.c]) {
		rr.r.chunks[rr.c] = nil // read: free
		rr.c, rr.pos = rr.c+1, 0
	}
	return h
}

// mergeRuns merges two runs into a new one, emptying them as it reads.
func mergeRuns(a, b *sortedRun) sortedRun {
	n := a.n + b.n
	out := sortedRun{chunks: make([][]uint64, 0, (n+chunkSize-1)/chunkSize), firsts: make([]uint64, 0, (n+chunkSize-1)/chunkSize), n: n}
	ra, rb := &runReader{r: a}, &runReader{r: b}
	var cur []uint64
	for left := n; left > 0; left-- {
		if cur == nil {
			cur = make([]uint64, 0, min(chunkSize, left))
		}
		var h uint64
		if !rb.more() || ra.more() && ra.peek() <= rb.peek() {
			h = ra.next()
		} else {
			h = rb.next()
		}
		cur = append(cur, h)
		if len(cur) == cap(cur) {
			out.chunks, out.firsts = append(out.chunks, cur), append(out.firsts, cur[0])
			cur = nil
		}
	}
	*a, *b = sortedRun{}, sortedRun{}
	return out
}

// KeySet tells, as Run does, whether a target's key (ProfileKey) was seen before: a caller checking an
// input without running it (a dry run) reports the duplicates Run would refuse. About 8 bytes a key, and
// the same small chance of a false duplicate as Run's (see Run). Not safe for concurrent use.
type KeySet struct{ s *keySet }

// NewKeySet returns an empty set.
func NewKeySet() *KeySet { return &KeySet{s: newKeySet()} }

// Add records key and reports whether it was there already.
func (k *KeySet) Add(key string) (seen bool) { return k.s.add(key) }
