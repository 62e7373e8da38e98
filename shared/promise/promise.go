// Package promise acknowledges new tickets with a reply time the team will
// keep, and keeps the queue history that time is computed from.
//
// After every webhook, Observe looks at each ticket it touched: it updates
// the ticket's queues (waiting, answered, dropped) and, for a ticket still
// waiting for its first response that has no acknowledgement yet, claims
// one with a conditional write, estimates the promised time (package eta)
// from the finest queue with enough history, renders the channel's template
// (package ack) and delivers it: to the acknowledgement topic, back into the
// helpdesk ticket as a public reply, and — when the promise is later than
// the SLA target — as an sla.predicted_breach alert to on-call. Each
// delivery is recorded as it succeeds; one that fails is retried, alone,
// by a later Observe once the claim's lease has run out (the checker calls
// it for such tickets). A ticket is acknowledged at most once, however often
// its created webhook arrives.
package promise

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/eta"
	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Defaults.
const (
	DefaultLease       = time.Minute
	DefaultMaxAge      = time.Hour
	DefaultWindow      = queue.DefaultWindow
	DefaultMaxAttempts = 10
	DefaultLocale      = "en"
)

// Deliveries, as recorded in sla.Acknowledgement.Delivered.
const (
	deliveryTopic     = "topic"
	deliveryWriteBack = "writeback"
	deliveryPredicted = "predicted_breach"
)

// DeliveryError is a failed delivery of a claimed acknowledgement. It is
// retried once the claim's lease runs out (by the checker or a later
// Observe), so callers log it and go on.
type DeliveryError struct{ Err error }

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// RetriedLater reports that the failure needs nothing from the caller: the
// claim's lease brings the delivery back (httpapi tests for it).
func (e *DeliveryError) RetriedLater() bool { return true }

// Replier posts a public reply into a helpdesk ticket (package writeback).
type Replier interface {
	Reply(ctx context.Context, ticketID, body string) error
}

// Service acknowledges tickets and keeps queue history.
type Service struct {
	Config  *policy.Config
	Tickets store.Tickets
	Queues  store.Queues
	// Acks publishes acknowledgements; nil: none are published (promises
	// are still tracked).
	Acks notify.AckPublisher
	// Alerts receives sla.predicted_breach; nil: not sent.
	Alerts notify.Notifier
	// Repliers post the acknowledgement into the ticket, by source name;
	// a source without one gets no write-back.
	Repliers map[string]Replier
	Now      func() time.Time
	Log      *slog.Logger
	// Lease is how long a claimed acknowledgement is reserved (default 1
	// minute); each delivery gets half of it.
	Lease time.Duration
	// MaxAge: a ticket first seen later than this after its clock started
	// (a backfill, a webhook delayed for hours) gets no acknowledgement; a
	// "we got your message" that late would read as a joke. Default: the
	// configuration's acknowledgements.max_age, else 1 hour.
	MaxAge time.Duration
	// Window is how far back queue history counts. Default 7 days.
	Window time.Duration
	// MaxAttempts bounds claims of one acknowledgement. Default 10.
	MaxAttempts int
	// Templates render the messages: ack.Compile of the configuration's;
	// the zero value renders the built-in ones.
	Templates ack.Templates
	// Locale tags published acknowledgements. Default "en".
	Locale string
	// Metrics receives acknowledgements sent and failed, predicted
	// breaches, first-response times and promises kept; nil: none.
	Metrics metrics.Sink
}

// Observe brings the ticket's queues up to date and acknowledges it if it
// is due one. It is safe to call for every event, redeliveries included, and
// concurrently.
func (s *Service) Observe(ctx context.Context, k store.Key) error {
	t, err := s.Tickets.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("promise: get %s/%s: %w", k.Source, k.ID, err)
	}
	read, err := s.track(ctx, t)
	if err != nil {
		return err
	}
	return s.acknowledge(ctx, t, read)
}

// queueSharer is a store that updates a queue without copying its stats
// (store.Memory's UpdateQueueShared): fn must not change them in place.
type queueSharer interface {
	UpdateQueueShared(ctx context.Context, name string, fn store.QueueFunc) error
}

// track records the ticket's first-response state in each of its queues
// and returns each queue as it left it, by name: the estimate starts from
// those rather than reading them again.
func (s *Service) track(ctx context.Context, t sla.Ticket) (map[string]queue.Stats, error) {
	m := t.FirstResponse
	if m == nil || t.AgentCreated {
		return nil, nil
	}
	read := map[string]queue.Stats{}
	// A coarser queue is read for this ticket only when every finer one
	// lacks history (estimate), so it is written only then: each queue
	// item is ~10 KB, and rewriting all three for every ticket was most of
	// the DynamoDB writes. A ticket a coarser queue already holds is
	// followed there still (answered, dropped), so that it never stays
	// waiting in it. The decision counts the history before the ticket's
	// start, as the estimate does, so it is the same at arrival and answer.
	finerEnough := false
	shared, _ := s.Queues.(queueSharer)
	for i, q := range queue.Keys(t.Source, t.Channel, t.Priority) {
		answered, enough := false, false
		var last queue.Stats
		update := func(st queue.Stats) (queue.Stats, bool, error) {
			answered, enough, last = false, false, st
			if finerEnough && !st.Holds(t.ID) {
				return st, false, nil
			}
			var changed bool
			changed, answered = Track(&st, t, s.calendar(t.FirstResponse))
			enough, last = st.EnoughAt(m.StartedAt, s.window()), st
			return st, changed, nil
		}
		var err error
		if shared != nil {
			// Track copies what it changes (queue.Stats's methods do), so
			// it can work on the stored stats themselves.
			err = shared.UpdateQueueShared(ctx, q.String(), update)
		} else {
			_, err = s.Queues.UpdateQueue(ctx, q.String(), update)
		}
		if err != nil {
			return nil, fmt.Errorf("promise: queue %s: %w", q, err)
		}
		read[q.String()] = last
		finerEnough = finerEnough || enough
		if answered && i == 0 { // once per ticket: its finest queue
			s.recordAnswer(t)
		}
	}
	return read, nil
}

// Track records in st where t stands in its wait for a first response:
// waiting, answered (its wait measured on cal, nil for calendar time), or
// dropped — solved or closed without a reply, so it no longer holds up the
// tickets behind it. It reports whether st changed and whether this call
// recorded the answer. Tickets without a first-response clock, and those an
// agent started, are not queued.
//
// It is the one place queue history follows tickets: Observe uses it for
// every queue a ticket is in, and package replay on its virtual clock, so
// a calibration replay measures what production does.
func Track(st *queue.Stats, t sla.Ticket, cal *calendar.Calendar) (changed, answered bool) {
	m := t.FirstResponse
	if m == nil || t.AgentCreated {
		return false, false
	}
	switch {
	case m.RespondedAt != nil:
		answered = st.Answer(queue.Answer{Ticket: t.ID, Started: m.StartedAt, At: *m.RespondedAt,
			Calendar: cal, Promise: promised(t.Ack)})
		return answered, answered
	case m.StoppedAt != nil:
		return st.Drop(t.ID), false
	default:
		return st.Arrive(t.ID, m.StartedAt), false
	}
}

// recordAnswer adds a first response to the metrics.
func (s *Service) recordAnswer(t sla.Ticket) {
	m := metrics.Or(s.Metrics)
	m.Add(metrics.FirstResponseSeconds, metrics.Seconds, t.FirstResponse.RespondedAt.Sub(t.FirstResponse.StartedAt).Seconds())
	if kept, ok := t.Kept(); ok {
		v := 0.0
		if kept {
			v = 1
		}
		m.Add(metrics.PromiseKept, metrics.None, v)
	}
}

// promised returns what the customer was promised, with the model the
// promise came from, or nil.
func promised(a *sla.Acknowledgement) *eta.Promise {
	if a == nil || a.SentAt == nil {
		return nil
	}
	return &eta.Promise{By: a.PromisedBy, Mean: a.Mean, Spread: a.Spread, Position: a.Position}
}

func (s *Service) calendar(m *sla.Metric) *calendar.Calendar {
	if m.Calendar == "" {
		return nil
	}
	return s.Config.Calendars[m.Calendar]
}

// acknowledge claims, delivers and records t's acknowledgement if it is due;
// read holds queues as track left them.
func (s *Service) acknowledge(ctx context.Context, t sla.Ticket, read map[string]queue.Stats) error {
	now := s.now()
	k := store.Key{Source: t.Source, ID: t.ID}
	skip, ok := s.due(t, now)
	if !ok {
		return nil
	}
	if skip != "" {
		return s.skip(ctx, k, skip, now)
	}
	est, qname, err := s.estimate(ctx, t, now, read)
	if err != nil {
		return err
	}

	// Claim: the conditional write makes this run the only sender until the
	// lease ends.
	var claimed *sla.Acknowledgement
	_, err = s.Tickets.Update(ctx, k, "", func(cur sla.Ticket) (sla.Ticket, bool, error) {
		claimed = nil
		if skip, ok := s.due(cur, now); !ok || skip != "" {
			return cur, false, nil
		}
		a := &sla.Acknowledgement{}
		if cur.Ack != nil {
			*a = *cur.Ack
		}
		a.Attempts++
		a.ClaimedUntil = now.Add(s.lease())
		if len(a.Delivered) == 0 {
			// Nothing has reached anyone yet: promise what is true now. Once
			// a delivery went out, retries repeat its promise.
			a.Queue, a.PromisedBy, a.Mean, a.Spread = qname, est.By, est.Mean, est.Spread
			a.Position = est.Position
			a.PredictedBreach = !est.ColdStart && cur.FirstResponse.DueAt != nil && est.Raw.After(*cur.FirstResponse.DueAt)
		}
		cur.Ack, claimed = a, a
		return cur, true, nil
	})
	if err != nil {
		return fmt.Errorf("promise: claim acknowledgement of %s/%s: %w", k.Source, k.ID, err)
	}
	if claimed == nil {
		return nil // another run has it, or it is no longer due
	}

	done, derrs := s.deliver(ctx, t, claimed, now)
	var errs []error
	if len(derrs) > 0 {
		errs = append(errs, &DeliveryError{Err: errors.Join(derrs...)})
	}

	_, err = s.Tickets.Update(ctx, k, "", func(cur sla.Ticket) (sla.Ticket, bool, error) {
		if cur.Ack == nil || cur.Ack.Done() {
			return cur, false, nil
		}
		a := *cur.Ack
		a.Delivered = maps.Clone(a.Delivered)
		if a.Delivered == nil {
			a.Delivered = map[string]time.Time{}
		}
		maps.Copy(a.Delivered, done)
		cur.Ack = &a
		if len(derrs) == 0 {
			sent := s.now()
			a.SentAt, a.ClaimedUntil = &sent, time.Time{}
			// A reply stored while this was being delivered has had its
			// clocks recorded already; if the helpdesk stamped it after
			// sent (its clock ahead of ours), it also ended the promise
			// (sla.Ended), which nobody would record: make the ticket due
			// for the checker to. Tickets without marks are of a
			// deployment that records no history, and stay undue.
			if cur.Recorded != nil || cur.RecordAt != nil {
				cur, _ = sla.Unrecorded(s.Config, cur, sent)
			}
		}
		return cur, true, nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("promise: record acknowledgement of %s/%s: %w", k.Source, k.ID, err))
	}
	m := metrics.Or(s.Metrics)
	if _, ok := done[deliveryPredicted]; ok {
		m.Add(metrics.PredictedBreaches, metrics.Count, 1)
	}
	if len(derrs) == 0 {
		m.Add(metrics.AcksSent, metrics.Count, 1)
	} else {
		m.Add(metrics.AcksFailed, metrics.Count, 1)
	}
	if len(errs) == 0 {
		s.Log.InfoContext(ctx, "acknowledgement sent", "source", k.Source, "ticket", k.ID, "queue", claimed.Queue,
			"promised_by", claimed.PromisedBy, "predicted_breach", claimed.PredictedBreach)
	} else {
		s.Log.ErrorContext(ctx, "acknowledgement delivery failed; retried after its lease", "source", k.Source,
			"ticket", k.ID, "attempt", claimed.Attempts, "err", errors.Join(errs...))
	}
	return errors.Join(errs...)
}

// due reports whether t needs acknowledgement work now, and if it is to be
// skipped rather than sent, why.
func (s *Service) due(t sla.Ticket, now time.Time) (skip string, ok bool) {
	m, a := t.FirstResponse, t.Ack
	switch {
	case a.Done():
		return "", false
	case a != nil && a.ClaimedUntil.After(now):
		return "", false // another run holds it
	case m == nil || t.AgentCreated || m.Target <= 0:
		return "", false // no first-response clock: nothing to promise
	case !m.Running():
		if a != nil {
			return "answered", true // answered before the acknowledgement went out
		}
		return "", false
	case !s.Config.Acks.Enabled:
		return "disabled", true
	case a == nil && now.Sub(m.StartedAt) > s.maxAge():
		return "stale", true
	case a != nil && a.Attempts >= s.maxAttempts():
		return "undeliverable", true
	}
	return "", true
}

func (s *Service) skip(ctx context.Context, k store.Key, why string, now time.Time) error {
	_, err := s.Tickets.Update(ctx, k, "", func(cur sla.Ticket) (sla.Ticket, bool, error) {
		if skip, ok := s.due(cur, now); !ok || skip != why {
			return cur, false, nil
		}
		a := &sla.Acknowledgement{}
		if cur.Ack != nil {
			*a = *cur.Ack
		}
		a.Skipped, a.ClaimedUntil = why, time.Time{}
		cur.Ack = a
		return cur, true, nil
	})
	if err != nil {
		return fmt.Errorf("promise: skip acknowledgement of %s/%s: %w", k.Source, k.ID, err)
	}
	if why == "undeliverable" {
		s.Log.ErrorContext(ctx, "acknowledgement given up", "source", k.Source, "ticket", k.ID, "reason", why)
	} else {
		s.Log.InfoContext(ctx, "acknowledgement skipped", "source", k.Source, "ticket", k.ID, "reason", why)
	}
	return nil
}

// estimate promises a reply time for t from the finest of its queues with
// enough history; with none, the policy target (cold start).
func (s *Service) estimate(ctx context.Context, t sla.Ticket, now time.Time, read map[string]queue.Stats) (eta.Promise, string, error) {
	m := t.FirstResponse
	keys := queue.Keys(t.Source, t.Channel, t.Priority)
	var in eta.Input
	var name string
	for i, q := range keys {
		st, ok := read[q.String()]
		if !ok {
			var err error
			if st, err = s.Queues.Queue(ctx, q.String()); err != nil {
				return eta.Promise{}, "", fmt.Errorf("promise: queue %s: %w", q, err)
			}
		}
		in, name = st.Input(t.ID, m.StartedAt, s.window()), q.String()
		if queue.Enough(in) || i == len(keys)-1 {
			break
		}
	}
	// Without history the promise is the SLA deadline itself: the target
	// counted from the ticket's start, not from now.
	cal, target := s.calendar(m), m.Target
	if m.DueAt != nil {
		target = 0
		if m.DueAt.After(now) {
			target = cal.Elapsed(now, *m.DueAt)
		}
	}
	in.Now, in.Calendar, in.Target, in.Quantile = now, cal, target, s.Config.Acks.Quantile
	return eta.Estimate(in), name, nil
}

// deliver sends what a has not delivered yet and returns what went.
func (s *Service) deliver(ctx context.Context, t sla.Ticket, a *sla.Acknowledgement, now time.Time) (map[string]time.Time, []error) {
	done := map[string]time.Time{}
	var errs []error
	cal := s.calendar(t.FirstResponse)
	var customer *time.Location
	if t.CustomerZone != "" {
		customer, _ = time.LoadLocation(t.CustomerZone) // validated on intake
	}
	p := eta.Promise{By: a.PromisedBy}
	if open := cal.NextOpen(now); open.After(now) {
		p.ClosedNow, p.OpensAt = true, open
	}
	text := eta.Text(p, now, customer, cal.Location())
	body, err := s.Templates.Render(t.Channel, ack.Data{
		Promise: text, PromisedBy: a.PromisedBy, ClosedNow: p.ClosedNow, OpensAt: eta.OpensText(p, cal.Location()),
		TeamName: s.Config.Acks.TeamName, TicketID: t.ID, Channel: t.Channel,
	})
	if err != nil {
		return done, []error{fmt.Errorf("promise: render acknowledgement of %s/%s: %w", t.Source, t.ID, err)}
	}
	step := func(name string, wanted bool, send func(context.Context) error) {
		if _, ok := a.Delivered[name]; ok || !wanted {
			return
		}
		dctx, cancel := context.WithTimeout(ctx, s.lease()/2)
		defer cancel()
		if err := send(dctx); err != nil {
			errs = append(errs, err)
			return
		}
		done[name] = s.now()
	}
	step(deliveryTopic, s.Acks != nil, func(ctx context.Context) error {
		return s.Acks.PublishAck(ctx, notify.Ack{
			ID: t.Source + "/" + t.ID + "/ack", Source: t.Source, TicketID: t.ID, Channel: string(t.Channel),
			Class: ack.Class(t.Channel), Locale: s.locale(), Text: body, Promise: text, PromisedBy: a.PromisedBy,
			ClosedNow: p.ClosedNow, SentAt: s.now(),
		})
	})
	replier := s.Repliers[t.Source]
	step(deliveryWriteBack, replier != nil, func(ctx context.Context) error {
		return replier.Reply(ctx, t.ID, body)
	})
	step(deliveryPredicted, a.PredictedBreach && s.Alerts != nil && t.FirstResponse.DueAt != nil, func(ctx context.Context) error {
		return s.Alerts.Notify(ctx, s.predicted(t, a))
	})
	return done, errs
}

// predicted is the sla.predicted_breach alert for t: the promise is later
// than the first-response deadline, so on-call hears of it now.
func (s *Service) predicted(t sla.Ticket, a *sla.Acknowledgement) notify.Alert {
	now := s.now()
	return notify.Alert{
		ID: t.Source + "/" + t.ID + "/" + sla.FirstResponse + "/" + notify.KindPredicted, Kind: notify.KindPredicted,
		Severity: notify.SeverityOf(notify.KindPredicted), Metric: sla.FirstResponse,
		Source: t.Source, TicketID: t.ID, TicketURL: s.Config.Sources[t.Source].Link(t.ID),
		Policy: t.Policy, Team: s.Config.Team(t.Policy), Priority: string(t.Priority), Channel: string(t.Channel),
		DueAt: *t.FirstResponse.DueAt, At: now, SentAt: now,
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) lease() time.Duration { return cmp.Or(s.Lease, DefaultLease) }
func (s *Service) maxAge() time.Duration {
	return cmp.Or(s.MaxAge, s.Config.Acks.MaxAge, DefaultMaxAge)
}
func (s *Service) window() time.Duration { return cmp.Or(s.Window, DefaultWindow) }
func (s *Service) maxAttempts() int      { return cmp.Or(s.MaxAttempts, DefaultMaxAttempts) }
func (s *Service) locale() string        { return cmp.Or(s.Locale, DefaultLocale) }
