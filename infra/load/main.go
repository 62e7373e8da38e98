// Command load is slawatch's load test: it builds slawatch, starts
// `slawatch serve` on a free loopback port (in-memory store, DynamoDB Local,
// or one after the other), and plays every supported helpdesk at once —
// Zendesk, Freshdesk, Intercom, Help Scout, Front, Jira, HubSpot, GitHub and
// slawatch's generic format — for at most -duration:
//
//	go run ./infra/load [-duration 60s] [-concurrency 16] [-tickets 500]
//	    [-store memory|dynamodb|both] [-dup 0.1] [-reorder 0.1] [-seed 1]
//
// Each conversation (the customer opens a ticket, bots and agents answer in
// public or in private notes, the customer writes again, the status and
// priority change) is sent as that helpdesk's own webhooks: the adapters'
// test fixtures with ids and times substituted, signed with the vendor's
// real scheme at the moment of sending. -tickets conversations are in
// flight at once; -concurrency workers send their webhooks, some twice
// (-dup) and some before an earlier one of the same ticket (-reorder), and
// retry 5xx and connection errors as a helpdesk would.
//
// Afterwards every ticket is read back (GET /tickets/{source}/{id}) and
// compared with a sequential model: the events the adapters read from the
// delivered webhooks, each event id once, applied in time order by the SLA
// engine under the same configuration. The report is a Markdown table
// (docs/RELIABILITY.md quotes it); any mismatch, refused webhook or
// undeliverable webhook makes the exit status non-zero.
//
// -store dynamodb needs DynamoDB Local: run it under
// `infra/local/dynamodb.sh run`, which sets SLAWATCH_TEST_DYNAMODB_ENDPOINT;
// each run gets a fresh table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
)

// options are the command's flags.
type options struct {
	duration    time.Duration
	concurrency int
	tickets     int
	stores      []string
	dup         float64
	reorder     float64
	seed        uint64
	endpoint    string    // DynamoDB Local, for the dynamodb store
	progress    io.Writer // what is happening, for the impatient
	binary      string    // a built slawatch to run; empty: build one
	cpuprofile  string    // write the load generator's CPU profile of the sending phase here
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	opts.progress = os.Stderr
	if os.Getenv("GOGC") == "" {
		// The generator keeps every conversation's events for the model
		// check: a live heap that grows through the run, marked again at
		// each collection. Collecting less often leaves more of the shared
		// cores to the server measured; the payloads kept for parsing
		// after sending are bounded (payloadBudget).
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The sent payloads are kept until the adapters read them, after
		// sending: collect harder rather than grow past 1.5 GiB.
		debug.SetMemoryLimit(3 << 29)
	}
	runs, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	report(os.Stdout, opts, runs, command(os.Args[1:], opts))
	for _, r := range runs {
		if !r.ok() {
			os.Exit(1)
		}
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	var o options
	var store string
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long to send webhooks, per store")
	fs.IntVar(&o.concurrency, "concurrency", 16, "webhooks in flight at once")
	fs.IntVar(&o.tickets, "tickets", 500, "conversations in progress at once; a finished one is replaced by a new ticket")
	fs.StringVar(&store, "store", "memory", "memory, dynamodb or both")
	fs.Float64Var(&o.dup, "dup", 0.1, "share of webhooks the helpdesk sends twice")
	fs.Float64Var(&o.reorder, "reorder", 0.1, "share of sends that take a later webhook of the ticket first")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the conversations")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write the load generator's own CPU profile of the sending phase to this file")
	fs.StringVar(&o.binary, "slawatch", "", "run this slawatch binary instead of building one (to compare builds)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch store {
	case "memory", "dynamodb":
		o.stores = []string{store}
	case "both":
		o.stores = []string{"memory", "dynamodb"}
	default:
		return o, fmt.Errorf("-store %q: want memory, dynamodb or both", store)
	}
	switch {
	case o.duration <= 0 || o.concurrency < 1 || o.tickets < 1:
		return o, errors.New("-duration, -concurrency and -tickets must be positive")
	case o.dup < 0 || o.dup > 1 || o.reorder < 0 || o.reorder > 1:
		return o, errors.New("-dup and -reorder are shares between 0 and 1")
	}
	o.endpoint = os.Getenv("SLAWATCH_TEST_DYNAMODB_ENDPOINT")
	if slices.Contains(o.stores, "dynamodb") && o.endpoint == "" {
		return o, errors.New("-store dynamodb needs DynamoDB Local: run under infra/local/dynamodb.sh run (it sets SLAWATCH_TEST_DYNAMODB_ENDPOINT)")
	}
	return o, nil
}

// runResult is one store's run.
type runResult struct {
	store           string
	elapsed         time.Duration // the sending phase
	tickets         int           // conversations something was sent for
	firsts          int           // webhooks sent (each once)
	dups            int
	reordered       int
	bySource        map[string]int // webhooks sent, per helpdesk
	undecided       int            // webhooks whose every attempt failed
	refused         int            // webhooks answered 4xx
	genErrors       []string       // payloads the adapter read differently from what was meant
	res             result
	ver             *verification
	serverWarn      int
	serverErr       int
	serverLast      []string
	outputs         int // console alerts and acknowledgements the server printed
	serverWarnKinds []string
	// Alerts and acknowledgements sent, and how many of them more than once.
	alerts, alertsTwice, acks, acksTwice int
	// DynamoDB requests during the sending phase, by operation, and the
	// writes among them refused for a lost race; nil for the memory store.
	ddbOps, ddbConflicts map[string]int
	// The write units of those requests (ddbProxy.weigh).
	ddbWrites writeUnits
	// CPU time the load generator and slawatch spent in the sending phase
	// (user and system, all threads); negative when unknown. Less
	// sensitive to a busy machine than throughput: it leaves out the time
	// spent waiting for a core.
	genCPU, serverCPU time.Duration
}

// ok reports whether the run found nothing wrong.
func (r *runResult) ok() bool {
	return len(r.ver.mismatches) == 0 && r.undecided == 0 && r.refused == 0 && len(r.genErrors) == 0 && r.ver.fetchErrors == 0
}

// run builds slawatch once and runs the load against each store.
func run(ctx context.Context, o options) ([]*runResult, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	fx, err := loadFixtures(root)
	if err != nil {
		return nil, err
	}
	cfg, err := policy.Parse([]byte(configYAML))
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	dir, err := os.MkdirTemp("", "slawatch-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "slawatch.yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML), 0o600); err != nil {
		return nil, err
	}
	bin := o.binary
	if bin == "" {
		fmt.Fprintf(o.progress, "load: building slawatch\n")
		if bin, err = build(ctx, root, dir); err != nil {
			return nil, err
		}
	}
	var runs []*runResult
	for i, store := range o.stores {
		r, err := runStore(ctx, o, i, store, bin, cfgPath, cfg, fx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", store, err)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

func runStore(ctx context.Context, o options, index int, store, bin, cfgPath string, cfg *policy.Config, fx *fixtures) (*runResult, error) {
	bySource, env := secrets(cfg)
	storeArgs := []string{"--store", store}
	var proxy *ddbProxy
	if store == "dynamodb" {
		var err error
		if proxy, err = startDDBProxy(o.endpoint); err != nil {
			return nil, err
		}
		defer proxy.close()
		table := fmt.Sprintf("slawatch-load-%d", time.Now().UnixNano())
		storeArgs = append(storeArgs, "--dynamodb-endpoint", proxy.url, "--table", table, "--create-table")
	}
	srv, err := startServer(ctx, bin, cfgPath, storeArgs, env)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.stop()
		}
	}()
	base := "http://" + srv.addr
	fmt.Fprintf(o.progress, "load: %s: slawatch serving on %s; sending for %s\n", store, srv.addr, o.duration)

	client := &http.Client{
		Transport: &http.Transport{MaxIdleConns: 4 * o.concurrency, MaxIdleConnsPerHost: 4 * o.concurrency, IdleConnTimeout: 90 * time.Second},
		Timeout:   30 * time.Second,
	}
	defer client.CloseIdleConnections()

	// The producer makes conversations ahead of the workers, one helpdesk
	// after the other.
	gen := newGenerator(fx)
	fresh := make(chan *ticket, 256)
	quit := make(chan struct{})
	var genMu sync.Mutex
	var genErrors []string
	go func() {
		defer close(fresh)
		r := rand.New(rand.NewPCG(o.seed, uint64(2*index)))
		for i := 0; ; i++ {
			t, err := gen.ticket(r, vendors[i%len(vendors)], time.Now())
			if err != nil {
				genMu.Lock()
				genErrors = append(genErrors, err.Error())
				n := len(genErrors)
				genMu.Unlock()
				if n == 10 {
					return // the payloads are broken: stop the run
				}
				continue
			}
			select {
			case fresh <- t:
			case <-quit:
				return
			}
		}
	}()
	sched := newScheduler(rand.New(rand.NewPCG(o.seed, uint64(2*index+1))), o.tickets, fresh, o.dup, o.reorder)
	snd := &sender{base: base, secrets: bySource, maxAttempts: 8}

	results := make([]*result, o.concurrency)
	var wg sync.WaitGroup
	kept := &keptPayloads{budget: payloadBudget}
	stopProfile, err := startProfile(o.cpuprofile, index)
	if err != nil {
		return nil, err
	}
	genCPU0, serverCPU0 := selfCPU(), processCPU(srv.cmd.Process.Pid)
	start := time.Now()
	timer := time.AfterFunc(o.duration, sched.stop)
	for i := range results {
		res := &result{byStatus: map[int]int{}}
		results[i] = res
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWire(srv.addr, 30*time.Second)
			defer w.close()
			for {
				e, ok := sched.take()
				if !ok {
					return
				}
				snd.send(ctx, w, e, res)
				if t := sched.finish(e); t != nil && !kept.keep(t) {
					if err := gen.parseTicket(t, func(d *delivery) bool { return d.sent }); err != nil {
						genMu.Lock()
						genErrors = append(genErrors, strings.Split(err.Error(), "\n")...)
						genMu.Unlock()
					}
				}
			}
		}()
	}
	sent := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sched.stop()
		case <-sent:
		}
	}()
	wg.Wait()
	close(sent)
	timer.Stop()
	elapsed := time.Since(start)
	genCPU, serverCPU := selfCPU()-genCPU0, processCPU(srv.cmd.Process.Pid)-serverCPU0
	if genCPU0 < 0 || serverCPU0 < 0 {
		genCPU, serverCPU = -1, -1
	}
	stopProfile()
	close(quit)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	out := &runResult{store: store, elapsed: elapsed, firsts: sched.firsts, dups: sched.dups, reordered: sched.reordered,
		bySource: map[string]int{}, res: result{byStatus: map[int]int{}}, genCPU: genCPU, serverCPU: serverCPU}
	if proxy != nil {
		out.ddbOps, out.ddbConflicts = proxy.counts()
		out.ddbWrites = proxy.writeUnitsSoFar()
	}
	for _, res := range results {
		out.res.add(res)
	}
	for _, t := range sched.all {
		sent := false
		for _, d := range t.deliveries {
			if !d.sent {
				continue
			}
			sent = true
			out.bySource[t.vendor.name]++
			if d.refused.Load() > 0 {
				out.refused++
			}
			if d.uncertain.Load() && !d.delivered.Load() {
				out.undecided++
			}
		}
		if sent {
			out.tickets++
		}
	}
	genMu.Lock()
	out.genErrors = slices.Clone(genErrors)
	genMu.Unlock()
	fmt.Fprintf(o.progress, "load: %s: reading the webhooks sent with the adapters\n", store)
	out.genErrors = append(out.genErrors, parseSent(gen, sched.all)...)

	fmt.Fprintf(o.progress, "load: %s: %d requests in %s; comparing %d tickets with the model\n", store, out.res.requests, elapsed.Round(time.Millisecond), out.tickets)
	out.ver = verify(ctx, client, base, cfg, sched.all, o.concurrency)

	stopped = true
	stopErr := srv.stop()
	srv.mu.Lock()
	out.serverWarn, out.serverErr, out.serverLast, out.outputs = srv.warns, srv.errs, slices.Clone(srv.last), srv.output
	out.serverWarnKinds = slices.Clone(srv.warnKinds)
	out.alertsTwice, out.alerts = twice(srv.alerts)
	out.acksTwice, out.acks = twice(srv.acks)
	srv.mu.Unlock()
	if stopErr != nil {
		var exit interface{ ExitCode() int }
		if !errors.As(stopErr, &exit) {
			return nil, stopErr
		}
		out.serverLast = append(out.serverLast, "slawatch serve: "+stopErr.Error())
	}
	return out, nil
}

// parseSent parses the deliveries sent, every ticket's, on every core:
// the model's events, and the payloads the adapters read differently from
// what was meant.
func parseSent(g *generator, tickets []*ticket) []string {
	work := make(chan *ticket)
	var mu sync.Mutex
	var errs []string
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				if t.parsed {
					continue // parsed while sending (payloadBudget)
				}
				if err := g.parseTicket(t, func(d *delivery) bool { return d.sent }); err != nil {
					mu.Lock()
					errs = append(errs, strings.Split(err.Error(), "\n")...)
					mu.Unlock()
				}
			}
		}()
	}
	for _, t := range tickets {
		work <- t
	}
	close(work)
	wg.Wait()
	slices.Sort(errs)
	return errs
}

// startProfile starts the CPU profile of the first store's sending phase
// (-cpuprofile), for the load generator's own cost per request; the
// returned func stops it.
func startProfile(path string, index int) (stop func(), err error) {
	if path == "" || index > 0 {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// command is the command line that reproduces the run.
func command(args []string, o options) string {
	cmd := "go run ./infra/load"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	if slices.Contains(o.stores, "dynamodb") {
		cmd = "infra/local/dynamodb.sh run " + cmd
	}
	return cmd
}

// report prints the runs as a Markdown table, one column per store, and
// what went wrong below it.
func report(w io.Writer, o options, runs []*runResult, cmd string) {
	fmt.Fprintf(w, "| %d s per store, %d workers, %d conversations in flight, -dup %g, -reorder %g |",
		int(o.duration.Seconds()), o.concurrency, o.tickets, o.dup, o.reorder)
	for _, r := range runs {
		fmt.Fprintf(w, " %s |", r.store)
	}
	fmt.Fprint(w, "\n|---|")
	for range runs {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	row := func(label string, cell func(r *runResult) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, r := range runs {
			fmt.Fprintf(w, " %s |", cell(r))
		}
		fmt.Fprintln(w)
	}
	pct := func(n, of int) string {
		if of == 0 {
			return fmt.Sprint(n)
		}
		return fmt.Sprintf("%d (%.1f %%)", n, 100*float64(n)/float64(of))
	}
	row("tickets (conversations)", func(r *runResult) string { return fmt.Sprint(r.tickets) })
	row("webhooks sent (each once)", func(r *runResult) string { return fmt.Sprint(r.firsts) })
	row("duplicates sent", func(r *runResult) string { return pct(r.dups, r.firsts) })
	row("sent out of order", func(r *runResult) string { return pct(r.reordered, r.firsts) })
	row("retries (5xx, connection errors)", func(r *runResult) string { return fmt.Sprint(r.res.retries) })
	row("requests sent, all attempts", func(r *runResult) string { return fmt.Sprint(r.res.requests) })
	row("sending time", func(r *runResult) string { return fmt.Sprintf("%.1f s", r.elapsed.Seconds()) })
	row("throughput", func(r *runResult) string {
		return fmt.Sprintf("%.0f requests/s", float64(r.res.requests)/r.elapsed.Seconds())
	})
	row("CPU per request: load generator / slawatch", func(r *runResult) string {
		if r.genCPU < 0 || r.serverCPU < 0 || r.res.requests == 0 {
			return "-"
		}
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(r.res.requests) }
		return fmt.Sprintf("%.0f / %.0f µs", per(r.genCPU), per(r.serverCPU))
	})
	row("latency p50 / p90 / p99 / max", func(r *runResult) string { return latencies(r.res.latencies) })
	row("responses", func(r *runResult) string { return statuses(r.res.byStatus, func(c int) bool { return c < 300 }) })
	row("errors by status", func(r *runResult) string {
		s := statuses(r.res.byStatus, func(c int) bool { return c >= 300 })
		if r.res.conn > 0 {
			s = strings.TrimPrefix(strings.TrimPrefix(s, "none")+fmt.Sprintf(", connection: %d", r.res.conn), ", ")
		}
		return s
	})
	row("webhooks refused (4xx) / undeliverable", func(r *runResult) string { return fmt.Sprintf("%d / %d", r.refused, r.undecided) })
	row("alerts sent (of them, sent twice)", func(r *runResult) string { return fmt.Sprintf("%d (%d)", r.alerts, r.alertsTwice) })
	row("acknowledgements sent (twice)", func(r *runResult) string { return fmt.Sprintf("%d (%d)", r.acks, r.acksTwice) })
	row("server log warnings / errors", func(r *runResult) string { return fmt.Sprintf("%d / %d", r.serverWarn, r.serverErr) })
	row("DynamoDB requests per webhook request (lost races)", func(r *runResult) string {
		if r.ddbOps == nil {
			return "-"
		}
		ops, lost := 0, 0
		for k, n := range r.ddbOps {
			ops += n
			lost += r.ddbConflicts[k]
		}
		return fmt.Sprintf("%.1f (%.1f)", float64(ops)/float64(max(r.res.requests, 1)), float64(lost)/float64(max(r.res.requests, 1)))
	})
	row("DynamoDB write units per webhook request", func(r *runResult) string {
		if r.ddbOps == nil {
			return "-"
		}
		var all float64
		for _, u := range r.ddbWrites.byKind {
			all += u
		}
		return fmt.Sprintf("%.2f", all/float64(max(r.res.requests, 1)))
	})
	row("events in the model", func(r *runResult) string { return fmt.Sprint(r.ver.events) })
	row("tickets compared with the model", func(r *runResult) string { return fmt.Sprint(r.ver.checked) })
	row("**model mismatches**", func(r *runResult) string { return fmt.Sprintf("**%d**", r.ver.mismatched) })
	fmt.Fprintln(w)
	for _, r := range runs {
		var parts []string
		for _, v := range vendors {
			parts = append(parts, fmt.Sprintf("%s %d", v.name, r.bySource[v.name]))
		}
		fmt.Fprintf(w, "Webhooks per helpdesk (%s): %s.\n", r.store, strings.Join(parts, ", "))
		if r.ddbOps != nil {
			fmt.Fprintf(w, "DynamoDB requests while sending (%s): %s.\n", r.store, summary(r.ddbOps, r.ddbConflicts))
			fmt.Fprintf(w, "DynamoDB write units while sending (%s): %s.\n", r.store, r.ddbWrites.summary(r.res.requests))
		}
	}
	fmt.Fprintf(w, "\nMachine: %s/%s, %d CPUs (runtime.NumCPU), %s; the load generator, slawatch and DynamoDB Local share it.\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(w, "Command: `%s` (seed %d).\n", cmd, o.seed)

	for _, r := range runs {
		problems := func(title string, lines []string) {
			if len(lines) == 0 {
				return
			}
			fmt.Fprintf(w, "\n%s (%s):\n", title, r.store)
			for i, l := range lines {
				if i == 20 {
					fmt.Fprintf(w, "- … %d more\n", len(lines)-i)
					break
				}
				fmt.Fprintf(w, "- %s\n", l)
			}
		}
		problems("Model mismatches", r.ver.mismatches)
		problems("Payloads the adapters read differently from what was meant", r.genErrors)
		problems("Refused webhooks", r.res.refused)
		problems("Last server errors", r.serverLast)
		problems("Server warnings, by kind", r.serverWarnKinds)
	}
}

func latencies(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	ms := func(d time.Duration) string {
		v := float64(d) / float64(time.Millisecond)
		if v < 10 {
			return fmt.Sprintf("%.1f", v)
		}
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%s / %s / %s / %s ms", ms(q(0.5)), ms(q(0.9)), ms(q(0.99)), ms(s[len(s)-1]))
}

func statuses(by map[int]int, keep func(int) bool) string {
	var codes []int
	for c := range by {
		if keep(c) {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return "none"
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d: %d", c, by[c])
	}
	return strings.Join(parts, ", ")
}
