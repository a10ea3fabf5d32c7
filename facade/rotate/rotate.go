// Package rotate runs bulk password rotation over facade managers: targets come in as a stream, run with
// bounded concurrency at each vendor's rate limit, and one result per target streams back. It uses only
// the facade's public interface. One run may span vendors and tenants: each Target.Profile (a tenant
// behind its own manager) has its own pacer and its own key space.
//
// Nothing is lost: with a Journal, each candidate password is recorded durably before its write is sent
// and the outcome after. A write answered 429 is sent again after the vendor's Retry-After (the whole
// profile, or the vendor's targets without a profile, pause meanwhile, at most Config.MaxWait). A write whose outcome is unknown is settled with the
// manager's Verify: the candidate verifies → done; a refused Verify → the same password is sent once more
// (it can only end with the delivered password in effect); what Verify cannot settle (it fails, or is
// unavailable) ends Unknown with the candidate password in the result, for a person to settle. No write
// is sent again otherwise (see Run).
package rotate

import (
	"context"
	"fmt"

	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unipass/unipass/facade"
)

// Target is one account to rotate.
type Target struct {
	Manager facade.PasswordManager
	User    string
	// Profile names the account's group: one vendor tenant (a DocSpace portal, a Zendesk instance) seen
	// through one manager. Targets of one profile share a pacer (limit from Config.ProfileLimits), and a
	// user ID is one account within a profile: the key of a target is ProfileKey(Profile, vendor, User),
	// so the same user ID in two profiles is two accounts. "" is the vendor's default group: the targets
	// of a vendor without a profile share one pacer (Config.Limits) and the key TargetKey(vendor, User).
	// A profile name holds neither "/" nor ":" (Run fails a target whose does, sending nothing).
	Profile string
	// Email names the account by email address when User is "": the worker looks it up (one FindUser,
	// paced by the profile's limiter like every request, once per target) and runs the target as if
	// User were the ID found. The key and the duplicate check use that ID; of two targets of a profile
	// naming one account, the later in the input is the duplicate, however long a lookup takes (a target
	// with an ID read while an earlier one of its profile waits for its lookup is checked after it, before
	// it takes a place at the pacer or anything is sent). An address that names nobody
	// or more than one user, or a manager that cannot look users up, ends the target Failed with nothing
	// sent.
	Email string
	// NewPassword is the password to set; when zero, one is generated to fit the vendor's policy.
	NewPassword facade.Secret
	// OldPassword, when set, makes the rotation a ChangePassword (the user proves the old one) instead of
	// a SetPassword; Glowmarkt needs it. A ChangePassword with an unknown outcome is sent again only when
	// Run proves it did not apply (the new password is refused and the old one still verifies).
	OldPassword facade.Secret
}

// Status is how a target ended.
type Status string

// The statuses.
const (
	Done       Status = "done"
	Failed     Status = "failed"
	NotStarted Status = "not-started"
	// Unknown: the write may or may not have applied and Verify could not settle it (Verify failed or is
	// unavailable, or refused the password after it was sent twice); Result.NewPassword holds the
	// candidate, for a person to settle (log in with it, or reset the password).
	Unknown Status = "unknown"
)

// Result is the outcome of one target.
type Result struct {
	// Index is the target's position in the input stream, from 0; -1 for a journal entry of an earlier
	// run whose target is not in the input (Err matches ErrNotInInput).
	Index   int
	Profile string // the target's Profile
	Vendor  facade.Vendor
	// User is the target's user ID: Target.User, or the one its Email was found to name ("" when the
	// lookup failed).
	User string
	// Email is Target.Email.
	Email  string
	Status Status
	Err    error
	// Attempts counts the requests sent for the target's write in this run (0 when none was sent), and,
	// for a target whose earlier write this run settled (Resumed: verified, sent again, or left Unknown),
	// those of the earlier runs the journal records too (a write whose answer was lost counts as sent). A
	// target done in an earlier run and only reported again has 0: nothing was sent for it.
	Attempts int
	// Latency is the time the target's requests took at the vendor (its time in the run, less Wait).
	Latency time.Duration
	// Wait is the time the target waited for its profile's rate limiter.
	Wait time.Duration
	// NewPassword is the password now set (Done) or the candidate that may be in effect (Unknown), for the
	// caller to deliver; it prints [REDACTED]. It is zero for Failed and NotStarted: no write of theirs
	// applied.
	NewPassword facade.Secret
	// Resumed: the target was settled from the journal of an earlier run (Config.Prior).
	Resumed bool
	// SettledByResend: an earlier run's write of NewPassword had an unknown outcome that Verify could not
	// settle, and it was settled by setting the same password again (see Run).
	SettledByResend bool
}

// Progress is reported after each target.
type Progress struct {
	Done, Failed, NotStarted, Unknown int
	// Total is Config.Total (0 when unknown).
	Total int
	// Rate is finished targets per second so far.
	Rate float64
	// Left estimates the time the run needs to finish at Rate (0 when Total is unknown).
	Left time.Duration
	// Profiles holds each profile's rate (finished targets per second so far), by name; nil for a run
	// without profiles.
	Profiles []ProfileRate
}

// ProfileRate is one profile's pace in Progress.
type ProfileRate struct {
	Profile string
	Rate    float64
}

// Limit is a client-side rate limit: requests per second and burst. The zero Limit (PerSecond 0 or less),
// in Config.Limits or Config.ProfileLimits, means "not set": the vendor's limit applies (Config.Limits, else
// DefaultLimits, the vendor's documented one). A Burst below 1 is 1.
type Limit struct {
	PerSecond float64
	Burst     int
}

// DefaultLimits are the vendors' documented limits: DocSpace allows 5 password requests per 15 minutes
// per user and IP address; Zendesk plans allow 200 to 2,500 requests a minute (the lowest is used);
// Glowmarkt documents none (5 a second is assumed).
func DefaultLimits() map[facade.Vendor]Limit {
	return map[facade.Vendor]Limit{
		facade.VendorDocSpace:  {PerSecond: 5.0 / (15 * 60), Burst: 5},
		facade.VendorZendesk:   {PerSecond: 200.0 / 60, Burst: 10},
		facade.VendorGlowmarkt: {PerSecond: 5, Burst: 5},
	}
}

// DefaultMaxWait is Config.MaxWait's default, the same as the facade's cap on one wait.
const DefaultMaxWait = 30 * time.Second

// Config tunes a run. The zero value works.
type Config struct {
	// Concurrency is how many targets run at once (default 8).
	Concurrency int
	// Limits replaces DefaultLimits per vendor; a zero Limit keeps the default.
	Limits map[facade.Vendor]Limit
	// ProfileLimits sets the limit of a profile's pacer (Target.Profile); a profile not in it takes its
	// vendor's limit (Limits, else DefaultLimits). Each profile has its own pacer: a 429 pauses only the
	// profile that got it.
	ProfileLimits map[string]Limit
	// Total is the number of targets, when known: for Progress, and to size the duplicate check's
	// fingerprints (see Run). A run may hold more targets than Total; only its chance of a false duplicate
	// grows.
	Total int
	// OnProgress is called after every target, from one goroutine at a time.
	OnProgress func(Progress)
	// PasswordLength is the length of generated passwords (default DefaultLength; longer if the policy
	// asks).
	PasswordLength int
	// MaxRateLimitRounds bounds how often one target is sent again after 429 answers (default 20).
	MaxRateLimitRounds int
	// MaxWait caps the pause a 429's Retry-After imposes on a vendor (default DefaultMaxWait). A vendor
	// that asks for a longer wait is not waited for: the target that got the 429 ends Failed with it
	// (ErrRateLimited, not sent again), and the vendor's other targets end Failed with ErrRateLimited,
	// without a request, until the time it named has passed. A target thus takes at most
	// MaxRateLimitRounds pauses of at most MaxWait, and the run always ends with every target reported.
	// After ctx is cancelled, MaxWait also bounds the pacing waits of the reconciling Verify calls, and, with
	// a Journal, how long results wait for a reader before they are dropped (see Run).
	MaxWait time.Duration
	// Journal, when set, records every write before it is sent and its outcome after (see Run); nil: no
	// journal.
	Journal Journal
	// MaxQueued bounds the targets read ahead of their turn (default DefaultMaxQueued). Each profile has
	// its own queue, so that the rows of one profile never wait behind another's whatever the input's
	// order: the reader reads on while a profile waits on its limit, until the queues hold MaxQueued
	// targets together.
	MaxQueued int
	// Prior holds the last entry per key of an earlier run (from OpenJournal; Journal should then be the
	// journal it was read from, since done entries are not recorded again). Done targets are not sent
	// again (Result Done, Resumed, the journal's password); pending, refused and unknown ones are
	// reconciled through Verify (a SetPassword whose password is refused is sent once more with the
	// journal's password); not-applied ones run as new. Entries whose target is not in the input are
	// reported after the input ends (Index -1, ErrNotInInput).
	Prior map[string]Entry
}

// Run rotates every target read from targets until the channel is closed, and streams one result per
// target; the result channel is closed when all are reported. When ctx is cancelled, no new target
// starts; the rest of the stream is still read (the producer must close it) and each such target is
// reported NotStarted (or, for a Prior entry whose write may be in effect, Unknown with the journal's
// password; for a Prior done entry, Done as usual).
//
// A write goes: candidate (Target.NewPassword, the journal's for a resumed target, or generated) →
// Journal.Record(pending) → send → Record(done, not-applied or unknown). A FileJournal's last entry of a
// target is queued instead, so that its worker takes the next target; the result is reported only once
// that entry is durable. Only a 429, a refusal or a
// failure before sending proves a write not applied; a write answered with ErrOutcomeUnknown is
// reconciled with Manager.Verify(candidate):
//   - accepted → Done;
//   - refused (ErrWrongPassword), SetPassword → Record(refused), and the same password is sent once more
//     (recorded pending again first). Refused proves nothing (the first write may still reach the
//     vendor), but whichever write applies, the account ends with the candidate, which is delivered;
//   - refused, ChangePassword, and Target.OldPassword still verifies → provably not applied
//     (Record(not-applied)), sent once more;
//   - anything else (Verify failed, ErrVerifyUnavailable, no Verify, a ChangePassword's old password
//     not verifiable) → Unknown, with the candidate in Result.NewPassword and the journal.
//
// Resuming (Config.Prior), a SetPassword of an earlier run whose outcome Verify cannot settle (it fails,
// is unavailable, or the manager has none) is settled by sending the same journaled password again
// (Record(resending), then pending): whether or not the first write applied, the account ends with that
// password, never a new one. Answered, it is Done with Result.SettledByResend; refused because the
// password was used before (the vendor's password history), the first write applied: Done too. A
// ChangePassword needs the old password, which the first write may have replaced: it stays Unknown
// unless Verify settles it.
//
// Within a run a target's write is sent again at most once (a resumed target's send after a refused
// Verify counts as that once; after a proven not-applied it runs as a first send). When the second send is lost and refused too, or is answered with a failure while the first
// may still apply, the target ends Unknown with the candidate, never Failed. Writes in flight when ctx is
// cancelled are not cut short (they run under context.WithoutCancel, bounded by the manager's own
// timeout and retry limits) and are reconciled the same way.
//
// A target whose key (ProfileKey) was seen earlier in the run is refused (Failed, ErrDuplicateTarget, nothing
// sent): always the later in the input of the two, also when one gives an email address (see Target.Email). To tell, Run keeps a keyed fingerprint (hash/maphash) of each key seen, in compressed sorted runs,
// until the input ends; a key seen before is always found. Two different targets share a fingerprint
// with a chance of about n²/2^(b+1) in a run of n targets with b-bit fingerprints: the later one is then
// refused as a duplicate, reported and never sent, and runs in a run of its own (a new seed). With
// Config.Total, b is ceil(log2(Total)) + 27 (44 to 64): a chance of at most about n/2^28 while n ≤ Total
// (1 in 3,500 for 100,000 targets, 1 in 280 for a million) at under 4 bytes a target; without it b is
// 44 (1 in 3,500 for 100,000 targets, 1 in 35 for a million) at under 4 bytes a target from about 50,000
// targets on. Memory otherwise does not grow with the number of targets.
//
// When Journal.Record fails, the target is not sent (Failed, ErrJournal), no further write is sent, and
// the rest are reported NotStarted with ErrJournal; a write already sent keeps its own outcome.
//
// The producer must close targets; the caller reads the result channel until it is closed, since every
// result may carry a password that is in effect. To stop early, cancel ctx and keep reading: the targets
// not started end at once (NotStarted), writes in flight finish and are reconciled, the channel closes and
// no goroutine of Run is left. With a Journal, a caller that cancels ctx and stops reading leaks nothing
// either: from MaxWait after the cancellation on, a result that is not taken at once is dropped (what it
// said is in the journal; a resume reports it), and Run's goroutines end once the writes in flight have
// finished and the producer has closed targets. Without a journal a result is the only place its password
// is, so it is never dropped: the caller must read to the end, or Run's goroutines stay blocked on the
// result channel.
func Run(ctx context.Context, targets <-chan Target, cfg Config) <-chan Result {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.MaxRateLimitRounds <= 0 {
		cfg.MaxRateLimitRounds = 20
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	r := &runner{cfg: cfg, pacers: map[pacerKey]*pacer{},
		start: time.Now(), seen: newKeySet(cfg.Total), priorSeen: map[string]bool{}, abandoned: make(chan struct{})}
	stopAbandon := func() {}
	if cfg.Journal != nil { // only a journal keeps what a dropped result said
		stopAbandon = abandonAfter(ctx, cfg.MaxWait, r.abandoned)
	}
	if w, ok := cfg.Journal.(interface{ setWriters(int) }); ok {
		w.setWriters(cfg.Concurrency)
	}
	out := make(chan Result, cfg.Concurrency)
	s := newScheduler(ctx, r, out, cfg.MaxQueued)
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for j := range s.work {
				res, durable := r.rotate(ctx, j)
				r.reportDurable(&wg, out, res, durable)
			}
		})
	}
	go func() {
		i := 0
		pacers := map[pacerKey]*pacer{} // the reader's own: no lock per target
		// lastTurn holds each profile's latest turn (its done): the reader's own, like pacers.
		lastTurn := map[pacerKey]chan struct{}{}
		for t := range targets {
			var k pacerKey
			later := false // the worker checks the target, in its turn
			if t.Manager != nil {
				k = pacerKey{t.Profile, t.Manager.Vendor()}
				later = t.byEmail() || pending(lastTurn[k])
			}
			switch res, settled := r.admit(ctx, i, t, later); {
			case settled:
				r.report(out, res)
			case t.Manager == nil:
				res, durable := r.rotate(ctx, job{i: i, t: t})
				r.reportDurable(&wg, out, res, durable)
			default:
				p, ok := pacers[k]
				if !ok {
					p = r.pacer(k.profile, k.vendor)
					pacers[k] = p
				}
				j := job{i: i, t: t, p: p}
				if later {
					j.turn = newTurn(lastTurn[k])
					lastTurn[k] = j.turn.done
				}
				s.enqueue(j)
			}
			i++
		}
		if len(lastTurn) == 0 { // no check waits for its turn
			r.dropSeen() // the duplicate check's memory goes with the input
		}
		s.close()
		wg.Wait()
		r.dropSeen() // once the workers have made the checks in their turns
		for _, res := range r.notInInput() {
			r.report(out, res)
		}
		stopAbandon()
		close(out)
	}()
	return out
}

type runner struct {
	cfg   Config
	start time.Time

	// seenMu guards seen and priorSeen: the reader checks the keys of targets with a User, the workers
	// those of targets found by Email.
	seenMu    sync.Mutex
	seen      *keySet
	priorSeen map[string]bool

	mu       sync.Mutex
	pacers   map[pacerKey]*pacer
	policies sync.Map // facade.PasswordManager → *policyEntry
	progress Progress
	// profileDone counts each profile's finished targets, for Progress.Profiles (with OnProgress only).
	profileDone map[string]int
	stopErr     atomic.Pointer[error] // the first journal failure; read without the lock per target
	// abandoned is closed MaxWait after ctx is cancelled: results nobody takes from then on are dropped.
	abandoned chan struct{}
}

// key is the target's key in the run and the journal.
func (t Target) key() string { return ProfileKey(t.Profile, t.Manager.Vendor(), t.User) }

// describe names a vendor, with its profile when it has one: `zendesk (profile "support")`.
func describe(profile string, v facade.Vendor) string {
	if profile == "" {
		return string(v)
	}
	return fmt.Sprintf("%s (profile %q)", v, profile)
}

// checkProfile refuses a profile name that would make keys ambiguous.
func checkProfile(profile string) error {
	if strings.ContainsAny(profile, "/:") {
		return fmt.Errorf("rotate: profile %q: a profile name holds neither / nor :: %w", profile, facade.ErrInvalidInput)
	}
	return nil
}
