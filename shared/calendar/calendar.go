// Package calendar does arithmetic in business time: opening hours in an IANA
// time zone, with several intervals a day, night shifts that cross midnight,
// full and partial holidays, and 24/7 operation.
//
// Opening hours are wall-clock times, so a shift keeps its local hours across
// daylight-saving changes and its real length changes instead: "22:00-06:00"
// lasts 9 hours on the night clocks fall back. A wall time that does not exist
// (inside a spring-forward gap) means the first instant after the gap.
//
// A nil *Calendar counts every instant (calendar time), so callers need no
// special case for targets that are not measured in business hours.
//
// Work grows with the number of calendar days spanned, not with the duration's
// resolution: each day contributes at most a handful of intervals.
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

const day = 24 * 60 // minutes

// Interval is an opening interval in minutes after local midnight of the day
// it starts. End is after Start and at most 48h: an End past 24:00 is a shift
// that continues into the next day.
type Interval struct {
	Start, End int
}

// ParseInterval parses "HH:MM-HH:MM". An end at or before the start crosses
// midnight ("22:00-06:00"); "24:00" is accepted as an end.
func ParseInterval(s string) (Interval, error) {
	const layout = "HH:MM-HH:MM"
	if len(s) != len(layout) {
		return Interval{}, fmt.Errorf("interval %q: want HH:MM-HH:MM", s)
	}
	for i, f := range layout {
		if digit := s[i] >= '0' && s[i] <= '9'; (f == 'H' || f == 'M') != digit || (!digit && s[i] != byte(f)) {
			return Interval{}, fmt.Errorf("interval %q: want HH:MM-HH:MM", s)
		}
	}
	num := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	sh, sm, eh, em := num(0), num(3), num(6), num(9)
	if sh > 23 || sm > 59 || em > 59 || eh > 24 || (eh == 24 && em != 0) {
		return Interval{}, fmt.Errorf("interval %q: time out of range", s)
	}
	iv := Interval{Start: sh*60 + sm, End: eh*60 + em}
	if iv.End == iv.Start {
		return Interval{}, fmt.Errorf("interval %q: empty (start equals end)", s)
	}
	if iv.End < iv.Start {
		iv.End += day
	}
	return iv, nil
}

func (iv Interval) String() string {
	e := iv.End
	if e > day {
		e -= day
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", iv.Start/60, iv.Start%60, e/60, e%60)
}

// Week holds the opening intervals of each weekday, indexed by time.Weekday
// (Sunday is 0). A day with no intervals is closed.
type Week [7][]Interval

// Date is a civil date in the calendar's zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// addDays returns the date n days later; time.Date normalises overflow.
func (d Date) addDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// next returns the following date without a round trip through time.Time.
func (d Date) next() Date {
	d.Day++
	if d.Day > daysIn(d.Year, d.Month) {
		d.Day = 1
		if d.Month++; d.Month > time.December {
			d.Month, d.Year = time.January, d.Year+1
		}
	}
	return d
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func (d Date) weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Holiday closes a date, or with Hours replaces that date's opening hours
// (a partial day). Hours may be empty to close the day.
type Holiday struct {
	Date  Date
	Hours []Interval
}

// Calendar is an immutable business calendar; it is safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	week     Week
	explicit map[Date][]Interval // holidays listed by date; nil slice = closed
	sets     []*HolidaySet
}

// Option configures a Calendar.
type Option func(*Calendar) error

// WithHolidays adds dated holidays. Explicit dates win over holiday sets, so
// a partial day can refine a national holiday.
func WithHolidays(hs ...Holiday) Option {
	return func(c *Calendar) error {
		for _, h := range hs {
			if _, dup := c.explicit[h.Date]; dup {
				return fmt.Errorf("holiday %s listed twice", h.Date)
			}
			if err := checkDay(h.Hours); err != nil {
				return fmt.Errorf("holiday %s: %w", h.Date, err)
			}
			hours := slices.Clone(h.Hours)
			if hours == nil {
				hours = []Interval{}
			}
			slices.SortFunc(hours, func(a, b Interval) int { return a.Start - b.Start })
			c.explicit[h.Date] = hours
		}
		return nil
	}
}

// WithHolidaySet closes the dates of a holiday set, such as a country's
// national holidays.
func WithHolidaySet(s *HolidaySet) Option {
	return func(c *Calendar) error {
		c.sets = append(c.sets, s)
		return nil
	}
}

// ErrNeverOpen is returned for a week without any opening hours: no duration
// could ever elapse in it.
var ErrNeverOpen = errors.New("calendar is never open")

// New returns a calendar in loc open during week. Intervals must not overlap,
// also across midnight and from Saturday into Sunday.
func New(loc *time.Location, week Week, opts ...Option) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: nil location")
	}
	c := &Calendar{loc: loc, explicit: map[Date][]Interval{}}
	open := false
	for wd := range week {
		if err := checkDay(week[wd]); err != nil {
			return nil, fmt.Errorf("%s: %w", time.Weekday(wd), err)
		}
		c.week[wd] = slices.Clone(week[wd])
		slices.SortFunc(c.week[wd], func(a, b Interval) int { return a.Start - b.Start })
		open = open || len(week[wd]) > 0
	}
	if !open {
		return nil, ErrNeverOpen
	}
	// A shift that crosses midnight must end before the next day's first shift.
	for wd := range c.week {
		next := c.week[(wd+1)%7]
		if len(c.week[wd]) == 0 || len(next) == 0 {
			continue
		}
		last := c.week[wd][len(c.week[wd])-1]
		if last.End > day && last.End-day > next[0].Start {
			return nil, fmt.Errorf("%s %s overlaps %s %s", time.Weekday(wd), last, time.Weekday((wd+1)%7), next[0])
		}
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, fmt.Errorf("calendar: %w", err)
		}
	}
	return c, nil
}

// Always returns a calendar open around the clock in loc; options can still
// add holidays.
func Always(loc *time.Location, opts ...Option) (*Calendar, error) {
	var w Week
	for wd := range w {
		w[wd] = []Interval{{0, day}}
	}
	return New(loc, w, opts...)
}

func checkDay(ivs []Interval) error {
	s := slices.Clone(ivs)
	slices.SortFunc(s, func(a, b Interval) int { return a.Start - b.Start })
	for i, iv := range s {
		if iv.Start < 0 || iv.Start >= day || iv.End <= iv.Start || iv.End > 2*day || iv.End-iv.Start > day {
			return fmt.Errorf("interval %s out of range", iv)
		}
		if i > 0 && s[i-1].End > iv.Start {
			return fmt.Errorf("intervals %s and %s overlap", s[i-1], iv)
		}
	}
	return nil
}

// Location returns the calendar's time zone; UTC for a nil calendar.
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return time.UTC
	}
	return c.loc
}

// hoursOn returns the intervals of the shifts that start on date d, a wd.
func (c *Calendar) hoursOn(d Date, wd time.Weekday) []Interval {
	if len(c.week[wd]) == 0 && len(c.explicit) == 0 {
		return nil // closed, and no dated exception can open it
	}
	if h, ok := c.explicit[d]; ok {
		return h
	}
	for _, s := range c.sets {
		if s.Contains(d) {
			return nil
		}
	}
	return c.week[wd]
}

// instant returns the first instant whose wall clock in loc reads minute m
// after midnight of d (m may exceed a day).
func instant(loc *time.Location, d Date, m int) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, loc)
	want := time.Date(d.Year, d.Month, d.Day, 0, m, 0, 0, time.UTC)
	if wall(t).Equal(want) {
		// An ambiguous wall time (clocks going back) has two instants and
		// time.Date does not promise which (east of UTC it returns the
		// second). The first one lies in the zone before t's, and only
		// shortly after a transition.
		if start, _ := t.ZoneBounds(); !start.IsZero() && t.Sub(start) < 24*time.Hour {
			first := want.Add(-offset(start.Add(-1))).In(loc)
			if first.Before(start) && wall(first).Equal(want) {
				return first
			}
		}
		return t
	}
	// The wall time falls in a gap: Go moved it to one side of the gap. The
	// first instant at or after the wall time is the transition itself.
	start, end := t.ZoneBounds()
	if t.Before(want.Add(-offset(t))) {
		return end
	}
	return start
}

// wall returns t's wall clock, to the minute, as a UTC time.
func wall(t time.Time) time.Time {
	y, mo, dd := t.Date()
	h, mi, _ := t.Clock()
	return time.Date(y, mo, dd, h, mi, 0, 0, time.UTC)
}

func offset(t time.Time) time.Duration {
	_, off := t.Zone()
	return time.Duration(off) * time.Second
}

// span is an opening interval as instants.
type span struct{ from, to time.Time }

// spans calls yield with the opening spans in chronological order, starting
// with the shifts that begin on the day before from's date (they may reach
// into it), each clipped so that none starts before from or before the end
// of the previous one. It stops when yield returns false.
func (c *Calendar) spans(from time.Time, yield func(span) bool) {
	cursor := from
	d := DateOf(from, c.loc).addDays(-1)
	wd := d.weekday()
	z := zone{loc: c.loc}
	for ; ; d, wd = d.next(), (wd+1)%7 {
		for _, iv := range c.hoursOn(d, wd) {
			s := span{z.instant(d, iv.Start), z.instant(d, iv.End)}
			if s.from.Before(cursor) {
				s.from = cursor
			}
			if !s.to.After(s.from) {
				continue
			}
			cursor = s.to
			if !yield(s) {
				return
			}
		}
	}
}

// zone converts wall times to instants for a walk over consecutive days.
// Within one period of constant UTC offset, and away from its start (where
// a wall time may also exist in the period before), the conversion is plain
// arithmetic; only near a transition does it take the exact, slower path.
type zone struct {
	loc        *time.Location
	start, end time.Time     // the cached period; end is zero if it never ends
	offset     time.Duration // its UTC offset

	day      Date      // the last date converted
	midnight time.Time // its midnight read as UTC
}

// margin keeps the fast path clear of a period's start: no transition moves
// clocks back by more than this.
const margin = 48 * time.Hour

func (z *zone) instant(d Date, m int) time.Time {
	if d != z.day {
		if !z.midnight.IsZero() && z.day.next() == d {
			z.midnight = z.midnight.Add(24 * time.Hour)
		} else {
			z.midnight = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		}
		z.day = d
	}
	t := z.midnight.Add(time.Duration(m)*time.Minute - z.offset)
	if !z.start.IsZero() && !t.Before(z.start.Add(margin)) && (z.end.IsZero() || t.Before(z.end)) {
		return t.In(z.loc)
	}
	exact := instant(z.loc, d, m)
	z.start, z.end = exact.ZoneBounds()
	z.offset = offset(exact)
	if z.start.IsZero() {
		z.start = time.Unix(0, 0).Add(-100 * 365 * 24 * time.Hour) // a zone without transitions
	}
	return exact
}

// Add returns the instant at which d of business time has elapsed after t:
// the earliest u with Elapsed(t, u) == d. Add(t, 0) is t, even when closed;
// a negative d also returns t.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	if c == nil {
		return t.Add(d)
	}
	var at time.Time
	left := d
	c.spans(t, func(s span) bool {
		if n := s.to.Sub(s.from); n < left {
			left -= n
			return true
		}
		at = s.from.Add(left)
		return false
	})
	return at
}

// Elapsed returns the business time between from and to; negative when to is
// before from.
func (c *Calendar) Elapsed(from, to time.Time) time.Duration {
	if c == nil {
		return to.Sub(from)
	}
	if to.Before(from) {
		return -c.Elapsed(to, from)
	}
	var sum time.Duration
	c.spans(from, func(s span) bool {
		if !s.from.Before(to) {
			return false
		}
		sum += earlier(s.to, to).Sub(s.from)
		return true
	})
	return sum
}

// NextOpen returns t if the calendar is open at t, otherwise the instant it
// next opens.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c == nil {
		return t
	}
	var at time.Time
	c.spans(t, func(s span) bool { at = s.from; return false })
	return at
}

// IsOpen reports whether t falls within opening hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	return c.NextOpen(t).Equal(t)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
