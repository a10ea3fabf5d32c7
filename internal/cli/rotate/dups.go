package rotate

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"unsafe"
)

// dupFinder finds, exactly, the lines of an input whose account (frotate.ProfileKey) an earlier line
// names, in memory that does not grow with the input: an external sort. It holds at most batchBytes of
// records; a full batch is sorted by account and line and written to an unnamed temporary file (a sorted
// run). Runs are merged as in a log-structured merge tree: fanIn runs of one level make one of the next,
// so that the files open stay under fanIn a level (a few levels for any input), and finish merges what is
// left, at most fanIn files at once; in each account's group of lines every line after the first is a
// duplicate.
//
// Unlike frotate.KeySet (fingerprints, a small chance of a false duplicate that grows with n²), it never
// names a line a duplicate that is not one, at a cost in temporary disk space of about the input's size.
// The files hold user IDs and addresses, never a password; they are removed as soon as they are created
// (where an open file can lose its name; elsewhere, when closed), so nothing is left behind.
type dupFinder struct {
	dir        string // where the temporary files go; "" for os.TempDir
	batchBytes int
	fanIn      int

	batch  []dupRecord
	size   int          // bytes the batch holds, as recordSize counts them
	levels [][]*runFile // levels[k]: runs made of fanIn^k batches, fewer than fanIn of them
}

// runFile is a sorted run's temporary file.
type runFile struct {
	*os.File
	name string
}

// Close closes the file and removes its name (already gone where an open file can lose it).
func (f *runFile) Close() error {
	err := f.File.Close()
	_ = os.Remove(f.name)
	return err
}

// dupRecord is one line of the input with a known account.
type dupRecord struct {
	key string // frotate.ProfileKey of the line's account
	t   target
}

const (
	// dupBatchBytes bounds the records held in memory: an input of up to about 5,000 lines is checked
	// without touching the disk.
	dupBatchBytes = 512 << 10
	// dupFanIn bounds the runs merged at once (a read buffer and a file descriptor each).
	dupFanIn = 64
)

func newDupFinder() *dupFinder {
	return &dupFinder{batchBytes: dupBatchBytes, fanIn: dupFanIn}
}

// recordSize is what a record costs in memory: the struct and its strings' bytes.
func recordSize(r dupRecord) int {
	return int(unsafe.Sizeof(r)) + len(r.key) + len(r.t.user) + len(r.t.profile) + len(r.t.id)
}

// add records line t, whose account is key.
func (d *dupFinder) add(key string, t target) error {
	r := dupRecord{key: key, t: t}
	d.batch = append(d.batch, r)
	if d.size += recordSize(r); d.size >= d.batchBytes {
		return d.spill()
	}
	return nil
}

// compareRecords orders records by account, then by line.
func compareRecords(a, b dupRecord) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.t.line, b.t.line)
}

// spill writes the batch, sorted, to a new run.
func (d *dupFinder) spill() error {
	slices.SortFunc(d.batch, compareRecords)
	f, err := d.writeRun(func(yield func(dupRecord) error) error {
		for _, r := range d.batch {
			if err := yield(r); err != nil {
				return err
			}
		}
		return nil
	})
	clear(d.batch) // let the strings go
	d.batch, d.size = d.batch[:0], 0
	if err != nil {
		return err
	}
	return d.addRun(0, f)
}

// addRun adds a run of level k, and merges the level's runs into one of the next level once there are
// fanIn of them.
func (d *dupFinder) addRun(k int, f *runFile) error {
	for ; ; k++ {
		if k == len(d.levels) {
			d.levels = append(d.levels, nil)
		}
		d.levels[k] = append(d.levels[k], f)
		if len(d.levels[k]) < d.fanIn {
			return nil
		}
		group := d.levels[k]
		d.levels[k] = nil
		var err error
		if f, err = d.mergeRuns(group); err != nil {
			return err
		}
	}
}

// mergeRuns merges runs into a new one, closing them.
func (d *dupFinder) mergeRuns(runs []*runFile) (*runFile, error) {
	f, err := d.writeRun(func(yield func(dupRecord) error) error { return merge(runs, yield) })
	if err != nil {
		closeAll(runs) // writeRun may have failed before merge took them
		return nil, err
	}
	return f, nil
}

// writeRun writes the records records yields, in order, to an unnamed temporary file and returns it
// positioned at its start.
func (d *dupFinder) writeRun(records func(yield func(dupRecord) error) error) (*runFile, error) {
	tmp, err := os.CreateTemp(d.dir, "unipass-dry-run-*")
	if err != nil {
		return nil, fmt.Errorf("checking --input for duplicate lines: %w", err)
	}
	f := &runFile{File: tmp, name: tmp.Name()}
	// Unnamed from here on (on systems that remove an open file's name); closing it frees the space.
	_ = os.Remove(f.name)
	w := bufio.NewWriter(f)
	var scratch []byte
	err = records(func(r dupRecord) error {
		scratch = encodeRecord(scratch[:0], r)
		_, err := w.Write(scratch)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("checking --input for duplicate lines: %w", err)
	}
	return f, nil
}

// encodeRecord appends r to b: its line, then each string with its length before it.
func encodeRecord(b []byte, r dupRecord) []byte {
	b = binary.AppendUvarint(b, uint64(r.t.line)) //nolint:gosec // G115: line numbers start at 1
	for _, s := range [...]string{r.key, r.t.user, r.t.profile, r.t.id} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// runReader reads the records of a run in order.
type runReader struct {
	r    *bufio.Reader
	head dupRecord // the record read last, not yet taken
}

// next reads the run's next record into head; io.EOF at the run's end.
func (rr *runReader) next() error {
	line, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return err // io.EOF only at a record's boundary
	}
	var s [4]string
	for i := range s {
		n, err := binary.ReadUvarint(rr.r)
		if err != nil {
			return noEOF(err)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(rr.r, b); err != nil {
			return noEOF(err)
		}
		s[i] = string(b)
	}
	rr.head = dupRecord{key: s[0], t: target{line: int(line), user: s[1], profile: s[2], id: s[3]}} //nolint:gosec // G115: written from an int
	return nil
}

// noEOF makes an end of file inside a record an error.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// runHeap orders run readers by their head record.
type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareRecords(h[i].head, h[j].head) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) } //nolint:forcetypeassert // only runReaders are pushed
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// merge yields the records of runs in order (by account, then line) and closes the runs.
func merge(runs []*runFile, yield func(dupRecord) error) error {
	defer closeAll(runs)
	h := make(runHeap, 0, len(runs))
	for _, f := range runs {
		rr := &runReader{r: bufio.NewReader(f)}
		switch err := rr.next(); {
		case err == nil:
			h = append(h, rr)
		case !errors.Is(err, io.EOF):
			return err
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		rr := h[0]
		if err := yield(rr.head); err != nil {
			return err
		}
		switch err := rr.next(); {
		case err == nil:
			heap.Fix(&h, 0)
		case errors.Is(err, io.EOF):
			heap.Pop(&h)
		default:
			return err
		}
	}
	return nil
}

func closeAll(files []*runFile) {
	for _, f := range files {
		_ = f.Close()
	}
}

// close frees the runs of a finder that will not finish.
func (d *dupFinder) close() {
	for _, l := range d.levels {
		closeAll(l)
	}
	d.levels, d.batch = nil, nil
}

// finish returns the duplicate lines (the first maxListed of them, by line) and their count, and frees
// the finder's files.
func (d *dupFinder) finish() (listed []target, count int, err error) {
	defer d.close()
	if len(d.batch) > 0 {
		if err := d.spill(); err != nil {
			return nil, 0, err
		}
	}
	var runs []*runFile
	for _, l := range d.levels {
		runs = append(runs, l...)
	}
	d.levels = nil            // closed by the merges below
	for len(runs) > d.fanIn { // merge the oldest runs into one until one merge can take them all
		f, err := d.mergeRuns(runs[:d.fanIn])
		if err != nil {
			closeAll(runs[d.fanIn:])
			return nil, 0, err
		}
		runs = append(runs[d.fanIn:], f)
	}
	var first lowestLines
	prev, started := "", false
	err = merge(runs, func(r dupRecord) error {
		if started && r.key == prev {
			count++
			first.add(r.t)
		}
		prev, started = r.key, true
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("checking --input for duplicate lines: %w", err)
	}
	return first.sorted(), count, nil
}

// lowestLines keeps the maxListed targets of lowest line numbers it is given (a max-heap by line).
type lowestLines []target

func (l lowestLines) Len() int           { return len(l) }
func (l lowestLines) Less(i, j int) bool { return l[i].line > l[j].line }
func (l lowestLines) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }
func (l *lowestLines) Push(x any)        { *l = append(*l, x.(target)) } //nolint:forcetypeassert // only targets are pushed
func (l *lowestLines) Pop() any {
	old := *l
	x := old[len(old)-1]
	*l = old[:len(old)-1]
	return x
}

func (l *lowestLines) add(t target) {
	switch {
	case len(*l) < maxListed:
		heap.Push(l, t)
	case t.line < (*l)[0].line:
		(*l)[0] = t
		heap.Fix(l, 0)
	}
}

// sorted returns the targets by line.
func (l lowestLines) sorted() []target {
	s := slices.Clone(l)
	slices.SortFunc(s, func(a, b target) int { return cmp.Compare(a.line, b.line) })
	return s
}
