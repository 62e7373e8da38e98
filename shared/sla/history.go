package sla

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/policy"
)

// Ended returns a history record for every clock t's events have ended that
// had a deadline: the first response, each next-reply cycle and the
// resolution (its latest end, when the ticket was reopened), in the
// order they ended, and after the first response the promise its
// acknowledgement made (see promised). Clocks without a target (no policy
// matched) have no outcome and are left out. Each record's Revision is the
// number of events it was derived from: events are only ever added, so a
// later state of the ticket has a higher revision. Clocks ended before the
// ticket's checkpoint are there only while their record is still needed
// (Checkpoint.Records). URL is left for the
// caller, which knows the sources.
func Ended(p Policies, t Ticket) []history.Record {
	r := resume(p, t.Source, t.ID, t.Checkpoint)
	r.collect = true
	r.t.Events = t.Events
	for _, e := range t.Events {
		r.apply(e)
	}
	out := r.ended
	if cp := t.Checkpoint; cp != nil {
		// Clocks ended before the checkpoint: those whose records are
		// still needed (the others are recorded and done with).
		out = append(r.before(cp.Records), out...)
	}
	for i, rec := range out {
		if rec.Metric != FirstResponse {
			continue
		}
		if pr, ok := promised(t.Ack, rec); ok {
			out = slices.Insert(out, i+1, pr)
		}
		break
	}
	for i := range out {
		out[i].Revision = int64(t.EventCount())
	}
	return out
}

// before returns the records a checkpoint kept that the replay since has
// not replaced: a resolution clock reopened and ended again after the
// checkpoint replaces the record the checkpoint kept, as it does in a full
// replay.
func (r *replay) before(kept []history.Record) []history.Record {
	if !r.resolved {
		return slices.Clone(kept)
	}
	return slices.DeleteFunc(slices.Clone(kept), func(e history.Record) bool { return e.Metric == Resolution })
}

// promised returns the record of the promise a made, ended by the first
// response fr: kept if the reply came by the promised time, broken if
// later. There is none unless the acknowledgement was sent before an
// agent's reply ended fr: a skipped or unsent one promised nothing, one
// sent after the reply (the acknowledger lost a race with the agent)
// promised what had already happened, and a ticket solved without a reply
// neither kept nor broke its promise. The times are the customer's wall
// clock, so the durations are calendar time.
//
// The events do not derive a (Apply carries it over), but nothing here
// needs them to: a promise is only recorded once a reply ended fr, and a
// sent acknowledgement is never changed again, so a record once derived
// stays the current version unless a reply arrives out of order.
func promised(a *Acknowledgement, fr history.Record) (history.Record, bool) {
	if a == nil || a.SentAt == nil || a.PromisedBy.IsZero() || !fr.Answered || !a.SentAt.Before(fr.Ended) {
		return history.Record{}, false
	}
	rec := history.Record{
		Source: fr.Source, Ticket: fr.Ticket, Metric: history.Promise,
		Policy: fr.Policy, Team: fr.Team, Channel: fr.Channel, Priority: fr.Priority,
		Started: *a.SentAt, Due: a.PromisedBy, Ended: fr.Ended,
	}
	rec.Measure(nil, true, 0)
	return rec, true
}

// Unrecorded returns the records of Ended whose version t.Recorded does not
// hold, and t with RecordAt set for them: by, or the RecordAt t already has
// if that is earlier; nil when nothing is owed. by works as a lease: the
// writer that is recording them now has until then, after which the
// checker takes over (NextAlertAt).
func Unrecorded(p Policies, t Ticket, by time.Time) (Ticket, []history.Record) {
	var out []history.Record
	for _, rec := range Ended(p, t) {
		// A clock never recorded needs no digest to tell (Digest is never "").
		if d, ok := t.Recorded[rec.ID()]; !ok || d != Digest(rec) {
			out = append(out, rec)
		}
	}
	switch {
	case len(out) == 0:
		t.RecordAt = nil
	case t.RecordAt == nil || by.Before(*t.RecordAt):
		t.RecordAt = &by
	}
	return t, out
}

// MarkRecorded returns t with recs marked as recorded, and whether that
// changed t. A record that is no longer the ticket's current version of its
// clock (a newer event changed it after recs were derived) is not marked:
// it stays unrecorded, and RecordAt keeps the ticket due until the current
// version is recorded too.
func MarkRecorded(p Policies, t Ticket, recs []history.Record) (Ticket, bool) {
	ended := Ended(p, t)
	current := make(map[string]string, len(ended))
	for _, rec := range ended {
		current[rec.ID()] = Digest(rec)
	}
	marks := maps.Clone(t.Recorded)
	changed := false
	for _, rec := range recs {
		id, d := rec.ID(), Digest(rec)
		if current[id] != d || marks[id] == d {
			continue
		}
		if marks == nil {
			marks = map[string]string{}
		}
		marks[id], changed = d, true
	}
	t.Recorded = marks
	// Records still owed keep the ticket's RecordAt; one owed without it
	// (no caller leaves that) is due at once, from its clock's end.
	prev, by := t.RecordAt, time.Time{}
	for _, rec := range ended {
		if marks[rec.ID()] != current[rec.ID()] && (by.IsZero() || rec.Ended.Before(by)) {
			by = rec.Ended
		}
	}
	switch {
	case by.IsZero():
		t.RecordAt = nil
	case prev == nil:
		t.RecordAt = &by
	}
	if !changed && (prev == nil) == (t.RecordAt == nil) {
		return t, false
	}
	return t, true
}

// Digest identifies a version of a clock's record by what it says, leaving
// out Revision (which grows with every event, whether or not the clock
// changed) and URL (which comes from the configuration, not the events).
func Digest(r history.Record) string {
	r = r.UTC()
	r.Revision, r.URL = 0, ""
	b, ok := appendRecordJSON(make([]byte, 0, 512), r)
	if !ok {
		var err error
		if b, err = json.Marshal(r); err != nil {
			panic("sla: digest: " + err.Error()) // a Record always marshals
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// appendRecordJSON appends what json.Marshal makes of r, whose URL and
// Revision are empty (TestDigestJSON): digests are stored, so the bytes
// must stay the same, and Digest runs for every ended clock on every
// event, where json.Marshal's reflection was most of its cost. It reports
// false, and json.Marshal must be used, for a string that needs escaping
// and a time json.Marshal would write otherwise or refuse.
func appendRecordJSON(b []byte, r history.Record) ([]byte, bool) {
	str := func(key, v string, omitEmpty bool) bool {
		if omitEmpty && v == "" {
			return true
		}
		for i := 0; i < len(v); i++ {
			// Printable ASCII but what encoding/json escapes (quote,
			// backslash, and <, >, & for HTML).
			if c := v[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		b = append(b, key...)
		b = append(b, '"')
		b = append(b, v...)
		b = append(b, '"')
		return true
	}
	tm := func(key string, t time.Time) bool {
		if y := t.Year(); y < 0 || y > 9999 {
			return false
		}
		b = append(b, key...)
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
		return true
	}
	num := func(key string, n int64, omitEmpty bool) {
		if omitEmpty && n == 0 {
			return
		}
		b = append(b, key...)
		b = strconv.AppendInt(b, n, 10)
	}
	ok := str(`{"source":`, r.Source, false) && str(`,"ticket_id":`, r.Ticket, false) && str(`,"metric":`, r.Metric, false)
	if !ok {
		return nil, false
	}
	num(`,"cycle":`, int64(r.Cycle), false)
	ok = str(`,"policy":`, r.Policy, false) && str(`,"team":`, r.Team, true) && str(`,"channel":`, string(r.Channel), true) &&
		str(`,"priority":`, string(r.Priority), true) &&
		tm(`,"started":`, r.Started) && tm(`,"due":`, r.Due) && tm(`,"ended":`, r.Ended) && str(`,"outcome":`, string(r.Outcome), false)
	if !ok || r.URL != "" || r.Revision != 0 {
		return nil, false
	}
	if r.Answered {
		b = append(b, `,"answered":true`...)
	}
	num(`,"business":`, int64(r.Business), false)
	num(`,"calendar":`, int64(r.Calendar), false)
	num(`,"lateness":`, int64(r.Lateness), true)
	return append(b, '}'), true
}

// record adds the clock m of metric, just ended, to the replay's records.
func (r *replay) record(m *Metric, metric string) {
	if !r.collect {
		return
	}
	if metric == Resolution {
		// A reopened ticket ends its one resolution clock again: the
		// later end replaces the earlier as the clock's record, even
		// when it ends with no target (and so with no record).
		r.ended = slices.DeleteFunc(r.ended, func(e history.Record) bool { return e.Metric == Resolution })
		r.resolved = true
	}
	if m.DueAt == nil {
		return
	}
	t := &r.t
	rec := history.Record{
		Source: t.Source, Ticket: t.ID, Metric: metric, Cycle: m.Cycle,
		Policy: t.Policy, Team: r.pol.Team, Channel: t.Channel, Priority: t.Priority,
		Started: m.StartedAt, Due: *m.DueAt,
	}
	if rec.Team == "" {
		rec.Team = policy.DefaultTeam
	}
	answered := m.RespondedAt != nil
	if answered {
		rec.Ended = *m.RespondedAt
	} else {
		rec.Ended = *m.StoppedAt
	}
	cal := target(r.pol, metric).Calendar
	// Paused time counts in the target's own clock: an evening spent
	// waiting on the customer takes no business time off.
	var paused time.Duration
	for _, p := range m.Pauses {
		from, to := p.From, rec.Ended
		if p.To != nil && p.To.Before(to) {
			to = *p.To
		}
		if from.Before(rec.Started) {
			from = rec.Started
		}
		if to.After(from) {
			paused += cal.Elapsed(from, to)
		}
	}
	rec.Measure(cal, answered, paused)
	r.ended = append(r.ended, rec)
}
