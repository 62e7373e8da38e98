package history

import (
	"cmp"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
)

// Group is what a report can break an aggregate down by (besides the day).
type Group struct {
	Source   string         `json:"source"`
	Policy   string         `json:"policy"`
	Team     string         `json:"team,omitempty"`
	Channel  event.Channel  `json:"channel,omitempty"`
	Priority event.Priority `json:"priority,omitempty"`
	Metric   string         `json:"metric"`
}

// Compare orders groups field by field, for stable report rows.
func (g Group) Compare(o Group) int {
	return cmp.Or(cmp.Compare(g.Source, o.Source), cmp.Compare(g.Policy, o.Policy), cmp.Compare(g.Team, o.Team),
		cmp.Compare(g.Channel, o.Channel), cmp.Compare(g.Priority, o.Priority), cmp.Compare(g.Metric, o.Metric))
}

// DateOf is the day a record counts on: the UTC date it ended. UTC, not a
// zone of the team's, because a day's aggregate must be one item that any
// report can read, and reports choose their zone; docs/data-model.md says
// how a report in another zone reads UTC days.
func DateOf(r Record) calendar.Date { return calendar.DateOf(r.Ended, time.UTC) }

// GroupOf is the aggregate group a record counts in.
func GroupOf(r Record) Group {
	return Group{Source: r.Source, Policy: r.Policy, Team: r.Team, Channel: r.Channel, Priority: r.Priority, Metric: r.Metric}
}

// Day aggregates the clocks of one group that ended on one UTC date.
// Histograms hold answered clocks only (response times); counts hold all.
type Day struct {
	Date  calendar.Date `json:"date"`
	Group Group         `json:"group"`

	Met       int64 `json:"met"`
	Breached  int64 `json:"breached"`
	NotNeeded int64 `json:"not_needed"`

	// Business and Calendar are the histograms of answered clocks' business
	// and calendar durations.
	Business Histogram `json:"business"`
	Calendar Histogram `json:"calendar"`
	// Lateness counts breaches by how late they ended; LateBy sums it.
	Lateness [LatenessBuckets]int64 `json:"lateness"`
	LateBy   time.Duration          `json:"late_by"`
}

// DayOf returns the empty aggregate that r counts in.
func DayOf(r Record) Day { return Day{Date: DateOf(r), Group: GroupOf(r)} }

// Add counts r. It does not check that r belongs to d's date and group: the
// store adds each record to DayOf(r)'s aggregate, and Merge-based rollups
// add across groups on purpose.
func (d *Day) Add(r Record) { d.apply(r, 1) }

// Remove takes a counted r out again: a revised clock (reordered events can
// change how it ended) is Remove(old) then Add(new).
func (d *Day) Remove(r Record) { d.apply(r, -1) }

func (d *Day) apply(r Record, n int64) {
	switch r.Outcome {
	case Met:
		d.Met += n
	case Breached:
		d.Breached += n
		d.Lateness[LatenessBucket(r.Lateness)] += n
		d.LateBy += time.Duration(n) * r.Lateness
	case NotNeeded:
		d.NotNeeded += n
	}
	if r.Answered {
		d.Business.add(r.Business, n)
		d.Calendar.add(r.Calendar, n)
	}
}

// Merge adds o's counts to d's, keeping d's date and group: reports roll
// days and groups up this way.
func (d *Day) Merge(o Day) {
	d.Met += o.Met
	d.Breached += o.Breached
	d.NotNeeded += o.NotNeeded
	d.Business.merge(&o.Business)
	d.Calendar.merge(&o.Calendar)
	for i, c := range o.Lateness {
		d.Lateness[i] += c
	}
	d.LateBy += o.LateBy
}

// Clocks is the number of clocks counted.
func (d *Day) Clocks() int64 { return d.Met + d.Breached + d.NotNeeded }

// Empty reports whether nothing is counted (every record added was removed
// again); stores may skip such days.
func (d *Day) Empty() bool { return d.Clocks() == 0 && d.Business.Count() == 0 }

// Attainment is the share of clocks with a verdict that were met:
// met / (met + breached). Clocks that were not needed count for neither
// side. ok is false when no clock had a verdict.
func (d *Day) Attainment() (share float64, ok bool) {
	n := d.Met + d.Breached
	if n <= 0 {
		return 0, false
	}
	return float64(d.Met) / float64(n), true
}
