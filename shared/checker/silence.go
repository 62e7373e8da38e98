package checker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// DigestWindow is how long after a silence ends its digest may still go:
// a checker down for longer than this sends none (the alerts it held are
// in the silence's record, GET /api/silences).
const DigestWindow = time.Hour

// silences reads the silences for a run. A store that cannot be read
// silences nothing: better a page too many than one missed.
func (c *Checker) silences(ctx context.Context, errs *[]error) []silence.Silence {
	if c.Silences == nil {
		return nil
	}
	ss, err := c.Silences.Silences(ctx)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("checker: silences (alerts go out unsilenced): %w", err))
		return nil
	}
	return ss
}

// document is what a silence matches an alert on.
func document(n notify.Alert) notify.Document {
	return notify.Document{ID: n.ID, Kind: n.Kind, Source: n.Source, TicketID: n.TicketID, Metric: n.Metric, Cycle: n.Cycle, Level: n.Level,
		Policy: n.Policy, Team: n.Team, Priority: n.Priority, Channel: n.Channel, Tickets: n.Tickets}
}

// hold records n as held by the silence that matches it, if one is active;
// held reports whether it was (then it is not sent, and is recorded as
// sent in the ticket, so it is not tried again).
func (c *Checker) hold(ctx context.Context, ss []silence.Silence, n notify.Alert, now time.Time) (held bool, err error) {
	s, ok := silence.Holding(ss, document(n), now)
	if !ok {
		return false, nil
	}
	if _, err := c.Silences.HoldAlert(ctx, s.ID, n.ID, now); err != nil {
		return false, fmt.Errorf("checker: hold %s in silence %s: %w", n.ID, s.ID, err)
	}
	c.Log.InfoContext(ctx, "alert silenced", "alert", n.ID, "silence", s.ID, "until", s.Ends)
	return true, nil
}

// endOfSilence sends, for each silence that ended within DigestWindow,
// one digest of the breaches it held whose clocks are still overdue and
// unanswered: what still matters. The digest is claimed before it is
// published, so two checkers never both send it; a failed publish releases
// the claim, and a later run within the window sends it.
func (c *Checker) endOfSilence(ctx context.Context, st *Stats, ss []silence.Silence, now time.Time, errs *[]error) {
	for _, s := range ss {
		if !s.Ended(now) || now.Sub(s.Ends) > DigestWindow {
			continue
		}
		ids, total, err := c.Silences.HeldAlerts(ctx, s.ID)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("checker: silence %s: %w", s.ID, err))
			continue
		}
		if total == 0 {
			continue
		}
		first, err := c.Silences.MarkDigestSent(ctx, s.ID)
		if err != nil || !first {
			if err != nil {
				*errs = append(*errs, fmt.Errorf("checker: silence %s digest: %w", s.ID, err))
			}
			continue
		}
		items := c.stillOverdue(ctx, ids, now)
		if len(items) == 0 {
			c.Log.InfoContext(ctx, "silence ended; nothing it held still matters", "silence", s.ID, "held", total)
			continue
		}
		d := notify.Alert{ID: "silence/" + s.ID + "/digest", Kind: notify.KindBreachDigest, Severity: notify.SeverityOf(notify.KindBreachDigest),
			Source: s.Match["source"], Team: s.Match["team"], At: s.Ends, DueAt: s.Ends, SentAt: now, Tickets: items}
		pctx, cancel := context.WithTimeout(ctx, c.lease()/2)
		err = c.Notifier.Notify(pctx, d)
		cancel()
		if err != nil {
			st.Failed++
			*errs = append(*errs, fmt.Errorf("checker: end-of-silence digest %s: %w", s.ID, err))
			if rerr := c.Silences.ReleaseDigest(ctx, s.ID); rerr != nil {
				*errs = append(*errs, fmt.Errorf("checker: %w", rerr))
				c.Log.ErrorContext(ctx, "end-of-silence digest lost: its claim could not be released", "silence", s.ID, "err", err, "release_err", rerr)
			} else {
				c.Log.ErrorContext(ctx, "end-of-silence digest not sent; retried next run", "silence", s.ID, "err", err)
			}
			continue
		}
		st.Sent++
		st.Digests++
		c.Log.InfoContext(ctx, "end-of-silence digest sent", "silence", s.ID, "held", total, "still_overdue", len(items))
	}
}

// stillOverdue lists, once per clock, the held alerts whose clock still
// runs past its deadline.
func (c *Checker) stillOverdue(ctx context.Context, ids []string, now time.Time) []notify.DigestItem {
	var out []notify.DigestItem
	seen := map[string]bool{}
	for _, id := range ids {
		source, ticket, metric, cycle, ok := parseAlertID(id)
		clock := source + "/" + ticket + "/" + sla.ClockKey(metric, cycle)
		if !ok || seen[clock] {
			continue
		}
		seen[clock] = true
		t, err := c.Tickets.Get(ctx, store.Key{Source: source, ID: ticket})
		if err != nil {
			continue // gone, or unreadable: not listed
		}
		m := t.FirstResponse
		if metric == sla.NextReply {
			m = t.NextReply
		}
		if metric == sla.Resolution {
			m = t.Resolution
		}
		if m == nil || m.Cycle != cycle || !m.Running() || m.DueAt == nil || m.DueAt.After(now) {
			continue
		}
		out = append(out, notify.DigestItem{Source: source, TicketID: ticket, TicketURL: c.Config.Sources[source].Link(ticket),
			Metric: metric, Priority: string(t.Priority), DueAt: *m.DueAt})
	}
	return out
}

// parseAlertID reads a ticket alert's id (source/ticket/metric/cycle/
// kind/level; the ticket id may hold slashes).
func parseAlertID(id string) (source, ticket, metric string, cycle int, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) < 6 {
		return "", "", "", 0, false
	}
	n := len(parts)
	if _, err := fmt.Sscan(parts[n-3], &cycle); err != nil {
		return "", "", "", 0, false
	}
	return parts[0], strings.Join(parts[1:n-4], "/"), parts[n-4], cycle, true
}
