package calendar_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
)

// The benchmarks add a month of business time to an 8x5 calendar
// (Mon-Fri 09:00-17:00, New York): 22 working days of 8 hours from Mon
// 2026-01-05 09:00. Counting working days, Jan 5-9, 12-16, 19-23, 26-30 are
// 20 and Feb 2, 3 make 22, so the result is Tue 2026-02-03 17:00 (the office
// calendar has no holidays). "minute-stepping" is the naive alternative:
// step a minute at a time and test each minute for openness with the
// reference model of property_test.go.

var (
	benchStart = at(ny, "2026-01-05 09:00")
	benchEnd   = at(ny, "2026-02-03 17:00")
	benchDur   = 22 * 8 * time.Hour
	benchSink  time.Time
	benchSinkD time.Duration
)

func benchModel() *model {
	return &model{
		zt:       tableFor(ny),
		week:     week(nineToFive, weekdays...),
		explicit: map[calendar.Date][]calendar.Interval{},
		days:     map[int64][]calendar.Interval{},
	}
}

func BenchmarkAdd(b *testing.B) {
	b.Run("calendar", func(b *testing.B) {
		if got := office.Add(benchStart, benchDur); !got.Equal(benchEnd) {
			b.Fatalf("Add = %s, want %s", got, benchEnd)
		}
		for b.Loop() {
			benchSink = office.Add(benchStart, benchDur)
		}
	})
	b.Run("minute-stepping", func(b *testing.B) {
		if got, ok := benchModel().add(benchStart, benchDur, 60*24*time.Hour); !ok || !got.Equal(benchEnd) {
			b.Fatalf("stepping Add = %s, want %s", got, benchEnd)
		}
		for b.Loop() {
			benchSink, _ = benchModel().add(benchStart, benchDur, 60*24*time.Hour)
		}
	})
}

func BenchmarkElapsed(b *testing.B) {
	b.Run("calendar", func(b *testing.B) {
		if got := office.Elapsed(benchStart, benchEnd); got != benchDur {
			b.Fatalf("Elapsed = %v, want %v", got, benchDur)
		}
		for b.Loop() {
			benchSinkD = office.Elapsed(benchStart, benchEnd)
		}
	})
	b.Run("minute-stepping", func(b *testing.B) {
		if got := benchModel().elapsed(benchStart, benchEnd); got != benchDur {
			b.Fatalf("stepping Elapsed = %v, want %v", got, benchDur)
		}
		for b.Loop() {
			benchSinkD = benchModel().elapsed(benchStart, benchEnd)
		}
	})
}
