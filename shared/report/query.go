// Package report computes SLA reports from the history of ended clocks
// (package history, kept by store.History): attainment, response-time
// quantiles and breaches by lateness per group over a range of dates, and
// the breached tickets for drill-down. It is the one implementation behind
// `slawatch report sla`, GET /api/report and the dashboard.
//
// A report reads one Days call (its cost follows days × groups, never the
// number of tickets) and, when asked for breaches, one Breaches call.
// Aggregates are per UTC day; docs/reports.md says what that means for a
// report in another zone.
package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
)

// Dimension is what rows can be grouped by.
type Dimension string

// The dimensions. Day and Week are UTC days and ISO weeks of UTC days.
const (
	Team     Dimension = "team"
	Policy   Dimension = "policy"
	Channel  Dimension = "channel"
	Priority Dimension = "priority"
	Source   Dimension = "source"
	Day      Dimension = "day"
	Week     Dimension = "week"
)

// Dimensions lists every dimension, in the order columns are printed.
var Dimensions = []Dimension{Day, Week, Source, Policy, Team, Channel, Priority}

// Query asks for a report.
type Query struct {
	// From and To are the first and last dates, both included, in Zone.
	From, To calendar.Date
	// By groups the rows; none: one row for everything.
	By []Dimension
	// Zone the dates and the breach times are read in; nil is UTC.
	Zone *time.Location
	// Breaches asks for the breached clocks themselves.
	Breaches bool
}

// Error is a bad query: Parameter names what to fix (from, to, by, tz).
type Error struct {
	Parameter string
	Msg       string
}

func (e *Error) Error() string { return e.Parameter + ": " + e.Msg }

// ErrQuery matches every *Error with errors.Is.
var ErrQuery = errors.New("bad report query")

// Is makes errors.Is(err, ErrQuery) true for an *Error.
func (e *Error) Is(target error) bool { return target == ErrQuery }

// Parse builds a query from its text form, as the CLI flags and the HTTP
// parameters give it: dates as YYYY-MM-DD, by as a comma-separated list,
// tz as an IANA zone name (empty: UTC).
func Parse(from, to, by, tz string, breaches bool) (Query, error) {
	q := Query{Breaches: breaches, Zone: time.UTC}
	var err error
	if from == "" {
		return q, &Error{"from", "required, as YYYY-MM-DD"}
	}
	if q.From, err = calendar.ParseDate(from); err != nil {
		return q, &Error{"from", fmt.Sprintf("%q: want a date as YYYY-MM-DD", from)}
	}
	if to == "" {
		return q, &Error{"to", "required, as YYYY-MM-DD"}
	}
	if q.To, err = calendar.ParseDate(to); err != nil {
		return q, &Error{"to", fmt.Sprintf("%q: want a date as YYYY-MM-DD", to)}
	}
	if by != "" {
		for _, s := range strings.Split(by, ",") {
			d := Dimension(strings.TrimSpace(s))
			if !slices.Contains(Dimensions, d) {
				return q, &Error{"by", fmt.Sprintf("unknown dimension %q: want some of %s", s, dimensionList())}
			}
			if !slices.Contains(q.By, d) {
				q.By = append(q.By, d)
			}
		}
	}
	if tz != "" {
		// LoadLocation also accepts "Local" and the empty name; a report
		// served from a machine must not depend on the machine's zone.
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return q, &Error{"tz", fmt.Sprintf("unknown time zone %q: want an IANA name such as Europe/Berlin", tz)}
		}
		q.Zone = loc
	}
	return q, nil
}

func dimensionList() string {
	s := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

// Validate checks q against the retention (0: none): to not before from,
// known dimensions, and a range no longer than the retention.
func (q Query) Validate(retention time.Duration) error {
	if q.From == (calendar.Date{}) {
		return &Error{"from", "required"}
	}
	if q.To == (calendar.Date{}) {
		return &Error{"to", "required"}
	}
	if days(q.From, q.To) < 1 {
		return &Error{"to", fmt.Sprintf("%s is before from (%s)", q.To, q.From)}
	}
	for _, d := range q.By {
		if !slices.Contains(Dimensions, d) {
			return &Error{"by", fmt.Sprintf("unknown dimension %q: want some of %s", d, dimensionList())}
		}
	}
	if max := int(retention / (24 * time.Hour)); retention > 0 && days(q.From, q.To) > max {
		return &Error{"from", fmt.Sprintf("the range %s to %s is %d days, longer than the history's retention (%d days)",
			q.From, q.To, days(q.From, q.To), max)}
	}
	return nil
}

// days is the number of dates from a through b, both included (≤ 0 when b
// is before a).
func days(a, b calendar.Date) int {
	return int(midday(b).Sub(midday(a)).Hours()/24) + 1
}

func midday(d calendar.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// bounds are the instants the range covers in the query's zone: from the
// start of From to the start of the day after To.
func (q Query) bounds() (time.Time, time.Time) {
	loc := q.Zone
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(q.From.Year, q.From.Month, q.From.Day, 0, 0, 0, 0, loc),
		time.Date(q.To.Year, q.To.Month, q.To.Day+1, 0, 0, 0, 0, loc)
}
