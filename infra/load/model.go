package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/sla"
)

// model replays, in time order and one at a time, the canonical events of
// the ticket's deliveries that include accepts, each event id once,
// through the SLA engine with the server's configuration.
func model(p sla.Policies, t *ticket, include func(*delivery) bool) (sla.Ticket, error) {
	var evs []event.Event
	seen := map[string]bool{}
	for _, d := range t.deliveries {
		if !include(d) {
			continue
		}
		for _, e := range d.events {
			if !seen[e.ID] {
				seen[e.ID] = true
				evs = append(evs, e)
			}
		}
	}
	slices.SortStableFunc(evs, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	m := sla.New(t.vendor.name, t.id)
	for _, e := range evs {
		var err error
		if m, _, err = sla.Apply(p, m, e); err != nil {
			return sla.Ticket{}, err
		}
	}
	return m, nil
}

// verification is what comparing the server with the model found.
type verification struct {
	checked     int      // tickets compared
	events      int      // events in the model, all tickets
	mismatches  []string // one line per differing field
	mismatched  int      // tickets with a mismatch
	unknown     int      // tickets with a delivery whose fate is unknown (every attempt failed)
	fetchErrors int
}

// verify fetches every ticket something was sent for and compares it with
// the model, with concurrency requests at a time.
func verify(ctx context.Context, client *http.Client, base string, p sla.Policies, tickets []*ticket, concurrency int) *verification {
	var mu sync.Mutex
	v := &verification{}
	work := make(chan *ticket)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				lines, events, unknown, err := check(ctx, client, base, p, t)
				mu.Lock()
				v.checked++
				v.events += events
				if unknown {
					v.unknown++
				}
				if err != nil {
					v.fetchErrors++
					lines = append(lines, fmt.Sprintf("%s/%s: %v", t.vendor.name, t.id, err))
				}
				if len(lines) > 0 {
					v.mismatched++
					v.mismatches = append(v.mismatches, lines...)
				}
				mu.Unlock()
			}
		}()
	}
	for _, t := range tickets {
		if slices.ContainsFunc(t.deliveries, func(d *delivery) bool { return d.sent }) {
			work <- t
		}
	}
	close(work)
	wg.Wait()
	slices.Sort(v.mismatches)
	return v
}

// check compares one ticket. A delivery whose every attempt failed may or
// may not have been applied: the ticket matches if the server agrees with
// the model either way.
func check(ctx context.Context, client *http.Client, base string, p sla.Policies, t *ticket) (lines []string, events int, unknown bool, err error) {
	delivered := func(d *delivery) bool { return d.delivered.Load() }
	unknown = slices.ContainsFunc(t.deliveries, func(d *delivery) bool { return d.uncertain.Load() && !d.delivered.Load() })
	m, err := model(p, t, delivered)
	if err != nil {
		return nil, 0, unknown, fmt.Errorf("model: %w", err)
	}
	before := time.Now()
	got, found, err := fetch(ctx, client, base, t)
	after := time.Now()
	if err != nil {
		return nil, len(m.Events), unknown, err
	}
	lines = compare(t, m, got, found, before, after)
	if len(lines) > 0 && unknown {
		maybe := func(d *delivery) bool { return d.delivered.Load() || d.uncertain.Load() }
		if m2, err := model(p, t, maybe); err == nil && len(compare(t, m2, got, found, before, after)) == 0 {
			return nil, len(m2.Events), unknown, nil
		}
	}
	return lines, len(m.Events), unknown, nil
}

// fetch reads GET /tickets/{source}/{id}.
func fetch(ctx context.Context, client *http.Client, base string, t *ticket) (sla.View, bool, error) {
	u := base + "/tickets/" + t.vendor.name + "/" + url.PathEscape(t.id)
	var last error
	for attempt := range 5 {
		if attempt > 0 {
			time.Sleep(time.Duration(200<<attempt) * time.Millisecond)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return sla.View{}, false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			last = err
		case resp.StatusCode == http.StatusNotFound:
			return sla.View{}, false, nil
		case resp.StatusCode != http.StatusOK:
			last = fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
		default:
			var v sla.View
			if err := json.Unmarshal(body, &v); err != nil {
				return sla.View{}, false, fmt.Errorf("GET %s: %w", u, err)
			}
			return v, true, nil
		}
	}
	return sla.View{}, false, last
}

// compare lists the deterministic fields in which the server's view
// differs from the model's. A running clock's breached flag depends on the
// instant it is judged at: the server judged it between before and after,
// so either verdict of the model within that interval is accepted.
func compare(t *ticket, m sla.Ticket, got sla.View, found bool, before, after time.Time) []string {
	name := t.vendor.name + "/" + t.id
	if len(m.Events) == 0 {
		if found {
			return []string{fmt.Sprintf("%s: stored, but no delivered webhook carries an event for it", name)}
		}
		return nil
	}
	if !found {
		return []string{fmt.Sprintf("%s: not found; the model has %d events", name, len(m.Events))}
	}
	w1, w2 := m.View(before), m.View(after)
	var out []string
	diff := func(field string, want, have any) {
		out = append(out, fmt.Sprintf("%s: %s: server %v, model %v", name, field, have, want))
	}
	if got.Status != w1.Status {
		diff("status", w1.Status, got.Status)
	}
	if str(got.Policy) != str(w1.Policy) {
		diff("policy", str(w1.Policy), str(got.Policy))
	}
	if got.Channel != w1.Channel {
		diff("channel", w1.Channel, got.Channel)
	}
	if got.Priority != w1.Priority {
		diff("priority", w1.Priority, got.Priority)
	}
	if !slices.Equal(got.Tags, w1.Tags) {
		diff("tags", w1.Tags, got.Tags)
	}
	if got.Events != w1.Events {
		diff("events", w1.Events, got.Events)
	}
	if got.NextReplyCycles != w1.NextReplyCycles {
		diff("next_reply_cycles", w1.NextReplyCycles, got.NextReplyCycles)
	}
	if got.NextReplyBreaches != w1.NextReplyBreaches {
		diff("next_reply_breaches", w1.NextReplyBreaches, got.NextReplyBreaches)
	}
	out = append(out, compareMetric(name, "first_response", got.FirstResponse, w1.FirstResponse, w2.FirstResponse)...)
	out = append(out, compareMetric(name, "next_reply", got.NextReply, w1.NextReply, w2.NextReply)...)
	return out
}

func compareMetric(name, metric string, got, w1, w2 *sla.MetricView) []string {
	switch {
	case got == nil && w1 == nil:
		return nil
	case got == nil || w1 == nil:
		return []string{fmt.Sprintf("%s: %s: server %s, model %s", name, metric, present(got), present(w1))}
	}
	var out []string
	diff := func(field string, want, have any) {
		out = append(out, fmt.Sprintf("%s: %s.%s: server %v, model %v", name, metric, field, have, want))
	}
	if got.Cycle != w1.Cycle {
		diff("cycle", w1.Cycle, got.Cycle)
	}
	if !got.StartedAt.Equal(w1.StartedAt) {
		diff("started_at", w1.StartedAt, got.StartedAt)
	}
	if got.Target != w1.Target || got.Clock != w1.Clock {
		diff("target", w1.Target+" "+w1.Clock, got.Target+" "+got.Clock)
	}
	for _, f := range []struct {
		field      string
		want, have *time.Time
	}{{"due_at", w1.DueAt, got.DueAt}, {"responded_at", w1.RespondedAt, got.RespondedAt}, {"stopped_at", w1.StoppedAt, got.StoppedAt}} {
		if !sameTime(f.want, f.have) {
			diff(f.field, stamp(f.want), stamp(f.have))
		}
	}
	if got.Paused != w1.Paused {
		diff("paused", w1.Paused, got.Paused)
	}
	if got.Breached != w1.Breached && got.Breached != w2.Breached {
		diff("breached", w1.Breached, got.Breached)
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func stamp(t *time.Time) string {
	if t == nil {
		return "null"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func str(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func present(m *sla.MetricView) string {
	if m == nil {
		return "null"
	}
	return "a clock started " + m.StartedAt.UTC().Format(time.RFC3339)
}
