package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/history"
	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/report"
	"github.com/slawatch/slawatch/shared/store"
)

// reportServer serves a memory store holding three first-response clocks
// of November 2026: two met, one breached by 30 minutes; and the promises
// of the first and the last, a minute in for half an hour: kept, and
// broken by 59 minutes (no breach).
func reportServer(t *testing.T, withHistory bool) *httptest.Server {
	t.Helper()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	mem := store.NewMemoryAt(func() time.Time { return now })
	for i, took := range []time.Duration{10 * time.Minute, 40 * time.Minute, 90 * time.Minute} {
		start := time.Date(2026, 11, 10+i, 9, 0, 0, 0, time.UTC)
		r := history.Record{Source: "zendesk", Ticket: string(rune('a' + i)), Metric: history.FirstResponse, Policy: "hour", Team: "billing",
			Started: start, Due: start.Add(time.Hour), Ended: start.Add(took), URL: "https://desk.test/" + string(rune('a'+i))}
		r.Measure(nil, true, 0)
		if _, err := mem.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if i != 1 {
			p := r
			p.Metric, p.Started, p.Due = history.Promise, start.Add(time.Minute), start.Add(31*time.Minute)
			p.Measure(nil, true, 0)
			if _, err := mem.Record(context.Background(), p); err != nil {
				t.Fatal(err)
			}
		}
	}
	api := httpapi.New(policy.Default(), mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Now = func() time.Time { return now }
	if withHistory {
		api.History = mem
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func TestReportRoute(t *testing.T) {
	srv := reportServer(t, true)
	const month = "from=2026-11-01&to=2026-11-30"
	tests := []struct {
		name, query, accept string
		status              int
		ct                  string
		param               string // for 400s
		check               func(t *testing.T, body string)
	}{
		{"json", month + "&by=team", "", 200, "application/json", "", func(t *testing.T, body string) {
			var rep report.Report
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			f := rep.Total.FirstResponse
			if len(rep.Rows) != 1 || rep.Rows[0].Group["team"] != "billing" || f.Met != 2 || f.Breached != 1 || *f.AttainmentPct != 66.67 {
				t.Errorf("report %+v", rep)
			}
			if p := rep.Rows[0].Promise; p.Met != 1 || p.Breached != 1 || p.AttainmentPct == nil || *p.AttainmentPct != 50 || p.BreachesByLateness.To1h != 1 {
				t.Errorf("promise %+v, want 1 kept, 1 broken by 59m: 50%%", p)
			}
		}},
		{"json with breaches", month + "&breaches=true&tz=Europe/Berlin", "application/json", 200, "application/json", "", func(t *testing.T, body string) {
			if !strings.Contains(body, `"ticket_url": "https://desk.test/c"`) || !strings.Contains(body, `"lateness_min": 30`) || !strings.Contains(body, "+01:00") {
				t.Errorf("body lacks the breach in Berlin time:\n%s", body)
			}
			if n := strings.Count(body, `"lateness_min"`); n != 1 {
				t.Errorf("%d breaches listed, want the first response's only (a broken promise is none):\n%s", n, body)
			}
		}},
		{"browser accept gets JSON", month, "text/html,application/xhtml+xml,*/*;q=0.8", 200, "application/json", "", nil},
		{"csv", month + "&by=team,day", "text/csv", 200, "text/csv", "", func(t *testing.T, body string) {
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 || recs[0][0] != "team" || recs[0][1] != "day_utc" || recs[1][1] != "2026-11-10" {
				t.Errorf("CSV %q: want a header and three rows (a day each)", recs)
			}
		}},
		{"csv breaches", month + "&breaches=1", "text/csv, application/json;q=0.5", 200, "text/csv", "", func(t *testing.T, body string) {
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil || len(recs) != 2 || recs[1][1] != "c" || recs[1][9] != "https://desk.test/c" {
				t.Errorf("breach CSV %q, %v", recs, err)
			}
		}},
		{"no from", "to=2026-11-30", "", 400, "application/json", "from", nil},
		{"bad from", "from=November&to=2026-11-30", "", 400, "application/json", "from", nil},
		{"no to", "from=2026-11-01", "", 400, "application/json", "to", nil},
		{"to before from", "from=2026-11-30&to=2026-11-01", "", 400, "application/json", "to", nil},
		{"unknown by", month + "&by=agent", "", 400, "application/json", "by", nil},
		{"unknown zone", month + "&tz=Europe/Atlantis", "", 400, "application/json", "tz", nil},
		{"over the retention", "from=2024-11-01&to=2026-11-30", "text/csv", 400, "application/json", "from", nil},
		{"bad breaches", month + "&breaches=maybe", "", 400, "application/json", "breaches", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/report?"+tt.query, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ct) {
				t.Fatalf("status %d, content type %q; want %d, %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.ct, b)
			}
			if tt.ct == "text/csv" && !strings.Contains(resp.Header.Get("Content-Disposition"), `filename=slawatch-sla-2026-11-01-2026-11-30`) {
				t.Errorf("Content-Disposition %q", resp.Header.Get("Content-Disposition"))
			}
			if tt.param != "" {
				var e struct{ Error, Parameter string }
				if err := json.Unmarshal(b, &e); err != nil || e.Parameter != tt.param || !strings.HasPrefix(e.Error, tt.param+": ") {
					t.Errorf("body %s, want an error naming %q", b, tt.param)
				}
			}
			if tt.check != nil {
				tt.check(t, string(b))
			}
		})
	}
}

func TestReportRouteWithoutHistory(t *testing.T) {
	srv := reportServer(t, false)
	resp, err := http.Get(srv.URL + "/api/report?from=2026-11-01&to=2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(string(b), "history") {
		t.Errorf("status %d, body %s; want 501 saying the history is not kept", resp.StatusCode, b)
	}
}
