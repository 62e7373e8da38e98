package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/replay"
)

// screenshots is where TestDashboardBrowser saves its PNGs: a git-ignored
// folder by default; `make screenshots` points it at docs/img.
var screenshots = flag.String("screenshots", "", "folder for the dashboard test's screenshots (default: .screenshots at the repository root)")

// dashboardConfig owns chat tickets by team "chat" (1 hour, calendar time)
// and everything else by team "email" (24 hours); "sim" is the generated
// trace's source, linked to a fake helpdesk at helpdesk.
func dashboardConfig(helpdesk string) string {
	return `sources:
  generic: {provider: generic}
  sim: {provider: generic, ticket_url: "` + helpdesk + `/tickets/{id}"}
policies:
  - name: realtime
    team: chat
    match: {channel: [chat]}
    first_response: {within: 1h}
    next_reply: {within: 1h}
    warnings: ["25%"]
  - name: standard
    team: email
    first_response: {within: 24h}
    next_reply: {within: 24h}
    warnings: [4h, 1h]
`
}

// dashboardTrace generates three weeks of email and chat tickets that end
// before now, the chat ids prefixed so the two teams' tickets differ.
func dashboardTrace(t *testing.T, now time.Time) []event.Event {
	t.Helper()
	cal, err := replayCalendar("", "")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(now.Year(), now.Month(), now.Day()-22, 0, 0, 0, 0, cal.Location())
	var out []event.Event
	for _, s := range []struct {
		ch     event.Channel
		prefix string
		perDay float64
		seed   uint64
	}{{event.Email, "e", 30, 3}, {event.Chat, "c", 20, 5}} {
		evs := replay.Generate(replay.Scenario{Start: start, Days: 20, Calendar: cal, ArrivalsPerDay: s.perDay,
			BurstDay: 12, BurstDays: 2, BurstFactor: 3, AgentsPerHour: 8, Channel: s.ch, Seed: s.seed, ClosedUnanswered: 0.1})
		for _, e := range evs {
			if e.OccurredAt.After(now.Add(-time.Hour)) {
				continue // a reply still to come: its clock is not ended
			}
			e.TicketID, e.ID = s.prefix+e.TicketID, s.prefix+e.ID
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out
}

// traceFacts are what the dashboard must show of the trace, counted here
// from the events alone, without the engine or the report: each ticket is
// created, then answered or closed once, within its team's target or not.
type traceFacts struct {
	answered int                        // first responses: the distribution's total
	breached int                        // the lateness chart's total
	days     map[string]map[string]bool // team → UTC days with an ended clock that was met or breached
}

func factsOf(evs []event.Event) traceFacts {
	f := traceFacts{days: map[string]map[string]bool{"chat": {}, "email": {}}}
	created := map[string]event.Event{}
	for _, e := range evs {
		if e.Kind == event.TicketCreated {
			created[e.TicketID] = e
			continue
		}
		c := created[e.TicketID]
		team, target := "email", 24*time.Hour
		if c.Channel == event.Chat {
			team, target = "chat", time.Hour
		}
		late := e.OccurredAt.Sub(c.OccurredAt) > target
		if e.Kind == event.AgentReply {
			f.answered++
		}
		if late {
			f.breached++
		}
		if late || e.Kind == event.AgentReply {
			f.days[team][e.OccurredAt.UTC().Format("2006-01-02")] = true
		}
	}
	return f
}

// get returns the body of GET path, failing the test on any other status
// than 200.
func (s *server) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// browser starts Debian's chromium (make test installs it) headless, or
// skips when there is none and the run does not require one.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("SLAWATCH_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path != "" {
			break
		}
		path, _ = exec.LookPath(name)
	}
	if path == "" {
		if os.Getenv("SLAWATCH_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium found, and SLAWATCH_REQUIRE_BROWSER is set (make test installs it: infra/local/chromium.sh)")
		}
		t.Skip("no chromium on PATH: run make test, which installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 900))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // chromium refuses to run as root with its sandbox
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// shoot saves a full-page PNG of the current page.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := *screenshots
	if dir == "" {
		dir = filepath.Join("..", "..", ".screenshots")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KB)", filepath.Join(dir, name), len(png)/1024)
}

// do runs steps in the browser, each browser step bounded in time.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// textOf is the text of the first element sel matches, "" when none does.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	b, _ := json.Marshal(sel)
	return eval[string](t, ctx, `(document.querySelector(`+string(b)+`) || {textContent: ""}).textContent.trim()`)
}

// cdpCall sends one DevTools command to the page.
func cdpCall[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cmd, params)
		return err
	})
}

// chartFacts is what the page's script finds in one chart.
type chartFacts struct {
	Labels []string  `json:"labels"`
	Series []string  `json:"series"`
	Marks  []float64 `json:"marks"`
	// PerSeries counts the marks of each series, by name.
	PerSeries map[string]int `json:"per_series"`
}

const chartJS = `(() => {
  const out = {};
  for (const fig of document.querySelectorAll("figure[id^=chart-]")) {
    const per = {};
    for (const g of fig.querySelectorAll("g.series")) per[g.dataset.series] = g.querySelectorAll(".mark").length;
    out[fig.id] = {
      labels: [...fig.querySelectorAll("svg .axis-label")].map(e => e.textContent.trim()),
      series: [...fig.querySelectorAll("g.series")].map(g => g.dataset.series),
      marks: [...fig.querySelectorAll("svg .mark")].map(e => parseFloat(e.dataset.value)),
      per_series: per,
    };
  }
  return out;
})()`

// atRiskJS lists the at-risk rows: ticket label and state class.
const atRiskJS = `[...document.querySelectorAll("#at-risk tbody tr:not(.none)")].map(tr => tr.cells[1].textContent.trim() + " " + tr.className)`

// TestDashboardBrowser seeds `slawatch serve` with a generated trace and
// live tickets, and checks the dashboard in Chromium: the at-risk order and
// its live update, the charts against counts taken from the trace, the
// drill-down, the viewer's zone, a phone's width, the page without
// JavaScript, and that nothing but the server is asked for anything.
func TestDashboardBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx := browser(t)

	// The fake helpdesk the ticket links of the trace's source point at.
	desk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/tickets/")
		fmt.Fprintf(w, `<!doctype html><title>Ticket %s</title><h1 id="helpdesk-ticket">%s</h1>`, html.EscapeString(id), html.EscapeString(id))
	}))
	t.Cleanup(desk.Close)

	now := time.Now().UTC()
	evs := dashboardTrace(t, now)
	facts := factsOf(evs)
	if facts.answered == 0 || facts.breached == 0 || len(facts.days["chat"]) == 0 || len(facts.days["email"]) == 0 {
		t.Fatalf("the trace lacks an outcome: %+v", facts)
	}
	dir := t.TempDir()
	var trace bytes.Buffer
	if err := replay.WriteTrace(&trace, evs); err != nil {
		t.Fatal(err)
	}
	cfgPath, tracePath := filepath.Join(dir, "config.yaml"), filepath.Join(dir, "trace.jsonl")
	for p, b := range map[string][]byte{cfgPath: []byte(dashboardConfig(desk.URL)), tracePath: trace.Bytes()} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SLAWATCH_GENERIC_SECRET", "dashboard-secret")
	srv := startServer(t, "--config", cfgPath, "--backfill", tracePath)

	// Live tickets, deadline order by hand: chat is due an hour after it
	// was created, email a day.
	created := func(id string, ch event.Channel, ago time.Duration) {
		body := fmt.Sprintf(`{"ticket_id":%q,"event_id":"%s-c","kind":"ticket_created","occurred_at":%q,"channel":%q,"priority":"normal"}`,
			id, id, now.Add(-ago).Format(time.RFC3339), ch)
		if st := srv.post(t, "dashboard-secret", body); st != http.StatusOK {
			t.Fatalf("post %s: status %d", id, st)
		}
	}
	created("L-late2h", event.Chat, 2*time.Hour)     // due 1 h ago: breached
	created("L-soon", event.Chat, 50*time.Minute)    // due in 10 min, warned from 45 min: at risk
	created("L-email", event.Email, time.Hour)       // due in 23 h: on track
	created("L-late10m", event.Chat, 70*time.Minute) // due 10 min ago: breached
	// Promises: tickets that serve acknowledges as they arrive, answered
	// once the acknowledgement is out, before the promised time: kept.
	promised := []string{"P-1", "P-2", "P-3"}
	for _, id := range promised {
		created(id, event.Email, 5*time.Minute)
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srv.get(t, "/tickets/generic/"+id), `"sent_at"`); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("ticket %s was not acknowledged: %s", id, srv.get(t, "/tickets/generic/"+id))
			}
		}
	}
	// The replies' times are whole seconds: a second later, each is after
	// its acknowledgement was sent, as a promise needs.
	time.Sleep(1100 * time.Millisecond)
	for _, id := range promised {
		body := fmt.Sprintf(`{"ticket_id":%q,"event_id":"%s-r","kind":"agent_reply","occurred_at":%q,"author":"agent","public":true}`,
			id, id, time.Now().UTC().Format(time.RFC3339))
		if st := srv.post(t, "dashboard-secret", body); st != http.StatusOK {
			t.Fatalf("post %s reply: status %d", id, st)
		}
		facts.answered++
		facts.days["email"][time.Now().UTC().Format("2006-01-02")] = true
	}
	wantOrder := []string{"generic L-late2h breached", "generic L-late10m breached", "generic L-soon at_risk", "generic L-email on_track"}

	base := "http://" + srv.addr + "/"
	do(t, ctx, cdpCall(emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}),
		chromedp.Navigate(base+"?refresh=2"), chromedp.WaitVisible(chromedp.CSS("#chart-promises")))
	if rows := eval[[]string](t, ctx, atRiskJS); !slices.Equal(rows, wantOrder) {
		t.Errorf("at-risk rows\n got %q\nwant %q", rows, wantOrder)
	}

	// Page weight and load time from the browser's own timing; every
	// request the page made went to this server.
	type perf struct {
		Body      float64  `json:"body"`
		Transfer  float64  `json:"transfer"`
		LoadMS    float64  `json:"load_ms"`
		Resources []string `json:"resources"`
	}
	p := eval[perf](t, ctx, `(() => { const n = performance.getEntriesByType("navigation")[0];
	  return {body: n.decodedBodySize, transfer: n.transferSize, load_ms: n.loadEventEnd - n.startTime,
	          resources: performance.getEntriesByType("resource").map(r => r.name)}; })()`)
	t.Logf("dashboard: %.1f KB HTML (%.1f KB transferred), loaded in %.0f ms, %d requests after it", p.Body/1024, p.Transfer/1024, p.LoadMS, len(p.Resources))
	if p.Body == 0 || p.Body > 300*1024 {
		t.Errorf("page weight %.0f bytes, want 1 to 300 KB", p.Body)
	}
	for _, u := range p.Resources {
		if !strings.HasPrefix(u, base) {
			t.Errorf("the page asked for %s", u)
		}
	}

	// The viewer's zone: the script shows it and formats times in it.
	if zone, due := textOf(t, ctx, "#zone"), textOf(t, ctx, "#at-risk tbody tr:first-child time"); zone != "Asia/Tokyo" || !strings.Contains(due, "GMT+9") {
		t.Errorf("viewer's zone: #zone %q, first due time %q; want Asia/Tokyo and a GMT+9 time", zone, due)
	}

	// Charts: labelled axes and marks that match the trace.
	charts := eval[map[string]chartFacts](t, ctx, chartJS)
	for _, id := range []string{"chart-attainment", "chart-distribution", "chart-lateness", "chart-promises"} {
		c, ok := charts[id]
		if !ok {
			t.Errorf("no %s", id)
			continue
		}
		if len(c.Labels) != 2 || slices.Contains(c.Labels, "") {
			t.Errorf("%s: axis labels %q, want two", id, c.Labels)
		}
	}
	sum := func(v []float64) (s int) {
		for _, x := range v {
			s += int(x)
		}
		return s
	}
	if got := sum(charts["chart-distribution"].Marks); got != facts.answered {
		t.Errorf("distribution: %d first responses drawn, the trace has %d", got, facts.answered)
	}
	if got := charts["chart-promises"].Marks; !slices.Equal(got, []float64{100}) {
		t.Errorf("promises: points %v, want one of 100%% (today's three kept)", got)
	}
	if got := sum(charts["chart-lateness"].Marks); got != facts.breached {
		t.Errorf("lateness: %d breaches drawn, the trace has %d", got, facts.breached)
	}
	att := charts["chart-attainment"]
	for team, days := range facts.days {
		if att.PerSeries[team] != len(days) {
			t.Errorf("attainment: %d points for team %s, the trace has clocks on %d days", att.PerSeries[team], team, len(days))
		}
	}
	for _, v := range att.Marks {
		if v < 0 || v > 100 {
			t.Errorf("attainment point %v outside 0–100", v)
		}
	}
	shoot(t, ctx, "dashboard.png")

	// Live: a ticket that arrives after the page loaded shows up in its
	// place, without a reload.
	created("L-new", event.Chat, 55*time.Minute) // due in 5 min: before L-soon
	wantLive := slices.Insert(slices.Clone(wantOrder), 2, "generic L-new at_risk")
	var rows []string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		rows = eval[[]string](t, ctx, atRiskJS)
		if slices.Equal(rows, wantLive) || time.Now().After(deadline) {
			break
		}
	}
	if !slices.Equal(rows, wantLive) {
		t.Errorf("after a live update, at-risk rows\n got %q\nwant %q", rows, wantLive)
	}

	// Drill-down: a breach's link opens its ticket in the helpdesk.
	firstBreach := textOf(t, ctx, "#breaches tbody tr:first-child a")
	do(t, ctx, chromedp.Click(chromedp.CSS("#breaches tbody tr:first-child a")), chromedp.WaitVisible(chromedp.CSS("#helpdesk-ticket")))
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if id, heading := strings.TrimPrefix(firstBreach, "sim "), textOf(t, ctx, "#helpdesk-ticket"); heading != id || location != desk.URL+"/tickets/"+url.PathEscape(id) {
		t.Errorf("drill-down from %q landed on %s showing %q", firstBreach, location, heading)
	}

	// A phone's width: the page does not scroll sideways (wide tables
	// scroll inside their own box).
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(base), chromedp.WaitVisible(chromedp.CSS("#chart-promises")))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at a phone's width the page is %d px wide, want at most 390", w)
	}
	shoot(t, ctx, "dashboard-phone.png")

	// Without JavaScript the tables are all there, rendered by the server.
	noJS, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(noJS); err != nil { // opens the tab, without a deadline (see chromedp.Run)
		t.Fatal(err)
	}
	// Navigate waits for the load event; with scripts off, chromedp's
	// visibility polling would not run.
	do(t, noJS, cdpCall(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}),
		chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base))
	// Evaluate runs in DevTools' own world, which the switch leaves alone.
	if rows := eval[[]string](t, noJS, atRiskJS); !slices.Equal(rows, wantLive) {
		t.Errorf("without JavaScript, at-risk rows\n got %q\nwant %q", rows, wantLive)
	}
	if zone, breaches := textOf(t, noJS, "#zone"), textOf(t, noJS, "#breaches tbody"); zone != "UTC" || !strings.Contains(breaches, "sim ") {
		t.Errorf("without JavaScript: zone %q, breaches %q", zone, breaches)
	}
	// The script titles every time it localises: none may have one here,
	// or the page above was not the one without JavaScript.
	if n := eval[int](t, noJS, `document.querySelectorAll("time[title]").length`); n != 0 {
		t.Errorf("without JavaScript, %d times were localised by the script", n)
	}
}

// TestDashboardEmpty: on an empty store the dashboard shows a new user the
// README's first webhook, addressed to this server, in the browser.
func TestDashboardEmpty(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The README's first example: from `body=` to the first curl's -d.
	start := bytes.Index(readme, []byte("body='{\"ticket_id\":\"42\""))
	end := bytes.Index(readme[start:], []byte(`-d "$body"`))
	if start < 0 || end < 0 {
		t.Fatal("README.md no longer has the first webhook example this test compares with")
	}
	example := string(readme[start : start+end+len(`-d "$body"`)])

	ctx := browser(t)
	srv := startServer(t)
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("http://"+srv.addr+"/"), chromedp.WaitVisible(chromedp.CSS("#onboarding")))
	shown := textOf(t, ctx, "#onboarding pre")
	if want := strings.ReplaceAll(example, "127.0.0.1:8080", srv.addr); !strings.Contains(shown, want) {
		t.Errorf("onboarding example\n%s\ndoes not hold the README's\n%s", shown, want)
	}
	shoot(t, ctx, "dashboard-empty.png")
}
