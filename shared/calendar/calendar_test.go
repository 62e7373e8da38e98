package calendar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
)

// Every expectation in this file is worked out by hand from the calendar
// rules; the comment on each row gives the reasoning. Dates used (checked by
// counting from Thursday 2026-01-01): 2025-12-31 Wed, 2026-01-05 Mon,
// 2026-01-09 Fri, 2026-01-10 Sat, 2026-01-13 Tue, 2026-03-07 Sat,
// 2026-03-08 Sun, 2026-03-28 Sat, 2026-03-29 Sun, 2026-04-05 Sun,
// 2026-07-03 Fri, 2026-07-04 Sat, 2026-10-24 Sat, 2026-10-25 Sun,
// 2026-10-31 Sat, 2026-11-01 Sun, 2026-11-26 Thu, 2026-12-24 Thu,
// 2026-12-31 Thu, 2027-01-01 Fri, 2027-12-31 Fri, 2028-01-01 Sat.
//
// Zone transitions in 2026:
//   - America/New_York: EST (-5) -> EDT (-4) on Sun 03-08 at 02:00 EST
//     (07:00Z), wall clock jumps 02:00 -> 03:00; EDT -> EST on Sun 11-01 at
//     02:00 EDT (06:00Z), wall clock 01:00-02:00 happens twice.
//   - Europe/Berlin: CET (+1) -> CEST (+2) on Sun 03-29 at 01:00Z (02:00 ->
//     03:00); back on Sun 10-25 at 01:00Z (03:00 -> 02:00, 02:00-03:00 twice).
//   - Europe/London: GMT -> BST on 03-29 at 01:00Z; back on 10-25 at 01:00Z.
//   - Australia/Lord_Howe: +11 -> +10:30 on Sun 04-05 at 02:00 local
//     (15:00Z on 04-04), wall clock 01:30-02:00 happens twice.

var (
	ny       = mustLoad("America/New_York")
	berlin   = mustLoad("Europe/Berlin")
	london   = mustLoad("Europe/London")
	lordHowe = mustLoad("Australia/Lord_Howe")

	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	allDays  = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}

	nineToFive = []calendar.Interval{iv("09:00-17:00")}
	nightShift = []calendar.Interval{iv("22:00-06:00")}
)

// Fixture calendars, all in America/New_York unless the name says otherwise.
var (
	// Mon-Fri 09:00-17:00.
	office = mustNew(ny, week(nineToFive, weekdays...))
	// Mon-Fri 09:00-12:00 and 13:00-17:00, given out of order on purpose.
	lunch = mustNew(ny, week([]calendar.Interval{iv("13:00-17:00"), iv("09:00-12:00")}, weekdays...))
	// Every day 22:00 to 06:00 the next morning.
	nightly = mustNew(ny, week(nightShift, allDays...))
	// Mon-Fri night shifts (Mon 22:00 - Tue 06:00 ... Fri 22:00 - Sat 06:00);
	// Tue 2026-01-13 is a holiday.
	nightHoliday = mustNew(ny, week(nightShift, weekdays...),
		calendar.WithHolidays(calendar.Holiday{Date: date("2026-01-13")}))
	// Every day 09:00-17:00.
	daily = mustNew(ny, week(nineToFive, allDays...))
	// Every day 00:00-08:00: the shift contains the 02:00 transitions.
	early = mustNew(ny, week([]calendar.Interval{iv("00:00-08:00")}, allDays...))
	// Every day 02:30-10:00: on 2026-03-08 it starts inside the gap.
	gapShift = mustNew(ny, week([]calendar.Interval{iv("02:30-10:00")}, allDays...))
	// Every day 01:30-05:00: on 2026-11-01 it starts at an ambiguous time.
	foldShift = mustNew(ny, week([]calendar.Interval{iv("01:30-05:00")}, allDays...))
	// Berlin, every day 22:00-06:00.
	berlinNight = mustNew(berlin, week(nightShift, allDays...))
	// Berlin, every day 02:30-05:00: ambiguous start on 2026-10-25.
	berlinFold = mustNew(berlin, week([]calendar.Interval{iv("02:30-05:00")}, allDays...))
	// Lord Howe, every day 01:45-03:00: ambiguous start on 2026-04-05.
	lordHoweFold = mustNew(lordHowe, week([]calendar.Interval{iv("01:45-03:00")}, allDays...))
	// London, Mon-Fri 09:00-17:00.
	londonOffice = mustNew(london, week(nineToFive, weekdays...))
	// office with New Year's Day 2026 and 2027 off.
	yearEnd = mustNew(ny, week(nineToFive, weekdays...),
		calendar.WithHolidays(calendar.Holiday{Date: date("2026-01-01")}, calendar.Holiday{Date: date("2027-01-01")}))
	// office with Wed 2026-01-07 off.
	officeHoliday = mustNew(ny, week(nineToFive, weekdays...),
		calendar.WithHolidays(calendar.Holiday{Date: date("2026-01-07")}))
	// office; Christmas Eve 2026 open 09:00-12:00 only, Christmas Day off.
	xmas = mustNew(ny, week(nineToFive, weekdays...),
		calendar.WithHolidays(
			calendar.Holiday{Date: date("2026-12-24"), Hours: []calendar.Interval{iv("09:00-12:00")}},
			calendar.Holiday{Date: date("2026-12-25"), Hours: []calendar.Interval{}},
		))
	// office with a holiday on Saturday 2026-01-10, a closed day anyway.
	satHoliday = mustNew(ny, week(nineToFive, weekdays...),
		calendar.WithHolidays(calendar.Holiday{Date: date("2026-01-10")}))
	// office with the US national holidays.
	usOffice = mustNew(ny, week(nineToFive, weekdays...), calendar.WithHolidaySet(mustCountry("us")))
	// usOffice, but Thanksgiving 2026 refined to a half day 09:00-12:00.
	usHalfThanksgiving = mustNew(ny, week(nineToFive, weekdays...),
		calendar.WithHolidaySet(mustCountry("us")),
		calendar.WithHolidays(calendar.Holiday{Date: date("2026-11-26"), Hours: []calendar.Interval{iv("09:00-12:00")}}))
	// nightly, but on Tue 2026-01-20 the shift is 20:00-02:00 and on Wed
	// 2026-01-21 the hours are 00:00-12:00, overlapping the end of the
	// previous night's shift (and replacing Wednesday's 22:00 shift).
	nightlyPartial = mustNew(ny, week(nightShift, allDays...),
		calendar.WithHolidays(
			calendar.Holiday{Date: date("2026-01-20"), Hours: []calendar.Interval{iv("20:00-02:00")}},
			calendar.Holiday{Date: date("2026-01-21"), Hours: []calendar.Interval{iv("00:00-12:00")}},
		))
	// 24/7 in New York.
	always = mustAlways(ny)
	// 24/7 except Christmas Day 2026.
	alwaysXmas = mustAlways(ny, calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-25")}))
	// A nil calendar counts plain calendar time.
	none *calendar.Calendar
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func iv(s string) calendar.Interval {
	i, err := calendar.ParseInterval(s)
	if err != nil {
		panic(err)
	}
	return i
}

func date(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func week(ivs []calendar.Interval, wds ...time.Weekday) calendar.Week {
	var w calendar.Week
	for _, wd := range wds {
		w[wd] = ivs
	}
	return w
}

func mustNew(loc *time.Location, w calendar.Week, opts ...calendar.Option) *calendar.Calendar {
	c, err := calendar.New(loc, w, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

func mustAlways(loc *time.Location, opts ...calendar.Option) *calendar.Calendar {
	c, err := calendar.Always(loc, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

func mustCountry(code string) *calendar.HolidaySet {
	s, err := calendar.Country(code)
	if err != nil {
		panic(err)
	}
	return s
}

// at is a wall time "2006-01-02 15:04" in loc; only for wall times that are
// neither in a DST gap nor ambiguous.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// z is an instant written with its UTC offset, "2006-01-02 15:04 -0700";
// used around DST transitions so that every instant is unambiguous.
func z(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04 -0700", s)
	if err != nil {
		panic(err)
	}
	return t
}

func show(t time.Time, c *calendar.Calendar) string {
	return t.In(c.Location()).Format("Mon 2006-01-02 15:04:05.999999999 MST") + " (" + t.UTC().Format("15:04Z") + ")"
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name string
		c    *calendar.Calendar
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		// office: Mon-Fri 09:00-17:00 New York, January 2026 (EST).
		{"inside hours", office, at(ny, "2026-01-05 10:00"), 2 * time.Hour,
			at(ny, "2026-01-05 12:00")}, // Mon 10:00 + 2h, still before 17:00
		{"inside hours spills to next day", office, at(ny, "2026-01-05 15:00"), 4 * time.Hour,
			at(ny, "2026-01-06 11:00")}, // 2h to Mon 17:00, 2h from Tue 09:00
		{"before opening", office, at(ny, "2026-01-05 07:00"), time.Hour,
			at(ny, "2026-01-05 10:00")}, // opens 09:00, +1h
		{"after closing", office, at(ny, "2026-01-05 18:00"), time.Hour,
			at(ny, "2026-01-06 10:00")}, // next opening Tue 09:00, +1h
		{"at closing instant", office, at(ny, "2026-01-05 17:00"), time.Hour,
			at(ny, "2026-01-06 10:00")}, // 17:00 itself is closed (half-open interval)
		{"weekend start", office, at(ny, "2026-01-10 12:00"), time.Hour,
			at(ny, "2026-01-12 10:00")}, // Sat; next opening Mon 09:00, +1h
		{"friday over the weekend", office, at(ny, "2026-01-09 16:00"), 2 * time.Hour,
			at(ny, "2026-01-12 10:00")}, // 1h Fri, 1h from Mon 09:00
		{"ends exactly at closing", office, at(ny, "2026-01-05 09:00"), 8 * time.Hour,
			at(ny, "2026-01-05 17:00")}, // the whole day; the closing instant, not Tue 09:00
		{"ends at closing from before opening", office, at(ny, "2026-01-09 06:00"), 8 * time.Hour,
			at(ny, "2026-01-09 17:00")}, // Fri 09:00 + 8h = 17:00, not Mon 09:00
		{"one ns before closing plus one ns", office, at(ny, "2026-01-05 17:00").Add(-1), 1,
			at(ny, "2026-01-05 17:00")}, // the last open ns of Monday
		{"one ns from closing", office, at(ny, "2026-01-05 17:00"), 1,
			at(ny, "2026-01-06 09:00").Add(1)}, // closed at 17:00, so the ns is Tue's first
		{"whole working week", office, at(ny, "2026-01-05 09:00"), 40 * time.Hour,
			at(ny, "2026-01-09 17:00")}, // 5 x 8h ends Fri 17:00
		{"working week and a minute", office, at(ny, "2026-01-05 09:00"), 40*time.Hour + time.Minute,
			at(ny, "2026-01-12 09:01")}, // the extra minute is Mon 09:00-09:01
		{"fractional seconds kept", office, at(ny, "2026-01-05 10:00").Add(1500 * time.Millisecond), 90 * time.Minute,
			at(ny, "2026-01-05 11:30").Add(1500 * time.Millisecond)}, // inside one interval

		// lunch: 09:00-12:00 and 13:00-17:00.
		{"lunch: duration spans the break", lunch, at(ny, "2026-01-05 11:00"), 2 * time.Hour,
			at(ny, "2026-01-05 14:00")}, // 1h to 12:00, break, 1h from 13:00
		{"lunch: ends at start of break", lunch, at(ny, "2026-01-05 11:00"), time.Hour,
			at(ny, "2026-01-05 12:00")}, // closing of the morning interval, not 13:00
		{"lunch: start during break", lunch, at(ny, "2026-01-05 12:30"), 30 * time.Minute,
			at(ny, "2026-01-05 13:30")}, // afternoon opens 13:00
		{"lunch: whole day", lunch, at(ny, "2026-01-05 09:00"), 7 * time.Hour,
			at(ny, "2026-01-05 17:00")}, // 3h + 4h
		{"lunch: day and a bit", lunch, at(ny, "2026-01-05 14:00"), 6 * time.Hour,
			at(ny, "2026-01-06 12:00")}, // 3h Mon afternoon, 3h Tue morning ends at 12:00

		// nightly: every day 22:00-06:00, January (no DST).
		{"night: start at 23:00", nightly, at(ny, "2026-01-06 23:00"), 2 * time.Hour,
			at(ny, "2026-01-07 01:00")}, // crosses midnight inside Tue's shift
		{"night: start at 03:00", nightly, at(ny, "2026-01-07 03:00"), 2 * time.Hour,
			at(ny, "2026-01-07 05:00")}, // 03:00 belongs to Tue's shift, open until 06:00
		{"night: 03:00 past the end of the shift", nightly, at(ny, "2026-01-07 03:00"), 4 * time.Hour,
			at(ny, "2026-01-07 23:00")}, // 3h until 06:00, 1h from Wed 22:00
		{"night: start in the day", nightly, at(ny, "2026-01-07 12:00"), time.Hour,
			at(ny, "2026-01-07 23:00")}, // opens 22:00
		{"night: ends at 06:00 closing", nightly, at(ny, "2026-01-06 23:00"), 7 * time.Hour,
			at(ny, "2026-01-07 06:00")}, // 23:00 -> 06:00 is 7h

		// nightHoliday: Mon-Fri night shifts, Tue 2026-01-13 a holiday.
		{"holiday morning still open from Monday's shift", nightHoliday, at(ny, "2026-01-13 03:00"), 2 * time.Hour,
			at(ny, "2026-01-13 05:00")}, // Mon 22:00-Tue 06:00 starts on Monday
		{"holiday's own shift closed", nightHoliday, at(ny, "2026-01-13 05:00"), 2 * time.Hour,
			at(ny, "2026-01-14 23:00")}, // 1h to 06:00; Tue 22:00 shift is off; Wed 22:00 +1h
		{"saturday morning belongs to friday", nightHoliday, at(ny, "2026-01-10 03:00"), time.Hour,
			at(ny, "2026-01-10 04:00")}, // Fri 22:00-Sat 06:00
		{"weekend night shifts do not exist", nightHoliday, at(ny, "2026-01-10 12:00"), time.Hour,
			at(ny, "2026-01-12 23:00")}, // no Sat/Sun shifts; Mon 22:00 +1h

		// nightlyPartial: Tue 01-20 shift 20:00-02:00, Wed 01-21 hours 00:00-12:00.
		{"partial night shift", nightlyPartial, at(ny, "2026-01-20 12:00"), time.Hour,
			at(ny, "2026-01-20 21:00")}, // Mon's shift ended 06:00; Tue's opens at 20:00
		{"overlapping partial hours merge", nightlyPartial, at(ny, "2026-01-20 20:00"), 16 * time.Hour,
			at(ny, "2026-01-21 12:00")}, // 20:00 Tue -> 02:00 -> 12:00 Wed, counted once: 16h
		{"replaced shift skipped", nightlyPartial, at(ny, "2026-01-20 20:00"), 17 * time.Hour,
			at(ny, "2026-01-22 23:00")}, // Wed has no 22:00 shift; Thu 22:00 +1h

		// DST, America/New_York. daily: every day 09:00-17:00.
		{"day: spring forward weekend", daily, z("2026-03-07 16:00 -0500"), 2 * time.Hour,
			z("2026-03-08 10:00 -0400")}, // 1h Sat; Sun opens at 09:00 wall clock (EDT)
		{"day: fall back weekend", daily, z("2026-10-31 16:00 -0400"), 2 * time.Hour,
			z("2026-11-01 10:00 -0500")}, // 1h Sat; Sun opens at 09:00 wall clock (EST)
		// early: every day 00:00-08:00, the transition falls inside the shift.
		{"day shift over spring forward lasts 7h", early, z("2026-03-08 00:00 -0500"), 7 * time.Hour,
			z("2026-03-08 08:00 -0400")}, // 05:00Z -> 12:00Z
		{"day shift over fall back lasts 9h", early, z("2026-11-01 00:00 -0400"), 9 * time.Hour,
			z("2026-11-01 08:00 -0500")}, // 04:00Z -> 13:00Z
		{"day shift over spring forward, 8h overflows", early, z("2026-03-08 00:00 -0500"), 8 * time.Hour,
			z("2026-03-09 01:00 -0400")}, // 7h on Sun; Mon 00:00 EDT +1h
		{"day shift over fall back, 2.5h lands in repeated hour", early, z("2026-11-01 00:00 -0400"), 2*time.Hour + 30*time.Minute,
			z("2026-11-01 01:30 -0500")}, // 04:00Z + 2.5h = 06:30Z, the second 01:30
		// nightly across DST.
		{"night shift over spring forward lasts 7h", nightly, z("2026-03-07 22:00 -0500"), 7 * time.Hour,
			z("2026-03-08 06:00 -0400")}, // 03:00Z -> 10:00Z
		{"night shift over spring forward, 8h", nightly, z("2026-03-07 22:00 -0500"), 8 * time.Hour,
			z("2026-03-08 23:00 -0400")}, // 7h, then Sun 22:00 EDT +1h
		{"night shift over spring forward, 4h", nightly, z("2026-03-07 22:00 -0500"), 4 * time.Hour,
			z("2026-03-08 03:00 -0400")}, // 03:00Z + 4h = 07:00Z, just after the gap
		{"night shift over fall back lasts 9h", nightly, z("2026-10-31 22:00 -0400"), 9 * time.Hour,
			z("2026-11-01 06:00 -0500")}, // 02:00Z -> 11:00Z
		{"night shift over fall back, 4h", nightly, z("2026-10-31 22:00 -0400"), 4 * time.Hour,
			z("2026-11-01 01:00 -0500")}, // 02:00Z + 4h = 06:00Z, the second 01:00
		{"night shift over fall back, 10h", nightly, z("2026-10-31 22:00 -0400"), 10 * time.Hour,
			z("2026-11-01 23:00 -0500")}, // 9h, then Sun 22:00 EST +1h
		// gapShift: every day 02:30-10:00.
		{"shift starting in the gap opens after it", gapShift, z("2026-03-08 00:00 -0500"), time.Hour,
			z("2026-03-08 04:00 -0400")}, // 02:30 does not exist: opens 03:00 EDT (07:00Z)
		{"shift starting in the gap lasts 7h", gapShift, z("2026-03-08 00:00 -0500"), 7 * time.Hour,
			z("2026-03-08 10:00 -0400")}, // 03:00 -> 10:00 EDT
		// foldShift: every day 01:30-05:00.
		{"ambiguous start is the first 01:30", foldShift, z("2026-11-01 00:00 -0400"), 30 * time.Minute,
			z("2026-11-01 01:00 -0500")}, // opens 01:30 EDT (05:30Z); +30m = 06:00Z, the second 01:00
		{"ambiguous start, shift lasts 4.5h", foldShift, z("2026-11-01 00:00 -0400"), 4*time.Hour + 30*time.Minute,
			z("2026-11-01 05:00 -0500")}, // 05:30Z -> 10:00Z

		// Berlin.
		{"berlin night shift over spring forward lasts 7h", berlinNight, z("2026-03-28 22:00 +0100"), 7 * time.Hour,
			z("2026-03-29 06:00 +0200")}, // 21:00Z -> 04:00Z
		{"berlin night shift over fall back lasts 9h", berlinNight, z("2026-10-24 22:00 +0200"), 9 * time.Hour,
			z("2026-10-25 06:00 +0100")}, // 20:00Z -> 05:00Z
		{"berlin night shift into the repeated hour", berlinNight, z("2026-10-24 22:00 +0200"), 5 * time.Hour,
			z("2026-10-25 02:00 +0100")}, // 20:00Z + 5h = 01:00Z, the second 02:00
		{"berlin ambiguous start is the first 02:30", berlinFold, z("2026-10-25 00:00 +0200"), 30 * time.Minute,
			z("2026-10-25 02:00 +0100")}, // opens 02:30 CEST (00:30Z); +30m = 01:00Z, the second 02:00
		{"berlin ambiguous start, shift lasts 3.5h", berlinFold, z("2026-10-25 00:00 +0200"), 3*time.Hour + 30*time.Minute,
			z("2026-10-25 05:00 +0100")}, // 00:30Z -> 04:00Z
		// Lord Howe, 30-minute DST.
		{"lord howe ambiguous start is the first 01:45", lordHoweFold, z("2026-04-05 00:00 +1100"), 15 * time.Minute,
			z("2026-04-05 02:00 +1100")}, // opens 01:45 +11 (14:45Z); +15m = 15:00Z
		{"lord howe shift over fall back lasts 1h45", lordHoweFold, z("2026-04-05 00:00 +1100"), time.Hour + 45*time.Minute,
			z("2026-04-05 03:00 +1030")}, // 14:45Z -> 16:30Z
		// London.
		{"london office over spring forward", londonOffice, z("2026-03-27 16:00 +0000"), 2 * time.Hour,
			z("2026-03-30 10:00 +0100")}, // 1h Fri; Mon 09:00 BST +1h

		// Year end.
		{"year end 2025: Jan 1 holiday", yearEnd, at(ny, "2025-12-31 16:00"), 2 * time.Hour,
			at(ny, "2026-01-02 10:00")}, // 1h Wed Dec 31; Thu Jan 1 off; Fri Jan 2 09:00 +1h
		{"year end 2026: holiday then weekend", yearEnd, at(ny, "2026-12-31 16:00"), 2 * time.Hour,
			at(ny, "2027-01-04 10:00")}, // 1h Thu; Fri Jan 1 off; Sat, Sun; Mon 09:00 +1h

		// Holidays.
		{"full-day holiday", officeHoliday, at(ny, "2026-01-06 16:00"), 2 * time.Hour,
			at(ny, "2026-01-08 10:00")}, // 1h Tue; Wed off; Thu 09:00 +1h
		{"start on a full-day holiday", officeHoliday, at(ny, "2026-01-07 10:00"), time.Hour,
			at(ny, "2026-01-08 10:00")}, // Wed off all day
		{"partial holiday", xmas, at(ny, "2026-12-24 08:00"), 2 * time.Hour,
			at(ny, "2026-12-24 11:00")}, // Dec 24 opens 09:00 as usual
		{"partial holiday ends at its early closing", xmas, at(ny, "2026-12-24 11:00"), time.Hour,
			at(ny, "2026-12-24 12:00")}, // closing at 12:00, not 17:00
		{"partial holiday then holiday and weekend", xmas, at(ny, "2026-12-24 08:00"), 4 * time.Hour,
			at(ny, "2026-12-28 10:00")}, // 3h Dec 24; Fri 25 off; weekend; Mon 28 09:00 +1h
		{"after partial holiday's closing", xmas, at(ny, "2026-12-24 13:00"), time.Hour,
			at(ny, "2026-12-28 10:00")}, // closed from 12:00 on Dec 24 until Mon 28
		{"holiday on a Saturday changes nothing", satHoliday, at(ny, "2026-01-09 16:00"), 2 * time.Hour,
			at(ny, "2026-01-12 10:00")}, // same as office: 1h Fri, 1h Mon

		// US national holidays.
		{"us: Thanksgiving closed", usOffice, at(ny, "2026-11-25 16:00"), 2 * time.Hour,
			at(ny, "2026-11-27 10:00")}, // Thu Nov 26 off (4th Thursday); Fri open
		{"us: Independence Day observed Friday", usOffice, at(ny, "2026-07-02 16:00"), 2 * time.Hour,
			at(ny, "2026-07-06 10:00")}, // Jul 4 is Sat, observed Fri Jul 3; weekend; Mon
		{"us: New Year 2028 observed in 2027", usOffice, at(ny, "2027-12-30 16:00"), 2 * time.Hour,
			at(ny, "2028-01-03 10:00")}, // Jan 1 2028 Sat, observed Fri Dec 31 2027
		{"us: ordinary day", usOffice, at(ny, "2026-11-24 16:00"), 2 * time.Hour,
			at(ny, "2026-11-25 10:00")}, // Tue -> Wed, nothing special
		{"us: explicit half day refines national holiday", usHalfThanksgiving, at(ny, "2026-11-25 16:00"), 2 * time.Hour,
			at(ny, "2026-11-26 10:00")}, // Thanksgiving open 09:00-12:00

		// 24/7.
		{"always across spring forward", always, z("2026-03-07 12:00 -0500"), 24 * time.Hour,
			z("2026-03-08 13:00 -0400")}, // 17:00Z + 24h: the clock shows 13:00
		{"always across fall back", always, z("2026-10-31 12:00 -0400"), 24 * time.Hour,
			z("2026-11-01 11:00 -0500")}, // 16:00Z + 24h: the clock shows 11:00
		{"always with a holiday", alwaysXmas, at(ny, "2026-12-24 23:00"), 2 * time.Hour,
			at(ny, "2026-12-26 01:00")}, // 1h to midnight; Dec 25 off; 00:00 Dec 26 +1h

		// nil calendar: plain calendar time.
		{"nil across spring forward", none, z("2026-03-07 12:00 -0500"), 24 * time.Hour,
			z("2026-03-08 13:00 -0400")}, // 24 real hours
		{"nil long", none, at(ny, "2026-01-05 10:00"), 100 * time.Hour,
			at(ny, "2026-01-09 14:00")}, // 4 days 4 hours, no DST
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.Add(tc.t, tc.d)
			if !got.Equal(tc.want) {
				t.Errorf("Add(%s, %v) = %s, want %s", show(tc.t, tc.c), tc.d, show(got, tc.c), show(tc.want, tc.c))
			}
			// Add's definition: Elapsed(t, Add(t, d)) == d for d >= 0.
			if e := tc.c.Elapsed(tc.t, got); e != tc.d {
				t.Errorf("Elapsed(t, Add(t, %v)) = %v", tc.d, e)
			}
		})
	}
}

func TestAddZeroAndNegative(t *testing.T) {
	cals := map[string]*calendar.Calendar{"office": office, "nightly": nightly, "always": always, "nil": none}
	instants := []time.Time{
		at(ny, "2026-01-05 10:00"),  // open in office
		at(ny, "2026-01-10 12:00"),  // Saturday, closed in office and nightly
		at(ny, "2026-01-05 17:00"),  // a closing instant
		z("2026-03-08 03:00 -0400"), // first instant after the gap
	}
	for name, c := range cals {
		for _, tt := range instants {
			// Add(t, 0) is t even when closed; negative durations return t.
			for _, d := range []time.Duration{0, -1, -time.Hour, -1000 * time.Hour} {
				if got := c.Add(tt, d); !got.Equal(tt) {
					t.Errorf("%s: Add(%s, %v) = %s, want t", name, show(tt, c), d, show(got, c))
				}
			}
			if e := c.Elapsed(tt, tt); e != 0 {
				t.Errorf("%s: Elapsed(t, t) = %v, want 0", name, e)
			}
		}
	}
}

func TestElapsed(t *testing.T) {
	tests := []struct {
		name     string
		c        *calendar.Calendar
		from, to time.Time
		want     time.Duration
	}{
		{"zero", office, at(ny, "2026-01-05 10:00"), at(ny, "2026-01-05 10:00"), 0},
		{"zero while closed", office, at(ny, "2026-01-10 10:00"), at(ny, "2026-01-10 10:00"), 0},
		{"inside hours", office, at(ny, "2026-01-05 10:00"), at(ny, "2026-01-05 12:00"),
			2 * time.Hour},
		{"overnight", office, at(ny, "2026-01-05 15:00"), at(ny, "2026-01-06 11:00"),
			4 * time.Hour}, // 2h Mon + 2h Tue
		{"negative", office, at(ny, "2026-01-06 11:00"), at(ny, "2026-01-05 15:00"),
			-4 * time.Hour}, // the previous row reversed
		{"before opening", office, at(ny, "2026-01-05 07:00"), at(ny, "2026-01-05 08:00"), 0},
		{"weekend", office, at(ny, "2026-01-10 12:00"), at(ny, "2026-01-11 12:00"), 0},
		{"over the weekend", office, at(ny, "2026-01-09 16:00"), at(ny, "2026-01-12 10:00"),
			2 * time.Hour}, // 1h Fri + 1h Mon
		{"a week", office, at(ny, "2026-01-05 00:00"), at(ny, "2026-01-12 00:00"),
			40 * time.Hour},
		{"a week backwards", office, at(ny, "2026-01-12 00:00"), at(ny, "2026-01-05 00:00"),
			-40 * time.Hour},
		{"one ns", office, at(ny, "2026-01-05 16:59").Add(59*time.Second + 999999999*time.Nanosecond), at(ny, "2026-01-05 17:00"),
			1},
		{"lunch: across the break", lunch, at(ny, "2026-01-05 11:00"), at(ny, "2026-01-05 14:00"),
			2 * time.Hour}, // 11-12 and 13-14
		{"lunch: the break", lunch, at(ny, "2026-01-05 12:00"), at(ny, "2026-01-05 13:00"), 0},
		{"lunch: a day", lunch, at(ny, "2026-01-05 00:00"), at(ny, "2026-01-06 00:00"), 7 * time.Hour},
		{"night: 23:00 to 05:00", nightly, at(ny, "2026-01-06 23:00"), at(ny, "2026-01-07 05:00"),
			6 * time.Hour},
		{"night: 03:00 to 23:00", nightly, at(ny, "2026-01-07 03:00"), at(ny, "2026-01-07 23:00"),
			4 * time.Hour}, // 03-06 of Tue's shift + 22-23 of Wed's
		{"night: negative", nightly, at(ny, "2026-01-07 23:00"), at(ny, "2026-01-07 03:00"),
			-4 * time.Hour},
		{"night holiday", nightHoliday, at(ny, "2026-01-12 20:00"), at(ny, "2026-01-15 08:00"),
			16 * time.Hour}, // Mon shift 8h, Tue's off, Wed shift 8h
		{"overlapping partial hours", nightlyPartial, at(ny, "2026-01-20 12:00"), at(ny, "2026-01-22 12:00"),
			16 * time.Hour}, // Tue 20:00 -> Wed 12:00 once; no Wed night shift
		{"day shifts across spring forward", daily, z("2026-03-07 09:00 -0500"), z("2026-03-08 17:00 -0400"),
			16 * time.Hour}, // 8h + 8h of wall-clock hours (31 real hours apart)
		{"day shifts across fall back", daily, z("2026-10-31 09:00 -0400"), z("2026-11-01 17:00 -0500"),
			16 * time.Hour}, // 8h + 8h (33 real hours apart)
		{"night across spring forward", nightly, z("2026-03-07 20:00 -0500"), z("2026-03-08 08:00 -0400"),
			7 * time.Hour},
		{"night across fall back", nightly, z("2026-10-31 20:00 -0400"), z("2026-11-01 08:00 -0500"),
			9 * time.Hour},
		{"night across fall back, part", nightly, z("2026-11-01 01:30 -0400"), z("2026-11-01 01:30 -0500"),
			time.Hour}, // both 01:30s are inside the shift, 1 real hour apart
		{"early across spring forward", early, z("2026-03-08 00:00 -0500"), z("2026-03-08 12:00 -0400"),
			7 * time.Hour},
		{"early across fall back", early, z("2026-11-01 00:00 -0400"), z("2026-11-01 12:00 -0500"),
			9 * time.Hour},
		{"shift starting in gap", gapShift, z("2026-03-08 00:00 -0500"), z("2026-03-08 12:00 -0400"),
			7 * time.Hour}, // 03:00-10:00 EDT
		{"shift starting at ambiguous time", foldShift, z("2026-11-01 00:00 -0400"), z("2026-11-01 12:00 -0500"),
			4*time.Hour + 30*time.Minute}, // 01:30 EDT (05:30Z) -> 05:00 EST (10:00Z)
		{"berlin night across spring forward", berlinNight, z("2026-03-28 20:00 +0100"), z("2026-03-29 08:00 +0200"),
			7 * time.Hour},
		{"berlin night across fall back", berlinNight, z("2026-10-24 20:00 +0200"), z("2026-10-25 08:00 +0100"),
			9 * time.Hour},
		{"berlin ambiguous start", berlinFold, z("2026-10-25 00:00 +0200"), z("2026-10-25 12:00 +0100"),
			3*time.Hour + 30*time.Minute}, // 02:30 CEST (00:30Z) -> 05:00 CET (04:00Z)
		{"lord howe ambiguous start", lordHoweFold, z("2026-04-05 00:00 +1100"), z("2026-04-05 12:00 +1030"),
			time.Hour + 45*time.Minute}, // 01:45 +11 (14:45Z) -> 03:00 +10:30 (16:30Z)
		{"london week over spring forward", londonOffice, z("2026-03-27 09:00 +0000"), z("2026-03-30 17:00 +0100"),
			16 * time.Hour}, // Fri 8h + Mon 8h
		{"year end", yearEnd, at(ny, "2025-12-31 00:00"), at(ny, "2026-01-03 00:00"),
			16 * time.Hour}, // Dec 31 8h, Jan 1 off, Jan 2 8h
		{"full-day holiday", officeHoliday, at(ny, "2026-01-05 00:00"), at(ny, "2026-01-10 00:00"),
			32 * time.Hour}, // 5 days minus Wed
		{"partial holiday", xmas, at(ny, "2026-12-24 00:00"), at(ny, "2026-12-29 00:00"),
			11 * time.Hour}, // Dec 24 3h, 25 off, weekend, Mon 28 8h
		{"holiday on a Saturday", satHoliday, at(ny, "2026-01-05 00:00"), at(ny, "2026-01-12 00:00"),
			40 * time.Hour}, // unchanged working week
		{"us Thanksgiving week", usOffice, at(ny, "2026-11-23 00:00"), at(ny, "2026-11-28 00:00"),
			32 * time.Hour}, // Mon-Wed 24h, Thu off, Fri 8h
		{"us Independence Day week", usOffice, at(ny, "2026-06-29 00:00"), at(ny, "2026-07-04 00:00"),
			32 * time.Hour}, // Mon-Thu 32h, Fri Jul 3 (observed) off
		{"us Thanksgiving refined to half day", usHalfThanksgiving, at(ny, "2026-11-26 00:00"), at(ny, "2026-11-27 00:00"),
			3 * time.Hour},
		{"always across spring forward", always, z("2026-03-07 12:00 -0500"), z("2026-03-08 13:00 -0400"),
			24 * time.Hour},
		{"always over the fall-back day", always, z("2026-11-01 00:00 -0400"), z("2026-11-02 00:00 -0500"),
			25 * time.Hour}, // the local day has 25 hours
		{"always with a holiday", alwaysXmas, at(ny, "2026-12-24 00:00"), at(ny, "2026-12-27 00:00"),
			48 * time.Hour}, // 72h minus Dec 25
		{"nil over the spring-forward day", none, z("2026-03-08 00:00 -0500"), z("2026-03-09 00:00 -0400"),
			23 * time.Hour},
		{"nil negative", none, z("2026-03-09 00:00 -0400"), z("2026-03-08 00:00 -0500"),
			-23 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Elapsed(tc.from, tc.to); got != tc.want {
				t.Errorf("Elapsed(%s, %s) = %v, want %v", show(tc.from, tc.c), show(tc.to, tc.c), got, tc.want)
			}
			if got := tc.c.Elapsed(tc.to, tc.from); got != -tc.want {
				t.Errorf("Elapsed reversed = %v, want %v", got, -tc.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	tests := []struct {
		name string
		c    *calendar.Calendar
		t    time.Time
		open bool
		next time.Time // equal to t when open
	}{
		{"office opening instant", office, at(ny, "2026-01-05 09:00"), true,
			at(ny, "2026-01-05 09:00")}, // intervals include their start
		{"office inside", office, at(ny, "2026-01-05 16:59"), true, at(ny, "2026-01-05 16:59")},
		{"office ns before opening", office, at(ny, "2026-01-05 09:00").Add(-1), false,
			at(ny, "2026-01-05 09:00")},
		{"office closing instant", office, at(ny, "2026-01-05 17:00"), false,
			at(ny, "2026-01-06 09:00")}, // intervals exclude their end
		{"office saturday", office, at(ny, "2026-01-10 12:00"), false, at(ny, "2026-01-12 09:00")},
		{"lunch break", lunch, at(ny, "2026-01-05 12:00"), false, at(ny, "2026-01-05 13:00")},
		{"lunch afternoon", lunch, at(ny, "2026-01-05 13:00"), true, at(ny, "2026-01-05 13:00")},
		{"night 23:00", nightly, at(ny, "2026-01-06 23:00"), true, at(ny, "2026-01-06 23:00")},
		{"night 03:00", nightly, at(ny, "2026-01-07 03:00"), true, at(ny, "2026-01-07 03:00")},
		{"night 06:00 closing", nightly, at(ny, "2026-01-07 06:00"), false, at(ny, "2026-01-07 22:00")},
		{"holiday morning open", nightHoliday, at(ny, "2026-01-13 03:00"), true,
			at(ny, "2026-01-13 03:00")}, // Monday's shift
		{"holiday night closed", nightHoliday, at(ny, "2026-01-13 23:00"), false,
			at(ny, "2026-01-14 22:00")}, // Tuesday's shift is off
		{"holiday-closed wednesday morning", nightHoliday, at(ny, "2026-01-14 03:00"), false,
			at(ny, "2026-01-14 22:00")}, // would be Tuesday's shift
		{"gap: before the shift", gapShift, z("2026-03-08 00:00 -0500"), false,
			z("2026-03-08 03:00 -0400")}, // 02:30 does not exist; first instant after the gap
		{"gap: just before the transition", gapShift, z("2026-03-08 01:59 -0500"), false,
			z("2026-03-08 03:00 -0400")},
		{"fold: first 01:30", foldShift, z("2026-11-01 01:00 -0400"), false,
			z("2026-11-01 01:30 -0400")},
		{"fold: second 01:15 is open", foldShift, z("2026-11-01 01:15 -0500"), true,
			z("2026-11-01 01:15 -0500")}, // after 01:30 EDT (05:30Z): 06:15Z
		{"berlin fold: first 02:15 closed", berlinFold, z("2026-10-25 02:15 +0200"), false,
			z("2026-10-25 02:30 +0200")}, // 00:15Z, shift opens 00:30Z
		{"berlin fold: second 02:15 open", berlinFold, z("2026-10-25 02:15 +0100"), true,
			z("2026-10-25 02:15 +0100")}, // 01:15Z, inside 00:30Z-04:00Z
		{"lord howe fold", lordHoweFold, z("2026-04-05 00:00 +1100"), false,
			z("2026-04-05 01:45 +1100")},
		{"us Thanksgiving", usOffice, at(ny, "2026-11-26 10:00"), false, at(ny, "2026-11-27 09:00")},
		{"us July 3 observed", usOffice, at(ny, "2026-07-03 10:00"), false, at(ny, "2026-07-06 09:00")},
		{"us Dec 31 2027 observed", usOffice, at(ny, "2027-12-31 10:00"), false, at(ny, "2028-01-03 09:00")},
		{"partial holiday after early closing", xmas, at(ny, "2026-12-24 12:00"), false,
			at(ny, "2026-12-28 09:00")},
		{"always", always, z("2026-03-08 03:00 -0400"), true, z("2026-03-08 03:00 -0400")},
		{"always holiday", alwaysXmas, at(ny, "2026-12-25 12:00"), false, at(ny, "2026-12-26 00:00")},
		{"always holiday ends at midnight", alwaysXmas, at(ny, "2026-12-24 23:59"), true, at(ny, "2026-12-24 23:59")},
		{"nil", none, at(ny, "2026-01-10 12:00"), true, at(ny, "2026-01-10 12:00")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.IsOpen(tc.t); got != tc.open {
				t.Errorf("IsOpen(%s) = %v, want %v", show(tc.t, tc.c), got, tc.open)
			}
			if got := tc.c.NextOpen(tc.t); !got.Equal(tc.next) {
				t.Errorf("NextOpen(%s) = %s, want %s", show(tc.t, tc.c), show(got, tc.c), show(tc.next, tc.c))
			}
		})
	}
}

func TestParseInterval(t *testing.T) {
	valid := []struct {
		in   string
		want calendar.Interval
	}{
		{"09:00-17:00", calendar.Interval{Start: 540, End: 1020}},
		{"00:00-24:00", calendar.Interval{Start: 0, End: 1440}},    // the whole day; 24:00 allowed as an end
		{"22:00-06:00", calendar.Interval{Start: 1320, End: 1800}}, // crosses midnight: 06:00 + 24h
		{"23:30-00:30", calendar.Interval{Start: 1410, End: 1470}},
		{"12:00-00:00", calendar.Interval{Start: 720, End: 1440}}, // end 00:00 is the next midnight
		{"00:00-00:01", calendar.Interval{Start: 0, End: 1}},
		{"23:59-24:00", calendar.Interval{Start: 1439, End: 1440}},
		{"17:00-09:00", calendar.Interval{Start: 1020, End: 1980}}, // 16h overnight
		{"09:01-09:00", calendar.Interval{Start: 541, End: 1980}},  // 23h59m, crossing
	}
	for _, tc := range valid {
		got, err := calendar.ParseInterval(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseInterval(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	invalid := []string{
		"9:00-17:00",   // hour needs two digits
		"25:00-26:00",  // no hour 25
		"09:00-09:00",  // empty
		"00:00-00:00",  // empty
		"24:00-01:00",  // 24:00 only as an end
		"09:60-10:00",  // minute 60
		"09:00-17:60",  // minute 60
		"09:00-24:01",  // past 24:00
		"09:00-25:00",  // no hour 25
		"",             // empty input
		"09:00",        // no end
		"09:00-17:00x", // trailing text
		"09:00-17:00 ", // trailing space
		" 9:00-17:00",  // leading space
		"9:00-17:00 ",  // short hour padded at the end to the right length
		"+9:00-17:00",  // sign
		"09:00-+5:00",  // sign in the end
		"-1:00-17:00",  // negative hour
		"09:-1-17:00",  // negative minute
		"0900-1700",    // no colons
		"09:00 17:00",  // no dash
		"09.00-17.00",  // wrong separators
		"ab:cd-ef:gh",  // not digits
		"09:00–17:00",  // en dash
	}
	for _, in := range invalid {
		if got, err := calendar.ParseInterval(in); err == nil {
			t.Errorf("ParseInterval(%q) = %+v, want an error", in, got)
		}
	}
}

func TestIntervalString(t *testing.T) {
	for _, tc := range []struct {
		iv   calendar.Interval
		want string
	}{
		{calendar.Interval{Start: 540, End: 1020}, "09:00-17:00"},
		{calendar.Interval{Start: 1320, End: 1800}, "22:00-06:00"}, // 1800 - 1440 = 360
		{calendar.Interval{Start: 0, End: 1440}, "00:00-24:00"},    // exactly a day is not wrapped
		{calendar.Interval{Start: 720, End: 1441}, "12:00-00:01"},
	} {
		if got := tc.iv.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.iv, got, tc.want)
		}
		// Every string it prints parses back.
		if back, err := calendar.ParseInterval(tc.want); err != nil || back != tc.iv {
			t.Errorf("ParseInterval(%q) = %+v, %v; want %+v", tc.want, back, err, tc.iv)
		}
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		loc  *time.Location
		w    calendar.Week
		opts []calendar.Option
		is   error // if set, errors.Is must hold
	}{
		{name: "nil location", loc: nil, w: week(nineToFive, weekdays...)},
		{name: "never open", loc: ny, w: calendar.Week{}, is: calendar.ErrNeverOpen},
		{name: "never open with empty slices", loc: ny, w: week([]calendar.Interval{}, allDays...), is: calendar.ErrNeverOpen},
		{name: "overlap same day", loc: ny, w: week([]calendar.Interval{iv("09:00-12:00"), iv("11:00-14:00")}, time.Monday)},
		{name: "overlap same day unsorted", loc: ny, w: week([]calendar.Interval{iv("11:00-14:00"), iv("09:00-12:00")}, time.Monday)},
		{name: "overlap same day inside", loc: ny, w: week([]calendar.Interval{iv("09:00-17:00"), iv("10:00-11:00")}, time.Monday)},
		{name: "duplicate interval", loc: ny, w: week([]calendar.Interval{iv("09:00-17:00"), iv("09:00-17:00")}, time.Monday)},
		{name: "same-day overlap with night shift", loc: ny, w: week([]calendar.Interval{iv("09:00-17:00"), iv("16:00-02:00")}, time.Monday)},
		{name: "night shift into next morning", loc: ny, w: func() calendar.Week {
			var w calendar.Week
			w[time.Monday] = nightShift                              // Mon 22:00 - Tue 06:00
			w[time.Tuesday] = []calendar.Interval{iv("05:00-13:00")} // starts before 06:00
			return w
		}()},
		{name: "saturday night into sunday", loc: ny, w: func() calendar.Week {
			var w calendar.Week
			w[time.Saturday] = nightShift                           // Sat 22:00 - Sun 06:00
			w[time.Sunday] = []calendar.Interval{iv("05:59-12:00")} // one minute too early
			return w
		}()},
		{name: "negative start", loc: ny, w: week([]calendar.Interval{{Start: -1, End: 60}}, time.Monday)},
		{name: "start at 24:00", loc: ny, w: week([]calendar.Interval{{Start: 1440, End: 1500}}, time.Monday)},
		{name: "empty interval", loc: ny, w: week([]calendar.Interval{{Start: 600, End: 600}}, time.Monday)},
		{name: "reversed interval", loc: ny, w: week([]calendar.Interval{{Start: 600, End: 500}}, time.Monday)},
		{name: "longer than a day", loc: ny, w: week([]calendar.Interval{{Start: 0, End: 1441}}, time.Monday)},
		{name: "end past 48h", loc: ny, w: week([]calendar.Interval{{Start: 1439, End: 2881}}, time.Monday)},
		{name: "duplicate holiday in one call", loc: ny, w: week(nineToFive, weekdays...), opts: []calendar.Option{
			calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-25")}, calendar.Holiday{Date: date("2026-12-25")}),
		}},
		{name: "duplicate holiday across calls", loc: ny, w: week(nineToFive, weekdays...), opts: []calendar.Option{
			calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-24"), Hours: []calendar.Interval{iv("09:00-12:00")}}),
			calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-24")}),
		}},
		{name: "holiday with overlapping hours", loc: ny, w: week(nineToFive, weekdays...), opts: []calendar.Option{
			calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-24"), Hours: []calendar.Interval{iv("09:00-12:00"), iv("11:00-13:00")}}),
		}},
		{name: "holiday with invalid hours", loc: ny, w: week(nineToFive, weekdays...), opts: []calendar.Option{
			calendar.WithHolidays(calendar.Holiday{Date: date("2026-12-24"), Hours: []calendar.Interval{{Start: 900, End: 800}}}),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := calendar.New(tc.loc, tc.w, tc.opts...)
			if err == nil {
				t.Fatalf("New = %v, want an error", c)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("New error %v, want %v", err, tc.is)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name string
		w    calendar.Week
	}{
		{"touching intervals", week([]calendar.Interval{iv("09:00-12:00"), iv("12:00-17:00")}, weekdays...)},
		{"night shift ending at next day's opening", func() calendar.Week {
			var w calendar.Week
			w[time.Monday] = nightShift
			w[time.Tuesday] = []calendar.Interval{iv("06:00-14:00")}
			return w
		}()},
		{"saturday night ending at sunday's opening", func() calendar.Week {
			var w calendar.Week
			w[time.Saturday] = nightShift
			w[time.Sunday] = []calendar.Interval{iv("06:00-14:00")}
			return w
		}()},
		{"24h shift from noon", week([]calendar.Interval{{Start: 720, End: 2160}}, time.Wednesday)},
		{"whole days", week([]calendar.Interval{iv("00:00-24:00")}, allDays...)},
		{"one minute a week", week([]calendar.Interval{{Start: 0, End: 1}}, time.Sunday)},
	}
	for _, tc := range tests {
		if _, err := calendar.New(ny, tc.w); err != nil {
			t.Errorf("%s: New: %v", tc.name, err)
		}
	}
}

func TestNewCopiesWeek(t *testing.T) {
	ivs := []calendar.Interval{iv("09:00-17:00")}
	c := mustNew(ny, week(ivs, time.Monday))
	ivs[0] = iv("10:00-11:00") // the caller's slice changes after New
	// Mon 2026-01-05 09:00 is open in the calendar as built.
	if !c.IsOpen(at(ny, "2026-01-05 09:30")) {
		t.Error("calendar changed with the caller's slice")
	}
}

func TestWithHolidaysTouchingDates(t *testing.T) {
	// Distinct dates, one partial, one closed, one with an explicitly empty
	// slice: all accepted.
	_, err := calendar.New(ny, week(nineToFive, weekdays...), calendar.WithHolidays(
		calendar.Holiday{Date: date("2026-12-24"), Hours: []calendar.Interval{iv("09:00-12:00")}},
		calendar.Holiday{Date: date("2026-12-25")},
		calendar.Holiday{Date: date("2026-12-26"), Hours: []calendar.Interval{}},
	))
	if err != nil {
		t.Fatal(err)
	}
}

func TestCountry(t *testing.T) {
	us := mustCountry("us")
	if us.String() != "us" {
		t.Errorf("String() = %q", us.String())
	}
	tests := []struct {
		date string
		want bool
	}{
		{"2026-01-01", true},  // New Year's Day, Thursday
		{"2026-01-19", true},  // MLK Day: Jan 5 is the first Monday, Jan 19 the third
		{"2026-05-25", true},  // Memorial Day: last Monday of May (May 1 is Fri, Mondays 4..25)
		{"2026-06-19", true},  // Juneteenth, Friday
		{"2026-07-03", true},  // Independence Day observed (Jul 4 is Saturday)
		{"2026-07-04", true},  // the actual date is closed too
		{"2026-07-06", false}, // a Saturday holiday is not moved to Monday
		{"2026-09-07", true},  // Labor Day: first Monday of September
		{"2026-11-26", true},  // Thanksgiving: Thursdays 5, 12, 19, 26
		{"2026-11-27", false}, // the day after is not a national holiday
		{"2026-12-25", true},  // Christmas, Friday
		{"2026-12-24", false}, // Christmas Eve is not
		{"2027-12-24", true},  // Christmas 2027 is Saturday, observed Friday
		{"2027-12-31", true},  // New Year 2028 is Saturday, observed Fri Dec 31 2027
		{"2027-12-30", false},
		{"2026-03-09", false},
	}
	for _, tc := range tests {
		if got := us.Contains(date(tc.date)); got != tc.want {
			t.Errorf("us.Contains(%s) = %v, want %v", tc.date, got, tc.want)
		}
	}
	if s, err := calendar.Country("US"); err != nil || s.String() != "us" {
		t.Errorf("Country(US) = %v, %v", s, err)
	}
	if _, err := calendar.Country("xx"); err == nil {
		t.Error("Country(xx): want an error")
	}
	codes := calendar.Countries()
	if !slices.IsSorted(codes) || !slices.Contains(codes, "us") || !slices.Contains(codes, "de") {
		t.Errorf("Countries() = %v", codes)
	}
	for _, code := range codes {
		if _, err := calendar.Country(code); err != nil {
			t.Errorf("Country(%q): %v", code, err)
		}
	}
	// German holidays: Oct 3 (Tag der Deutschen Einheit), Easter Monday
	// 2026 is Apr 6 (Easter Sunday Apr 5).
	de := mustCountry("de")
	for _, d := range []string{"2026-10-03", "2026-04-06", "2026-12-26"} {
		if !de.Contains(date(d)) {
			t.Errorf("de.Contains(%s) = false", d)
		}
	}
	if de.Contains(date("2026-07-03")) {
		t.Error("de.Contains(2026-07-03) = true")
	}
}

func TestDates(t *testing.T) {
	d, err := calendar.ParseDate("2026-02-28")
	if err != nil || d != (calendar.Date{Year: 2026, Month: time.February, Day: 28}) || d.String() != "2026-02-28" {
		t.Errorf("ParseDate = %v, %v", d, err)
	}
	for _, bad := range []string{"2026-02-29", "2026-2-28", "28.02.2026", ""} {
		if _, err := calendar.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q): want an error", bad)
		}
	}
	// 03:00Z on Jan 1 is still Dec 31 22:00 in New York.
	if got := calendar.DateOf(z("2026-01-01 03:00 +0000"), ny); got != date("2025-12-31") {
		t.Errorf("DateOf = %v", got)
	}
	if office.Location() != ny || none.Location() != time.UTC {
		t.Error("Location")
	}
	if !strings.HasPrefix(calendar.Date{Year: 987, Month: 1, Day: 2}.String(), "0987-01-02") {
		t.Error("Date.String pads the year")
	}
}
