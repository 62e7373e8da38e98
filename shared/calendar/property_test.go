package calendar_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/us"

	"github.com/slawatch/slawatch/shared/calendar"
)

// Property tests on random calendars, seeded deterministically. The zones
// include 30-minute DST (Lord Howe), a half-hour offset without DST
// (Kolkata), and transitions at local midnight (Santiago: the clock jumps
// from 24:00 to 01:00 in September and goes back from 24:00 to 23:00 in
// April, so a civil date starts, ends and starts again).

var propZones = []string{
	"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC", "America/Santiago",
}

var propSeeds = []uint64{1, 2, 3, 4, 5}

// ---------------------------------------------------------------------------
// Reference model. It shares no code with the package: wall clocks are
// converted with a table of the zone's offsets built by sampling the
// standard library, and openness of an instant is decided from the rules.

// zoneTable is a location's offset history from 2024 to 2029, sampled every
// hour with time.Time.Zone and each change bisected to the second.
type zoneTable struct {
	starts []int64 // unix second at which offs[i] starts; starts[0] = -inf
	offs   []int64 // seconds east of UTC
}

var zoneTables sync.Map // location name -> *zoneTable

func offsetAt(loc *time.Location, u int64) int64 {
	_, off := time.Unix(u, 0).In(loc).Zone()
	return int64(off)
}

func tableFor(loc *time.Location) *zoneTable {
	if zt, ok := zoneTables.Load(loc.String()); ok {
		return zt.(*zoneTable)
	}
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	prev := offsetAt(loc, lo)
	zt := &zoneTable{starts: []int64{math.MinInt64}, offs: []int64{prev}}
	for u := lo + 3600; u <= hi; u += 3600 {
		off := offsetAt(loc, u)
		if off == prev {
			continue
		}
		a, b := u-3600, u // offset prev at a, off at b
		for b-a > 1 {
			if m := a + (b-a)/2; offsetAt(loc, m) == prev {
				a = m
			} else {
				b = m
			}
		}
		zt.starts = append(zt.starts, b)
		zt.offs = append(zt.offs, off)
		prev = off
	}
	zoneTables.Store(loc.String(), zt)
	return zt
}

func (zt *zoneTable) offset(u int64) int64 {
	i := sort.Search(len(zt.starts), func(i int) bool { return zt.starts[i] > u }) - 1
	return zt.offs[i]
}

// wall is the wall clock at unix second u, as seconds since 1970-01-01 00:00
// wall time.
func (zt *zoneTable) wall(u int64) int64 { return u + zt.offset(u) }

// first is the first unix second whose wall clock reads w or later: the first
// occurrence of an ambiguous wall time, the end of the gap for a skipped one.
// Within a segment of constant offset the earliest such instant is either
// w - offset, or the segment's start when the clock jumps over w there.
func (zt *zoneTable) first(w int64) int64 {
	best := int64(math.MaxInt64)
	for i, off := range zt.offs {
		if u := w - off; u >= zt.starts[i] && (i+1 == len(zt.starts) || u < zt.starts[i+1]) {
			best = min(best, u)
		}
		if i > 0 && zt.starts[i]+zt.offs[i-1] <= w && w < zt.starts[i]+off {
			best = min(best, zt.starts[i])
		}
	}
	return best
}

// model is the reference calendar. Instants are unix seconds; every opening
// boundary falls on a whole second, so an instant is open iff its second is.
type model struct {
	zt       *zoneTable
	week     calendar.Week
	explicit map[calendar.Date][]calendar.Interval
	sets     []*cal.Calendar
	days     map[int64][]calendar.Interval // hours by wall day number
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// hours are the shifts starting on wall day n (days since 1970-01-01).
func (m *model) hours(n int64) []calendar.Interval {
	if h, ok := m.days[n]; ok {
		return h
	}
	t := time.Unix(n*86400, 0).UTC()
	d := calendar.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
	h, explicit := m.explicit[d]
	if !explicit {
		h = m.week[t.Weekday()]
		for _, s := range m.sets {
			if actual, observed, _ := s.IsHoliday(t); actual || observed {
				h = nil
			}
		}
	}
	m.days[n] = h
	return h
}

// open reports whether unix second u is inside a shift. The shifts that can
// contain u start on u's civil date D or on D-1 (a shift lasts at most 24
// wall hours); D+1 is checked as well because at a fall-back over midnight
// (Santiago) the wall clock returns to D after D+1 has begun.
func (m *model) open(u int64) bool {
	day := floorDiv(m.zt.wall(u), 86400)
	for n := day - 1; n <= day+1; n++ {
		for _, iv := range m.hours(n) {
			from := m.zt.first(n*86400 + int64(iv.Start)*60)
			to := m.zt.first(n*86400 + int64(iv.End)*60)
			if from <= u && u < to {
				return true
			}
		}
	}
	return false
}

func (m *model) openAt(t time.Time) bool { return m.open(floorDiv(t.UnixNano(), 1e9)) }

// elapsed steps minute by minute from a to b (both on whole minutes, a <= b).
func (m *model) elapsed(a, b time.Time) time.Duration {
	var sum time.Duration
	for u := a.Unix(); u < b.Unix(); u += 60 {
		if m.open(u) {
			sum += time.Minute
		}
	}
	return sum
}

// add steps minute by minute from t (on a whole minute) until d (whole
// minutes) of open time has passed; false when that takes longer than limit.
func (m *model) add(t time.Time, d, limit time.Duration) (time.Time, bool) {
	u, end := t.Unix(), t.Unix()+int64(limit/time.Second)
	for left := d; left > 0; u += 60 {
		if u >= end {
			return time.Time{}, false
		}
		if m.open(u) {
			left -= time.Minute
		}
	}
	return time.Unix(u, 0), true
}

// ---------------------------------------------------------------------------
// Random calendars.

type world struct {
	c       *calendar.Calendar
	m       *model
	loc     *time.Location
	anchors []time.Time   // DST transitions, local year ends, ordinary days
	weekly  time.Duration // open wall time of a normal week
	desc    string
}

func randomWeek(r *rand.Rand) calendar.Week {
	var w calendar.Week
	switch r.IntN(12) {
	case 0: // 24/7
		for wd := range w {
			w[wd] = []calendar.Interval{{Start: 0, End: 1440}}
		}
		return w
	case 1: // office hours
		for wd := time.Monday; wd <= time.Friday; wd++ {
			w[wd] = []calendar.Interval{{Start: 540, End: 1020}}
		}
		return w
	case 2: // night shifts every day
		for wd := range w {
			w[wd] = []calendar.Interval{{Start: 1320, End: 1800}}
		}
		return w
	case 3, 4: // boundaries crowded into 00:00-06:00, where all the zones'
		// transitions are: a night shift from 22:00 ending at e, then a
		// shift [a, b) with e <= a < b <= 06:00, in 15-minute units.
		var end [7]int // end of the night shift reaching into each day
		for wd := range w {
			end[wd] = 1 + r.IntN(20)
			a := end[wd] + r.IntN(23-end[wd])
			b := a + 1 + r.IntN(24-a)
			if r.IntN(4) != 0 {
				w[wd] = append(w[wd], calendar.Interval{Start: a * 15, End: b * 15})
			}
		}
		for wd := range w {
			if r.IntN(4) != 0 {
				w[wd] = append(w[wd], calendar.Interval{Start: 1320, End: 1440 + end[(wd+1)%7]*15})
			}
		}
		if slices.IndexFunc(w[:], func(d []calendar.Interval) bool { return len(d) > 0 }) < 0 {
			w[0] = []calendar.Interval{{Start: 60, End: 180}}
		}
		return w
	}
	// n disjoint intervals on the week seen as a circle of units, rotated so
	// that some cross midnight and Saturday night runs into Sunday.
	unit := []int{5, 15, 30, 60}[r.IntN(4)]
	perDay := 1440 / unit
	total := 7 * perDay
	n := 1 + r.IntN(10)
	seen := map[int]bool{}
	var p []int
	for len(p) < 2*n {
		if x := r.IntN(total); !seen[x] {
			seen[x] = true
			p = append(p, x)
		}
	}
	slices.Sort(p)
	rot := r.IntN(total)
	prevEnd := -1
	for i := range n {
		a, b := p[2*i], p[2*i+1]
		if i > 0 && r.IntN(4) == 0 {
			a = prevEnd // touch the previous interval
		}
		b = min(b, a+perDay) // at most 24h
		prevEnd = b
		s := (a + rot) % total
		wd := s / perDay
		w[wd] = append(w[wd], calendar.Interval{Start: s % perDay * unit, End: (s%perDay + b - a) * unit})
	}
	return w
}

// randomDay returns 1-2 disjoint intervals starting in one day, maybe one
// crossing midnight, in 15-minute units.
func randomDay(r *rand.Rand) []calendar.Interval {
	var out []calendar.Interval
	seen := map[int]bool{}
	var p []int
	for k := 1 + r.IntN(2); len(p) < 2*k; {
		if x := r.IntN(2 * 96); !seen[x] {
			seen[x] = true
			p = append(p, x)
		}
	}
	slices.Sort(p)
	for i := 0; i < len(p); i += 2 {
		a, b := p[i], p[i+1]
		if a < 96 && b-a <= 96 {
			out = append(out, calendar.Interval{Start: a * 15, End: b * 15})
		}
	}
	if len(out) == 0 {
		out = []calendar.Interval{{Start: 600, End: 720}}
	}
	return out
}

func addDays(d calendar.Date, n int) calendar.Date {
	return calendar.DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

func randomWorld(t testing.TB, r *rand.Rand) world {
	loc := mustLoad(propZones[r.IntN(len(propZones))])
	zt := tableFor(loc)
	var anchors []time.Time
	lo, hi := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC).Unix()
	for _, u := range zt.starts[1:] {
		if lo <= u && u < hi {
			anchors = append(anchors, time.Unix(u, 0))
		}
	}
	for _, y := range []int64{2026, 2027} { // local midnight of Jan 1
		jan1 := time.Date(int(y), 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		anchors = append(anchors, time.Unix(zt.first(jan1), 0))
	}
	anchors = append(anchors, time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))

	w := randomWeek(r)
	m := &model{zt: zt, week: w, explicit: map[calendar.Date][]calendar.Interval{}, days: map[int64][]calendar.Interval{}}
	var hs []calendar.Holiday
	for range r.IntN(7) {
		a := anchors[r.IntN(len(anchors))]
		d := addDays(calendar.DateOf(a, loc), r.IntN(9)-3)
		if _, dup := m.explicit[d]; dup {
			continue
		}
		h := calendar.Holiday{Date: d}
		switch r.IntN(5) {
		case 0, 1: // closed (nil hours)
		case 2:
			h.Hours = []calendar.Interval{} // closed, explicitly empty
		default:
			h.Hours = randomDay(r)
		}
		hs = append(hs, h)
		m.explicit[d] = h.Hours
	}
	opts := []calendar.Option{calendar.WithHolidays(hs...)}
	var setName string
	switch r.IntN(8) {
	case 0:
		setName = "us"
		m.sets = append(m.sets, &cal.Calendar{Holidays: us.Holidays})
	case 1:
		setName = "de"
		m.sets = append(m.sets, &cal.Calendar{Holidays: de.Holidays})
	}
	if setName != "" {
		opts = append(opts, calendar.WithHolidaySet(mustCountry(setName)))
	}
	c, err := calendar.New(loc, w, opts...)
	if err != nil {
		t.Fatalf("New(%s, %v, %v): %v", loc, w, hs, err)
	}
	var weekly time.Duration
	for _, day := range w {
		for _, i := range day {
			weekly += time.Duration(i.End-i.Start) * time.Minute
		}
	}
	return world{
		c: c, m: m, loc: loc, anchors: anchors, weekly: weekly,
		desc: fmt.Sprintf("zone=%s week=%v holidays=%v set=%q", loc, w, hs, setName),
	}
}

func (w world) anchor(r *rand.Rand) time.Time { return w.anchors[r.IntN(len(w.anchors))] }

// instant returns a whole-minute instant within 3 days of a random anchor.
func (w world) instant(r *rand.Rand) time.Time { return near(r, w.anchor(r)) }

func near(r *rand.Rand, a time.Time) time.Time {
	return a.Add(time.Duration(r.Int64N(6*1440)-3*1440) * time.Minute)
}

// anyInstant is like instant but with a random sub-minute part, and in a
// random location (the calendar must not depend on the input's location).
func (w world) anyInstant(r *rand.Rand) time.Time { return w.anyNear(r, w.anchor(r)) }

func (w world) anyNear(r *rand.Rand, a time.Time) time.Time {
	t := near(r, a)
	if r.IntN(2) == 0 {
		t = t.Add(time.Duration(r.Int64N(int64(time.Minute))))
	}
	switch r.IntN(3) {
	case 0:
		return t.In(w.loc)
	case 1:
		return t.UTC()
	}
	return t.In(time.FixedZone("X", -3*3600))
}

// duration returns a random duration from 0 to 3 weeks, capped at three
// normal weeks of opening hours so sparse calendars stay fast.
func (w world) duration(r *rand.Rand) time.Duration {
	limit := min(3*7*24*time.Hour, 3*w.weekly)
	switch r.IntN(6) {
	case 0:
		return 0
	case 1: // whole hours
		return time.Duration(r.Int64N(int64(limit/time.Hour)+1)) * time.Hour
	case 2: // whole minutes
		return time.Duration(r.Int64N(int64(limit/time.Minute)+1)) * time.Minute
	}
	return time.Duration(r.Int64N(int64(limit) + 1))
}

func forSeeds(t *testing.T, n int, check func(t *testing.T, r *rand.Rand, w world)) {
	for _, seed := range propSeeds {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		for range n {
			w := randomWorld(t, r)
			check(t, r, w)
			if t.Failed() {
				t.Fatalf("seed %d: %s", seed, w.desc)
			}
		}
	}
}

// ---------------------------------------------------------------------------

// Elapsed(t, Add(t, d)) == d, and Add returns the earliest such instant.
func TestPropAddInverse(t *testing.T) {
	forSeeds(t, 1000, func(t *testing.T, r *rand.Rand, w world) {
		tt, d := w.anyInstant(r), w.duration(r)
		u := w.c.Add(tt, d)
		if e := w.c.Elapsed(tt, u); e != d {
			t.Errorf("t=%s d=%v: Add=%s, Elapsed(t, Add) = %v", tt, d, u, e)
		}
		if d == 0 {
			if !u.Equal(tt) {
				t.Errorf("Add(t=%s, 0) = %s", tt, u)
			}
			return
		}
		if !u.After(tt) {
			t.Errorf("t=%s d=%v: Add=%s not after t", tt, d, u)
		}
		// The nanosecond before u is open, so one ns less has elapsed.
		if e := w.c.Elapsed(tt, u.Add(-1)); e != d-1 {
			t.Errorf("t=%s d=%v: Add=%s, Elapsed(t, Add-1ns) = %v, want %v", tt, d, u, e, d-1)
		}
		// Elapsed followed by Add comes back to v, or to the end of the
		// last open span before v when v is closed.
		v := tt.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
		e := w.c.Elapsed(tt, v)
		back := w.c.Add(tt, e)
		if back.After(v) || w.c.Elapsed(back, v) != 0 || (w.c.IsOpen(v) && !back.Equal(v) && e > 0) {
			t.Errorf("t=%s v=%s: Elapsed=%v, Add(t, Elapsed)=%s", tt, v, e, back)
		}
	})
}

// Add is monotone in d and composes: Add(Add(t, d1), d2) == Add(t, d1+d2).
func TestPropAddMonotone(t *testing.T) {
	forSeeds(t, 1000, func(t *testing.T, r *rand.Rand, w world) {
		tt := w.anyInstant(r)
		d1, d2 := w.duration(r), w.duration(r)
		if d1 > d2 {
			d1, d2 = d2, d1
		}
		u1, u2 := w.c.Add(tt, d1), w.c.Add(tt, d2)
		if u2.Before(u1) {
			t.Errorf("t=%s: Add(%v)=%s after Add(%v)=%s", tt, d1, u1, d2, u2)
		}
		if got := w.c.Add(u1, d2-d1); !got.Equal(u2) {
			t.Errorf("t=%s: Add(Add(t, %v), %v) = %s, Add(t, %v) = %s", tt, d1, d2-d1, got, d2, u2)
		}
	})
}

// Elapsed is additive and antisymmetric.
func TestPropElapsedAdditive(t *testing.T) {
	forSeeds(t, 1000, func(t *testing.T, r *rand.Rand, w world) {
		anchor := w.anchor(r)
		x := []time.Time{w.anyNear(r, anchor), w.anyNear(r, anchor), w.anyNear(r, anchor)}
		slices.SortFunc(x, func(a, b time.Time) int { return a.Compare(b) })
		a, b, c := x[0], x[1], x[2]
		ab, bc, ac := w.c.Elapsed(a, b), w.c.Elapsed(b, c), w.c.Elapsed(a, c)
		if ac != ab+bc {
			t.Errorf("a=%s b=%s c=%s: Elapsed(a,c)=%v != %v + %v", a, b, c, ac, ab, bc)
		}
		if ab < 0 || ab > b.Sub(a) {
			t.Errorf("a=%s b=%s: Elapsed=%v outside [0, %v]", a, b, ab, b.Sub(a))
		}
		if ca := w.c.Elapsed(c, a); ca != -ac {
			t.Errorf("a=%s c=%s: Elapsed(c,a)=%v, Elapsed(a,c)=%v", a, c, ca, ac)
		}
	})
}

// NextOpen and IsOpen agree with each other and with Elapsed.
func TestPropNextOpen(t *testing.T) {
	forSeeds(t, 1000, func(t *testing.T, r *rand.Rand, w world) {
		tt := w.anyInstant(r)
		n := w.c.NextOpen(tt)
		if n.Before(tt) || !w.c.IsOpen(n) || w.c.Elapsed(tt, n) != 0 {
			t.Errorf("t=%s: NextOpen=%s (open %v, elapsed %v)", tt, n, w.c.IsOpen(n), w.c.Elapsed(tt, n))
		}
		if w.c.IsOpen(tt) != n.Equal(tt) {
			t.Errorf("t=%s: IsOpen=%v, NextOpen=%s", tt, w.c.IsOpen(tt), n)
		}
		// The first nanosecond of business time is the one at NextOpen.
		if got := w.c.Add(tt, 1); !got.Equal(n.Add(1)) {
			t.Errorf("t=%s: Add(t, 1ns)=%s, NextOpen=%s", tt, got, n)
		}
	})
}

// The package agrees with the minute-stepping reference on short ranges.
func TestPropReference(t *testing.T) {
	const limit = 3 * 24 * time.Hour
	forSeeds(t, 100, func(t *testing.T, r *rand.Rand, w world) {
		// Openness at random instants, including sub-minute ones.
		for range 20 {
			x := w.anyInstant(r)
			if got, want := w.c.IsOpen(x), w.m.openAt(x); got != want {
				t.Errorf("IsOpen(%s) = %v, reference %v", x.In(w.loc), got, want)
			}
		}
		// Elapsed over less than 3 days.
		a := w.instant(r)
		b := a.Add(time.Duration(r.Int64N(3*1440)) * time.Minute)
		if got, want := w.c.Elapsed(a, b), w.m.elapsed(a, b); got != want {
			t.Errorf("Elapsed(%s, %s) = %v, reference %v", a.In(w.loc), b.In(w.loc), got, want)
		}
		// Add of whole minutes that the reference reaches within 3 days:
		// d at most the open time of the 3 days after t, sometimes exactly
		// that (so that Add ends at a closing instant, if t+3d is closed).
		tt := w.instant(r)
		avail := w.m.elapsed(tt, tt.Add(limit))
		d := avail
		if r.IntN(4) != 0 {
			d = time.Duration(r.Int64N(int64(avail/time.Minute)+1)) * time.Minute
		}
		want, ok := w.m.add(tt, d, limit)
		if !ok {
			t.Fatalf("reference: Add(%s, %v) not within 3 days, but %v are open", tt, d, avail)
		}
		if got := w.c.Add(tt, d); !got.Equal(want) {
			t.Errorf("Add(%s, %v) = %s, reference %s", tt.In(w.loc), d, got.In(w.loc), want.In(w.loc))
		}
	})
}

// The reference model itself, on hand-checked facts, so that agreement with
// it means something.
func TestReferenceModel(t *testing.T) {
	zt := tableFor(ny)
	// 2026 New York transitions: 03-08 07:00Z and 11-01 06:00Z.
	var got []time.Time
	for _, u := range zt.starts[1:] {
		if tu := time.Unix(u, 0).UTC(); tu.Year() == 2026 {
			got = append(got, tu)
		}
	}
	want := []time.Time{z("2026-03-08 07:00 +0000"), z("2026-11-01 06:00 +0000")}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("New York 2026 transitions %v, want %v", got, want)
	}
	wall := func(s string) int64 { return z(s + " +0000").Unix() }
	for _, tc := range []struct {
		w    string
		want time.Time
	}{
		{"2026-03-08 02:30", z("2026-03-08 03:00 -0400")}, // in the gap: its end
		{"2026-03-08 03:00", z("2026-03-08 03:00 -0400")},
		{"2026-11-01 01:30", z("2026-11-01 01:30 -0400")}, // ambiguous: the first
		{"2026-11-01 02:00", z("2026-11-01 02:00 -0500")},
	} {
		if u := zt.first(wall(tc.w)); u != tc.want.Unix() {
			t.Errorf("first(%s) = %s, want %s", tc.w, time.Unix(u, 0).UTC(), tc.want.UTC())
		}
	}
	santiago := tableFor(mustLoad("America/Santiago"))
	// 2026-09-06 00:00 does not exist (00:00 -04 = 04:00Z is 01:00 -03).
	if u := santiago.first(wall("2026-09-06 00:00")); u != z("2026-09-06 04:00 +0000").Unix() {
		t.Errorf("Santiago first(2026-09-06 00:00) = %s", time.Unix(u, 0).UTC())
	}
	m := &model{zt: zt, week: week(nightShift, allDays...), days: map[int64][]calendar.Interval{}}
	// Night shift 22:00-06:00 over fall back: 9 hours.
	if e := m.elapsed(z("2026-10-31 20:00 -0400"), z("2026-11-01 08:00 -0500")); e != 9*time.Hour {
		t.Errorf("reference night shift over fall back = %v", e)
	}
}
