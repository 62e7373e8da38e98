package calendar_test

import (
	"fmt"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
)

func ExampleCalendar_Add() {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	hours, err := calendar.ParseInterval("09:00-17:00")
	if err != nil {
		panic(err)
	}
	var week calendar.Week
	for wd := time.Monday; wd <= time.Friday; wd++ {
		week[wd] = []calendar.Interval{hours}
	}
	c, err := calendar.New(ny, week, calendar.WithHolidays(
		calendar.Holiday{Date: calendar.Date{Year: 2026, Month: time.January, Day: 12}},
	))
	if err != nil {
		panic(err)
	}

	const layout = "Mon 2006-01-02 15:04 MST"
	start := time.Date(2026, time.January, 9, 15, 0, 0, 0, ny) // a Friday
	// 2h on Friday; Monday the 12th is a holiday; 2h on Tuesday.
	due := c.Add(start, 4*time.Hour)
	fmt.Println(due.In(ny).Format(layout))
	fmt.Println(c.Elapsed(start, due))
	// Two hours exactly fill Friday: the answer is the closing time.
	fmt.Println(c.Add(start, 2*time.Hour).In(ny).Format(layout))
	// Saturday is closed; business resumes Tuesday at 09:00.
	fmt.Println(c.NextOpen(start.Add(24 * time.Hour)).In(ny).Format(layout))
	// Output:
	// Tue 2026-01-13 11:00 EST
	// 4h0m0s
	// Fri 2026-01-09 17:00 EST
	// Tue 2026-01-13 09:00 EST
}

func ExampleParseInterval() {
	for _, s := range []string{"09:00-17:00", "22:00-06:00", "00:00-24:00", "9:00-17:00", "09:00-09:00"} {
		iv, err := calendar.ParseInterval(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s = minutes [%d, %d)\n", iv, iv.Start, iv.End)
	}
	// Output:
	// 09:00-17:00 = minutes [540, 1020)
	// 22:00-06:00 = minutes [1320, 1800)
	// 00:00-24:00 = minutes [0, 1440)
	// error: interval "9:00-17:00": want HH:MM-HH:MM
	// error: interval "09:00-09:00": empty (start equals end)
}
