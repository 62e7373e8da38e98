// Package checker sends SLA alerts at their instants. A run takes every
// alert due now and every one falling due before the next run, and waits
// inside the run until each instant, so alerts leave within moments of it
// rather than at the next poll.
//
// Each alert is claimed with a conditional write (a lease in the ticket),
// published, then recorded: overlapping runs never both send it, and an
// alert whose publish fails or whose run dies stays claimed until its lease
// ends and is sent by a later run. A run works on up to Workers tickets at
// once, each ticket by one worker at a time.
package checker

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Clock is the checker's time: real in production, virtual in tests.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t, or early with ctx's error.
	SleepUntil(ctx context.Context, t time.Time) error
}

// RealClock is the wall clock.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) SleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Checker sends due alerts.
type Checker struct {
	Config   *policy.Config
	Tickets  store.Tickets
	Notifier notify.Notifier
	Clock    Clock
	Log      *slog.Logger
	// Horizon is how far ahead a run looks: the interval to the next run.
	Horizon time.Duration
	// Lease is how long a claimed alert is reserved for the run that
	// claimed it; after that another run may send it. Default 1 minute.
	Lease time.Duration
	// Batch bounds how many tickets one run takes; the rest wait for the
	// next run. Default 500.
	Batch int
	// Workers bounds how many due tickets a run works on at once (read,
	// claim, publish, record). Default 8: a ticket costs several
	// round trips, most of them waiting on DynamoDB and SNS, and one
	// slow or retried request must not hold back every other alert.
	Workers int
	// Acks retries acknowledgements whose delivery failed (package
	// promise); nil: they are not retried here.
	Acks Observer
	// Metrics receives alerts sent and failed, breaches and lag; nil:
	// none are kept.
	Metrics metrics.Sink
	// History records the ended clocks that intake left owed (a failed or
	// interrupted history write: sla.Ticket's RecordAt); nil: none are.
	History Recorder
	// Silences hold matching alerts back (recorded, not sent), and a
	// silence that ends sends one digest of what still matters; nil: no
	// silences.
	Silences store.Silences
	// Traffic is each source's traffic, for the heartbeat of sources that
	// expect it (sla.source_silent, _back, _rejected); nil: no heartbeat.
	Traffic store.Traffic
}

// Recorder writes a ticket's ended clocks not yet recorded to the history;
// *intake.Recorder is one.
type Recorder interface {
	CatchUp(ctx context.Context, k store.Key) error
}

// Observer brings a ticket's acknowledgement up to date.
type Observer interface {
	Observe(ctx context.Context, k store.Key) error
}

// Stats counts what a run did.
type Stats struct {
	Sent     int // alerts published, a digest counting once
	Digests  int
	Silenced int // alerts a silence held
	Failed   int // publishes that failed; their alerts are retried later
	// Breaches counts breach alerts sent, each in a digest included.
	Breaches int
	// Latency of each published alert: publish time minus planned instant.
	Latency []time.Duration
}

func (st *Stats) add(o Stats) {
	st.Sent += o.Sent
	st.Digests += o.Digests
	st.Silenced += o.Silenced
	st.Failed += o.Failed
	st.Breaches += o.Breaches
	st.Latency = append(st.Latency, o.Latency...)
}

type due struct {
	at time.Time
	k  store.Key
}

type queue []due

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(due)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// Run sends the alerts due now and, waiting for each, those falling due
// within the horizon.
func (c *Checker) Run(ctx context.Context) (Stats, error) {
	var st Stats
	start := c.Clock.Now()
	end := start.Add(c.Horizon)
	batch := c.Batch
	if batch <= 0 {
		batch = 500
	}
	// The silences are read beside the due query: a round trip less
	// before the first alert.
	var silences []silence.Silence
	var silenceErrs []error
	var reading sync.WaitGroup
	reading.Go(func() { silences = c.silences(ctx, &silenceErrs) })
	keys, err := c.Tickets.Due(ctx, end, batch)
	if err != nil {
		reading.Wait()
		return st, fmt.Errorf("checker: due query: %w", err)
	}
	q := &queue{}
	var owed []store.Key         // ended clocks intake left unrecorded
	breaches := map[string]int{} // per team, falling due in this run
	var errs []error
	read := make([]sla.Ticket, len(keys))
	readErrs := make([]error, len(keys))
	c.each(len(keys), func(i int) { read[i], readErrs[i] = c.Tickets.Get(ctx, keys[i]) })
	for i, k := range keys {
		t, err := read[i], readErrs[i]
		if err == nil && t.RecordAt != nil && !t.RecordAt.After(start) {
			owed = append(owed, k)
		}
		if err != nil {
			// One unreadable ticket (throttled, a dropped connection) must
			// not hold back every other alert: it stays due for the next run.
			errs = append(errs, fmt.Errorf("checker: ticket %s/%s: %w", k.Source, k.ID, err))
			continue
		}
		c.push(q, k, t, end)
		for _, a := range t.Pending {
			if a.Kind == sla.Breach && !a.At.After(end) {
				breaches[c.team(t)]++
			}
		}
	}
	// Storm control: a team with more breaches in this run than the
	// threshold gets one digest at the end of the run instead of a page
	// per ticket.
	storm := map[string]bool{}
	for team, n := range breaches {
		if n > c.Config.Alerts.StormThreshold {
			storm[team] = true
			c.Log.WarnContext(ctx, "breach storm: sending a digest", "team", team, "breaches", n)
		}
	}
	held := map[string][]heldBreach{}
	reading.Wait()
	errs = append(errs, silenceErrs...)

	results := make(chan work)
	inflight, stopped := 0, false
	for {
		stopped = stopped || ctx.Err() != nil // the run's time is up; what is left is the next run's
		now := c.Clock.Now()
		for !stopped && inflight < c.workers() && q.Len() > 0 && !(*q)[0].at.After(now) {
			d := heap.Pop(q).(due)
			inflight++
			go func() { results <- c.work(ctx, d, now, end, storm, silences) }()
		}
		if inflight == 0 {
			if stopped || q.Len() == 0 {
				break
			}
			if err := c.Clock.SleepUntil(ctx, (*q)[0].at); err != nil {
				stopped = true
			}
			continue
		}
		// While tickets are worked on the run never sleeps on its Clock (a
		// virtual one would jump ahead under them): it waits for one to
		// finish or, with a worker free, for the next instant in real time.
		var wake <-chan time.Time
		var timer *time.Timer
		if !stopped && inflight < c.workers() && q.Len() > 0 {
			timer = time.NewTimer((*q)[0].at.Sub(now))
			wake = timer.C
		}
		done := ctx.Done()
		if stopped {
			done = nil
		}
		select {
		case w := <-results:
			inflight--
			st.add(w.st)
			errs = append(errs, w.errs...)
			for _, h := range w.held {
				held[c.team(h.t)] = append(held[c.team(h.t)], h)
			}
			if !w.next.IsZero() {
				heap.Push(q, due{w.next, w.k})
			}
		case <-wake:
		case <-done:
		}
		if timer != nil {
			timer.Stop()
		}
	}
	for team, hs := range held {
		// Workers finish in any order: the digest lists by due time.
		slices.SortFunc(hs, func(a, b heldBreach) int {
			return cmp.Or(a.a.At.Compare(b.a.At), cmp.Compare(a.t.Source, b.t.Source), cmp.Compare(a.t.ID, b.t.ID))
		})
		c.publishDigest(ctx, &st, team, hs, silences, &errs)
	}
	c.endOfSilence(ctx, &st, silences, c.Clock.Now(), &errs)
	c.heartbeats(ctx, &st, c.Clock.Now(), &errs)
	// The history waits for the alerts: a late record costs nothing, a
	// late page does.
	if c.History != nil {
		owedErrs := make([]error, len(owed))
		c.each(len(owed), func(i int) {
			if ctx.Err() != nil {
				return // still owed: the ticket stays due for the next run
			}
			if err := c.History.CatchUp(ctx, owed[i]); err != nil {
				owedErrs[i] = fmt.Errorf("checker: history %s/%s: %w", owed[i].Source, owed[i].ID, err)
			}
		})
		errs = append(errs, owedErrs...)
	}
	c.record(st)
	return st, errors.Join(errs...)
}

// work is what working on one due ticket did; the run merges it.
type work struct {
	k    store.Key
	st   Stats
	errs []error
	held []heldBreach // breaches kept for a storm digest
	next time.Time    // the ticket's next alert within the run; zero: none
}

// work claims the ticket's alerts due by now, publishes them and brings
// its acknowledgement up to date.
func (c *Checker) work(ctx context.Context, d due, now, end time.Time, storm map[string]bool, silences []silence.Silence) work {
	w := work{k: d.k}
	t, sent, err := c.claim(ctx, d.k, now)
	if err != nil {
		w.errs = append(w.errs, err)
		return w
	}
	var single []sla.Alert
	for _, a := range sent {
		if a.Kind == sla.Breach && storm[c.team(t)] {
			w.held = append(w.held, heldBreach{t, a})
			continue
		}
		single = append(single, a)
	}
	c.publish(ctx, &w.st, d.k, t, single, silences, &w.errs)
	if a := t.Ack; a != nil && !a.Done() && !a.ClaimedUntil.IsZero() && !a.ClaimedUntil.After(now) && c.Acks != nil {
		if err := c.Acks.Observe(ctx, d.k); err != nil {
			w.errs = append(w.errs, fmt.Errorf("checker: acknowledgement %s/%s: %w", d.k.Source, d.k.ID, err))
		}
		if t, err = c.Tickets.Get(ctx, d.k); err != nil {
			w.errs = append(w.errs, fmt.Errorf("checker: ticket %s/%s: %w", d.k.Source, d.k.ID, err))
			return w
		}
	}
	// What is still due now could not be done in this run (a failed
	// acknowledgement retry): the next run tries again.
	if at, ok := t.NextSendAt(); ok && at.After(now) && !at.After(end) {
		w.next = at
	}
	return w
}

func (c *Checker) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return 8
}

// each calls fn(0) … fn(n-1), up to Workers at a time.
func (c *Checker) each(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, c.workers()) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// heldBreach is a breach kept back for a storm digest.
type heldBreach struct {
	t sla.Ticket
	a sla.Alert
}

// push queues the ticket for its next alert if that falls within the run.
func (c *Checker) push(q *queue, k store.Key, t sla.Ticket, end time.Time) {
	if at, ok := t.NextSendAt(); ok && !at.After(end) {
		heap.Push(q, due{at, k})
	}
}

func (c *Checker) lease() time.Duration {
	if c.Lease > 0 {
		return c.Lease
	}
	return time.Minute
}

// claim takes the ticket's due alerts with a conditional write, each claim
// signed with a token of this call. A write applied whose answer was lost
// (a dropped connection, a 500 after the write) is then recognised on a
// re-read — the store's retry after its conditional write failed, or ours
// after the update failed — and the alerts are sent now rather than after
// the lease.
func (c *Checker) claim(ctx context.Context, k store.Key, now time.Time) (sla.Ticket, []sla.Alert, error) {
	token := strconv.FormatUint(rand.Uint64(), 36)
	var sent []sla.Alert
	t, err := c.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		mine := claimedBy(t, token)
		next, send, changed := sla.ClaimDue(t, now, c.lease())
		sign(&next, send, token)
		sent = append(mine, send...)
		return next, changed, nil
	})
	if err != nil {
		if cur, rerr := c.Tickets.Get(ctx, k); rerr == nil {
			if mine := claimedBy(cur, token); len(mine) > 0 {
				c.Log.InfoContext(ctx, "claim written though its answer was lost", "ticket", k.Source+"/"+k.ID, "err", err)
				return cur, mine, nil
			}
		}
		return t, nil, fmt.Errorf("checker: claim %s/%s: %w", k.Source, k.ID, err)
	}
	return t, sent, nil
}

// sign marks the claims of the alerts in send as token's.
func sign(t *sla.Ticket, send []sla.Alert, token string) {
	for i, c := range t.Outbox {
		if slices.ContainsFunc(send, func(a sla.Alert) bool { return a.Key() == c.Key() }) {
			t.Outbox[i].By = token
		}
	}
}

// claimedBy returns the alerts t holds claimed with token.
func claimedBy(t sla.Ticket, token string) []sla.Alert {
	var mine []sla.Alert
	for _, c := range t.Outbox {
		if c.By == token {
			mine = append(mine, c.Alert)
		}
	}
	return mine
}

// publish sends each alert and records the ones that went.
func (c *Checker) publish(ctx context.Context, st *Stats, k store.Key, t sla.Ticket, alerts []sla.Alert, silences []silence.Silence, errs *[]error) {
	var done []string
	for _, a := range alerts {
		n := c.alert(t, a)
		if held, err := c.hold(ctx, silences, n, n.SentAt); err != nil {
			*errs = append(*errs, err) // retried after the claim's lease
			continue
		} else if held {
			st.Silenced++
			done = append(done, a.Key())
			continue
		}
		if err := c.notify(ctx, n); err != nil {
			st.Failed++
			*errs = append(*errs, fmt.Errorf("checker: publish %s: %w", n.ID, err))
			c.Log.ErrorContext(ctx, "alert publish failed; retried after its lease", "alert", n.ID, "err", err)
			continue
		}
		st.Sent++
		if a.Kind == sla.Breach {
			st.Breaches++
		}
		st.Latency = append(st.Latency, n.SentAt.Sub(a.At))
		done = append(done, a.Key())
		c.Log.InfoContext(ctx, "alert sent", "alert", n.ID, "kind", a.Kind, "team", n.Team, "latency", n.SentAt.Sub(a.At))
	}
	if err := c.recordSent(ctx, k, done); err != nil {
		*errs = append(*errs, err)
	}
}

// notify publishes an alert, and twice more, shortly, if the publisher's
// own retries gave up (a throttled or failing topic): a failed publish
// otherwise waits out the claim's lease. It all ends within half the
// lease, or another run would take the claim over and send the alert a
// second time.
func (c *Checker) notify(ctx context.Context, n notify.Alert) error {
	pctx, cancel := context.WithTimeout(ctx, c.lease()/2)
	defer cancel()
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			wait := time.NewTimer(rand.N(100 * time.Millisecond << attempt))
			select {
			case <-pctx.Done():
				wait.Stop()
				return err
			case <-wait.C:
			}
		}
		if err = c.Notifier.Notify(pctx, n); err == nil {
			return nil
		}
	}
	return err
}

// record adds a run's figures to the metrics.
func (c *Checker) record(st Stats) {
	m := metrics.Or(c.Metrics)
	m.Add(metrics.AlertsSent, metrics.Count, float64(st.Sent))
	m.Add(metrics.AlertsFailed, metrics.Count, float64(st.Failed))
	m.Add(metrics.Breaches, metrics.Count, float64(st.Breaches))
	m.Add(metrics.AlertsSilenced, metrics.Count, float64(st.Silenced))
	if len(st.Latency) > 0 {
		m.Add(metrics.CheckerLagSeconds, metrics.Seconds, slices.Max(st.Latency).Seconds())
	}
}

func (c *Checker) recordSent(ctx context.Context, k store.Key, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	// What was published must be recorded even when the run's time is up:
	// otherwise the claim's lease ends and a later run pages again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.lease()/2)
	defer cancel()
	now := c.Clock.Now()
	_, err := c.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
		next, changed := sla.Record(t, keys, now)
		return next, changed, nil
	})
	if err != nil {
		return fmt.Errorf("checker: record %s/%s: %w", k.Source, k.ID, err)
	}
	return nil
}

func (c *Checker) publishDigest(ctx context.Context, st *Stats, team string, hs []heldBreach, silences []silence.Silence, errs *[]error) {
	now := c.Clock.Now()
	d := notify.Alert{
		ID: fmt.Sprintf("digest/%s/%d", team, now.UnixMilli()), Kind: notify.KindBreachDigest,
		Severity: notify.SeverityOf(notify.KindBreachDigest), Team: team, At: now, DueAt: now, SentAt: now,
	}
	for _, h := range hs {
		d.Tickets = append(d.Tickets, notify.DigestItem{
			Source: h.t.Source, TicketID: h.t.ID, TicketURL: c.Config.Sources[h.t.Source].Link(h.t.ID),
			Metric: h.a.Metric, Priority: string(h.t.Priority), DueAt: h.a.DueAt,
		})
	}
	// A silence that holds the digest holds each breach in it: the
	// silence's own digest, when it ends, lists those still overdue.
	var err error
	s, held := silence.Holding(silences, document(d), now)
	for _, h := range hs {
		if !held {
			break
		}
		if _, err = c.Silences.HoldAlert(ctx, s.ID, c.alert(h.t, h.a).ID, now); err != nil {
			*errs = append(*errs, fmt.Errorf("checker: hold digest for %s in silence %s: %w", team, s.ID, err))
			return // the breaches are retried after their claims' lease
		}
	}
	if !held {
		pctx, cancel := context.WithTimeout(ctx, c.lease()/2)
		err = c.Notifier.Notify(pctx, d)
		cancel()
	}
	if err != nil {
		st.Failed++
		*errs = append(*errs, fmt.Errorf("checker: publish digest for %s: %w", team, err))
		return
	}
	if held {
		c.Log.InfoContext(ctx, "breach digest silenced", "team", team, "silence", s.ID, "breaches", len(hs))
		st.Silenced += len(hs)
		for _, h := range hs {
			if err := c.recordSent(ctx, store.Key{Source: h.t.Source, ID: h.t.ID}, []string{h.a.Key()}); err != nil {
				*errs = append(*errs, err)
			}
		}
		return
	}
	st.Sent++
	st.Digests++
	st.Breaches += len(hs)
	for _, h := range hs {
		st.Latency = append(st.Latency, now.Sub(h.a.At))
		if err := c.recordSent(ctx, store.Key{Source: h.t.Source, ID: h.t.ID}, []string{h.a.Key()}); err != nil {
			*errs = append(*errs, err)
		}
	}
}

func (c *Checker) team(t sla.Ticket) string { return c.Config.Team(t.Policy) }

// alert builds the notification for one of t's alerts.
func (c *Checker) alert(t sla.Ticket, a sla.Alert) notify.Alert {
	return notify.Alert{
		ID: t.Source + "/" + t.ID + "/" + a.Key(), Kind: a.Kind, Severity: notify.SeverityOf(a.Kind),
		Metric: a.Metric, Cycle: a.Cycle, Level: a.Level,
		Source: t.Source, TicketID: t.ID, TicketURL: c.Config.Sources[t.Source].Link(t.ID),
		Policy: t.Policy, Team: c.team(t), Priority: string(t.Priority), Channel: string(t.Channel),
		DueAt: a.DueAt, At: a.At, SentAt: c.Clock.Now(), Notify: a.Notify,
	}
}

// Loop runs the checker back to back, each run covering the next Horizon,
// until ctx ends.
func (c *Checker) Loop(ctx context.Context) {
	for ctx.Err() == nil {
		next := c.Clock.Now().Add(c.Horizon)
		// A little grace past the horizon lets an alert due at its very end
		// go in this run.
		runCtx, cancel := context.WithDeadline(ctx, next.Add(time.Second))
		_, err := c.Run(runCtx)
		cancel()
		if err != nil && ctx.Err() == nil {
			c.Log.ErrorContext(ctx, "checker run failed", "err", err)
		}
		if err := c.Clock.SleepUntil(ctx, next); err != nil {
			return
		}
	}
}
