package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

// deadline prints when a business duration from a start instant ends.
func deadline(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("deadline", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default: the embedded default)")
	calName := fs.String("calendar", "", "calendar name from the configuration")
	start := fs.String("start", "", "start instant, RFC 3339")
	dur := fs.Duration("duration", 0, "business duration, e.g. 8h or 90m")
	if err := parseFlags(fs, "deadline", args, stdout); err != nil {
		return err
	}
	if *calName == "" || *start == "" || *dur <= 0 {
		return fmt.Errorf("%w: deadline needs --calendar, --start and a positive --duration", errUsage)
	}
	from, err := time.Parse(time.RFC3339Nano, *start)
	if err != nil {
		return fmt.Errorf("%w: --start %q is not an RFC 3339 time (e.g. 2026-11-23T09:30:00-05:00)", errUsage, *start)
	}
	// Only the calendars matter here: a file describing business hours
	// without any policy is enough.
	cals := policy.Default().Calendars
	if *configPath != "" {
		var err error
		if cals, err = policy.LoadCalendars(*configPath); err != nil {
			return err
		}
	}
	cal, ok := cals[*calName]
	if !ok {
		names := make([]string, 0, len(cals))
		for n := range cals {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("no calendar %q in the configuration (have: %s)", *calName, strings.Join(names, ", "))
	}
	fmt.Fprintln(stdout, cal.Add(from, *dur).In(cal.Location()).Format(time.RFC3339))
	return nil
}
