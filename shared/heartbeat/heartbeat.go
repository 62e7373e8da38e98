// Package heartbeat is the intake's dead man's switch: it tells when a
// webhook source has gone silent, when it is back, and when its requests
// keep failing verification (a secret rotated on one side only). A
// helpdesk whose webhook was disabled otherwise fails silently: no
// tickets, so no SLA alerts either.
//
// Evaluate is pure; Check runs it against a store.Traffic for one source
// and says which alerts the caller won the right to send; Recorder keeps
// the webhook path's writes to the store cheap.
package heartbeat

import (
	"context"
	"fmt"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// The alert kinds, as in the alert document's kind.
const (
	// KindSilent: no request of the source was accepted for Within of
	// open calendar time.
	KindSilent = "sla.source_silent"
	// KindBack: a request was accepted after a silent or rejected alert;
	// Ends says which.
	KindBack = "sla.source_back"
	// KindRejected: Rejections requests in a row were refused.
	KindRejected = "sla.source_rejected"
)

// Event is one heartbeat alert to send.
type Event struct {
	Kind   string
	Source string
	// At is when it happened: for KindSilent the instant the silence
	// reached Within (always an instant the calendar was open), for
	// KindBack the accepted request (to the store's minute resolution),
	// for KindRejected the last refusal.
	At time.Time
	// Since is when the silence began, for KindSilent and for a KindBack
	// that ends one: the last accepted request, or the first check of a
	// source never heard from.
	Since time.Time
	// Within is the configured silence, for KindSilent.
	Within time.Duration
	// Rejections is the refusals in a row, for KindRejected.
	Rejections int
	// Ends is the kind a KindBack ends: KindSilent or KindRejected.
	Ends string
}

// Severity is the alert's severity: a refusal streak means events are
// being lost now; a silence may yet be a quiet spell; back is news.
func (e Event) Severity() string {
	switch e.Kind {
	case KindRejected:
		return "critical"
	case KindSilent:
		return "warning"
	}
	return "info"
}

func (e Event) String() string {
	switch e.Kind {
	case KindSilent:
		return fmt.Sprintf("%s %s: nothing accepted since %s (%s of open time)", e.Kind, e.Source, e.Since.Format(time.RFC3339), e.Within)
	case KindRejected:
		return fmt.Sprintf("%s %s: %d requests refused in a row, the last at %s", e.Kind, e.Source, e.Rejections, e.At.Format(time.RFC3339))
	}
	return fmt.Sprintf("%s %s: accepted at %s, ends %s", e.Kind, e.Source, e.At.Format(time.RFC3339), e.Ends)
}

// Evaluate returns the alerts a source's state calls for at now, and the
// alert state to store once they are sent (store.Traffic.SwapAlerts).
//
//   - Silence runs from the last accepted request, or for a source never
//     heard from from st.Watched (the first check); a source not yet
//     watched is not evaluated. It is measured in exp.Calendar's open
//     time (calendar.Elapsed; nil: every hour counts), so a source quiet
//     while the team is closed is not silent, and it becomes silent at
//     an instant the team is open. Refused requests do not end a silence:
//     they feed no SLA clock. While a rejected alert is out, no silent
//     alert is added: the cause is known and paged.
//   - A rejected alert goes once per streak: when the refusals in a row
//     reach exp.Rejections.
//   - A back goes for each outstanding alert an accepted request ended,
//     whatever the hour: those who were told of the problem learn it is
//     over.
//
// A source back from a long silence that has since gone silent again
// gets both: the back and a new silent alert.
func Evaluate(exp policy.ExpectTraffic, st store.SourceTraffic, now time.Time) ([]Event, store.Alerts) {
	next := st.Alerts
	var events []Event
	if !next.Silent.IsZero() && st.LastAccepted.After(next.Silent) {
		events = append(events, Event{Kind: KindBack, Source: st.Source, At: st.LastAccepted, Since: next.Silent, Ends: KindSilent})
		next.Silent = time.Time{}
	}
	if next.Rejected && st.RejectedInARow == 0 {
		// Only an accepted request resets the streak.
		events = append(events, Event{Kind: KindBack, Source: st.Source, At: st.LastAccepted, Ends: KindRejected})
		next.Rejected = false
	}
	limit := exp.Rejections
	if limit <= 0 {
		limit = policy.DefaultRejections
	}
	if !next.Rejected && st.RejectedInARow >= limit {
		events = append(events, Event{Kind: KindRejected, Source: st.Source, At: st.LastRejected, Rejections: st.RejectedInARow})
		next.Rejected = true
	}
	since := st.LastAccepted
	if since.IsZero() {
		since = st.Watched
	}
	if next.Silent.IsZero() && !next.Rejected && !since.IsZero() && exp.Within > 0 && exp.Calendar.Elapsed(since, now) >= exp.Within {
		events = append(events, Event{Kind: KindSilent, Source: st.Source, At: exp.Calendar.Add(since, exp.Within), Since: since, Within: exp.Within})
		next.Silent = since
	}
	return events, next
}

// Check evaluates one source for the checker: it reads the source's state
// (marking it watched on the first check), evaluates it at now, and
// stores the new alert state with a compare-and-swap. It returns the
// alerts this caller won and must send; nil when there is nothing to send
// or another checker won (or a request arrived meanwhile: the next run
// looks again). A source without expect_traffic is not checked.
//
// The state is stored before the alerts are sent, so that two checkers
// never both send. A caller that then fails to send them uses Claim's
// release instead, so that they are not lost.
func Check(ctx context.Context, t store.Traffic, src policy.Source, now time.Time) ([]Event, error) {
	events, _, err := Claim(ctx, t, src, now)
	return events, err
}

// Claim is Check with release, which puts the source's alert state back
// as it was read, for a caller that could not send the alerts: the next
// check wins them again and sends them all (any one already sent goes
// again under the same alert id, which subscribers and the on-call tools
// de-duplicate). release does nothing when a request was accepted since:
// the state has moved on, and the next check judges it afresh.
func Claim(ctx context.Context, t store.Traffic, src policy.Source, now time.Time) (events []Event, release func(context.Context) error, err error) {
	if src.ExpectTraffic == nil {
		return nil, nil, nil
	}
	st, err := t.Watch(ctx, src.Name, now)
	if err != nil {
		return nil, nil, fmt.Errorf("heartbeat: %s: %w", src.Name, err)
	}
	events, next := Evaluate(*src.ExpectTraffic, st, now)
	if len(events) == 0 {
		return nil, nil, nil
	}
	won, err := t.SwapAlerts(ctx, st, next)
	if err != nil {
		return nil, nil, fmt.Errorf("heartbeat: %s: %w", src.Name, err)
	}
	if !won {
		return nil, nil, nil
	}
	release = func(ctx context.Context) error {
		after := st
		after.Alerts = next
		if _, err := t.SwapAlerts(ctx, after, st.Alerts); err != nil {
			return fmt.Errorf("heartbeat: %s: release: %w", src.Name, err)
		}
		return nil
	}
	return events, release, nil
}
