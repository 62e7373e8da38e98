package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/history"
)

// DefaultRetention is how long a per-clock history record is kept after its
// clock ended, for drill-down. The per-day aggregates are kept for ever.
const DefaultRetention = 400 * 24 * time.Hour

// ErrExpired is returned by History.Record for a clock that ended longer
// ago than the retention: its record would already be gone, so a second
// recording could not be told from the first and would count it twice.
var ErrExpired = errors.New("history record past its retention")

// History stores ended SLA clocks (package history): one record per clock
// for drill-down, and per-day aggregates for reports.
type History interface {
	// Record stores r, exactly once per r.ID(): recording the same record
	// again changes nothing (changed is false); a different version of the
	// same clock replaces the stored one and moves the aggregates with it
	// (the old version's counts out, the new one's in), atomically. No
	// concurrent Record is lost or counted twice.
	Record(ctx context.Context, r history.Record) (changed bool, err error)
	// RecordChange is Record, saying whether r was added or replaced
	// another version (for backfill's summary).
	RecordChange(ctx context.Context, r history.Record) (Change, error)
	// Days returns the aggregates of the UTC dates from through to, both
	// included, ordered by date and then group. Days with nothing left
	// counted are left out. Its cost follows the days and groups, never the
	// number of clocks.
	Days(ctx context.Context, from, to calendar.Date) ([]history.Day, error)
	// Breaches returns up to limit breached clocks that ended in [from, to),
	// earliest first; records past their retention are left out.
	Breaches(ctx context.Context, from, to time.Time, limit int) ([]history.Record, error)
}

// Change is what recording a clock did.
type Change int

const (
	// Unchanged: the same version, or a newer revision, was stored.
	Unchanged Change = iota
	// Added: no version of the clock was stored.
	Added
	// Revised: another version was replaced and the aggregates moved.
	Revised
)

// retained returns r in its stored form and when its record expires, or
// ErrExpired. Expiry runs from the clock's end, not from when it was
// recorded, so that a clock whose record is gone can never be recorded
// again.
func retained(r history.Record, retention time.Duration, now time.Time) (history.Record, time.Time, error) {
	if err := r.Validate(); err != nil {
		return r, time.Time{}, err
	}
	if retention <= 0 {
		retention = DefaultRetention
	}
	r = r.UTC()
	exp := r.Ended.Add(retention)
	if !exp.After(now) {
		return r, exp, ErrExpired
	}
	return r, exp, nil
}

// dayCounters names every counter of a day aggregate, pointing into d: the
// DynamoDB store writes them as numeric attributes and reads them back.
// Sums are in nanoseconds, as time.Duration holds them, so both stores keep
// the same values.
func dayCounters(d *history.Day) map[string]*int64 {
	m := map[string]*int64{
		"met": &d.Met, "breached": &d.Breached, "not_needed": &d.NotNeeded,
		"b_sum": (*int64)(&d.Business.Sum), "c_sum": (*int64)(&d.Calendar.Sum), "late_by": (*int64)(&d.LateBy),
	}
	for i := range d.Business.Counts {
		m[bucketName('b', i)] = &d.Business.Counts[i]
		m[bucketName('c', i)] = &d.Calendar.Counts[i]
	}
	for i := range d.Lateness {
		m[bucketName('l', i)] = &d.Lateness[i]
	}
	return m
}

func bucketName(prefix byte, i int) string {
	return string([]byte{prefix, byte('0' + i/10), byte('0' + i%10)})
}

func sortDays(ds []history.Day) { slices.SortFunc(ds, compareDays) }

func compareDays(a, b history.Day) int {
	if c := compareDates(a.Date, b.Date); c != 0 {
		return c
	}
	return a.Group.Compare(b.Group)
}

func compareDates(a, b calendar.Date) int {
	switch x, y := a.String(), b.String(); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
