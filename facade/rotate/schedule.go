package rotate

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxQueued is Config.MaxQueued's default.
const DefaultMaxQueued = 1024

// job is a target admitted to run, with its profile's pacer.
type job struct {
	i int
	t Target
	p *pacer
	// prepaid: the pacer's wait for the target's first request was taken by the profile's feeder.
	prepaid bool
	queued  time.Time     // when the reader queued it
	waited  time.Duration // from queued until the pacer let its first request go
	// turn: the target's duplicate check waits for its profile's earlier ones (nil: the reader made it):
	// an address's by its worker, after the lookup; an ID's by the feeder, before the pacer.
	turn *turn
}

// scheduler makes the order of the input irrelevant to the pace: every profile (pacer) has its own
// queue, fed by the one goroutine reading the targets, and its own feeder, which takes a target from the
// queue once the profile's pacer lets another request go and hands it to the next free worker. A profile
// waiting on its limit thus holds no worker, and the rows of other profiles behind its rows in the input
// are read and run meanwhile. The queues hold at most maxQueued targets together; beyond that the reader
// waits (memory stays bounded whatever the input's size and order).
type scheduler struct {
	ctx       context.Context
	r         *runner
	out       chan<- Result
	work      chan job // to the workers; unbuffered: a send waits for a free worker
	maxQueued int
	feeders   sync.WaitGroup
	space     chan struct{} // capacity 1: a queue gave a target up (the reader may wait for it)

	mu     sync.Mutex
	queued int // targets in the queues
	queues map[*pacer]*profileQueue
}

// profileQueue is one profile's targets waiting for their turn.
type profileQueue struct {
	p     *pacer
	ready chan struct{} // capacity 1: a target came, or the input ended

	// Guarded by scheduler.mu.
	jobs   []job // FIFO: jobs[head:]
	head   int
	closed bool
}

func newScheduler(ctx context.Context, r *runner, out chan<- Result, maxQueued int) *scheduler {
	return &scheduler{ctx: ctx, r: r, out: out, work: make(chan job), maxQueued: maxQueued,
		space: make(chan struct{}, 1), queues: map[*pacer]*profileQueue{}}
}

// wake sends on a capacity-1 channel without blocking.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// enqueue puts a target in its profile's queue, waiting while the queues are full; it starts the
// profile's feeder with its first target. Called by the reader only.
func (s *scheduler) enqueue(j job) {
	s.mu.Lock()
	q, ok := s.queues[j.p]
	if !ok {
		q = &profileQueue{p: j.p, ready: make(chan struct{}, 1)}
		s.queues[j.p] = q
		s.feeders.Go(func() { s.feed(q) })
	}
	for s.queued >= s.maxQueued {
		s.mu.Unlock()
		<-s.space
		s.mu.Lock()
	}
	s.queued++
	j.queued = time.Now()
	q.jobs = append(q.jobs, j)
	s.mu.Unlock()
	wake(q.ready)
}

// close ends the input: each feeder returns once its queue is empty; then the workers' channel closes.
func (s *scheduler) close() {
	s.mu.Lock()
	for _, q := range s.queues {
		q.closed = true
		wake(q.ready)
	}
	s.mu.Unlock()
	s.feeders.Wait()
	close(s.work)
}

// compact moves the queue's targets to the start of its slice once at least half of it is taken, so
// that a queue fed as fast as it is drained does not grow (s.mu held).
func (q *profileQueue) compact() {
	if q.head < 32 && q.head < len(q.jobs) || q.head*2 < len(q.jobs) {
		return
	}
	n := copy(q.jobs, q.jobs[q.head:])
	clear(q.jobs[n:])
	q.jobs, q.head = q.jobs[:n], 0
}

// pop takes the queue's next target, waiting for one; false once the input ended and the queue is empty.
func (s *scheduler) pop(q *profileQueue) (job, bool) {
	for {
		s.mu.Lock()
		if q.head < len(q.jobs) {
			j := q.jobs[q.head]
			q.jobs[q.head] = job{}
			q.head++
			q.compact()
			s.queued--
			s.mu.Unlock()
			wake(s.space)
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

// feed runs a profile's queue: waits for the pacer, then for a free worker, one target at a time (blocked
// feeders get the free workers in turn). A target that finds ctx cancelled is reported as the run reports
// targets it did not start; when the pacer's wait fails otherwise (the vendor asked for a longer pause
// than Config.MaxWait), the target runs and meets the same error at its own wait.
func (s *scheduler) feed(q *profileQueue) {
	for {
		j, ok := s.pop(q)
		if !ok {
			return
		}
		if j.turn != nil && !j.t.byEmail() {
			// An ID read while an earlier target of its profile waited for its lookup: checked here, in
			// its turn, before it takes a place at the pacer or a worker (a duplicate, or a target an
			// earlier run did, needs neither).
			if res, settled := s.r.checkInTurn(j.turn, j.i, j.t); settled {
				s.r.report(s.out, res)
				continue
			}
			j.turn = nil
		}
		if s.ctx.Err() == nil {
			j.prepaid = q.p.wait(s.ctx) == nil
			j.waited = time.Since(j.queued) // its turn in the queue is the limiter's time too
		}
		if s.ctx.Err() == nil {
			select {
			case s.work <- j:
				continue
			case <-s.ctx.Done():
			}
		}
		j.turn.end()
		s.r.report(s.out, s.r.cancelled(j.i, j.t, s.ctx.Err()))
	}
}
