package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

func getPage(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// Without JavaScript the at-risk table is the server's: the order, states,
// time left and links of atRiskServer's clocks, worked out by hand there.
func TestDashboardAtRiskTable(t *testing.T) {
	srv := atRiskServer(t, true)
	resp, body := getPage(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	table := body[strings.Index(body, `<table id="at-risk"`):]
	table = table[:strings.Index(table, "</table>")]
	row := regexp.MustCompile(`(?s)<tr class="(\w+)".*?<a href="([^"]+)">(\w+) ([^<]+)</a>.*?<td class="left">([^<]+)</td>`)
	var got []string
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		got = append(got, strings.Join(m[1:], " | "))
	}
	want := []string{
		"breached | tickets/generic/g-1 | generic | g-1 | overdue 1h 00m",
		"breached | https://desk.test/tickets/101 | zendesk | 101 | overdue 30m 00s",
		"breached | https://desk.test/tickets/107 | zendesk | 107 | overdue 0m 01s",
		"on_track | https://desk.test/tickets/103 | zendesk | 103 | 15m 00s",
		"at_risk | https://desk.test/tickets/102 | zendesk | 102 | 30m 30s",
		"on_track | https://desk.test/tickets/106 | zendesk | 106 | 3h 00m",
		"on_track | https://desk.test/tickets/104 | zendesk | 104 | 3h 59m",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("at-risk rows\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// The page's inline stylesheet and script are the ones its
// Content-Security-Policy allows by hash, and it names no other host.
func TestDashboardCSP(t *testing.T) {
	srv := atRiskServer(t, true)
	resp, body := getPage(t, srv.URL+"/")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, tag := range []string{"style", "script"} {
		m := regexp.MustCompile(`(?s)<`+tag+`>(.*?)</`+tag+`>`).FindAllStringSubmatch(body, -1)
		if len(m) != 1 {
			t.Fatalf("%d inline <%s> elements, want 1", len(m), tag)
		}
		sum := sha256.Sum256([]byte(m[0][1]))
		if want := tag + "-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
			t.Errorf("CSP %q does not allow the page's <%s> (%s)", csp, tag, want)
		}
	}
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("CSP %q: want default-src 'none' and connect-src 'self'", csp)
	}
	// Links to the helpdesk are the only absolute URLs.
	for _, m := range regexp.MustCompile(`(?:src|href|action)="(https?:[^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !strings.HasPrefix(m[1], "https://desk.test/tickets/") {
			t.Errorf("the page refers to %s", m[1])
		}
	}
}

func TestDashboardRefusals(t *testing.T) {
	srv := atRiskServer(t, true)
	for _, tt := range []struct {
		query, param string
	}{
		{"days=0", "days"}, {"days=91", "days"}, {"days=x", "days"},
		{"tz=Mars/Olympus", "tz"}, {"tz=Local", "tz"},
		{"team=nobody", "team"},
		{"refresh=1", "refresh"}, {"refresh=301", "refresh"},
	} {
		resp, body := getPage(t, srv.URL+"/?"+tt.query)
		var e struct{ Error, Parameter string }
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != http.StatusBadRequest || e.Parameter != tt.param || !strings.HasPrefix(e.Error, tt.param+": ") {
			t.Errorf("?%s: %d %s; want 400 naming %s", tt.query, resp.StatusCode, body, tt.param)
		}
	}
	resp, err := http.Post(srv.URL+"/", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp, body := getPage(t, srv.URL+"/nope"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"error"`) {
		t.Errorf("GET /nope: %d %s, want a JSON 404", resp.StatusCode, body)
	}
	// A server that keeps neither history nor clocks (the webhook
	// function) has no dashboard.
	if resp, _ := getPage(t, atRiskServer(t, false).URL+"/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / without history or clocks: %d, want 404", resp.StatusCode)
	}
}

// The heaviest page the parameters allow stays under 300 KB: 90 days of 8
// teams, 100 clocks at risk and a full breach list, with long ids.
func TestDashboardWeight(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	var cfgYAML strings.Builder
	cfgYAML.WriteString("sources:\n  zendesk: {provider: zendesk, ticket_url: \"https://a-rather-long-helpdesk-name.zendesk.com/agent/tickets/{id}\"}\npolicies:\n")
	for i := range 8 {
		fmt.Fprintf(&cfgYAML, "  - name: policy-of-team-%d\n    team: team-number-%d\n    match: {tags: t%d}\n    first_response: {within: 1h}\n    next_reply: {within: 1h}\n    warnings: [\"25%%\"]\n", i, i, i)
	}
	cfg, err := policy.Parse([]byte(cfgYAML.String()))
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemoryAt(func() time.Time { return now })
	ctx := context.Background()
	long := strings.Repeat("x", 60)
	for day := range 90 {
		for team := range 8 {
			for n, metric := range []string{history.FirstResponse, history.NextReply} {
				start := now.AddDate(0, 0, -day).Add(-time.Duration(2+team+n) * time.Hour)
				for k, took := range []time.Duration{10 * time.Minute, 3 * time.Hour} { // one met, one breached
					r := history.Record{Source: "zendesk", Ticket: fmt.Sprintf("%s-%d-%d-%d", long, day, team, k), Metric: metric, Cycle: n,
						Policy: fmt.Sprintf("policy-of-team-%d", team), Team: fmt.Sprintf("team-number-%d", team),
						Started: start, Due: start.Add(time.Hour), Ended: start.Add(took)}
					r.Measure(nil, true, 0)
					if _, err := mem.Record(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	for i := range 120 {
		id := fmt.Sprintf("%s-open-%d", long, i)
		e := event.Event{Source: "zendesk", TicketID: id, ID: id + "-c", Kind: event.TicketCreated, Channel: event.Email,
			OccurredAt: now.Add(-time.Duration(i) * time.Minute), Author: event.Customer, Public: true, Tags: []string{fmt.Sprintf("t%d", i%8)}}
		if _, err := mem.Update(ctx, store.Key{Source: "zendesk", ID: id}, e.ID, func(t sla.Ticket) (sla.Ticket, bool, error) {
			return sla.Apply(cfg, t, e)
		}); err != nil {
			t.Fatal(err)
		}
	}
	api := httpapi.New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	api.History, api.Clocks = mem, mem
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	resp, body := getPage(t, srv.URL+"/?days=90")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /?days=90: %d %s", resp.StatusCode, body)
	}
	if n := strings.Count(body, `<circle class="mark"`); n < 8*90 {
		t.Errorf("%d attainment points, want at least %d: the page is not the heaviest", n, 8*90)
	}
	if n := strings.Count(body, "-open-"); n < 100 {
		t.Errorf("%d at-risk rows, want 100", n)
	}
	t.Logf("heaviest dashboard: %.1f KB", float64(len(body))/1024)
	if len(body) > 300*1024 {
		t.Errorf("the page weighs %d bytes, over 300 KB", len(body))
	}
}

// historyPage serves the dashboard at now over a memory store holding
// recs (each measured as answered) under the configuration policies, and
// returns the page.
func historyPage(t *testing.T, now time.Time, policies string, recs []history.Record) string {
	t.Helper()
	cfg, err := policy.Parse([]byte(policies))
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemoryAt(func() time.Time { return now })
	for _, rec := range recs {
		rec.Measure(nil, true, 0)
		if _, err := mem.Record(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
	}
	api := httpapi.New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	api.History, api.Clocks = mem, mem
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	_, body := getPage(t, srv.URL+"/")
	return body
}

// The summary shows the resolution attainment beside next reply's: one of
// two resolutions solved in time is 50%, apart from the first response's
// 100%.
func TestDashboardResolutionColumn(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	start := now.Add(-72 * time.Hour)
	var recs []history.Record
	for i, r := range []struct {
		metric string
		took   time.Duration
	}{{history.FirstResponse, 10 * time.Minute}, {history.Resolution, 20 * time.Hour}, {history.Resolution, 30 * time.Hour}} {
		recs = append(recs, history.Record{Source: "zendesk", Ticket: fmt.Sprint(i), Metric: r.metric, Policy: "p", Team: "support",
			Started: start, Due: start.Add(map[string]time.Duration{history.FirstResponse: time.Hour, history.Resolution: 24 * time.Hour}[r.metric]), Ended: start.Add(r.took)})
	}
	body := historyPage(t, now, "policies:\n  - name: p\n    first_response: {within: 1h}\n    resolution: {within: 24h}\n", recs)
	if !strings.Contains(body, "<th>Next reply</th><th>Resolution</th><th>Promises kept</th>") {
		t.Errorf("no resolution column in the summary head")
	}
	foot := body[strings.Index(body, "<tfoot>"):]
	foot = foot[:strings.Index(foot, "</tfoot>")]
	cells := regexp.MustCompile(`<td>([^<]*)</td>`).FindAllStringSubmatch(foot, -1)
	var got []string
	for _, c := range cells {
		got = append(got, c[1])
	}
	// met, breached, attainment, median, p90, next reply, resolution, promises
	if len(got) != 8 || got[2] != "100.0%" || got[5] != "–" || got[6] != "50.0%" || got[7] != "–" {
		t.Errorf("total row cells %q, want first response 100.0%%, next reply –, resolution 50.0%%, promises –", got)
	}
}

// The recent breaches are the newest ones, however the week went: after a
// quiet weekend (the last day empty, the week more than a list's worth)
// the page once said "No breaches since" yesterday.
func TestDashboardRecentBreaches(t *testing.T) {
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	tuesday := monday.Add(-6 * 24 * time.Hour)
	for _, tc := range []struct {
		name      string
		n         int // breaches, ended every step from first
		first     time.Time
		step      time.Duration
		wantFirst int // the newest shown; -1 for none
		wantRows  int
	}{
		// 150 breaches Tuesday to Friday, none since Friday 17:00.
		{"quiet weekend", 150, tuesday, 30 * time.Minute, 149, 20},
		{"a few in the week", 5, tuesday, 24 * time.Hour, 4, 5},
		// 300 in the last 50 hours: the newest is 10 minutes old.
		{"busy", 300, monday.Add(-50 * time.Hour), 10 * time.Minute, 299, 20},
		{"none", 0, tuesday, time.Hour, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var recs []history.Record
			for i := range tc.n {
				ended := tc.first.Add(time.Duration(i) * tc.step)
				recs = append(recs, history.Record{Source: "zendesk", Ticket: fmt.Sprint(i), Metric: history.FirstResponse, Policy: "p", Team: "support",
					Started: ended.Add(-2 * time.Hour), Due: ended.Add(-time.Hour), Ended: ended})
			}
			body := historyPage(t, monday, "policies:\n  - name: p\n    first_response: {within: 1h}\n", recs)
			table := body[strings.Index(body, `<table id="breaches">`):]
			table = table[:strings.Index(table, "</table>")]
			var got []string
			for _, m := range regexp.MustCompile(`>zendesk (\d+)</a>`).FindAllStringSubmatch(table, -1) {
				got = append(got, m[1])
			}
			var want []string
			for i := tc.wantFirst; i > tc.wantFirst-tc.wantRows; i-- {
				want = append(want, fmt.Sprint(i))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("breach rows %v, want %v", got, want)
			}
			if none := strings.Contains(table, "No breaches since"); none != (tc.n == 0) {
				t.Errorf("says no breaches: %v, with %d in the week", none, tc.n)
			}
		})
	}
}
