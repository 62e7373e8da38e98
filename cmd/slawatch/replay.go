package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

// Limits on generated traces: beyond them the arrival sampler is slow and
// inaccurate, and a typo would run for ever.
const (
	maxGenerateDays     = 3660
	maxGenerateArrivals = 5000 // per day, burst included
)

// replayCmd generates synthetic traces (replay generate) and replays a
// trace against the promise estimate and a fixed promise (replay FILE).
func replayCmd(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "generate" {
		return replayGenerate(args[1:], stdout)
	}
	return replayRun(args, stdin, stdout)
}

// replayGenerate writes a synthetic trace as JSON Lines.
func replayGenerate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("replay generate", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default: the embedded default); needs --calendar")
	calName := fs.String("calendar", "", "calendar name from the configuration (default: Mon-Fri 09:00-17:00 America/New_York)")
	days := fs.Int("days", 30, "days of trace")
	arrivals := fs.Float64("arrivals", 40, "mean new tickets per weekday; weekends get a quarter")
	agents := fs.Float64("agents", 8, "first responses the team gives per open hour")
	burstDay := fs.Int("burst-day", 14, "first day of the burst, counted from 0")
	burstDays := fs.Int("burst-days", 2, "days the burst lasts")
	burstFactor := fs.Float64("burst-factor", 3, "arrivals multiplier during the burst")
	channel := fs.String("channel", string(event.Email), "the tickets' channel")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same trace")
	start := fs.String("start", "2026-11-02", "first day, YYYY-MM-DD in the calendar's zone")
	closedShare := fs.Float64("closed-unanswered", 0, "share of tickets closed without a reply (spam, duplicates), between 0 and 1")
	if err := parseFlags(fs, "replay generate", args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: replay generate takes no arguments, only flags (got %q)", errUsage, fs.Arg(0))
	}
	switch {
	case *days <= 0 || *days > maxGenerateDays:
		return fmt.Errorf("%w: --days must be between 1 and %d", errUsage, maxGenerateDays)
	case *arrivals <= 0 || *agents <= 0 || *burstFactor <= 0:
		return fmt.Errorf("%w: --arrivals, --agents and --burst-factor must be positive", errUsage)
	case *arrivals*max(*burstFactor, 1) > maxGenerateArrivals:
		return fmt.Errorf("%w: --arrivals times --burst-factor must be at most %d a day", errUsage, maxGenerateArrivals)
	case *burstDay < 0 || *burstDays < 0:
		return fmt.Errorf("%w: --burst-day and --burst-days must not be negative", errUsage)
	case !(*closedShare >= 0 && *closedShare < 1):
		return fmt.Errorf("%w: --closed-unanswered %v: want a share from 0 to below 1, e.g. 0.06", errUsage, *closedShare)
	}
	ch, ok := event.ParseChannel(*channel)
	if !ok {
		return fmt.Errorf("%w: --channel %q: want one of %v", errUsage, *channel, event.Channels())
	}
	day, err := calendar.ParseDate(*start)
	if err != nil {
		return fmt.Errorf("%w: --start %q is not a date (e.g. 2026-11-02)", errUsage, *start)
	}
	cal, err := replayCalendar(*configPath, *calName)
	if err != nil {
		return err
	}
	trace := replay.Generate(replay.Scenario{
		Start: time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, cal.Location()), Days: *days, Calendar: cal,
		ArrivalsPerDay: *arrivals, BurstDay: *burstDay, BurstDays: *burstDays, BurstFactor: *burstFactor,
		AgentsPerHour: *agents, Channel: ch, Seed: *seed, ClosedUnanswered: *closedShare,
	})
	return replay.WriteTrace(stdout, trace)
}

// replayRun replays a trace twice, promising the estimate and then a fixed
// span, and prints how each fared.
func replayRun(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	configPath := fs.String("config", "", "configuration file (default: the embedded default); needs --calendar")
	calName := fs.String("calendar", "", "calendar name from the configuration (default: Mon-Fri 09:00-17:00 America/New_York)")
	target := fs.Duration("target", 8*time.Hour, "first-response target, in business time: the promise until the queue has history")
	quantile := fs.Float64("quantile", 0.9, "share of promises the estimate aims to keep, between 0 and 1")
	fixed := fs.Duration("fixed", 24*time.Hour, "the canned promise to compare with, in calendar time")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	// Flags may come after the file too: slawatch replay trace.jsonl --json.
	var files []string
	for {
		if err := parseFlags(fs, "replay", args, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		return fmt.Errorf("%w: replay needs one trace FILE, or - for standard input (got %d)", errUsage, len(files))
	case *target <= 0 || *fixed <= 0:
		return fmt.Errorf("%w: --target and --fixed must be positive", errUsage)
	case !(*quantile > 0 && *quantile < 1):
		return fmt.Errorf("%w: --quantile %v: want a share between 0 and 1, e.g. 0.9", errUsage, *quantile)
	}
	cal, err := replayCalendar(*configPath, *calName)
	if err != nil {
		return err
	}
	trace, err := readTrace(files[0], stdin)
	if err != nil {
		return err
	}
	rows := []replayRow{
		newReplayRow(fmt.Sprintf("estimate (p%.6g)", 100**quantile),
			replay.Run(trace, replay.Options{Calendar: cal, Target: *target, Quantile: *quantile})),
		newReplayRow("fixed "+shortDuration(*fixed),
			replay.Run(trace, replay.Options{Calendar: cal, Fixed: *fixed})),
	}
	// The baselines, on the same tickets and history as the estimate: how
	// other helpdesks would have promised (replay.Compare).
	cmp := replay.Compare(trace, replay.Options{Calendar: cal, Target: *target, Quantile: *quantile})
	for _, b := range cmp.Baselines {
		rows = append(rows, newReplayRow(b.Name, replay.Result{Tickets: b.Tickets, Kept: b.Kept, KeptRate: b.KeptRate,
			MedianPromise: b.MedianPromise, MedianActual: b.MedianActual}))
	}
	if *asJSON {
		out := map[string]replayRow{"estimate": rows[0], "fixed": rows[1]}
		for _, r := range rows[2:] {
			out[r.Promise] = r
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "promise\ttickets\tkept\tkept%\tmedian promise\tmedian actual\tpromise/actual")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", r.Promise, r.Tickets, r.Kept,
			orDash(r.Tickets > 0, fmt.Sprintf("%.1f%%", 100*r.KeptRate)),
			orDash(r.Tickets > 0, hoursMinutes(r.medianPromise)),
			orDash(r.Tickets > 0, hoursMinutes(r.medianActual)),
			orDash(r.Ratio > 0, fmt.Sprintf("%.2fx", r.Ratio)))
	}
	return tw.Flush()
}

// readTrace reads the trace at path, or standard input for "-".
func readTrace(path string, stdin io.Reader) ([]event.Event, error) {
	r, name := stdin, "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, name = f, path
	}
	trace, err := replay.ReadTrace(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(trace) == 0 {
		return nil, fmt.Errorf("%s: no events in the trace", name)
	}
	return trace, nil
}

// replayRow is one line of the replay's report, and its JSON form.
type replayRow struct {
	Promise              string  `json:"promise"` // "estimate (p90)", "fixed 24h"
	Tickets              int     `json:"tickets"` // answered tickets that were promised a time
	Kept                 int     `json:"kept"`
	KeptRate             float64 `json:"kept_rate"`              // 0 to 1
	MedianPromiseSeconds float64 `json:"median_promise_seconds"` // wall-clock time from creation
	MedianActualSeconds  float64 `json:"median_actual_seconds"`
	Ratio                float64 `json:"promise_actual_ratio"` // median promise / median actual; 0 when undefined

	medianPromise, medianActual time.Duration
}

func newReplayRow(promise string, r replay.Result) replayRow {
	row := replayRow{
		Promise: promise, Tickets: r.Tickets, Kept: r.Kept, KeptRate: r.KeptRate,
		MedianPromiseSeconds: r.MedianPromise.Seconds(), MedianActualSeconds: r.MedianActual.Seconds(),
		medianPromise: r.MedianPromise, medianActual: r.MedianActual,
	}
	if r.MedianActual > 0 {
		row.Ratio = float64(r.MedianPromise) / float64(r.MedianActual)
	}
	return row
}

// replayCalendar returns the named calendar of the configuration, or without
// a name the built-in office calendar: Monday to Friday 09:00-17:00 in New
// York.
func replayCalendar(configPath, name string) (*calendar.Calendar, error) {
	if name == "" {
		if configPath != "" {
			return nil, fmt.Errorf("%w: --config is read for its calendars: give --calendar NAME", errUsage)
		}
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			return nil, err
		}
		day := []calendar.Interval{{Start: 9 * 60, End: 17 * 60}}
		return calendar.New(ny, calendar.Week{nil, day, day, day, day, day, nil})
	}
	cfg, _, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	cal, ok := cfg.Calendars[name]
	if !ok {
		names := make([]string, 0, len(cfg.Calendars))
		for n := range cfg.Calendars {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("no calendar %q in the configuration (have: %s)", name, strings.Join(names, ", "))
	}
	return cal, nil
}

// hoursMinutes formats d rounded to the minute as "16h05m", hours never
// turned into days, so that a column of them lines up and compares.
func hoursMinutes(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

// shortDuration formats d as flags are written: "24h", "90m" as "1h30m".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func orDash(ok bool, s string) string {
	if !ok {
		return "-"
	}
	return s
}
