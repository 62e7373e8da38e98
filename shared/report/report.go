package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/store"
)

// DefaultMaxBreaches bounds the breached clocks one report lists.
const DefaultMaxBreaches = 1000

// Report is an SLA report. Its JSON field names are stable (docs/reports.md).
type Report struct {
	From string      `json:"from"` // YYYY-MM-DD, in Zone
	To   string      `json:"to"`   // included
	Zone string      `json:"zone"`
	By   []Dimension `json:"by"`
	// DayBasis is always "UTC": aggregates, and so the day and week
	// columns, are UTC days.
	DayBasis string `json:"day_basis"`
	Rows     []Row  `json:"rows"`
	Total    Row    `json:"total"`
	// Breaches lists the breached clocks that ended in the range (exact in
	// Zone), earliest first, when asked for; BreachesTruncated says the
	// list stopped at the limit.
	Breaches          []Breach `json:"breaches,omitempty"`
	BreachesTruncated bool     `json:"breaches_truncated,omitempty"`
	// Notes say where a figure is approximate or partial.
	Notes []string `json:"notes,omitempty"`
}

// Row holds the figures of one group: Group maps each dimension of the
// query's By to the group's value (day: a UTC date; week: an ISO week of
// UTC days, "2026-W48"). The total row's Group is empty.
type Row struct {
	Group         map[Dimension]string `json:"group"`
	FirstResponse Figures              `json:"first_response"`
	NextReply     Figures              `json:"next_reply"`
	// Promise is the auto-acknowledgements' promised reply times
	// (history.Promise): Met is the promises kept, Breached those broken,
	// AttainmentPct the kept-rate and BreachesByLateness how late the
	// broken ones were. NotNeeded is always 0 (a ticket solved without a
	// reply neither kept nor broke its promise) and the quantiles are null:
	// a promise's duration runs from the acknowledgement, not the ticket,
	// and the response times are FirstResponse's.
	Promise Figures `json:"promise"`
	// Resolution is the time to solve (sla.Resolution): met is solved by
	// the deadline; every solve counts as answered, so its quantiles are
	// times to resolution, in the same minutes as the others.
	Resolution Figures `json:"resolution"`
}

// Figures summarise the clocks of one metric in one group. Durations are in
// minutes; a pointer is nil (JSON null) when there is nothing to compute it
// from.
type Figures struct {
	Met       int64 `json:"met"`
	Breached  int64 `json:"breached"`
	NotNeeded int64 `json:"not_needed"`
	// AttainmentPct is 100 × met / (met + breached); not-needed clocks are
	// on neither side.
	AttainmentPct *float64 `json:"attainment_pct"`
	// Answered is the number of clocks a reply ended: the response times
	// the quantiles are estimated from (histogram buckets; see
	// docs/reports.md for the error).
	Answered           int64    `json:"answered"`
	BusinessP50Min     *float64 `json:"business_p50_min"`
	BusinessP90Min     *float64 `json:"business_p90_min"`
	CalendarP50Min     *float64 `json:"calendar_p50_min"`
	CalendarP90Min     *float64 `json:"calendar_p90_min"`
	BreachesByLateness Lateness `json:"breaches_by_lateness"`
}

// Lateness counts breaches by how late they ended.
type Lateness struct {
	Under15m int64 `json:"lt_15m"`
	To1h     int64 `json:"15m_1h"`
	To4h     int64 `json:"1h_4h"`
	To24h    int64 `json:"4h_24h"`
	Over24h  int64 `json:"ge_24h"`
}

// LatenessLabels name Lateness's buckets, in order, as the JSON does.
var LatenessLabels = [history.LatenessBuckets]string{"lt_15m", "15m_1h", "1h_4h", "4h_24h", "ge_24h"}

func (l Lateness) counts() [history.LatenessBuckets]int64 {
	return [...]int64{l.Under15m, l.To1h, l.To4h, l.To24h, l.Over24h}
}

// Breach is one breached clock, for drill-down.
type Breach struct {
	Source      string    `json:"source"`
	Ticket      string    `json:"ticket_id"`
	Metric      string    `json:"metric"`
	Cycle       int       `json:"cycle"`
	Policy      string    `json:"policy"`
	Team        string    `json:"team,omitempty"`
	Due         time.Time `json:"due"`
	Ended       time.Time `json:"ended"`
	LatenessMin float64   `json:"lateness_min"`
	URL         string    `json:"ticket_url,omitempty"`
}

// Service builds reports from the history.
type Service struct {
	History store.History
	// Retention is the longest range a report may cover; 0:
	// store.DefaultRetention.
	Retention time.Duration
	// MaxBreaches bounds the breaches listed; 0: DefaultMaxBreaches.
	MaxBreaches int
}

// Run validates q and builds its report: one Days call, and one Breaches
// call when q asks for breaches.
func (s *Service) Run(ctx context.Context, q Query) (*Report, error) {
	if q.Zone == nil {
		q.Zone = time.UTC
	}
	if err := q.Validate(cmp.Or(s.Retention, store.DefaultRetention)); err != nil {
		return nil, err
	}
	days, err := s.History.Days(ctx, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("report: days %s to %s: %w", q.From, q.To, err)
	}
	rep := Build(q, days)
	if q.Breaches {
		start, end := q.bounds()
		limit := cmp.Or(s.MaxBreaches, DefaultMaxBreaches)
		br, err := s.History.Breaches(ctx, start, end, limit+1)
		if err != nil {
			return nil, fmt.Errorf("report: breaches: %w", err)
		}
		if len(br) > limit {
			br, rep.BreachesTruncated = br[:limit], true
			rep.Notes = append(rep.Notes, fmt.Sprintf("breaches: the first %d listed", limit))
		}
		rep.Breaches = make([]Breach, 0, len(br))
		for _, r := range br {
			rep.Breaches = append(rep.Breaches, breachOf(r, q.Zone))
		}
	}
	return rep, nil
}

// Build computes a report's rows from the day aggregates of q's dates (UTC
// dates, as store.History.Days returns them). Metrics other than first
// response, next reply, resolution and promise are left out.
func Build(q Query, days []history.Day) *Report {
	if q.Zone == nil {
		q.Zone = time.UTC
	}
	rep := &Report{From: q.From.String(), To: q.To.String(), Zone: q.Zone.String(), By: slices.Clone(q.By), DayBasis: "UTC", Rows: []Row{}}
	if rep.By == nil {
		rep.By = []Dimension{}
	}
	type acc struct{ first, next, promise, resolution history.Day }
	groups := map[string]*acc{}
	keys := map[string]map[Dimension]string{}
	var total acc
	for _, d := range days {
		var m func(*acc) *history.Day
		switch d.Group.Metric {
		case history.FirstResponse:
			m = func(a *acc) *history.Day { return &a.first }
		case history.NextReply:
			m = func(a *acc) *history.Day { return &a.next }
		case history.Promise:
			m = func(a *acc) *history.Day { return &a.promise }
		case history.Resolution:
			m = func(a *acc) *history.Day { return &a.resolution }
		default:
			continue
		}
		g := groupOf(d, q.By)
		k := groupKey(g, q.By)
		a, ok := groups[k]
		if !ok {
			a = &acc{}
			groups[k], keys[k] = a, g
		}
		m(a).Merge(d)
		m(&total).Merge(d)
	}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		a := groups[k]
		rep.Rows = append(rep.Rows, Row{Group: keys[k], FirstResponse: figures(&a.first), NextReply: figures(&a.next), Promise: promiseFigures(&a.promise), Resolution: figures(&a.resolution)})
	}
	rep.Total = Row{Group: map[Dimension]string{}, FirstResponse: figures(&total.first), NextReply: figures(&total.next), Promise: promiseFigures(&total.promise), Resolution: figures(&total.resolution)}
	if _, off := time.Date(q.From.Year, q.From.Month, q.From.Day, 0, 0, 0, 0, q.Zone).Zone(); off != 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("counts are per UTC day: the dates %s to %s are read as UTC days, so clocks that ended within %s's offset of midnight at either edge may fall on the other side (breaches are listed exactly)",
			rep.From, rep.To, rep.Zone))
	}
	return rep
}

// groupOf is the value of each dimension of by for an aggregate.
func groupOf(d history.Day, by []Dimension) map[Dimension]string {
	g := make(map[Dimension]string, len(by))
	for _, dim := range by {
		switch dim {
		case Day:
			g[dim] = d.Date.String()
		case Week:
			y, w := midday(d.Date).ISOWeek()
			g[dim] = fmt.Sprintf("%04d-W%02d", y, w)
		case Source:
			g[dim] = d.Group.Source
		case Policy:
			g[dim] = d.Group.Policy
		case Team:
			g[dim] = d.Group.Team
		case Channel:
			g[dim] = string(d.Group.Channel)
		case Priority:
			g[dim] = string(d.Group.Priority)
		}
	}
	return g
}

// groupKey orders rows by the dimensions in the query's order.
func groupKey(g map[Dimension]string, by []Dimension) string {
	parts := make([]string, len(by))
	for i, d := range by {
		parts[i] = g[d]
	}
	return strings.Join(parts, "\x00")
}

func figures(d *history.Day) Figures {
	f := Figures{Met: d.Met, Breached: d.Breached, NotNeeded: d.NotNeeded, Answered: d.Business.Count()}
	if a, ok := d.Attainment(); ok {
		f.AttainmentPct = ptr(round(100*a, 2))
	}
	f.BusinessP50Min = quantile(&d.Business, 0.5)
	f.BusinessP90Min = quantile(&d.Business, 0.9)
	f.CalendarP50Min = quantile(&d.Calendar, 0.5)
	f.CalendarP90Min = quantile(&d.Calendar, 0.9)
	l := d.Lateness
	f.BreachesByLateness = Lateness{Under15m: l[0], To1h: l[1], To4h: l[2], To24h: l[3], Over24h: l[4]}
	return f
}

// promiseFigures are figures without the quantiles (Row.Promise says why).
func promiseFigures(d *history.Day) Figures {
	f := figures(d)
	f.BusinessP50Min, f.BusinessP90Min, f.CalendarP50Min, f.CalendarP90Min = nil, nil, nil, nil
	return f
}

func quantile(h *history.Histogram, q float64) *float64 {
	d, ok := h.Quantile(q)
	if !ok {
		return nil
	}
	return ptr(minutes(d))
}

func minutes(d time.Duration) float64 { return round(d.Minutes(), 1) }

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func ptr[T any](v T) *T { return &v }

func breachOf(r history.Record, loc *time.Location) Breach {
	return Breach{Source: r.Source, Ticket: r.Ticket, Metric: r.Metric, Cycle: r.Cycle, Policy: r.Policy, Team: r.Team,
		Due: r.Due.In(loc), Ended: r.Ended.In(loc), LatenessMin: minutes(r.Lateness), URL: r.URL}
}
