package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/replay"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// defaultMaxBackfillEvents bounds the events a backfill holds. A run takes
// about 1 KB of memory per event (measured: 395 MB for 378,030 events, the
// memory store's records included; docs/reports.md, Backfill), so the
// default stays near 1 GB.
const defaultMaxBackfillEvents = 1_000_000

// maxReportedLines is how many bad lines a skipping backfill names one by
// one; the summary counts them all.
const maxReportedLines = 20

// backfillCmd loads a trace into the history of ended clocks.
func backfillCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	const cmd = "backfill"
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	configPath := fs.String("config", os.Getenv("SLAWATCH_CONFIG"), "configuration file (default: the embedded default): its policies decide the clocks")
	onError := fs.String("on-error", "stop", "a malformed line: stop (record nothing) or skip (record the rest, exit 1)")
	maxEvents := fs.Int("max-events", defaultMaxBackfillEvents, "most events held at once; split a longer file by ticket")
	storeKind := fs.String("store", envOr("SLAWATCH_STORE", "memory"), "history store: dynamodb, or memory (a dry run: nothing is kept) (env SLAWATCH_STORE)")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS")
	table := fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)")
	createTable := fs.Bool("create-table", false, "create the DynamoDB table if it does not exist (local development)")
	// Flags may come after the file too: slawatch backfill old.jsonl --on-error skip.
	var files []string
	for {
		if err := parseFlags(fs, cmd, args, stdout); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		return fmt.Errorf("%w: %s needs one trace FILE, or - for standard input (got %d)", errUsage, cmd, len(files))
	case *onError != "stop" && *onError != "skip":
		return fmt.Errorf("%w: %s: --on-error %q: want stop or skip", errUsage, cmd, *onError)
	case *maxEvents <= 0:
		return fmt.Errorf("%w: %s: --max-events must be positive", errUsage, cmd)
	case *storeKind != "memory" && *storeKind != "dynamodb":
		return fmt.Errorf("%w: %s: --store %q: want dynamodb or memory", errUsage, cmd, *storeKind)
	}
	cfg, _, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	in, name, size := stdin, "standard input", int64(0)
	if files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, files[0]
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	hist, err := openStore(ctx, *storeKind, *endpoint, *table, *createTable)
	if err != nil {
		return err
	}
	b := &backfill{Config: cfg, History: hist, Skip: *onError == "skip", MaxEvents: *maxEvents,
		Errors: stderr, Progress: terminal(stderr), Size: size}
	start := time.Now()
	sum, err := b.Run(ctx, in, name)
	if err != nil {
		return err
	}
	sum.write(stdout, time.Since(start))
	if *storeKind == "memory" {
		fmt.Fprintln(stderr, "slawatch: backfill: --store memory is a dry run and keeps nothing: use --store dynamodb, or slawatch serve --backfill FILE")
	}
	if sum.Skipped > 0 {
		return fmt.Errorf("backfill: %s: %d malformed lines skipped", name, sum.Skipped)
	}
	return nil
}

// terminal returns w if it is a terminal, for progress; nil otherwise, so
// that logs and pipes get only the summary.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return f
}

// backfill loads a trace (the replay format: canonical events with their
// source, JSON Lines) into the history, through the engine that records
// live clocks: each ticket's events are built into its state (sla.Build,
// with the configuration's policies) and every clock they end is recorded
// (sla.Ended, store.History). It touches neither tickets nor alerts.
//
// A ticket's events may be anywhere in the file (exports are sorted by
// time, not by ticket), and a clock is only known to have ended once all
// of them are in: so backfill holds every event until the end of the
// input, at most MaxEvents, and records after. A file too long for that
// splits by ticket into files that backfill one after the other.
//
// Running it again records nothing new: a clock's record has one id, and
// the store keeps one version of it (a different one only if the outcome
// differs, e.g. after a configuration change).
type backfill struct {
	Config  *policy.Config
	History store.History
	// Skip: a malformed line is reported and skipped; otherwise it stops
	// the run before anything is recorded.
	Skip      bool
	MaxEvents int
	// Errors receives the malformed lines; Progress, when not nil, a
	// progress line rewritten in place (a terminal).
	Errors, Progress io.Writer
	// Size is the input's length in bytes, when known, for the progress.
	Size int64

	lastProgress time.Time
}

// backfillSummary counts what a backfill did.
type backfillSummary struct {
	Lines, Events, Repeats, Tickets int
	Clocks                          int
	Added, Present, Revised, TooOld int
	Skipped                         int
	// Unknown lists the sources not in the configuration: their tickets
	// match policies all the same, but have no ticket links.
	Unknown []string
}

// Run reads the trace from r (name is how errors call it) and records
// its ended clocks.
func (b *backfill) Run(ctx context.Context, r io.Reader, name string) (backfillSummary, error) {
	var sum backfillSummary
	counted := &countingReader{r: r}
	tr := replay.NewTraceReader(counted)
	tickets := map[store.Key][]event.Event{}
	var order []store.Key // first appearance: the records follow the file's order
	ids := map[store.Key]map[string]bool{}
	sources := map[string]bool{}
	for {
		e, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			// event.Check as intake applies it, but for the clock: a
			// backfill is all past events, dated in its own time.
			if cerr := e.Check(e.OccurredAt, 0); cerr != nil {
				err = &replay.LineError{Line: tr.Line(), Err: cerr}
			}
		}
		var le *replay.LineError
		switch {
		case errors.As(err, &le) && b.Skip && tr.Err() == nil:
			sum.Skipped++
			if sum.Skipped <= maxReportedLines {
				b.clearProgress()
				fmt.Fprintf(b.Errors, "slawatch: backfill: %s: skipped: %v\n", name, err)
			}
			continue
		case err != nil:
			sum.Lines = tr.Line()
			b.clearProgress()
			if errors.As(err, &le) {
				return sum, fmt.Errorf("backfill: %s: %w (nothing recorded; --on-error skip records the other lines)", name, err)
			}
			return sum, fmt.Errorf("backfill: %s: %w", name, err)
		}
		sum.Events++
		k := store.Key{Source: e.Source, ID: e.TicketID}
		held, ok := tickets[k]
		if !ok {
			order = append(order, k)
			ids[k] = map[string]bool{}
			sources[e.Source] = true
		} else {
			// One copy of the ids per ticket, not one per event.
			e.Source, e.TicketID = held[0].Source, held[0].TicketID
		}
		if ids[k][e.ID] {
			sum.Repeats++ // a redelivery: Build would keep the first anyway
			continue
		}
		ids[k][e.ID] = true
		if sum.Events-sum.Repeats > b.MaxEvents {
			b.clearProgress()
			return sum, fmt.Errorf("backfill: %s: line %d: more than %d events (--max-events): backfill holds a ticket's events until the end of the file; split it by ticket (all of a ticket's events in one file) or raise --max-events",
				name, tr.Line(), b.MaxEvents)
		}
		tickets[k] = append(held, e)
		if sum.Events%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return sum, err
			}
			b.progress(func() string {
				if b.Size > 0 {
					return fmt.Sprintf("reading: %d%%, line %d, %d tickets", 100*counted.n/b.Size, tr.Line(), len(order))
				}
				return fmt.Sprintf("reading: line %d, %d tickets", tr.Line(), len(order))
			})
		}
	}
	sum.Lines, sum.Tickets = tr.Line(), len(order)
	ids = nil
	for _, s := range slices.Sorted(maps.Keys(sources)) {
		if _, ok := b.Config.Sources[s]; !ok {
			sum.Unknown = append(sum.Unknown, s)
		}
	}
	for i, k := range order {
		if err := b.record(ctx, k, tickets[k], &sum); err != nil {
			b.clearProgress()
			return sum, fmt.Errorf("backfill: %s: %w (running it again is safe: recorded clocks are not counted twice)", name, err)
		}
		delete(tickets, k) // hold only what is still to record
		b.progress(func() string {
			return fmt.Sprintf("recording: ticket %d of %d, %d clocks", i+1, len(order), sum.Clocks)
		})
	}
	b.clearProgress()
	return sum, nil
}

// record records the ended clocks of ticket k.
func (b *backfill) record(ctx context.Context, k store.Key, events []event.Event, sum *backfillSummary) error {
	t, err := sla.Build(b.Config, k.Source, k.ID, events)
	if err != nil {
		return err // Check has validated every event: a defect
	}
	for _, rec := range sla.Ended(b.Config, t) {
		rec.URL = b.Config.Link(rec.Source, rec.Ticket)
		sum.Clocks++
		c, err := b.History.RecordChange(ctx, rec)
		switch {
		case errors.Is(err, store.ErrExpired):
			sum.TooOld++
		case err != nil:
			return fmt.Errorf("ticket %s/%s: %w", k.Source, k.ID, err)
		case c == store.Added:
			sum.Added++
		case c == store.Revised:
			sum.Revised++
		default:
			sum.Present++
		}
	}
	return nil
}

// progress rewrites the progress line, at most five times a second.
func (b *backfill) progress(line func() string) {
	if b.Progress == nil || time.Since(b.lastProgress) < 200*time.Millisecond {
		return
	}
	b.lastProgress = time.Now()
	fmt.Fprintf(b.Progress, "\r\033[Kbackfill: %s", line())
}

func (b *backfill) clearProgress() {
	if b.Progress != nil && !b.lastProgress.IsZero() {
		fmt.Fprint(b.Progress, "\r\033[K")
	}
}

// write prints the summary.
func (s backfillSummary) write(w io.Writer, took time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "lines read\t%d\n", s.Lines)
	fmt.Fprintf(tw, "lines skipped\t%d\n", s.Skipped)
	fmt.Fprintf(tw, "events\t%d\t(%d repeated ids)\n", s.Events, s.Repeats)
	fmt.Fprintf(tw, "tickets\t%d\n", s.Tickets)
	fmt.Fprintf(tw, "ended clocks\t%d\n", s.Clocks)
	fmt.Fprintf(tw, "  recorded\t%d\n", s.Added)
	fmt.Fprintf(tw, "  already present\t%d\n", s.Present)
	fmt.Fprintf(tw, "  revised\t%d\n", s.Revised)
	fmt.Fprintf(tw, "  too old\t%d\t(ended before the retention)\n", s.TooOld)
	if len(s.Unknown) > 0 {
		fmt.Fprintf(tw, "sources not configured\t%s\t(no ticket links)\n", strings.Join(s.Unknown, ", "))
	}
	fmt.Fprintf(tw, "took\t%s\n", took.Round(time.Millisecond))
	tw.Flush()
}

// countingReader counts the bytes read, for the progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
