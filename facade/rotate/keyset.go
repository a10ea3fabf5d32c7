package rotate

import (
	"hash/maphash"
	"iter"
	"math/bits"
	"slices"
	"sort"
)

// keySet remembers the keys of a run's targets as fingerprints: the top width bits of a keyed 64-bit
// hash (hash/maphash, a seed per run). The newest are in a small unsorted buffer; the rest in a few sorted
// runs whose lengths are distinct powers of two times bufSize (merged like a binary counter), each stored
// as Golomb-Rice coded gaps: a run of m fingerprints costs about width − log2(m) + 2 bits each.
//
// Two different keys share a fingerprint with a chance of about n²/2^(width+1) over a run of n keys; the
// later of the two is then refused as a duplicate: reported Failed with ErrDuplicateTarget, nothing sent,
// so nothing is lost, and running that row again (a new run draws a new seed) rotates it. A key seen before
// always has its fingerprint in the set: the check never misses a real duplicate, whatever the width.
// The width is fingerprintWidth of the expected number of keys: 44 bits when it is unknown (1 in 350,000
// for 10,000 keys, 1 in 3,500 for 100,000, 1 in 35 for 1,000,000; under 4 bytes a key from about 50,000
// keys on), else wide enough for a chance of at most about n/2^28 while n is within the expected number,
// at under 4 bytes a key from about 50,000 keys on (3.9 at 1,000,000 keys, 47 bits; see fingerprintWidth).
type keySet struct {
	seed  maphash.Seed
	width uint // fingerprint bits, minWidth to 64
	buf   []uint64
	runs  []*riceRun // runs[i] is nil or holds bufSize<<i fingerprints
}

const (
	minWidth  = 44 // fingerprint bits when the number of keys is unknown, and at least
	bufSize   = 64
	blockSize = 64 // fingerprints between two index entries of a run
)

// fingerprintWidth returns the fingerprint bits for a set expected to hold total keys (0 when unknown):
// ceil(log2(total)) + 27 within [minWidth, 64], so that n ≤ total keys share a fingerprint with a chance
// of about n²/2^(width+1) ≤ n/2^28 (1 in 3,500 for 100,000 keys, 1 in 280 for 1,000,000, 1 in 45 for 10,000,000). A set given
// more keys than total still finds every real duplicate; only its chance of a false one grows, as n².
func fingerprintWidth(total int) uint {
	if total <= 0 {
		return minWidth
	}
	return min(max(uint(bits.Len64(uint64(total-1)))+27, minWidth), 64) // Len64(total−1) is ceil(log2(total))
}

// newKeySet returns an empty set sized for total keys (0 when unknown; see fingerprintWidth).
func newKeySet(total int) *keySet {
	return &keySet{seed: maphash.MakeSeed(), width: fingerprintWidth(total), buf: make([]uint64, 0, bufSize)}
}

// add records key and reports whether its fingerprint was there already.
func (s *keySet) add(key string) (seen bool) {
	h := maphash.String(s.seed, key) >> (64 - s.width) // width 64: a shift by 0
	if slices.Contains(s.buf, h) {
		return true
	}
	for _, r := range s.runs {
		if r != nil && r.contains(h) {
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
	slices.Sort(s.buf)
	run := encodeRun(len(s.buf), s.width, slices.Values(s.buf))
	s.buf = s.buf[:0]
	for i := 0; ; i++ {
		if i == len(s.runs) {
			s.runs = append(s.runs, nil)
		}
		if s.runs[i] == nil {
			s.runs[i] = run
			return
		}
		run = encodeRun(run.n+s.runs[i].n, s.width, mergeRuns(s.runs[i], run))
		s.runs[i] = nil
	}
}

// size returns the bytes the set holds (its slices' capacities).
func (s *keySet) size() int {
	n := 8 * cap(s.buf)
	for _, r := range s.runs {
		if r != nil {
			n += 8*cap(r.bits) + 4*cap(r.offsets) + 4*cap(r.wraps) + 4*cap(r.heads)
		}
	}
	return n
}

// riceRun is a sorted sequence of distinct width-bit fingerprints in blocks of blockSize: a block's first
// fingerprint has its top 32 bits in heads and starts at the bit offsets[c] with its low width−32 bits,
// then the gaps from each fingerprint to the next, Golomb-Rice coded with parameter k (the quotient in
// unary: q one bits and a zero; then the k low bits).
type riceRun struct {
	n       int
	k       uint
	width   uint
	bits    []uint64
	offsets []uint32 // the low 32 bits of each block's bit offset
	wraps   []uint32 // the blocks at which the offsets' high bits grow by one (none below 2^32 bits)
	heads   []uint32 // the top 32 bits of each block's first fingerprint
}

// riceParameter is the k that codes the gaps between n random width-bit values in about k+2 bits each.
func riceParameter(n int, width uint) uint {
	// floor(mean·ln 2) for the mean gap 2^width/n, in 128 bits so that width 64 does not overflow:
	// 2^width·0.69 is 2^(width−1)·138 (the high word at most 69, below the divisor).
	hi, lo := bits.Mul64(uint64(1)<<(width-1), 138)
	q, _ := bits.Div64(hi, lo, 100*uint64(max(n, 1))) //nolint:gosec // G115: n is a count of keys, positive
	if q == 0 {
		return 0
	}
	return uint(bits.Len64(q) - 1) // log2(mean·ln 2): the optimal parameter for geometric gaps
}

// bitWriter appends bits to a []uint64, the first bit in the lowest position.
type bitWriter struct {
	words []uint64
	n     uint64 // bits written
}

func (w *bitWriter) write(v uint64, width uint) {
	for width > 0 {
		i, off := w.n/64, uint(w.n%64)
		if i == uint64(len(w.words)) {
			w.words = append(w.words, 0)
		}
		take := min(width, 64-off)
		w.words[i] |= (v & (1<<take - 1)) << off
		v >>= take
		width -= take
		w.n += uint64(take)
	}
}

// unary writes q one bits and a zero.
func (w *bitWriter) unary(q uint64) {
	for ; q >= 32; q -= 32 {
		w.write(1<<32-1, 32)
	}
	w.write(1<<q-1, uint(q)+1)
}

// encodeRun codes n sorted distinct fingerprints, which values yields (twice: it measures the coded size
// first, so that the run takes only the memory it needs).
func encodeRun(n int, width uint, values iter.Seq[uint64]) *riceRun {
	r := &riceRun{n: n, k: riceParameter(n, width), width: width}
	var size uint64
	i, prev := 0, uint64(0)
	for v := range values {
		if i%blockSize == 0 {
			size += uint64(width - 32)
		} else {
			size += (v-prev)>>r.k + 1 + uint64(r.k)
		}
		i, prev = i+1, v
	}
	w := bitWriter{words: make([]uint64, 0, (size+63)/64)}
	r.offsets = make([]uint32, 0, (n+blockSize-1)/blockSize)
	r.heads = make([]uint32, 0, (n+blockSize-1)/blockSize)
	i = 0
	for v := range values {
		if i%blockSize == 0 {
			r.index(w.n, v)
			w.write(v, width-32)
		} else {
			gap := v - prev
			w.unary(gap >> r.k)
			w.write(gap, r.k)
		}
		i, prev = i+1, v
	}
	r.bits = w.words
	return r
}

// bitReader reads what bitWriter wrote.
type bitReader struct {
	words []uint64
	n     uint64 // the next bit
}

func (br *bitReader) read(width uint) uint64 {
	if width == 0 {
		return 0 // without touching words: the reader may be at the end of the last one
	}
	i, off := br.n/64, uint(br.n%64)
	v := br.words[i] >> off
	if off+width > 64 {
		v |= br.words[i+1] << (64 - off)
	}
	br.n += uint64(width)
	return v & (1<<width - 1)
}

// head is a fingerprint's top 32 bits.
func (r *riceRun) head(v uint64) uint32 { return uint32(v >> (r.width - 32)) } //nolint:gosec // G115: width bits, shifted to 32

// index records the next block: its bit offset off and its first fingerprint v.
func (r *riceRun) index(off, v uint64) {
	for uint64(len(r.wraps)) < off>>32 {
		r.wraps = append(r.wraps, uint32(len(r.offsets))) //nolint:gosec // G115: a block number, below 2^32
	}
	r.offsets = append(r.offsets, uint32(off)) //nolint:gosec // G115: the low 32 bits, the rest in wraps
	r.heads = append(r.heads, r.head(v))
}

// offset returns the bit at which block c starts.
func (r *riceRun) offset(c int) uint64 {
	hi := sort.Search(len(r.wraps), func(i int) bool { return int(r.wraps[i]) > c })
	return uint64(hi)<<32 | uint64(r.offsets[c]) //nolint:gosec // G115: a count, not negative
}

// first returns the first fingerprint of block c and a reader at the block's first gap.
func (r *riceRun) first(c int) (uint64, bitReader) {
	br := bitReader{words: r.bits, n: r.offset(c)}
	return uint64(r.heads[c])<<(r.width-32) | br.read(r.width-32), br
}

// unary reads a run of one bits and its closing zero, returning the number of ones.
func (br *bitReader) unary() uint64 {
	var q uint64
	for {
		i, off := br.n/64, uint(br.n%64)
		ones := uint(bits.TrailingZeros64(^(br.words[i] >> off)))
		if ones < 64-off {
			br.n += uint64(ones) + 1
			return q + uint64(ones)
		}
		q += uint64(64 - off)
		br.n += uint64(64 - off)
	}
}

// cursor reads a run's fingerprints in order.
type cursor struct {
	r  *riceRun
	c  int // the current block
	i  int // fingerprints of the block read
	br bitReader
	v  uint64
}

// next returns the run's next fingerprint; false at its end.
func (cu *cursor) next() (uint64, bool) {
	r := cu.r
	if cu.i == 0 || cu.i == blockSize {
		if cu.i == blockSize {
			cu.c, cu.i = cu.c+1, 0
		}
		if cu.c >= len(r.offsets) {
			return 0, false
		}
		cu.v, cu.br = r.first(cu.c)
		cu.i = 1
		return cu.v, true
	}
	if cu.c*blockSize+cu.i >= r.n {
		return 0, false
	}
	q := cu.br.unary()
	cu.v += q<<r.k | cu.br.read(r.k)
	cu.i++
	return cu.v, true
}

// values yields the run's fingerprints in order.
func (r *riceRun) values() iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		cu := cursor{r: r}
		for v, ok := cu.next(); ok; v, ok = cu.next() {
			if !yield(v) {
				return
			}
		}
	}
}

// contains reports whether h is in the run.
func (r *riceRun) contains(h uint64) bool {
	hh := r.head(h)
	c := sort.Search(len(r.heads), func(i int) bool { return r.heads[i] > hh }) - 1
	v, br := uint64(0), bitReader{}
	for ; c >= 0; c-- { // the last block starting at or before h (blocks rarely share a head)
		if v, br = r.first(c); v <= h {
			break
		}
	}
	if c < 0 {
		return false
	}
	for range min(blockSize, r.n-c*blockSize) - 1 {
		if v >= h {
			break
		}
		q := br.unary()
		v += q<<r.k | br.read(r.k)
	}
	return v == h
}

// mergeRuns yields the fingerprints of two runs in order.
func mergeRuns(a, b *riceRun) iter.Seq[uint64] {
	return func(yield func(uint64) bool) {
		ca, cb := cursor{r: a}, cursor{r: b}
		va, okA := ca.next()
		vb, okB := cb.next()
		for okA || okB {
			if okA && (!okB || va <= vb) {
				if !yield(va) {
					return
				}
				va, okA = ca.next()
				continue
			}
			if !yield(vb) {
				return
			}
			vb, okB = cb.next()
		}
	}
}

// KeySet tells, as Run does, whether a target's key (ProfileKey) was seen before: a caller checking an
// input without running it (a dry run) reports the duplicates Run would refuse. It keeps 44-bit
// fingerprints, as Run does when Config.Total is unknown: under 4 bytes a key from about 50,000 keys on,
// and a chance of about n²/2^45 that two of n different keys are taken for one (see Run). Not safe for
// concurrent use.
type KeySet struct{ s *keySet }

// NewKeySet returns an empty set.
func NewKeySet() *KeySet { return &KeySet{s: newKeySet(0)} }

// Add records key and reports whether it was there already.
func (k *KeySet) Add(key string) (seen bool) { return k.s.add(key) }
