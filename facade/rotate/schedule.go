package rotate

import (
	"context"
	"sync"
)

// DefaultMaxQueued is Config.MaxQueued's default.
const DefaultMaxQueued = 4096

// job is a target admitted to run, with its profile's pacer.
type job struct {
	i int
	t Target
	p *pacer
	q *profileQueue // the profile's queue; nil for a target that did not go through one
	// prepaid: the pacer's wait for the target's first request was taken by the profile's feeder.
	prepaid bool
}

// scheduler makes the order of the input irrelevant to the pace: every profile (pacer) has its own
// queue, fed by the one goroutine reading the targets, and its own feeder, which takes a target from the
// queue once the profile's pacer lets another request go and hands it to the next free worker. A profile
// waiting on its limit thus holds no worker, and the rows of other profiles behind its rows in the input
// are read and run meanwhile. A profile holds at most its share of the workers (concurrency divided by
// the profiles with work, rounded up), so that a slow vendor does not take them all. The queues hold at
// most maxQueued targets together; beyond that the reader waits (memory stays bounded whatever the
// input's size and order).
type scheduler struct {
	ctx         context.Context
	r           *runner
	out         chan<- Result
	work        chan job // to the workers; unbuffered: a send waits for a free worker
	maxQueued   int
	concurrency int
	feeders     sync.WaitGroup

	mu     sync.Mutex
	space  *sync.Cond // signalled when a queue gives a target up
	turn   *sync.Cond // signalled when a worker finishes a target, or ctx is cancelled
	queued int
	queues map[*pacer]*profileQueue // added to by the reader only
}

// profileQueue is one profile's targets waiting for their turn.
type profileQueue struct {
	p        *pacer
	jobs     []job // FIFO: jobs[head:]
	head     int
	ready    chan struct{} // capacity 1: a target came, or the input ended
	closed   bool
	inflight int // targets handed to workers and not finished
}

func newScheduler(ctx context.Context, r *runner, out chan<- Result, maxQueued, concurrency int) *scheduler {
	s := &scheduler{ctx: ctx, r: r, out: out, work: make(chan job), maxQueued: maxQueued, concurrency: concurrency,
		queues: map[*pacer]*profileQueue{}}
	s.space, s.turn = sync.NewCond(&s.mu), sync.NewCond(&s.mu)
	return s
}

// enqueue puts a target in its profile's queue, waiting while the queues are full; it starts the
// profile's feeder with its first target. Called by the reader only.
func (s *scheduler) enqueue(j job) {
	q, ok := s.queues[j.p] // the reader's own map: read without the lock
	if !ok {
		q = &profileQueue{p: j.p, ready: make(chan struct{}, 1)}
		s.mu.Lock()
		s.queues[j.p] = q
		s.mu.Unlock()
		s.feeders.Go(func() { s.feed(q) })
	}
	j.q = q
	s.mu.Lock()
	for s.queued >= s.maxQueued {
		s.space.Wait()
	}
	s.queued++
	q.jobs = append(q.jobs, j)
	s.mu.Unlock()
	q.signal()
}

// close ends the input: each feeder returns once its queue is empty; then the workers' channel closes.
func (s *scheduler) close() {
	s.mu.Lock()
	for _, q := range s.queues {
		q.closed = true
	}
	s.mu.Unlock()
	for _, q := range s.queues {
		q.signal()
	}
	s.feeders.Wait()
	close(s.work)
}

func (q *profileQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop takes the queue's next target, waiting for one; false once the input ended and the queue is empty.
func (s *scheduler) pop(q *profileQueue) (job, bool) {
	for {
		s.mu.Lock()
		if q.head < len(q.jobs) {
			j := q.jobs[q.head]
			q.jobs[q.head] = job{}
			q.head++
			if q.head == len(q.jobs) { // empty: reuse the slice from its start
				q.jobs, q.head = q.jobs[:0], 0
			}
			s.queued--
			s.mu.Unlock()
			s.space.Signal()
			return j, true
		}
		closed := q.closed
		s.mu.Unlock()
		if closed {
			return job{}, false
		}
		<-q.ready
	}
}

// feed runs a profile's queue: waits for the pacer, then for a free worker, one target at a time. A
// target that finds ctx cancelled is reported as the run reports targets it did not start; when the wait
// fails otherwise (the vendor asked for a longer pause than Config.MaxWait), the target runs and meets the
// same error at its own wait.
func (s *scheduler) feed(q *profileQueue) {
	stop := context.AfterFunc(s.ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.turn.Broadcast()
	})
	defer stop()
	for {
		j, ok := s.pop(q)
		if !ok {
			return
		}
		if err := s.ctx.Err(); err != nil {
			s.r.report(s.out, s.r.cancelled(j.i, j.t, err))
			continue
		}
		j.prepaid = q.p.wait(s.ctx) == nil
		if !s.takeTurn(q) {
			s.r.report(s.out, s.r.cancelled(j.i, j.t, s.ctx.Err()))
			continue
		}
		select {
		case s.work <- j:
		case <-s.ctx.Done():
			s.finished(j)
			s.r.report(s.out, s.r.cancelled(j.i, j.t, s.ctx.Err()))
		}
	}
}

// takeTurn waits until the profile holds fewer workers than its share, and counts one more; false when
// ctx is cancelled first.
func (s *scheduler) takeTurn(q *profileQueue) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q.inflight >= s.share() {
		if s.ctx.Err() != nil {
			return false
		}
		s.turn.Wait()
	}
	q.inflight++
	return s.ctx.Err() == nil || q.undo()
}

// undo takes back the count of takeTurn (with s.mu held); it returns false.
func (q *profileQueue) undo() bool {
	q.inflight--
	return false
}

// share is how many workers one profile may hold: the concurrency over the profiles with work, rounded
// up (s.mu held).
func (s *scheduler) share() int {
	active := 0
	for _, q := range s.queues {
		if q.inflight > 0 || q.head < len(q.jobs) {
			active++
		}
	}
	active = max(active, 1)
	return (s.concurrency + active - 1) / active
}

// finished ends a target's turn: its profile holds one worker fewer.
func (s *scheduler) finished(j job) {
	if j.q == nil {
		return
	}
	s.mu.Lock()
	j.q.inflight--
	s.mu.Unlock()
	s.turn.Broadcast()
}
