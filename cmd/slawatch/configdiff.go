package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/shared/reconfig"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// errMoves: config diff found deadlines that move; main exits 1, with
// nothing more said (the table said it).
var errMoves = errors.New("deadlines move")

// exitError carries a command's own exit status (config diff fails with
// 2, as its 1 means "something moves").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// openTickets gives the stored states of the open tickets.
type openTickets interface {
	OpenTickets(ctx context.Context) ([]sla.Ticket, error)
}

// storeTickets reads them from a store.
type storeTickets struct {
	Tickets store.Tickets
	Clocks  store.Clocks
}

func (s storeTickets) OpenTickets(ctx context.Context) ([]sla.Ticket, error) {
	keys, err := reconfig.Open(ctx, s.Clocks)
	if err != nil {
		return nil, err
	}
	out := make([]sla.Ticket, 0, len(keys))
	for _, k := range keys {
		t, err := s.Tickets.Get(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("ticket %s/%s: %w", k.Source, k.ID, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// serverTickets asks a running server (GET /api/open-tickets, page by
// page).
type serverTickets struct{ URL string }

func (s serverTickets) OpenTickets(ctx context.Context) ([]sla.Ticket, error) {
	var out []sla.Ticket
	q := url.Values{}
	for {
		u := strings.TrimRight(s.URL, "/") + "/api/open-tickets?" + q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := send(req)
		if err != nil {
			return nil, fmt.Errorf("is slawatch serve running? %w", err)
		}
		var page struct {
			Tickets []sla.Ticket `json:"tickets"`
			Next    *store.Key   `json:"next"`
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", u, err)
		}
		out = append(out, page.Tickets...)
		if page.Next == nil {
			return out, nil
		}
		q.Set("after_source", page.Next.Source)
		q.Set("after_id", page.Next.ID)
	}
}

// configDiff runs `slawatch config diff OLD NEW`: which deadlines of the
// open tickets NEW would move. Exit status: 0 nothing moves, 1 something
// does, 2 an error.
func configDiff(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config diff", flag.ContinueOnError)
	server := fs.String("url", "http://"+envOr("SLAWATCH_ADDR", "127.0.0.1:8080"), "a running slawatch server to ask (memory store)")
	storeKind := fs.String("store", "", "read the store directly instead: dynamodb")
	endpoint := fs.String("dynamodb-endpoint", os.Getenv("SLAWATCH_DYNAMODB_ENDPOINT"), "DynamoDB endpoint (env SLAWATCH_DYNAMODB_ENDPOINT); empty: AWS")
	table := fs.String("table", envOr("SLAWATCH_TABLE", "slawatch"), "DynamoDB table (env SLAWATCH_TABLE)")
	at := fs.String("at", "", "judge what breaches at once as of this RFC 3339 instant (default: now)")
	asJSON := fs.Bool("json", false, "print the changes as JSON")
	if err := parseFlags(fs, "config diff", args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w: config diff: want OLD and NEW configuration files", errUsage)
	}
	now := time.Now()
	if *at != "" {
		var err error
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("%w: config diff: --at: %v", errUsage, err)
		}
	}
	fail := func(err error) error { return &exitError{code: 2, err: fmt.Errorf("config diff: %w", err)} }
	prev, _, err := loadConfig(fs.Arg(0))
	if err != nil {
		return fail(err)
	}
	next, _, err := loadConfig(fs.Arg(1))
	if err != nil {
		return fail(err)
	}
	var src openTickets
	switch *storeKind {
	case "":
		src = serverTickets{URL: *server}
	case "dynamodb":
		st, err := openStore(ctx, "dynamodb", *endpoint, *table, false)
		if err != nil {
			return fail(err)
		}
		src = storeTickets{Tickets: st, Clocks: st}
	default:
		return fmt.Errorf("%w: config diff: --store %q: want dynamodb (or --url for a running server)", errUsage, *storeKind)
	}
	tickets, err := src.OpenTickets(ctx)
	if err != nil {
		return fail(err)
	}
	changes := reconfig.Diff(prev, next, tickets, now)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"old": prev.Version(), "new": next.Version(), "open_tickets": len(tickets), "changes": changes}); err != nil {
			return fail(err)
		}
	} else if err := printDiff(stdout, changes, len(tickets)); err != nil {
		return fail(err)
	}
	if len(changes) > 0 {
		return errMoves
	}
	return nil
}

// printDiff prints one line per clock that moves, and a summary.
func printDiff(w io.Writer, changes []sla.Change, open int) error {
	if len(changes) == 0 {
		_, err := fmt.Fprintf(w, "nothing moves (%d open tickets)\n", open)
		return err
	}
	due := func(t *time.Time) string {
		if t == nil {
			return "none"
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ticket\tclock\tpolicy\ttarget\tdue\tmoves\tbreach\n")
	clocks, atOnce := 0, 0
	for _, ch := range changes {
		for _, c := range ch.Clocks {
			clocks++
			clock := c.Metric
			if c.Cycle > 0 {
				clock += fmt.Sprintf("#%d", c.Cycle)
			}
			breach := ""
			if c.BreachesAtOnce {
				breach, atOnce = "at once", atOnce+1
			}
			fmt.Fprintf(tw, "%s/%s\t%s\t%s → %s\t%v → %v\t%s → %s\t%s\t%s\n", ch.Source, ch.ID, clock,
				orNone(c.OldPolicy), orNone(c.NewPolicy), c.OldTarget, c.NewTarget, due(c.OldDue), due(c.NewDue), c.Direction(), breach)
		}
	}
	fmt.Fprintf(tw, "%d clocks move on %d of %d open tickets; %d breach at once\n", clocks, len(changes), open, atOnce)
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
